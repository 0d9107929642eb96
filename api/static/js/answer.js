// One assistant turn: a cited answer, a refusal, a compare table, or the text still streaming.

import {
  isRefusal,
  metaLine,
  recitedList,
  removedList,
  shortAnswer,
  sourceCards,
  withClaims,
  withMarkers,
} from "./citations.js";
import { renderCompare } from "./compare.js";
import { h, icon } from "./dom.js";

/** The finished answer, in the view its kind calls for. */
export function renderAnswer(answer, ctx, request) {
  if (isRefusal(answer)) return renderRefusal(answer, request);
  if (answer.mode === "compare" && answer.per_source?.length) {
    return renderCompare(answer, ctx, request);
  }
  return h(
    "div",
    { class: "answer cited", dataset: { mode: answer.mode } },
    sourceCards(answer, ctx),
    shortAnswer(answer, ctx),
    h("div", { class: "answer-text" }, withClaims(answer.answer, answer, ctx)),
    removedList(answer),
    recitedList(answer),
    metaLine(answer, request),
  );
}

function renderRefusal(answer, request) {
  const filtered =
    request && (request.since || request.until || request.outlets || request.sources);
  return h(
    "div",
    { class: "answer refusal", role: "note", "aria-label": "Not answered" },
    h(
      "p",
      { class: "refusal-head" },
      icon("M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18", "M5.6 18.4L18.4 5.6"),
      "Not in the sources",
    ),
    h("p", { class: "answer-text" }, answer.answer),
    h(
      "p",
      { class: "muted small" },
      filtered
        ? "Nothing in the articles you filtered to answers this. Try widening the filters."
        : "No indexed article answers this. Try rephrasing, or add an article that does.",
    ),
    metaLine(answer, request),
  );
}

/** The answer as it streams in: text so far, markers live once their citation arrived. */
export function renderStreaming(partial, ctx, status) {
  return h(
    "div",
    { class: "answer streaming", "aria-busy": "true" },
    partial.answer
      ? h("div", { class: "answer-text" }, withMarkers(partial.answer, partial, ctx), h("span", { class: "caret", "aria-hidden": "true" }))
      : h("div", { class: "thinking" }, h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), status),
  );
}

/** An error where the answer would be, with a retry when there is something to retry. */
export function renderError(message, retry) {
  return h(
    "div",
    { class: "answer failed", role: "alert" },
    h("p", null, h("b", null, "Couldn't answer. "), message),
    retry ? h("button", { type: "button", class: "secondary", onclick: retry }, "Try again") : null,
  );
}
