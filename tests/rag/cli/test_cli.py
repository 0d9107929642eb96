"""The `rag` command line, driven through typer's CliRunner.

Argument handling and output run on fakes: made-up articles in a temporary data dir,
indexed and searched with the hashing fake embedder (tests/conftest.py). One end-to-end
question over the seeds with the real model, and the shipped reader's short answer, are
marked `integration`.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.config import Settings, get_settings
from rag.errors import ReaderError
from tests.conftest import FakeEmbeddings

ARTICLES = {
    "tram": "---\ntitle: Tramway Extension Approved\noutlet: Kelvale Echo\n"
    "published: 2024-05-02\n---\n"
    "The Kelvale council approved the tramway extension on Tuesday.\n"
    "The extension will cost 84 million crowns, the council said.\n"
    "Work on the new line starts in the autumn.\n",
    "market": "---\ntitle: Fish Market Reopens\noutlet: Morrow Daily\n"
    "published: 2024-05-03\n---\n"
    "The Morrow fish market reopened after the winter repairs.\n"
    "Traders returned to the harbour stalls on Saturday.\n",
    "ferry": "---\ntitle: Ferry Crews Return\noutlet: Morrow Daily\n"
    "published: 2024-04-20\n---\n"
    "Ferry crews in Morrow went back to work after a week-long strike.\n"
    "The operator agreed to review the rota in June.\n",
}
HOW_MUCH = "How much will the tramway extension cost?"


def use(monkeypatch: pytest.MonkeyPatch, data: Path, seeds: Path) -> CliRunner:
    monkeypatch.setenv("RAG_DATA_DIR", str(data))
    monkeypatch.setenv("RAG_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    return CliRunner()


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner over an empty data dir whose seeds are the made-up articles; every command
    embeds with the fake embedder."""
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    for name, text in ARTICLES.items():
        (seeds / f"{name}.txt").write_text(text)
    monkeypatch.setattr("rag.answering.pipeline.embedder_for", lambda settings: FakeEmbeddings())
    yield use(monkeypatch, tmp_path / "data", seeds)
    get_settings.cache_clear()


@pytest.fixture
def runner(empty: CliRunner) -> CliRunner:
    """The same, with the articles indexed by `rag ingest`."""
    done = empty.invoke(app, ["ingest"])
    assert done.exit_code == 0, done.output
    assert "added 3, updated 0, unchanged 0, failed 0" in done.stdout
    return empty


def ask_json(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, ["ask", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_json_is_the_answer_json(runner: CliRunner) -> None:
    answer = ask_json(runner, HOW_MUCH)
    assert set(answer) >= {
        "question",
        "answer",
        "mode",
        "citations",
        "sources",
        "generator",
        "timings_ms",
        "as_of",
    }
    assert set(answer["timings_ms"]) == {"retrieve", "generate", "total"}
    assert answer["mode"] == "answer" and answer["generator"] == "extractive"
    assert answer["question"] == HOW_MUCH
    citations = answer["citations"]
    assert set(citations[0]) >= {
        "n",
        "source_id",
        "title",
        "outlet",
        "chunk_id",
        "quote",
        "start",
        "end",
    }
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    assert {c["source_id"] for c in citations} == {"tram"}
    assert any("84 million crowns" in c["quote"] for c in citations)
    assert all(f"[{c['n']}]" in answer["answer"] for c in citations)


def test_ask_prints_answer_then_numbered_quotes(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", HOW_MUCH, "-k", "3"])
    assert result.exit_code == 0, result.output
    text, sources = result.stdout.split("Sources")
    assert "84 million crowns" in text and "[1]" in text
    assert "[1] Tramway Extension Approved — Kelvale Echo" in sources
    assert "84 million crowns" in sources
    assert "answer · generator extractive" in sources


def test_stream_prints_the_text_once(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", HOW_MUCH, "--stream"])
    assert result.exit_code == 0, result.output
    streamed, sources = result.stdout.split("Sources")
    assert streamed.count("84 million crowns, the council said. [2]") == 1
    assert streamed.count("The Kelvale council approved the tramway extension on Tuesday.") == 1
    assert "“The extension will cost 84 million crowns, the council said.”" in sources


def test_compare_prints_a_table(runner: CliRunner) -> None:
    args = ["ask", "tramway", "--compare", "--source", "tram", "--source", "market"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "discusses it?" in flat
    assert "Does not discuss tramway." in flat
    assert "Kelvale Echo" in flat and "Morrow Daily" in flat


def test_unknown_source_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["ask", "Who runs the tramway?", "--source", "nope"])
    assert result.exit_code == 2
    assert "unknown source id(s): nope" in result.stderr


@pytest.mark.parametrize(
    ("option", "mode"),
    [
        (["--until", "2024-05-02"], "answer"),
        (["--until", "2024-05-01"], "refusal"),
        (["--since", "2024-05-03"], "refusal"),  # the tramway article is from the day before
        (["--outlet", "Morrow Daily"], "refusal"),
        (["--outlet", "Kelvale Echo"], "answer"),
        (["--source", "market", "--source", "ferry"], "refusal"),
    ],
)
def test_filter_options_reach_the_search(runner: CliRunner, option: list[str], mode: str) -> None:
    answer = ask_json(runner, HOW_MUCH, *option)
    assert answer["mode"] == mode
    if mode == "answer":
        assert {c["source_id"] for c in answer["citations"]} == {"tram"}
    else:
        assert answer["citations"] == []


def test_as_of_is_the_day_asked_and_leaves_out_later_articles(runner: CliRunner) -> None:
    before = ask_json(runner, HOW_MUCH, "--as-of", "2024-05-01")
    assert before["as_of"] == "2024-05-01" and before["mode"] == "refusal"
    after = ask_json(runner, HOW_MUCH, "--as-of", "2024-05-02")
    assert after["mode"] == "answer"


def test_a_bad_date_or_group_by_is_a_usage_error(runner: CliRunner) -> None:
    assert runner.invoke(app, ["ask", HOW_MUCH, "--since", "May 2024"]).exit_code == 2
    bad = runner.invoke(app, ["ask", HOW_MUCH, "--group-by", "city"])
    assert bad.exit_code == 2 and "--group-by is auto, outlet or article" in bad.output


def test_asking_an_empty_index_says_to_ingest(empty: CliRunner) -> None:
    result = empty.invoke(app, ["ask", HOW_MUCH])
    assert result.exit_code == 2
    assert "the index is empty: run `rag ingest` first" in result.stderr


def test_sources_ingest_check_and_delete(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["sources"])
    assert listed.exit_code == 0
    assert all(name in listed.stdout for name in ("tram", "market", "ferry", "Kelvale Echo"))
    again = runner.invoke(app, ["ingest"])
    assert again.exit_code == 0 and "unchanged 3" in again.stdout
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 0 and "ok: 3 sources" in checked.stdout
    deleted = runner.invoke(app, ["delete", "market"])
    assert deleted.exit_code == 0 and "deleted market" in deleted.stdout
    assert "market" not in runner.invoke(app, ["sources"]).stdout
    assert runner.invoke(app, ["delete", "../etc"]).exit_code == 2


def test_a_reader_that_cannot_be_loaded_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def cannot_load(settings: Settings) -> None:
        asked.append(settings.reader)
        raise ReaderError(f"RAG_READER={settings.reader!r} cannot be loaded as a CrossEncoder")

    monkeypatch.setattr("rag.answering.pipeline.reader_for", cannot_load)
    result = runner.invoke(app, ["ask", "Who won?", "--reader", "/no/such/reranker"])
    assert asked == ["/no/such/reranker"]  # the option, for this run only
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "/no/such/reranker" in lines[0], result.output
    assert "Traceback" not in result.output


# --- with the real model, over the seeds ---------------------------------------------------


@pytest.fixture
def seeded(seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    yield use(monkeypatch, seeded_settings.data_dir, seeded_settings.seeds_dir)
    get_settings.cache_clear()


@pytest.mark.integration
def test_seeded_ask_end_to_end(seeded: CliRunner) -> None:
    result = seeded.invoke(app, ["ask", "How much has the US sent to Ukraine?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["mode"] == "answer" and answer["generator"] == "extractive"
    assert "119 billion" in " ".join(c["quote"] for c in answer["citations"])


@pytest.mark.integration
def test_ask_prints_the_short_answer_first_with_the_shipped_reader(seeded: CliRunner) -> None:
    question = "How much money has the US sent to Ukraine in total?"
    result = seeded.invoke(app, ["ask", question, "--json"])
    answer = json.loads(result.stdout)
    assert answer["reader"] == "local"
    short = answer["short_answer"]
    assert short is not None, answer["answer"]
    quote = next(c for c in answer["citations"] if c["n"] == short["n"])
    assert (
        quote["quote"][short["start"] - quote["start"] : short["end"] - quote["start"]]
        == short["text"]
    )
    printed = seeded.invoke(app, ["ask", question]).stdout
    assert printed.lstrip().startswith(short["text"])
    plain = json.loads(seeded.invoke(app, ["ask", question, "--json", "--reader", "none"]).stdout)
    assert plain["reader"] is None and plain["short_answer"] is None
