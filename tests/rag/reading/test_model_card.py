"""The shipped reader and its card agree: the file is the one the card describes."""

import json

import pytest

from rag.reading.onnx import MODELS, sha256


def test_the_shipped_file_matches_its_card() -> None:
    card = json.loads((MODELS / "reader.json").read_text())
    model = MODELS / "reader.onnx"
    assert card["sha256"]["reader.onnx"] == sha256(model)
    assert card["bytes"] == model.stat().st_size
    assert model.stat().st_size <= 30 * 1024 * 1024  # the ceiling for the package


def test_the_card_says_what_it_was_trained_on_and_how_well_it_reads() -> None:
    card = json.loads((MODELS / "reader.json").read_text())
    assert card["data"]["squad_sha256"] and card["data"]["train_sha256"]
    assert card["hyperparameters"]["seed"] is not None
    for part in ("float", "int8"):
        assert {"rank1", "auc", "span_em", "span_f1"} <= set(card["heldout"][part])
    assert (MODELS / "reader.md").read_text().startswith("# Model card")


@pytest.mark.integration
def test_it_loads_without_torch_and_a_corrupt_copy_is_one_clear_error(tmp_path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from rag.reading.onnx import OnnxReader; from rag.reading.encoding import Pair;"
        "r = OnnxReader(); x = r.read([Pair('Who won?', 'Lisbon won the cup.')]);"
        "assert 0 <= x[0].score <= 1; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

    from rag.errors import ReaderError
    from rag.reading.onnx import OnnxReader

    broken = tmp_path / "reader.onnx"
    broken.write_bytes((MODELS / "reader.onnx").read_bytes()[: 1 << 20])
    (tmp_path / "reader.json").write_text((MODELS / "reader.json").read_text())
    with pytest.raises(ReaderError, match="corrupt"):
        OnnxReader(broken)
