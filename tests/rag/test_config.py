"""Settings are validated wherever they come from: environment, .env, command-line options."""

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.config import Settings, get_settings
from rag.errors import ConfigError


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    get_settings.cache_clear()


def test_a_bad_variable_is_one_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "many")
    with pytest.raises(ConfigError, match=r"^invalid settings: RAG_TOP_K: Input should be"):
        get_settings()


def test_overrides_are_validated_like_the_environment() -> None:
    base = Settings(_env_file=None)  # type: ignore[call-arg]
    assert base.updated(generator="openai").generator == "openai"
    with pytest.raises(ConfigError, match="RAG_GENERATOR: Input should be 'extractive'"):
        base.updated(generator="bogus")
    with pytest.raises(ConfigError, match="chunk_overlap_tokens must be smaller"):
        base.updated(chunk_overlap_tokens=500)


def test_the_cli_prints_one_line_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "many")
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: invalid settings: RAG_TOP_K")
    assert "Traceback" not in result.output
    monkeypatch.delenv("RAG_TOP_K")
    result = CliRunner().invoke(app, ["ask", "anything", "--generator", "bogus"])
    assert result.exit_code == 2 and "RAG_GENERATOR" in result.output
