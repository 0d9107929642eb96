"""`RAG_VERIFIER` -> a verifier (or None): "local" (the shipped model), "none", or a
sentence-transformers CrossEncoder folder or Hugging Face id."""

from __future__ import annotations

from rag.config import Settings
from rag.verification.base import Verifier


def verifier_for(settings: Settings) -> Verifier | None:
    """The verifier `settings` name; VerifierError (one line) when it cannot be loaded.
    RAG_SUPPORT_THRESHOLD, when set, replaces the verifier's own threshold."""
    verifier: Verifier
    match settings.verifier.lower():
        case "none" | "off":
            return None
        case "local":
            from rag.verification.onnx import OnnxVerifier

            verifier = OnnxVerifier()
        case _:
            from rag.verification.crossencoder import CrossEncoderVerifier

            verifier = CrossEncoderVerifier(settings.verifier)
    if settings.support_threshold is not None:
        verifier.threshold = settings.support_threshold
    return verifier
