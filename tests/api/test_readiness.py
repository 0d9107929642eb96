"""/readyz (open without a key) names a failing component by a fixed reason, and keeps
the failure's own text (paths, exception messages) for the server's log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from rag.config import Settings

GARBAGE = bytes(range(256))


def scribble(path: Path) -> None:
    """Overwrite the file in place (open connections see it too) with bytes SQLite rejects."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write((GARBAGE * (size // len(GARBAGE) + 1))[:size])


def leaks(body: str, settings: Settings) -> list[str]:
    """What of a failure's own text shows in a probe's body."""
    told = ("file is not a database", "Error", "sqlite", "/", str(settings.data_dir), "tmp")
    return [t for t in told if t in body]


@pytest.mark.parametrize(
    ("part", "reason"),
    [("catalog", "catalog unreadable"), ("chroma", "vector store unavailable")],
)
def test_a_broken_store_is_not_ready_with_a_fixed_reason_and_the_detail_logged(
    fake_settings: Settings, caplog: pytest.LogCaptureFixture, part: str, reason: str
) -> None:
    with TestClient(create_app(fake_settings)) as c:
        assert c.get("/readyz").status_code == 200
        if part == "catalog":
            for file in sorted(fake_settings.data_dir.glob("catalog.sqlite3*")):
                scribble(file)
        else:
            scribble(fake_settings.chroma_dir / "chroma.sqlite3")
        with caplog.at_level(logging.WARNING):
            reply = c.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["detail"] == f"not ready: {reason}"
    assert leaks(reply.text, fake_settings) == []
    assert "file is not a database" in caplog.text  # the detail is for the operator's log
