"""The side-by-side page (`rag eval --compare A B --report cmp.html`): one self-contained
HTML file with the metric table for A and B, the difference, and every question whose
outcome changed, with both answers."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from eval.report import COLOURS, CSS

EXTRA_CSS = """
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}.pair>div{background:#f7f9fc;
border-radius:6px;padding:8px 10px}.pair b{font-size:12px;color:#5b6578}
"""


def _f(metric: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    if metric.endswith("_ms"):
        return f"{value:+.0f} ms" if signed else f"{value:.0f} ms"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def metric_table(comparison: dict[str, Any]) -> str:
    body = []
    for row in comparison["metrics"]:
        delta, metric = row["delta"], row["metric"]
        colour = "#5b6578"
        if delta and not metric.endswith("_ms"):
            colour = COLOURS["better"] if delta > 0 else COLOURS["REGRESSED"]
        body.append(
            f"<tr><td>{escape(row['group'])}</td><td>{escape(metric)}</td>"
            f"<td class=num>{_f(metric, row['a'])}</td><td class=num>{_f(metric, row['b'])}</td>"
            f"<td class=num style='color:{colour}'>{_f(metric, delta, signed=True)}</td></tr>"
        )
    head = "<tr><th>group</th><th>metric</th><th>A</th><th>B</th><th>B − A</th></tr>"
    return f"<table>{head}{''.join(body)}</table>"


def _answer(side: dict[str, Any]) -> str:
    verdict = "pass" if side["passed"] else ", ".join(side["failures"])
    short = (
        f"<p><b>short answer</b> {escape(side['short_answer'])}</p>"
        if side.get("short_answer")
        else ""
    )
    return (
        f"<b>{escape(str(side.get('mode') or ''))} · {escape(verdict)}</b>{short}"
        f"<p>{escape(side.get('answer') or '') or '<i>empty</i>'}</p>"
    )


def changed_card(change: dict[str, Any]) -> str:
    tag = "ok" if change["change"] == "fixed" else "miss"
    return (
        f"<details open><summary><b>{escape(change['id'])}</b>"
        f"<span class='tag type'>{escape(str(change.get('type') or ''))}</span> "
        f"<span class={tag}>{escape(change['change'])} in B</span><br>"
        f"{escape(change['question'])}</summary><div class=pair>"
        f"<div><b>A</b> {_answer(change['a'])}</div><div><b>B</b> {_answer(change['b'])}</div>"
        "</div></details>"
    )


def render_comparison(comparison: dict[str, Any]) -> str:
    sides = "".join(
        f"<p><b>{key.upper()}</b> <code>{escape(str(s['setup'] or s['path'] or ''))}</code> · "
        f"generator <code>{escape(str(s['generator']))}</code> · reader "
        f"<code>{escape(str(s['reader']))}</code> · {s['questions']} questions · "
        f"{escape(str(s['started']))}</p>"
        for key, s in (("a", comparison["a"]), ("b", comparison["b"]))
    )
    differ = "; ".join(
        f"{escape(k)} {escape(repr(a))} → {escape(repr(b))}"
        for k, (a, b) in comparison["settings_differ"].items()
    )
    notes = "".join(f"<p class=warn>⚠ {escape(n)}</p>" for n in comparison["notes"])
    q = comparison["questions"]
    changed = "".join(changed_card(c) for c in comparison["changed"]) or "<p>None.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rag eval: side by side</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{CSS}{EXTRA_CSS}</style></head>
<body><main>
<h1>rag eval: side by side</h1>
<div class=meta>{sides}{f"<p>settings that differ: {differ}</p>" if differ else ""}</div>
{notes}
<h2>Metrics</h2>
<div class=panel>{metric_table(comparison)}</div>
<h2>Questions whose outcome changed ({len(comparison["changed"])})</h2>
<p class=meta>{q["both"]} questions in both runs: {q["fixed"]} fixed in B, {q["broke"]} broke
in B. A question passes when none of its checks is below 1.</p>
{changed}
</main></body></html>
"""


def write_comparison_report(path: Path, comparison: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_comparison(comparison), encoding="utf-8")
