"""Compare mode over a small made-up archive of three outlets (real MiniLM embedder):
"each source" is each outlet, with its best articles as evidence, not one entry per article.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.pipeline import Pipeline, open_pipeline
from rag.config import Settings
from rag.ingest import ingest_paths
from rag.store.filters import Filters

pytestmark = pytest.mark.integration

FILLER = [  # everyday stories, none about the shipyard
    ("Orchard growers expect a record apple harvest", "Warm spring weather helped the trees."),
    ("School board approves a longer lunch break", "Parents had asked for the change."),
    ("Library extends its weekend opening hours", "Visitors can now borrow books on Sunday."),
    ("Rain delays the regional cycling race", "Riders waited two hours for the storm to pass."),
    ("City council repaints the old water tower", "The tower was last painted in 1988."),
    ("Museum opens a hall of antique clocks", "The collection was donated by a local family."),
    ("Bakery wins a prize for its rye bread", "The owners have baked there for forty years."),
    ("New bus route links the hospital and the station", "Buses will run every twenty minutes."),
    ("Volunteers plant oak trees along the river", "Two hundred saplings went into the ground."),
    ("Chess club hosts a youth tournament", "Sixty children played over the weekend."),
    ("Farmers market moves to the central square", "Stalls open at seven on Saturdays."),
    ("Theatre stages a comedy about a lost parrot", "Tickets sold out within a day."),
    ("Swimming pool reopens after repairs", "The roof was replaced over the summer."),
    ("Police find a missing dog in the park", "The owner thanked the officers."),
    ("Choir prepares for the winter concert", "Rehearsals take place every Thursday."),
    ("Road works close the bridge lane for a week", "Drivers are advised to use the ring road."),
    ("Students build a robot for a science fair", "The robot sorts recycling by colour."),
    ("Zoo welcomes twin otter pups", "The pups will meet visitors next month."),
    ("Hikers clean litter from the mountain trail", "They collected forty bags of rubbish."),
    ("Cinema restores a silent film from 1925", "A pianist will play during the screening."),
]
ARTICLES = {  # stem: (outlet, published, title, body)
    "coast-1": (
        "Coast Herald",
        "2024-05-02",
        "Marlow shipyard promises to keep every job",
        "The Marlow shipyard will not cut jobs this year, its director said on Thursday. "
        "Orders for ferries have kept the yard busy.",
    ),
    "coast-2": (
        "Coast Herald",
        "2024-05-20",
        "Unions meet Marlow shipyard managers",
        "Union leaders met managers of the Marlow shipyard to discuss layoffs and wages. "
        "Workers fear the shipyard will cut jobs after a cancelled order.",
    ),
    "valley-1": (
        "Valley Times",
        "2024-06-03",
        "Marlow shipyard cuts 300 jobs",
        "The Marlow shipyard cut 300 jobs on Monday after losing a navy contract. "
        "The layoffs hit welders and electricians hardest.",
    ),
    "ellis-1": (
        "Valley Times",
        "2024-06-10",
        "Ellis ferry terminal opens",
        "The Ellis ferry terminal cost 40 million dollars. "
        "The Ellis ferry terminal cost 40 million dollars. "
        "The Ellis ferry terminal cost 40 million dollars.",
    ),
}
OUTLETS = ("Coast Herald", "Valley Times", "Hill Courier")
TOPIC_QUESTION = "What does each source say about job cuts at the Marlow shipyard?"


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("outlets")
    corpus = root / "corpus"
    corpus.mkdir()
    articles = dict(ARTICLES)
    for i in range(60):  # twenty everyday stories from each outlet, the silent one included
        title, body = FILLER[i % len(FILLER)]
        outlet = OUTLETS[i % 3]
        articles[f"filler-{i}"] = (outlet, f"2024-0{1 + i % 6}-{10 + i % 15}", title, body)
    for stem, (outlet, published, title, body) in articles.items():
        front = f"---\ntitle: {title!r}\noutlet: {outlet!r}\npublished: {published!r}\n---\n"
        (corpus / f"{stem}.md").write_text(f"{front}{title}\n{body}\n")
    settings = Settings(data_dir=root / "data", _env_file=None)  # type: ignore[call-arg]
    with open_pipeline(settings) as p:
        ingest_paths(p.store, [corpus], settings)
        yield p


def test_each_source_means_each_outlet_with_its_articles(pipe: Pipeline) -> None:
    answer = pipe.chain.ask(TOPIC_QUESTION)
    assert answer.mode == "compare" and answer.group_by == "outlet"
    entries = {e.outlet: e for e in answer.per_source or []}
    assert sorted(entries) == sorted(OUTLETS)  # three entries, not sixty-four
    by_n = {c.n: c for c in answer.citations}
    for outlet in ("Coast Herald", "Valley Times"):
        entry = entries[outlet]
        assert entry.group == "outlet" and entry.source_id is None and entry.addresses_topic
        assert 1 <= len(entry.articles) <= 3 and entry.articles_in_scope == 22
        for article in entry.articles:  # each cited article is the outlet's, dated
            assert article.date and article.title and article.citations
            assert {by_n[n].source_id for n in article.citations} == {article.source_id}
            assert all(by_n[n].outlet == outlet for n in article.citations)
        assert sorted(n for a in entry.articles for n in a.citations) == entry.citations
        assert entry.date == max(a.date or "" for a in entry.articles)
    assert "valley-1" in {a.source_id for a in entries["Valley Times"].articles}
    silent = entries["Hill Courier"]
    assert not silent.addresses_topic and silent.citations == [] and silent.articles == []
    assert silent.summary.startswith("Does not discuss")
    assert "Not discussed by: Hill Courier." in (answer.synthesis or "")
    assert "2 of 3 outlets discuss" in (answer.synthesis or "")


def test_disagreement_across_outlets_is_cited_and_dated_on_both_sides(pipe: Pipeline) -> None:
    answer = pipe.chain.ask(TOPIC_QUESTION)
    assert answer.disagreements, answer.answer
    by_n = {c.n: c for c in answer.citations}
    sides = answer.disagreements[0].sides
    assert {s.label for s in sides} == {"Coast Herald", "Valley Times"}
    for side in sides:
        assert by_n[side.n].quote == side.quote and by_n[side.n].outlet == side.label
        assert side.date == by_n[side.n].date and side.date is not None
        assert f"[{side.n}]" in (answer.synthesis or "")
    assert "before" in (answer.synthesis or "")  # the dates explain the order


def test_by_article_on_request_reads_only_the_best_matching_articles(pipe: Pipeline) -> None:
    answer = pipe.chain.ask(TOPIC_QUESTION, group_by="article")
    assert answer.group_by == "article"
    entries = answer.per_source or []
    assert 3 <= len(entries) <= 12  # the best-matching articles, not all sixty-four
    assert all(e.group == "article" and e.source_id for e in entries)
    speaking = {e.source_id for e in entries if e.addresses_topic}
    assert {"valley-1", "coast-1"} <= speaking


def test_an_outlet_filter_and_a_date_range_narrow_the_outlets(pipe: Pipeline) -> None:
    since = __import__("datetime").date(2024, 6, 1)
    answer = pipe.chain.ask(
        TOPIC_QUESTION, filters=Filters.of(outlets=["Valley Times", "Coast Herald"], since=since)
    )
    entries = {e.outlet: e for e in answer.per_source or []}
    assert set(entries) <= {"Valley Times", "Coast Herald"}
    assert entries["Valley Times"].addresses_topic
    assert all(a.date and a.date >= "2024-06-01" for e in entries.values() for a in e.articles)


def test_a_sentence_repeated_in_its_article_still_answers(pipe: Pipeline) -> None:
    answer = pipe.chain.ask("How much did the Ellis ferry terminal cost?")
    assert answer.mode == "answer", answer.answer
    assert any(c.source_id == "ellis-1" and "40 million" in c.quote for c in answer.citations)


def test_the_archive_answers_about_the_shipyard_with_a_date(pipe: Pipeline) -> None:
    answer = pipe.chain.ask("How many jobs did the Marlow shipyard cut?")
    assert answer.mode == "answer" and "300" in answer.answer
    cited = next(c for c in answer.citations if "300" in c.quote)
    assert cited.date == "2024-06-03" and cited.outlet == "Valley Times"


def test_no_outlets_keeps_one_entry_per_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem, (_, _, title, body) in ARTICLES.items():
        (corpus / f"{stem}.txt").write_text(f"{title}\n{body}\n")
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    with open_pipeline(settings) as p:
        ingest_paths(p.store, [corpus], settings)
        answer = p.chain.ask(TOPIC_QUESTION)
    assert answer.group_by == "article"
    assert sorted(e.source_id or "" for e in answer.per_source or []) == sorted(ARTICLES)
