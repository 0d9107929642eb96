"""Reading models: which sentence answers a question, the short answer inside it, and how
sure. `base` (the protocol), `encoding` (the pair layout shared with training), `onnx`
(the shipped int8 model), `crossencoder` (any sentence-transformers CrossEncoder),
`factory` (`RAG_READER`), `models/` (the shipped file and its card)."""
