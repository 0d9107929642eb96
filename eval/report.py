"""HTML report of an eval run: one self-contained file (inline CSS and SVG, no external assets).

Written by `rag eval --report report.html`: the verdict, bar charts of every gated metric
against the baseline, a per-type breakdown, latency, and the failing questions with
their answers.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from eval.gate import Row
from eval.metrics import QUALITY_METRICS

COLOURS = {
    "REGRESSED": "#d64545",
    "missing": "#d64545",
    "worse": "#e0a030",
    "better": "#2f9e5b",
    "same": "#4a7fc1",
    "new": "#8a94a6",
    "info": "#8a94a6",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f4f6f9;
color:#1d2433}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:#5b6578;font-size:13px}.meta code{background:#e8ecf2;padding:1px 4px;border-radius:3px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:16px}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;
box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:22px}.card span{color:#5b6578;font-size:12px}
.verdict{color:#fff;font-weight:700;padding:6px 14px;border-radius:6px;display:inline-block}
.panel{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 2px #0001}
table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;text-align:left;
border-bottom:1px solid #e6e9ef;vertical-align:top}th{font-size:12px;color:#5b6578;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.cell{min-width:92px}.bar{height:6px;background:#e6e9ef;border-radius:3px;position:relative;
margin-top:3px}.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:3px}
.bar s{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1d2433}
.delta{font-size:11px;margin-left:4px}
details{background:#fff;border-radius:8px;margin:8px 0;padding:10px 14px;
box-shadow:0 1px 2px #0001}summary{cursor:pointer}
.tag{display:inline-block;font-size:11px;padding:1px 6px;border-radius:10px;margin-left:6px;
background:#fde8e8;color:#a12b2b}.type{background:#e8eef8;color:#2a4f86}
.new{background:#d64545;color:#fff}
.q dt{font-weight:600;font-size:12px;color:#5b6578;margin-top:8px}.q dd{margin:2px 0 0}
.ok{color:#2f9e5b}.miss{color:#d64545}blockquote{margin:4px 0;padding-left:10px;
border-left:3px solid #c9d3e3;color:#3a4457}
.legend{font-size:12px;color:#5b6578;margin-top:6px}
.warn{background:#fff4dc;border-left:3px solid #e0a030;padding:6px 10px;border-radius:4px}
"""


def _f(value: float | None, ms: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} ms" if ms else f"{value:.3f}"


def _shown(metric: str, value: float | None) -> bool:
    """A metric drawn as a bar: a quality metric, or a benchmark's own share (0..1)."""
    return metric in QUALITY_METRICS or (
        not metric.endswith("_ms") and value is not None and 0.0 <= value <= 1.0
    )


def bar_chart(rows: list[Row]) -> str:
    """Horizontal bars (this run) with a black tick at the baseline, for the overall metrics."""
    rows = [r for r in rows if r.group == "overall" and _shown(r.metric, r.value)]
    label_w, bar_w, row_h = 190, 560, 30
    height = row_h * len(rows) + 30
    parts = [
        f'<svg viewBox="0 0 {label_w + bar_w + 150} {height}" width="100%" '
        f'role="img" aria-label="metrics against the baseline">'
    ]
    for x in (0, 0.25, 0.5, 0.75, 1.0):
        gx = label_w + x * bar_w
        parts.append(
            f'<line x1="{gx}" y1="0" x2="{gx}" y2="{height - 22}" stroke="#e6e9ef"/>'
            f'<text x="{gx}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#8a94a6">{x:g}</text>'
        )
    for i, row in enumerate(rows):
        y = i * row_h + 6
        value = row.value or 0.0
        colour = COLOURS[row.status]
        parts.append(
            f'<text x="{label_w - 10}" y="{y + 15}" font-size="13" text-anchor="end" '
            f'fill="#1d2433">{escape(row.metric)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{value * bar_w:.1f}" height="16" '
            f'rx="3" fill="{colour}"/>'
        )
        if row.baseline is not None:
            bx = label_w + row.baseline * bar_w
            parts.append(
                f'<line x1="{bx:.1f}" y1="{y}" x2="{bx:.1f}" y2="{y + 22}" '
                f'stroke="#1d2433" stroke-width="2"/>'
            )
        delta = "" if row.delta is None else f" ({row.delta:+.3f})"
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="12" '
            f'fill="{colour}">{_f(row.value)}{delta}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def type_table(doc: dict[str, Any], rows: list[Row]) -> str:
    """Metric x question type: value, a small bar with the baseline tick, and the delta."""
    groups = list(doc["metrics"])
    by_key = {(r.group, r.metric): r for r in rows}
    head = "".join(
        f"<th>{escape(g)} <span class=meta>({_count(doc, g)})</span></th>" for g in groups
    )
    body = []
    overall = doc["metrics"].get("overall", {})
    extra = [m for m, v in overall.items() if m not in QUALITY_METRICS and _shown(m, v)]
    for metric in [*QUALITY_METRICS, *extra]:
        cells = []
        for group in groups:
            row = by_key.get((group, metric))
            if row is None or row.value is None:
                cells.append('<td class="cell meta">—</td>')
                continue
            colour = COLOURS[row.status]
            tick = (
                f'<s style="left:{row.baseline * 100:.1f}%"></s>'
                if row.baseline is not None
                else ""
            )
            delta = (
                f'<span class=delta style="color:{colour}">{row.delta:+.3f}</span>'
                if row.delta
                else ""
            )
            cells.append(
                f'<td class=cell>{row.value:.3f}{delta}<div class=bar><i style="width:'
                f'{row.value * 100:.1f}%;background:{colour}"></i>{tick}</div></td>'
            )
        body.append(f"<tr><td>{escape(metric)}</td>{''.join(cells)}</tr>")
    for metric in ("latency_p50_ms", "latency_p95_ms"):
        if any(metric in doc["metrics"][g] for g in groups):
            ms = "".join(
                f"<td class=num>{_f(doc['metrics'][g].get(metric), ms=True)}</td>" for g in groups
            )
            body.append(f"<tr><td>{metric}</td>{ms}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def _count(doc: dict[str, Any], group: str) -> int:
    return sum(1 for q in doc["questions"] if group == "overall" or q["type"] == group)


def question_card(q: dict[str, Any], new: bool = False) -> str:
    tags = "".join(f"<span class=tag>{escape(r)}</span>" for r in q["failures"])
    if new:
        tags = "<span class='tag new'>newly failing</span>" + tags
    groups = "".join(
        f"<li class={'ok' if g['passed'] else 'miss'}>{'✓' if g['passed'] else '✗'} "
        f"{escape(' | '.join(g['alternatives']))}</li>"
        for g in q.get("must_include", [])
    )
    quotes = "".join(
        f"<blockquote>[{c['n']}] <b>{escape(c['source_id'])}</b>: {escape(c['quote'])}</blockquote>"
        for c in q.get("citations", [])
    )
    per_source = "".join(
        f"<li><b>{escape(e['source_id'])}</b> "
        f"{'addresses it' if e['addresses_topic'] else 'silent'}: {escape(e['summary'])}</li>"
        for e in q.get("per_source") or []
    )
    got = set(q.get("retrieved", []))
    gold = (
        ", ".join(
            f"<span class={'ok' if s in got else 'miss'}>{escape(s)}</span>"
            for s in q.get("gold_sources", [])
        )
        or "none"
    )
    short = q.get("short_answer")
    latency = f", {q['latency_ms']:.0f} ms" if q.get("latency_ms") is not None else ""
    parts = [
        f"<summary><b>{escape(q['id'])}</b><span class='tag type'>{escape(q['type'])}</span>"
        f"{tags}<br>{escape(q['question'])}</summary><dl class=q>",
        f"<dt>answer ({escape(str(q.get('mode', '')))}{latency})</dt>"
        f"<dd>{escape(q['answer']) or '<i>empty</i>'}</dd>",
        f"<dt>short answer</dt><dd>{escape(short)}</dd>" if short else "",
        f"<dt>per source</dt><dd><ul>{per_source}</ul></dd>" if per_source else "",
        f"<dt>reference answer</dt><dd>{escape(str(q.get('gold_answer', '')))}</dd>",
        f"<dt>key facts</dt><dd><ul>{groups}</ul></dd>" if groups else "",
        f"<dt>gold sources (green = retrieved)</dt><dd>{gold}; retrieved: "
        f"{escape(', '.join(q.get('retrieved', [])) or 'none')}</dd>"
        if "retrieved" in q
        else "",
        f"<dt>citations</dt><dd>{quotes}</dd>" if quotes else "",
        "</dl>",
    ]
    return f"<details open>{''.join(parts)}</details>"


def _verdict(doc: dict[str, Any]) -> tuple[str, str]:
    """The headline verdict of a run and its colour."""
    gate = doc.get("gate", {})
    if doc["run"].get("interrupted"):
        return "INTERRUPTED", COLOURS["worse"]
    if doc.get("benchmark"):
        return "REPORTED", COLOURS["info"]
    if gate.get("baseline") is None:
        return "NO BASELINE", COLOURS["info"]
    if gate.get("passed"):
        return "PASS", COLOURS["better"]
    return "FAIL", COLOURS["REGRESSED"]


def _cards(doc: dict[str, Any], failing: list[dict[str, Any]]) -> str:
    """The summary cards: verdict, counts and latency."""
    verdict, colour = _verdict(doc)
    overall = doc["metrics"]["overall"]
    cards = [
        (verdict, "gate", colour),
        (str(len(doc["questions"])), "questions", None),
        (str(len(failing)), "failing questions", None),
        (str(len(doc.get("gate", {}).get("failed", []))), "regressed metrics", None),
        (_f(overall.get("latency_p50_ms"), ms=True), "latency p50", None),
        (_f(overall.get("latency_p95_ms"), ms=True), "latency p95", None),
    ]
    return "".join(
        f"<div class=card><b{f' class=verdict style=background:{c}' if c else ''}>{escape(v)}</b>"
        f"<span>{escape(label)}</span></div>"
        for v, label, c in cards
    )


def _meta(run: dict[str, Any], gate: dict[str, Any]) -> str:
    """The one-line description of the run: generator, gold, corpus, time, git, baseline."""
    corpus = run.get("corpus") or {"path": "—", "indexed": 0, "chunks": 0}
    return " · ".join(
        [
            f"generator <code>{escape(str(run['config']['generator']))}</code>",
            f"gold <code>{escape(run['gold']['path'])}</code>",
            f"corpus <code>{escape(corpus['path'])}</code> ({corpus['indexed']} articles, "
            f"{corpus['chunks']} chunks)",
            f"{escape(run['started'])}, {run['duration_s']:.1f} s",
            f"git <code>{escape(str(run['git_sha']))}</code>",
            f"baseline <code>{escape(str(gate.get('baseline')))}</code>, "
            f"tolerance {gate.get('tolerance')}",
        ]
    )


def render(doc: dict[str, Any], rows: list[Row]) -> str:
    run, gate = doc["run"], doc.get("gate", {})
    newly = set(gate.get("newly_failing", []))
    failing = sorted(
        (q for q in doc["questions"] if q["failures"]), key=lambda q: q["id"] not in newly
    )
    regressed = "".join(f"<span class=tag>{escape(name)}</span>" for name in gate.get("failed", []))
    config = escape(", ".join(f"{k}={v}" for k, v in run["config"].items()))
    versions = escape(", ".join(f"{k} {v}" for k, v in run["versions"].items()))
    first = list(doc.get("benchmark", {}).get("headline", {}))  # the data set's own metrics
    notes = [*gate.get("warnings", []), *([gate["ungated"]] if gate.get("ungated") else [])]
    warnings = "".join(f"<p class=warn>⚠ {escape(w)}</p>" for w in notes)
    scored = f"Scored {len(doc['questions'])}: {escape(run['gold'].get('why') or 'all')}."
    fixed = gate.get("now_passing", [])
    now_passing = f" Now passing: {escape(', '.join(fixed))}." if fixed else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rag eval report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><main>
<h1>rag eval report</h1>
<div class=meta>{_meta(run, gate)}<p>{scored}</p></div>
<div class=cards>{_cards(doc, failing)}</div>
{f"<p>Below the baseline: {regressed}</p>" if regressed else ""}
{warnings}
<h2>Overall metrics{" against the baseline" if gate.get("baseline") else ""}</h2>
<div class=panel>{bar_chart(sorted(rows, key=lambda r: r.metric not in first))}
<div class=legend>Bars: this run (blue unchanged, green better, amber worse within the
tolerance, red regressed, grey no baseline). Black tick: the baseline.</div></div>
<h2>By question type</h2>
<div class=panel>{type_table(doc, rows)}</div>
<h2>Failing questions ({len(failing)})</h2>
<p class=meta>A question fails when refusal accuracy, key-fact recall, citation validity,
source coverage or silence accuracy is below 1. Newly failing ones (not failing in the
baseline) come first.{now_passing}</p>
{"".join(question_card(q, q["id"] in newly) for q in failing) or "<p>None.</p>"}
<h2>Run</h2>
<div class="panel meta"><p><b>config</b> {config}</p><p><b>versions</b> {versions}</p></div>
</main></body></html>
"""


def write_report(path: Path, doc: dict[str, Any], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(doc, rows), encoding="utf-8")
