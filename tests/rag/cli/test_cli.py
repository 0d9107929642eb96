"""The `rag` command line, driven through typer's CliRunner on a seeded index."""

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.config import Settings, get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RAG_DATA_DIR", str(seeded_settings.data_dir))
    monkeypatch.setenv("RAG_SEEDS_DIR", str(seeded_settings.seeds_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_ask_json_is_the_answer_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "How much has the US sent to Ukraine?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) >= {
        "question",
        "answer",
        "mode",
        "citations",
        "sources",
        "generator",
        "timings_ms",
    }
    assert set(answer["timings_ms"]) == {"retrieve", "generate", "total"}
    assert answer["mode"] == "answer" and answer["generator"] == "extractive"
    assert set(answer["citations"][0]) >= {
        "n",
        "source_id",
        "title",
        "outlet",
        "chunk_id",
        "quote",
        "start",
        "end",
    }


def test_ask_prints_answer_then_numbered_quotes(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "How much has the US sent to Ukraine?", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.index("[1]") < result.stdout.index("Sources")
    assert "119 billion" in result.stdout.split("Sources")[1]


def test_stream_prints_the_text_once(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "How much has the US sent to Ukraine?", "--stream"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("the Kiel Institute for the World Economy estimates. [1]") == 1


def test_compare_prints_a_table(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "ask",
            "NATO",
            "--compare",
            "--source",
            "002_61d499616b13814d",
            "--source",
            "004_d5af3be89cd3b10e",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "discusses it?" in result.stdout and "Does not discuss NATO." in result.stdout


def test_unknown_source_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "NATO?", "--source", "nope"])
    assert result.exit_code == 2
    assert "unknown source id(s): nope" in result.stderr


def test_sources_ingest_and_delete(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["sources"])
    assert listed.exit_code == 0 and "003_40f1f3ddb4e88033" in listed.stdout
    again = runner.invoke(app, ["ingest"])
    assert again.exit_code == 0 and "unchanged 5" in again.stdout
    deleted = runner.invoke(app, ["delete", "004_d5af3be89cd3b10e"])
    assert deleted.exit_code == 0
    assert "004_d5af3be89cd3b10e" not in runner.invoke(app, ["sources"]).stdout
    assert runner.invoke(app, ["delete", "../etc"]).exit_code == 2


def test_a_reader_that_cannot_be_loaded_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "Who won?", "--reader", "/no/such/reranker"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "/no/such/reranker" in lines[0], result.output
    assert "Traceback" not in result.output


def test_ask_prints_the_short_answer_first_with_the_shipped_reader(runner: CliRunner) -> None:
    question = "How much money has the US sent to Ukraine in total?"
    result = runner.invoke(app, ["ask", question, "--json"])
    answer = json.loads(result.stdout)
    assert answer["reader"] == "local"
    short = answer["short_answer"]
    assert short is not None, answer["answer"]
    quote = next(c for c in answer["citations"] if c["n"] == short["n"])
    assert (
        quote["quote"][short["start"] - quote["start"] : short["end"] - quote["start"]]
        == short["text"]
    )
    printed = runner.invoke(app, ["ask", question]).stdout
    assert printed.lstrip().startswith(short["text"])
    plain = json.loads(runner.invoke(app, ["ask", question, "--json", "--reader", "none"]).stdout)
    assert plain["reader"] is None and plain["short_answer"] is None
