"""Two eval runs side by side: each metric for A and B and the difference, and the questions
whose outcome changed, with both answers.

    rag eval --compare eval/results.a.json eval/results.b.json [--report cmp.html]

A question's outcome is pass or fail: it fails when one of its checks is below 1 (the
`failures` of its results record: refusal, key facts, citations, coverage, silence, and a
benchmark's own, such as SQuAD's exact match). Runs of different gold files or corpora
can be compared; the table says so, and questions only one run has are counted apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eval.results import write_json
from eval.tables import fmt
from rag.errors import RagError

IGNORED_SETTINGS = frozenset({"data_dir"})


class ResultsError(RagError):
    """A file given to --compare is not a results document of `rag eval`."""


def load_results(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(f"no results file {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not {"run", "metrics", "questions"} <= set(doc):
        raise ResultsError(f"{path}: not a results file of `rag eval` (run, metrics, questions)")
    return doc


def metric_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (group, metric) either run has: A, B and B - A (overall first)."""
    groups = list(a["metrics"]) + [g for g in b["metrics"] if g not in a["metrics"]]
    groups.sort(key=lambda g: g != "overall")
    rows = []
    for group in groups:
        ma, mb = a["metrics"].get(group, {}), b["metrics"].get(group, {})
        for name in list(ma) + [n for n in mb if n not in ma]:
            va, vb = ma.get(name), mb.get(name)
            if va is None and vb is None:
                continue
            delta = None if va is None or vb is None else round(vb - va, 4)
            rows.append({"group": group, "metric": name, "a": va, "b": vb, "delta": delta})
    return rows


def _outcome(q: dict[str, Any]) -> dict[str, Any]:
    return {
        "passed": not q["failures"],
        "failures": q["failures"],
        "mode": q.get("mode"),
        "answer": q.get("answer", ""),
        "short_answer": q.get("short_answer"),
    }


def changed_questions(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions both runs asked whose outcome differs; broken ones first."""
    by_id = {q["id"]: q for q in b["questions"]}
    out = []
    for qa in a["questions"]:
        qb = by_id.get(qa["id"])
        if qb is None or (not qa["failures"]) == (not qb["failures"]):
            continue
        change = "fixed" if qa["failures"] else "broke"
        out.append(
            {
                "id": qa["id"],
                "type": qa.get("type"),
                "question": qa.get("question", ""),
                "change": change,
                "a": _outcome(qa),
                "b": _outcome(qb),
            }
        )
    out.sort(key=lambda c: (c["change"] != "broke", c["id"]))
    return out


def _side(doc: dict[str, Any], path: str | None) -> dict[str, Any]:
    run = doc["run"]
    return {
        "path": path,
        "setup": run.get("setup"),
        "generator": run.get("config", {}).get("generator"),
        "reader": run.get("config", {}).get("reader"),
        "started": run.get("started"),
        "benchmark": doc.get("benchmark", {}).get("kind"),
        "gold": run.get("gold", {}).get("path"),
        "questions": len(doc["questions"]),
    }


def side_by_side(
    a: dict[str, Any], b: dict[str, Any], paths: tuple[str | None, str | None] = (None, None)
) -> dict[str, Any]:
    """The comparison document `--compare` writes."""
    ca, cb = a["run"].get("config", {}), b["run"].get("config", {})
    differ = {
        k: [ca.get(k), cb.get(k)]
        for k in sorted(set(ca) | set(cb))
        if k not in IGNORED_SETTINGS and ca.get(k) != cb.get(k)
    }
    notes = []
    for part, label in (("gold", "gold file"), ("corpus", "corpus")):
        sa, sb = a["run"].get(part, {}).get("sha256"), b["run"].get(part, {}).get("sha256")
        if sa != sb:
            notes.append(f"A and B were run on a different {label}")
    ids_a, ids_b = {q["id"] for q in a["questions"]}, {q["id"] for q in b["questions"]}
    changed = changed_questions(a, b)
    return {
        "a": _side(a, paths[0]),
        "b": _side(b, paths[1]),
        "settings_differ": differ,
        "notes": notes,
        "questions": {
            "both": len(ids_a & ids_b),
            "only_a": sorted(ids_a - ids_b),
            "only_b": sorted(ids_b - ids_a),
            "fixed": sum(c["change"] == "fixed" for c in changed),
            "broke": sum(c["change"] == "broke" for c in changed),
        },
        "metrics": metric_rows(a, b),
        "changed": changed,
    }


def _short(text: str | None, width: int = 150) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def comparison_table(comparison: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True)
    table.add_column("group", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    for name in ("A", "B", "B - A"):
        table.add_column(name, justify="right", no_wrap=True)
    group = None
    for row in comparison["metrics"]:
        if group is not None and row["group"] != group:
            table.add_section()
        group = row["group"]
        delta, style = row["delta"], ""
        if delta and not row["metric"].endswith("_ms"):
            style = "green" if delta > 0 else "red"
        shown = fmt(row["metric"], delta, signed=True)
        table.add_row(
            row["group"],
            row["metric"],
            fmt(row["metric"], row["a"]),
            fmt(row["metric"], row["b"]),
            f"[{style}]{shown}[/]" if style else shown,
        )
    return table


def print_side_by_side(console: Console, comparison: dict[str, Any]) -> None:
    for key in ("a", "b"):
        side = comparison[key]
        what = side["setup"] or side["path"] or ""
        console.print(
            f"[bold]{key.upper()}[/bold]: {escape(str(what))} · generator {side['generator']} · "
            f"reader {side['reader']} · {side['questions']} questions"
        )
    if comparison["settings_differ"]:
        diff = "; ".join(
            f"{k} {a!r} -> {b!r}" for k, (a, b) in comparison["settings_differ"].items()
        )
        console.print(f"settings that differ: {escape(diff)}")
    for note in comparison["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(comparison_table(comparison))
    q = comparison["questions"]
    console.print(
        f"{q['both']} questions in both: {q['fixed']} fixed in B, {q['broke']} broke in B"
        + (
            f"; only in A {len(q['only_a'])}, only in B {len(q['only_b'])}"
            if q["only_a"] or q["only_b"]
            else ""
        )
    )
    for c in comparison["changed"]:
        colour = "green" if c["change"] == "fixed" else "red"
        question = escape(_short(c["question"], 100))
        console.print(f"[{colour}]{c['change']}[/{colour}] {escape(c['id'])}: {question}")
        for key in ("a", "b"):
            side = c[key]
            verdict = "pass" if side["passed"] else ", ".join(side["failures"])
            short = f" [{escape(side['short_answer'])}]" if side.get("short_answer") else ""
            console.print(
                f"  {key.upper()} ({escape(verdict)}){short}: {escape(_short(side['answer']))}",
                highlight=False,
            )


def write_side_by_side(comparison: dict[str, Any], out: Path, report: Path | None) -> None:
    write_json(out, comparison)
    if report is not None:
        from eval.sidebyside_html import write_comparison_report

        write_comparison_report(report, comparison)


def run_compare(
    a_path: Path, b_path: Path, *, out: Path, report: Path | None, console: Console
) -> int:
    """`rag eval --compare A B`: print, write the comparison (and its page); exit 0."""
    comparison = side_by_side(
        load_results(a_path), load_results(b_path), (str(a_path), str(b_path))
    )
    print_side_by_side(console, comparison)
    write_side_by_side(comparison, out, report)
    console.print(f"side by side: {out}" + (f", {report}" if report else ""))
    return 0
