"""The support verifier: do a claim's cited quotes entail it? (base: the protocol and the
text layout; onnx: the shipped model; crossencoder: any CrossEncoder; factory: by name)."""
