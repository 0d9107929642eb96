// The article beside the chat: its cleaned text with the cited quotes highlighted.
//
// Citation offsets count Unicode code points (Python), JS strings count UTF-16 units, so
// offsets are converted before slicing. A citation carries the hash of the text its offsets
// index: while it is the article's, text[start:end] is the quote. Another hash means the
// article changed since the answer: the page says so and takes the quote's occurrence
// closest to its old offsets (or reports it missing).

import { api } from "./api.js";
import { $, announce, fill, formatDay, h, initial, sourceDay } from "./dom.js";

let token = 0;
let returnFocus = null;

/** A function from code-point offsets to UTF-16 offsets in `text`. */
export function utf16Offsets(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const at = [];
  let unit = 0;
  for (const ch of text) {
    at.push(unit);
    unit += ch.length;
  }
  at.push(unit);
  return (i) => at[Math.min(i, at.length - 1)];
}

/** The start of the occurrence of `quote` in `text` closest to `around`, or -1. */
function nearest(text, quote, around) {
  let best = -1;
  for (let at = quote ? text.indexOf(quote) : -1; at >= 0; at = text.indexOf(quote, at + 1)) {
    if (best < 0 || Math.abs(at - around) < Math.abs(best - around)) best = at;
  }
  return best;
}

/**
 * Where each quote is in `doc.text`: found [{n, start, end, active}] (overlaps dropped,
 * active first), missing quotes, and whether the text changed since they were cited (a
 * hash other than `doc.text_sha256`; for an answer without hashes, offsets that miss).
 */
function locate(doc, quotes, activeN) {
  const text = doc.text;
  const toUnits = utf16Offsets(text);
  const found = [];
  const missing = [];
  let changed = false;
  const ordered = [...quotes].sort((a, b) => (b.n === activeN) - (a.n === activeN));
  for (const q of ordered) {
    let start = toUnits(q.start);
    let end = toUnits(q.end);
    const there = text.slice(start, end) === q.quote;
    const stale = q.text_sha256 ? q.text_sha256 !== doc.text_sha256 : !there;
    changed ||= stale;
    if (stale || !there) {
      start = nearest(text, q.quote, start);
      end = start + q.quote.length;
    }
    if (start < 0) {
      missing.push(q);
      continue;
    }
    if (found.some((f) => start < f.end && f.start < end)) continue;
    found.push({ n: q.n, start, end, active: q.n === activeN });
  }
  return { found: found.sort((a, b) => a.start - b.start), missing, changed };
}

/** The note above a changed article: that it changed, and which quotes are gone. */
function changeNote(changed, missing) {
  const gone = missing.length ? `Quote ${missing.map((q) => q.n).join(", ")} is no longer in it.` : "";
  if (!changed && !gone) return null;
  const text = changed ? `This article changed since this answer was given. ${gone}` : gone;
  return h("p", { class: "notice", role: "note" }, text.trim());
}

/** The piece text[a:b] of a quote, with the short answer (UTF-16 range `short`) marked. */
function quotePiece(text, a, b, short) {
  if (!short || short.end <= a || short.start >= b) return [text.slice(a, b)];
  const s = Math.max(short.start, a);
  const e = Math.min(short.end, b);
  return [text.slice(a, s), h("mark", { class: "short" }, text.slice(s, e)), text.slice(e, b)];
}

/** Paragraphs of `text` (one per line) with the located ranges as <mark>s. */
function paragraphs(text, ranges, short = null) {
  const out = [];
  let pos = 0;
  for (const line of text.split("\n")) {
    const start = pos;
    const end = pos + line.length;
    pos = end + 1;
    if (!line.trim()) continue;
    const p = h("p");
    let cursor = start;
    for (const r of ranges) {
      const a = Math.max(r.start, start);
      const b = Math.min(r.end, end);
      if (a >= b) continue;
      if (a > cursor) p.append(text.slice(cursor, a));
      p.append(
        h(
          "mark",
          { class: r.active ? "quote active" : "quote", dataset: { n: r.n }, tabindex: "-1" },
          quotePiece(text, a, b, r.n === short?.n ? short : null),
        ),
      );
      cursor = b;
    }
    if (cursor < end) p.append(text.slice(cursor, end));
    out.push(p);
  }
  return out;
}

/** The short answer's UTF-16 range in `text`, if it is still there. */
function shortRange(text, short) {
  if (!short) return null;
  const toUnits = utf16Offsets(text);
  const start = toUnits(short.start);
  const end = toUnits(short.end);
  return text.slice(start, end) === short.text ? { n: short.n, start, end } : null;
}

/** Mark quote `n` as the active one and bring it into view (animated only on request). */
function setActive(n, animate = false) {
  const body = $("#reader-body");
  for (const m of body.querySelectorAll("mark.quote")) m.classList.toggle("active", m.dataset.n === String(n));
  for (const b of $("#reader-quotes").querySelectorAll("button")) {
    b.setAttribute("aria-pressed", String(b.dataset.n === String(n)));
  }
  const mark = body.querySelector("mark.quote.active");
  if (mark) {
    const smooth = animate && !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    mark.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "instant" });
    mark.focus({ preventScroll: true });
  }
}

function header(doc) {
  const day = sourceDay(doc);
  fill(
    $("#reader-meta"),
    h("span", { class: "outlet-badge", "aria-hidden": "true" }, initial(doc.outlet)),
    h("span", { class: "reader-outlet" }, doc.outlet || "Unknown outlet"),
    h("span", { class: "muted" }, day ? `· ${formatDay(day)}` : "· undated"),
  );
  fill($("#reader-title"), doc.title || "Untitled article");
  fill($("#reader-id"), doc.source_id);
}

/**
 * Open `sourceId` in the panel. `quotes`: the answer's citations of this article
 * ({n, quote, start, end}); the one numbered `activeN` is highlighted and scrolled to;
 * `short` (the answer's short_answer, when it lies in quote `activeN`) is marked inside it.
 */
export async function openArticle(sourceId, quotes = [], activeN = null, short = null) {
  const panel = $("#reader");
  const mine = ++token;
  if (panel.hidden) returnFocus = document.activeElement;
  panel.hidden = false;
  document.body.classList.add("reading");
  panel.dataset.source = sourceId;
  panel.setAttribute("aria-busy", "true");
  fill($("#reader-meta"));
  fill($("#reader-id"));
  fill($("#reader-title"), "Loading the article…");
  fill($("#reader-quotes"));
  fill($("#reader-body"), h("div", { class: "skeleton" }, h("i"), h("i"), h("i"), h("i")));
  let doc;
  try {
    doc = await api("GET", `/v1/sources/${encodeURIComponent(sourceId)}/text`);
  } catch (err) {
    if (mine !== token) return;
    fill($("#reader-title"), "Couldn't open the article");
    fill($("#reader-body"), h("p", { class: "error", role: "alert" }, err.message));
    panel.removeAttribute("aria-busy");
    return;
  }
  if (mine !== token) return;
  header(doc);
  const { found, missing, changed } = locate(doc, quotes, activeN);
  if (found.length > 1) {
    fill(
      $("#reader-quotes"),
      h("span", { class: "muted small" }, "Cited here:"),
      found.map((r) =>
        h("button", { type: "button", class: "cite", dataset: { n: r.n }, "aria-label": `Go to quote ${r.n}`, "aria-pressed": "false", onclick: () => setActive(r.n, true) }, String(r.n)),
      ),
    );
  }
  fill($("#reader-body"), changeNote(changed, missing), paragraphs(doc.text, found, shortRange(doc.text, short)));
  panel.removeAttribute("aria-busy");
  const active = found.find((r) => r.active) ?? found[0];
  if (active) {
    setActive(active.n);
    announce(`Opened ${doc.title || doc.outlet || "the article"} at quote ${active.n}.`);
  } else {
    panel.scrollTop = 0;
    $("#reader-title").focus();
  }
}

export function closeArticle() {
  const panel = $("#reader");
  if (panel.hidden) return;
  token++;
  panel.hidden = true;
  document.body.classList.remove("reading");
  returnFocus?.focus?.();
  returnFocus = null;
}

export function initReader() {
  $("#close-reader").addEventListener("click", closeArticle);
  // Escape closes it too (app.js listens on the whole page).
}
