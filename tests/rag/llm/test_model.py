"""The packaged local model: assembly from its parts, verification, resuming and rebuilding
(fake parts, so no 1 GB file is needed)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from rag.errors import ConfigError
from rag.llm.model import PackagedModel, ensure_model, package_parts

# --- packaged model assembly, with fake parts --------------------------------------------


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "parts"
    folder.mkdir()
    paths = []
    for i, size in enumerate((1000, 1000, 337), start=1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(bytes((i * 7 + j) % 251 for j in range(size)))
        paths.append(path)
    return paths


@pytest.fixture
def fake(parts: list[Path]) -> PackagedModel:
    blob = b"".join(p.read_bytes() for p in parts)
    return PackagedModel("fake.gguf", len(blob), hashlib.sha256(blob).hexdigest(), ())


def whole(parts: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in parts)


def no_parts() -> list[Path]:
    raise AssertionError("the parts were read: the model should not have been rebuilt")


def build(folder: Path, model: PackagedModel, parts: list[Path]) -> Path:
    return ensure_model(folder, model, parts=lambda: parts)


def test_assembles_verifies_and_then_trusts_the_sidecar(
    tmp_path: Path, fake: PackagedModel, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build(tmp_path / "models", fake, parts)
    assert path.read_bytes() == whole(parts)
    assert json.loads((path.parent / "fake.gguf.verified").read_text())["sha256"] == fake.sha256
    assert not (path.parent / "fake.gguf.part").exists()
    # Second use: no re-hash, no rebuild.
    monkeypatch.setattr("rag.llm.model.sha256_file", lambda *a: pytest.fail("re-hashed"))
    assert ensure_model(tmp_path / "models", fake, parts=no_parts) == path


def test_resumes_a_partial_staging_file_from_its_last_whole_part(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fake.gguf.part").write_bytes(parts[0].read_bytes() + parts[1].read_bytes()[:400])
    good_first = parts[0].read_bytes()
    parts[0].write_bytes(b"\0" * len(good_first))  # proves part 1 is not copied again
    path = build(folder, fake, parts)
    assert path.read_bytes() == good_first + parts[1].read_bytes() + parts[2].read_bytes()


def test_a_corrupt_staging_file_is_rebuilt_from_scratch(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fake.gguf.part").write_bytes(b"x" * 1500)  # right length for a resume, wrong bytes
    assert build(folder, fake, parts).read_bytes() == whole(parts)


def _flip_keep_mtime(path: Path) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[1234] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:-10]), id="truncated"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes() + b"junk"), id="too-long"),
        pytest.param(_flip_keep_mtime, id="flipped-byte-same-size-and-mtime"),
    ],
)
def test_a_damaged_model_file_is_detected_and_rebuilt(
    tmp_path: Path, fake: PackagedModel, parts: list[Path], damage: Any
) -> None:
    path = build(tmp_path / "models", fake, parts)
    damage(path)
    assert build(tmp_path / "models", fake, parts).read_bytes() == whole(parts)


def test_a_damaged_model_is_removed_even_when_it_cannot_be_rebuilt(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    path = build(tmp_path / "models", fake, parts)
    _flip_keep_mtime(path)
    missing = package_parts(PackagedModel("fake.gguf", 1, "0", ("no_such_part_module_x",)))
    with pytest.raises(ConfigError, match=r"pip install -e \.\[local\]"):
        ensure_model(tmp_path / "models", fake, parts=missing)
    assert not path.exists()  # so nothing can load it


def test_wrong_parts_are_refused_and_leave_no_model(
    tmp_path: Path, fake: PackagedModel, parts: list[Path]
) -> None:
    with pytest.raises(ConfigError, match="add up to"):
        build(tmp_path / "a", fake, parts[:2])
    wrong_hash = PackagedModel("fake.gguf", fake.size, "0" * 64, ())
    with pytest.raises(ConfigError, match="SHA-256"):
        build(tmp_path / "b", wrong_hash, parts)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [".fake.gguf.lock"]
