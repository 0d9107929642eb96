"""A GBNF grammar for cited answers: llama.cpp samples only text of this shape.

    grammar = cited_answer_grammar(evidence=6)  # sent as {"grammar": ...} in the request body

The reply is either the refusal, word for word, or 1 to `max_sentences` sentences, each
followed by one or more markers naming evidence that exists ([1] to [n]). Sentence text
holds no brackets and no line breaks, so a small model cannot invent a marker, copy out the
numbered evidence list or run on into a list of its own. Whether each sentence is backed by
the quotes it cites is still checked afterwards (rag/support/): the grammar fixes the form,
never the content.
"""

from __future__ import annotations

import json


def cited_answer_grammar(evidence: int, max_sentences: int = 3, refusal: str | None = None) -> str:
    """GBNF for an answer citing only markers 1..`evidence`, in at most `max_sentences`
    (or the `refusal` sentence alone, word for word, when one is given)."""
    if evidence < 1:
        raise ValueError("a cited answer needs at least one evidence sentence")
    numbers = " | ".join(json.dumps(str(n)) for n in range(evidence, 0, -1))  # "10" before "1"
    more = ' (" " claim)?' * (max_sentences - 1)
    root = f"root ::= {json.dumps(refusal)} | claim{more}" if refusal else f"root ::= claim{more}"
    return "\n".join(
        [
            root,
            # `+` rather than {m,n}: bounded repetition makes llama.cpp's sampling far slower.
            'claim ::= [^\\[\\]\\n] [^\\[\\]\\n]+ " " marker+',
            f'marker ::= "[" ({numbers}) "]"',
        ]
    )
