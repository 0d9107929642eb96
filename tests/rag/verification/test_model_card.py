"""The shipped verifier and its card agree, it loads without torch, and it reads."""

import json
from pathlib import Path

import pytest

from rag.reading.onnx import sha256
from rag.verification.base import Statement
from rag.verification.onnx import MODELS


def test_the_shipped_file_matches_its_card() -> None:
    card = json.loads((MODELS / "verifier.json").read_text())
    model = MODELS / "verifier.onnx"
    assert card["sha256"]["verifier.onnx"] == sha256(model)
    assert card["bytes"] == model.stat().st_size
    assert model.stat().st_size <= 30 * 1024 * 1024


def test_the_card_gives_its_threshold_data_and_held_out_scores() -> None:
    card = json.loads((MODELS / "verifier.json").read_text())
    assert 0.0 < card["threshold"] < 1.0
    assert card["data"]["pairs_sha256"] and card["data"]["fm2_dev_sha256"]
    assert card["data"]["train_sha256"] and card["hyperparameters"]["seed"] is not None
    held = card["heldout"]
    assert held["with_verifier"]["kinds"] and held["exact_checks_only"]["kinds"]
    assert (MODELS / "verifier.md").read_text().startswith("# Model card")


@pytest.mark.integration
def test_it_loads_without_torch_and_a_corrupt_copy_is_one_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from rag.verification.onnx import OnnxVerifier;"
        "from rag.verification.base import Statement; v = OnnxVerifier();"
        "p = v.verify([Statement('The levy rose.', ('The levy rose to 417 crowns.',))]);"
        "assert 0 <= p[0] <= 1; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

    from rag.errors import VerifierError
    from rag.verification.onnx import OnnxVerifier

    broken = tmp_path / "verifier.onnx"
    broken.write_bytes((MODELS / "verifier.onnx").read_bytes()[: 1 << 20])
    (tmp_path / "verifier.json").write_text((MODELS / "verifier.json").read_text())
    with pytest.raises(VerifierError, match="corrupt"):
        OnnxVerifier(broken)


@pytest.mark.integration
def test_it_tells_a_restatement_from_a_reversal() -> None:
    """Made-up sentences: the same quote, restated faithfully and with its meaning turned."""
    from rag.verification.onnx import OnnxVerifier

    verifier = OnnxVerifier()
    quote = ("The harbour levy rose to 417 crowns after the council approved the plan on Monday.",)
    context = ("Harbour Times", "Levy goes up")
    right, fell, rejected = verifier.verify(
        [
            Statement(
                "The council approved the plan, and the levy rose to 417 crowns.", quote, context
            ),
            Statement("The harbour levy fell to 417 crowns.", quote, context),
            Statement("The council rejected the plan on Monday.", quote, context),
        ]
    )
    assert right >= verifier.threshold
    assert fell < verifier.threshold and rejected < verifier.threshold
