"""One router per resource: health, ask, chat (+ conversations), documents, openai_compat."""
