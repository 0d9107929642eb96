// Answer text with its [n] markers as buttons, sentences with their support, the meta line.
//
// `ctx.open(citation, answer)` opens the cited article at the quote; every view of an
// answer (plain, refusal, compare) builds its text from these pieces.

import { formatDay, h, initial, sourceDay, sourceName } from "./dom.js";
import { tip } from "./tooltip.js";

const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
const TRAILING_MARKERS = /^(?:[ \t]*\[\d+(?:\s*,\s*\d+)*\])+/;
const REFUSAL = /\bsources\b(?: from [^.]{1,80}?)? (?:don't|do not) cover\b/;

/** Whether `claim` is weakly supported: under the threshold the answer carries, the same
 * number that decides whether an LLM's sentence is shown (rag/support/judge.py). An answer
 * stored before it carried one flags nothing. */
export function isWeak(claim, answer) {
  const threshold = answer.support_threshold;
  return claim.citations.length > 0 && typeof threshold === "number" && claim.support < threshold;
}

/** True for a refusal: mode "refusal", or no citations and the refusal wording. */
export function isRefusal(answer) {
  if (answer.mode === "refusal") return true;
  if (answer.citations?.length) return false;
  const flat = (answer.answer || "").toLowerCase().replaceAll("’", "'").split(/\s+/).join(" ");
  return REFUSAL.test(flat);
}

function byNumber(answer) {
  return new Map((answer.citations ?? []).map((c) => [c.n, c]));
}

/** Text with each [n] (or [n, m]) as a citation button; unknown numbers stay inert. */
export function withMarkers(text, answer, ctx, cited = byNumber(answer)) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    if (match.index > last) out.push(...withShort(text.slice(last, match.index), answer));
    for (const n of match[1].split(",").map((s) => Number(s.trim()))) {
      out.push(marker(n, cited.get(n), answer, ctx));
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(...withShort(text.slice(last), answer));
  return out;
}

function marker(n, citation, answer, ctx) {
  if (!citation) return h("span", { class: "cite pending", "aria-hidden": "true" }, String(n));
  const button = h(
    "button",
    {
      type: "button",
      class: "cite",
      "aria-label": `Source ${n}: ${sourceName(citation)}`,
      dataset: { n },
      onclick: () => ctx.open(citation, answer),
    },
    String(n),
  );
  return tip(button, () => quoteTip(citation));
}

export function quoteTip(citation) {
  const day = sourceDay(citation);
  return h(
    "span",
    { class: "tip-quote" },
    h("span", { class: "tip-source" }, sourceName(citation), day ? ` · ${formatDay(day)}` : ""),
    h("span", { class: "tip-text" }, citation.quote),
  );
}

function supportTip(claim, answer) {
  const pct = Math.round(claim.support * 100);
  if (!claim.citations.length) return "Not cited: this sentence connects the cited ones.";
  return isWeak(claim, answer)
    ? `Weak support (${pct}%): the quotes it cites may not say this.`
    : `Support ${pct}%: how sure the check is that the quotes it cites say this.`;
}

/** The reader's short answer ("417 crowns"), above the sentences, with its citation. */
export function shortAnswer(answer, ctx) {
  const short = answer.short_answer;
  if (!short) return null;
  const cited = byNumber(answer);
  return h(
    "p",
    { class: "short-answer", dataset: { n: short.n } },
    h("span", { class: "short-label" }, "Answer"),
    h("b", { class: "short-text" }, short.text),
    " ",
    marker(short.n, cited.get(short.n), answer, ctx),
  );
}

/** `text` (a sentence of the answer) with the short answer marked where its cited quote
 * holds it; plain `text` when it does not. */
function withShort(text, answer) {
  const short = answer.short_answer;
  const quote = short && byNumber(answer).get(short.n)?.quote;
  const within = quote ? short.start - byNumber(answer).get(short.n).start : -1;
  if (!quote || !text.includes(quote) || quote.slice(within).indexOf(short.text) !== 0) return [text];
  const at = text.indexOf(quote) + within;
  return [text.slice(0, at), h("mark", { class: "short" }, short.text), text.slice(at + short.text.length)];
}

function claimSpan(text, claim, answer, ctx, cited) {
  const weak = isWeak(claim, answer);
  const span = h(
    "span",
    { class: weak ? "claim weak" : "claim", dataset: { support: claim.support.toFixed(2) } },
    withMarkers(text, answer, ctx, cited),
  );
  tip(span, () => supportTip(claim, answer));
  if (weak) {
    const flag = h(
      "span",
      { class: "weak-flag", tabindex: "0", "aria-label": supportTip(claim, answer) },
      "weak",
    );
    span.append(" ", tip(flag, () => supportTip(claim, answer)));
  }
  return span;
}

/** The answer text, each claim (sentence) wrapped with its support score. */
export function withClaims(text, answer, ctx) {
  const cited = byNumber(answer);
  const out = [];
  let cursor = 0;
  for (const claim of answer.claims ?? []) {
    const at = text.indexOf(claim.text, cursor);
    if (at < 0 || !claim.text) continue;
    let end = at + claim.text.length;
    end += TRAILING_MARKERS.exec(text.slice(end))?.[0].length ?? 0;
    if (at > cursor) out.push(...withMarkers(text.slice(cursor, at), answer, ctx, cited));
    out.push(claimSpan(text.slice(at, end), claim, answer, ctx, cited));
    cursor = end;
  }
  out.push(...withMarkers(text.slice(cursor), answer, ctx, cited));
  return out;
}

/** The cited articles as cards, one per article, each listing its markers. */
export function sourceCards(answer, ctx) {
  const groups = new Map();
  for (const c of answer.citations ?? []) {
    if (!groups.has(c.source_id)) groups.set(c.source_id, []);
    groups.get(c.source_id).push(c);
  }
  if (!groups.size) return null;
  const cards = [...groups.values()].map((cs) => {
    const first = cs[0];
    const day = sourceDay(first);
    const name = first.outlet || first.source_id;
    return h(
      "li",
      null,
      h(
        "button",
        {
          type: "button",
          class: "source-card",
          dataset: { source: first.source_id },
          "aria-label": `Open ${first.title || name}, cited as ${cs.map((c) => c.n).join(", ")}`,
          onclick: () => ctx.open(first, answer),
        },
        h(
          "span",
          { class: "card-top" },
          h("span", { class: "outlet-badge", "aria-hidden": "true" }, initial(first.outlet)),
          h("span", { class: "card-outlet" }, name),
        ),
        h("span", { class: "card-title" }, first.title || `“${first.quote}”`),
        h(
          "span",
          { class: "card-foot" },
          h("span", { class: "card-date" }, day ? formatDay(day) : "undated"),
          h("span", { class: "card-numbers" }, cs.map((c) => h("span", null, String(c.n)))),
        ),
      ),
    );
  });
  return h("ol", { class: "source-cards", "aria-label": "Sources" }, cards);
}

/** Generator, fallback, time window, the filters asked with, timing: said plainly. */
export function metaLine(answer, request) {
  const items = [h("span", { class: "meta-item generator" }, "Answered by ", h("b", null, answer.generator))];
  if (answer.fallback) {
    items.push(
      h(
        "span",
        { class: "meta-item badge warn fallback" },
        `Fallback: ${answer.fallback_reason || "the LLM's answer had no valid citation"}. ` +
          "This is the extractive answer.",
      ),
    );
  }
  const w = answer.time_window;
  if (w) {
    items.push(
      h(
        "span",
        { class: "meta-item window" },
        `Window “${w.phrase}”: ${formatDay(w.since)} – ${formatDay(w.until)}`,
      ),
    );
  }
  if (request?.since || request?.until) {
    const from = request.since ? formatDay(request.since) : "…";
    const to = request.until ? formatDay(request.until) : "…";
    items.push(h("span", { class: "meta-item range" }, `Published ${from} – ${to}`));
  }
  if (answer.as_of) items.push(h("span", { class: "meta-item" }, `As of ${formatDay(answer.as_of)}`));
  const total = answer.timings_ms?.total;
  if (total) items.push(h("span", { class: "meta-item" }, `${(total / 1000).toFixed(2)} s`));
  return h("div", { class: "answer-meta" }, items);
}

/** The LLM's sentences shown citing other quotes than it gave: the ones that back them. */
export function recitedList(answer) {
  const recited = answer.recited || [];
  if (!recited.length) return null;
  const n = recited.length;
  const marks = (ns) => ns.map((k) => `[${k}]`).join("");
  return h(
    "details",
    { class: "recited" },
    h("summary", null, `${n} sentence${n === 1 ? "" : "s"} re-cited: the model's marker named another quote`),
    h(
      "ul",
      null,
      recited.map((r) =>
        h("li", null, h("q", null, r.text), h("span", { class: "recited-how" }, ` (${marks(r.cited)} → ${marks(r.now)})`)),
      ),
    ),
  );
}

/** The LLM's sentences that were not shown, each with why its quotes did not back it. */
export function removedList(answer) {
  const removed = answer.removed || [];
  if (!removed.length) return null;
  const n = removed.length;
  return h(
    "details",
    { class: "removed" },
    h("summary", null, `${n} sentence${n === 1 ? "" : "s"} not shown: not backed by ${n === 1 ? "its" : "their"} quotes`),
    h(
      "ul",
      null,
      removed.map((r) =>
        h("li", null, h("q", { class: "removed-text" }, r.text), h("span", { class: "removed-why" }, ` (${r.reason})`)),
      ),
    ),
  );
}

