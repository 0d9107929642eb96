"""Documents: load a folder (or files) of .txt/.md/.html articles, clean them, attach metadata.

Metadata comes, in rising priority, from the text itself (headline-like first line),
YAML front matter, and a `manifest.json` beside the files keyed by source id (file stem).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rag.documents.cleaning import clean_text
from rag.errors import DocumentError, InvalidSourceIdError

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MANIFEST = "manifest.json"
_SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_META_KEYS = ("title", "outlet", "published", "notes", "language", "url")


@dataclass(frozen=True)
class Document:
    """One cleaned article. `text` is what every offset and quote refers to."""

    source_id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    notes: str | None = None
    language: str | None = None
    url: str | None = None
    path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Identity of what gets indexed: the cleaned text plus the metadata we show."""
        meta = json.dumps(self.metadata(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.text}\x00{meta}".encode()).hexdigest()

    @property
    def text_sha256(self) -> str:
        """Identity of `text` alone, which offsets index (metadata may change under them)."""
        return text_sha256(self.text)

    def metadata(self) -> dict[str, str]:
        values = {key: getattr(self, key) for key in _META_KEYS}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    @property
    def label(self) -> str:
        return self.title or self.source_id


TEXT_HASH_DIGITS = 16  # 64 bits: enough to tell one version of an article from another


def text_sha256(text: str) -> str:
    """The short hex sha256 of an article's cleaned text (stored with it, on citations)."""
    return hashlib.sha256(text.encode()).hexdigest()[:TEXT_HASH_DIGITS]


def validate_source_id(source_id: str) -> str:
    """Return `source_id` if it is a safe file-stem-like id, else raise."""
    if not _SOURCE_ID.fullmatch(source_id) or ".." in source_id:
        raise InvalidSourceIdError(
            f"invalid source id {source_id!r}: use 1-128 letters, digits, '.', '_' or '-'"
        )
    return source_id


def headline(text: str) -> str | None:
    """A headline-like first line: short, capitalised, not a finished sentence."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        n_words = len(line.split())
        if 3 <= n_words <= 20 and line[0].isupper() and not line.endswith((".", "?", "!", ":")):
            return line
        return None
    return None


def split_front_matter(raw: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"bad front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError("front matter must be a mapping")
    return meta, raw[match.end() :]


def html_to_text(html: str) -> tuple[str, dict[str, Any]]:
    """Main content and metadata of a web page, via trafilatura."""
    import trafilatura  # heavy; only HTML input needs it

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True
    )
    found = trafilatura.extract_metadata(html)
    meta: dict[str, Any] = {}
    if found is not None:
        meta = {"title": found.title, "outlet": found.sitename, "published": found.date}
    return text or "", {k: v for k, v in meta.items() if v}


def build_document(
    source_id: str,
    raw: str,
    *,
    is_html: bool = False,
    meta: dict[str, Any] | None = None,
    path: str | None = None,
) -> Document:
    """Clean `raw` and merge metadata: text < front matter/html < explicit `meta`."""
    validate_source_id(source_id)
    merged: dict[str, Any] = {}
    if is_html:
        body, found = html_to_text(raw)
        merged.update(found)
    else:
        found, body = split_front_matter(raw)
        merged.update(found)
    text = clean_text(body)
    if not text:
        raise DocumentError(f"{source_id}: no text left after cleaning")
    merged.update({k: v for k, v in (meta or {}).items() if v is not None})
    if not merged.get("title"):
        merged["title"] = headline(text)
    known = {k: (str(merged[k]) if merged.get(k) is not None else None) for k in _META_KEYS}
    extra = {k: v for k, v in merged.items() if k not in _META_KEYS}
    return Document(source_id=source_id, text=text, path=path, extra=extra, **known)


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: invalid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: expected an object keyed by source id")
    return {k: v for k, v in data.items() if not k.startswith("_") and isinstance(v, dict)}


def load_file(path: Path, meta: dict[str, Any] | None = None) -> Document:
    if path.suffix.lower() not in SUFFIXES:
        raise DocumentError(f"{path}: unsupported file type (use {', '.join(SUFFIXES)})")
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DocumentError(f"{path}: {exc.strerror}") from exc
    if meta is None:
        meta = read_manifest(path.parent).get(path.stem)
    return build_document(
        path.stem,
        raw,
        is_html=path.suffix.lower() in (".html", ".htm"),
        meta=meta,
        path=str(path),
    )


def discover(paths: Iterable[Path]) -> list[Path]:
    """Article files under `paths` (files or folders, recursively), sorted, no duplicates."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            found.add(path)
        else:
            raise DocumentError(f"{path}: no such file or folder")
    return sorted(found)


def load_documents(paths: Iterable[Path]) -> Iterator[Document]:
    """Load every article under `paths`. Two files with the same stem are an error."""
    seen: dict[str, Path] = {}
    for path in discover(paths):
        if path.stem in seen:
            raise DocumentError(f"duplicate source id {path.stem!r}: {seen[path.stem]} and {path}")
        seen[path.stem] = path
        yield load_file(path)
