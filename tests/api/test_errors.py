"""Unit tests of the API layer: the error-to-status map and an import that builds nothing."""

from __future__ import annotations

import pytest

from api.errors import status_for
from rag.errors import (
    ConfigError,
    DocumentError,
    EmbedderError,
    EmbedderMismatchError,
    EmptyQuestionError,
    GenerationError,
    InvalidSourceIdError,
    PromptError,
    RagError,
    SourceConflictError,
    StoreError,
    UnknownConversationError,
    UnknownSourceError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (EmptyQuestionError, 422),
        (InvalidSourceIdError, 422),
        (DocumentError, 422),
        (UnknownSourceError, 404),
        (UnknownConversationError, 404),
        (SourceConflictError, 409),
        (GenerationError, 502),
        (StoreError, 503),
        (EmbedderMismatchError, 503),
        (EmbedderError, 503),
        (PromptError, 500),
        (ConfigError, 500),
        (RagError, 400),
    ],
)
def test_every_domain_error_has_a_status(error: type[RagError], status: int) -> None:
    made = error("x", None) if error is SourceConflictError else error("x")
    assert status_for(made) == status


def test_importing_the_api_builds_nothing() -> None:
    import importlib
    import pkgutil

    from fastapi import FastAPI

    import api
    import api.routes

    names = [f"api.{m.name}" for m in pkgutil.iter_modules(api.__path__)]
    names += [f"api.routes.{m.name}" for m in pkgutil.iter_modules(api.routes.__path__)]
    for name in names:
        module = importlib.import_module(name)
        assert not [v for v in vars(module).values() if isinstance(v, FastAPI)], name
