"""The verifier's model card as Markdown, for people (the JSON card is for machines)."""

from __future__ import annotations

import json
from typing import Any


def _kinds_table(held: dict[str, Any]) -> str:
    with_v, without = held["with_verifier"]["kinds"], held["exact_checks_only"]["kinds"]
    rows = [
        f"| {kind} | {with_v[kind]['n']} | {without.get(kind, {}).get('share', '')} "
        f"| {with_v[kind]['share']} |"
        for kind in sorted(with_v)
    ]
    return "\n".join(rows)


def render_card(card: dict[str, Any]) -> str:
    held, bench, serve = card["heldout"], card["benchmarks"], card["serving"]
    train = card["training"]
    fm2, wice = bench.get("fm2_test") or {}, bench.get("wice_test") or {}
    return f"""# Model card: {card["name"]}

{card["task"]}. Base: {card["base"]}. Int8 ONNX, {card["bytes"] / 1e6:.1f} MB,
sha256 `{card["sha256"]["verifier.onnx"]}` (checked at load and by tests/rag/verification).

Input: `{card["inputs"]["layout"]}`, at most {card["inputs"]["max_tokens"]} word pieces.
Output: one logit; its sigmoid is `Claim.support` once the exact checks pass.

## Threshold
{card["threshold"]}: {card["fit"]["rule"]}. On those {card["fit"]["pairs"]} pairs: right
kept {card["fit"]["right_kept"]}, wrong caught {card["fit"]["wrong_caught"]}.

## Held-out scores
{held["about"]}. ROC AUC of the probability: float {held["float_auc"]}, int8 {held["int8_auc"]}.

Right kept: {held["with_verifier"]["right_kept"]} (exact checks alone:
{held["exact_checks_only"]["right_kept"]}); wrong caught: {held["with_verifier"]["wrong_caught"]}
({held["exact_checks_only"]["wrong_caught"]}).

| kind | pairs | judged right, exact checks alone | with the verifier |
|---|---|---|---|
{_kinds_table(held)}

FM2 test (claims written to fool a checker, Wikipedia evidence): balanced accuracy
{fm2.get("balanced_accuracy")} (supported kept {fm2.get("supported_kept")}, refuted caught
{fm2.get("unsupported_caught")}). WiCE test (Wikipedia claims against the news articles they
cite; partially supported counts as unsupported; reporting only, never trained on): balanced
accuracy {wice.get("balanced_accuracy")} (kept {wice.get("supported_kept")}, caught
{wice.get("unsupported_caught")}).

## Training
`{train["command"]}` on {train["machine"]}, from {train["init"]}: {train["steps"]} steps in
{train["seconds"]} s. Serving: loads in {serve["load_seconds"]} s; one answer's three
sentences are judged in {serve["ms_per_answer_3_claims"]} ms (median).

Data (sha256 of the sources and of the pairs written):
```json
{json.dumps(card["data"], indent=2)}
```

Hyperparameters:
```json
{json.dumps(card["hyperparameters"], indent=2)}
```

## Limitations
{chr(10).join(f"- {x}" for x in card["limitations"])}
"""
