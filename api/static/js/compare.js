// A compare answer (mode "compare") as a table: one row per outlet or article.
//
// Works with both shapes of `per_source`: entries per article ({source_id, title, outlet,
// addresses_topic, summary, citations}) and entries per outlet ({group: "outlet",
// source_id: null, articles: [{source_id, title, date, citations}]}). The synthesis and
// the disagreements (`disagreements: [{term, sides: [{label, date, n, quote}]}]`) go on top.

import { metaLine, withMarkers } from "./citations.js";
import { formatDay, h, sourceDay } from "./dom.js";

function isOutletRow(entry, answer) {
  return entry.group === "outlet" || (answer.group_by === "outlet" && entry.group !== "article");
}

function cited(answer, numbers) {
  const all = new Map((answer.citations ?? []).map((c) => [c.n, c]));
  return (numbers ?? []).map((n) => all.get(n)).find(Boolean) ?? null;
}

function openFirst(answer, ctx, sourceId, numbers) {
  const citation = cited(answer, numbers);
  if (citation) ctx.open(citation, answer);
  else if (sourceId) ctx.openSource(sourceId);
}

function articleLink(article, answer, ctx) {
  const day = sourceDay(article);
  return h(
    "li",
    null,
    h(
      "button",
      {
        type: "button",
        class: "article-link",
        dataset: { source: article.source_id },
        onclick: () => openFirst(answer, ctx, article.source_id, article.citations),
      },
      article.title || article.source_id,
    ),
    day ? h("span", { class: "muted small" }, ` ${formatDay(day)}`) : null,
  );
}

function rowHead(entry, answer, ctx) {
  if (isOutletRow(entry, answer)) {
    const articles = entry.articles ?? [];
    return [
      h("span", { class: "row-name" }, entry.outlet || "No outlet"),
      articles.length
        ? h("ul", { class: "row-articles" }, articles.map((a) => articleLink(a, answer, ctx)))
        : null,
    ];
  }
  const name = entry.title || entry.outlet || entry.source_id;
  const button = h(
    "button",
    {
      type: "button",
      class: "row-name link",
      dataset: { source: entry.source_id ?? "" },
      onclick: () => openFirst(answer, ctx, entry.source_id, entry.citations),
    },
    name,
  );
  const sub = entry.title && entry.outlet ? entry.outlet : null;
  return [button, sub ? h("span", { class: "row-sub muted small" }, sub) : null];
}

function hasDate(entry) {
  return Boolean(sourceDay(entry) || (entry.articles ?? []).some(sourceDay));
}

function dates(entry) {
  const own = sourceDay(entry);
  if (own) return formatDay(own);
  const days = (entry.articles ?? []).map(sourceDay).filter(Boolean).sort();
  if (!days.length) return h("span", { class: "muted", "aria-label": "no date" }, "—");
  const first = formatDay(days[0]);
  const last = formatDay(days.at(-1));
  return first === last ? first : `${first} – ${last}`;
}

function row(entry, answer, ctx) {
  const silent = !entry.addresses_topic;
  return h(
    "tr",
    {
      class: silent ? "silent" : "speaks",
      dataset: { source: entry.source_id ?? "", outlet: entry.outlet ?? "" },
    },
    h("th", { scope: "row" }, rowHead(entry, answer, ctx)),
    h(
      "td",
      { "data-label": "Covers it" },
      h("span", { class: silent ? "pill no" : "pill yes" }, silent ? "Silent" : "Yes"),
    ),
    h(
      "td",
      { "data-label": "What it says", class: "row-summary" },
      silent ? entry.summary : withMarkers(entry.summary, answer, ctx),
    ),
    h("td", { "data-label": "Date", class: hasDate(entry) ? "row-date" : "row-date no-date" }, dates(entry)),
  );
}

function side(s, answer, ctx) {
  const citation = cited(answer, [s.n]);
  return h(
    "button",
    {
      type: "button",
      class: "side",
      dataset: { n: s.n },
      disabled: !citation,
      onclick: () => citation && ctx.open(citation, answer),
    },
    h(
      "span",
      { class: "side-label" },
      s.label,
      s.date ? h("span", { class: "muted" }, ` · ${formatDay(s.date)}`) : null,
      h("span", { class: "cite-chip" }, String(s.n)),
    ),
    h("span", { class: "side-quote" }, s.quote),
  );
}

function disagreements(answer, ctx) {
  const found = answer.disagreements ?? [];
  if (!found.length) return null;
  return h(
    "section",
    { class: "disagreements", "aria-label": "Where they disagree" },
    h("h3", null, "Where they disagree"),
    found.map((d) =>
      h(
        "div",
        { class: "disagreement" },
        h("p", { class: "disagreement-term" }, "On ", h("b", null, d.term)),
        h("div", { class: "sides" }, (d.sides ?? []).map((s) => side(s, answer, ctx))),
      ),
    ),
  );
}

/** The whole compare view: head, synthesis, disagreements, the table, the meta line. */
export function renderCompare(answer, ctx, request) {
  const entries = answer.per_source ?? [];
  const byOutlet = entries.some((e) => isOutletRow(e, answer));
  const unit = byOutlet ? "outlets" : "sources";
  const speaking = entries.filter((e) => e.addresses_topic).length;
  return h(
    "div",
    { class: "answer compare" },
    h(
      "p",
      { class: "compare-head" },
      h("span", { class: "badge accent" }, "Compare"),
      ` ${speaking} of ${entries.length} ${unit} address the topic`,
    ),
    answer.synthesis
      ? h(
          "section",
          { class: "synthesis", "aria-label": "Synthesis" },
          h("h3", null, "Synthesis"),
          h("p", null, withMarkers(answer.synthesis, answer, ctx)),
        )
      : null,
    disagreements(answer, ctx),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "compare-table" },
        h("caption", { class: "visually-hidden" }, `What each of the ${unit} says`),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, byOutlet ? "Outlet" : "Source"),
            h("th", { scope: "col" }, "Covers it"),
            h("th", { scope: "col" }, "What it says"),
            h("th", { scope: "col" }, "Date"),
          ),
        ),
        h(
          "tbody",
          null,
          entries.map((e) => row(e, answer, ctx)),
        ),
      ),
    ),
    metaLine(answer, request),
  );
}
