// What the next question is limited to: outlets, articles, dates, mode and grouping.
//
// The panel's fields map one to one onto the request fields of /v1/chat: outlets,
// sources, since, until, as_of, mode, group_by. Active filters show as removable chips.

import { api } from "./api.js";
import { $, fill, formatDay, h } from "./dom.js";

const SEARCH_DELAY_MS = 200;

export class Filters {
  constructor() {
    this.outlets = new Set();
    this.sources = new Map(); // source_id -> label
    this.known = null; // [{outlet, articles}] once loaded
    this.form = $("#composer");
    $("#toggle-filters").addEventListener("click", () => this.toggle());
    $("#close-filters").addEventListener("click", () => this.toggle(false));
    $("#clear-filters").addEventListener("click", () => this.clear());
    $("#filters").addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        this.toggle(false);
      }
    });
    for (const name of ["since", "until", "as_of", "group_by"]) {
      this.form.elements[name].addEventListener("change", () => this.changed());
    }
    for (const radio of this.form.querySelectorAll('input[name="mode"]')) {
      radio.addEventListener("change", () => this.changed());
    }
    $("#outlet-search").addEventListener("input", () => this.renderOutlets());
    let timer = 0;
    $("#article-search").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.searchArticles(), SEARCH_DELAY_MS);
    });
  }

  /** The request fields for the next question (defaults left out). */
  request() {
    const f = this.form.elements;
    const out = {};
    if (this.outlets.size) out.outlets = [...this.outlets];
    if (this.sources.size) out.sources = [...this.sources.keys()];
    for (const name of ["since", "until", "as_of"]) if (f[name].value) out[name] = f[name].value;
    if (f.mode.value !== "auto") out.mode = f.mode.value;
    if (f.group_by.value !== "auto") out.group_by = f.group_by.value;
    return out;
  }

  toggle(open = $("#filters").hidden) {
    $("#filters").hidden = !open;
    $("#toggle-filters").setAttribute("aria-expanded", String(open));
    if (open) {
      this.loadOutlets();
      this.searchArticles();
      $("#filters").querySelector("input")?.focus();
    } else $("#toggle-filters").focus();
  }

  clear() {
    this.outlets.clear();
    this.sources.clear();
    const f = this.form.elements;
    for (const name of ["since", "until", "as_of"]) f[name].value = "";
    f.mode.value = "auto";
    f.group_by.value = "auto";
    this.renderOutlets();
    this.changed();
  }

  /** Limit the next question to one article (from the document list, say). */
  addSource(id, label) {
    this.sources.set(id, label);
    this.changed();
  }

  async loadOutlets() {
    if (this.known) return this.known;
    try {
      const { outlets } = await api("GET", "/v1/outlets");
      this.known = outlets.filter((o) => o.outlet); // articles without an outlet can't be picked
    } catch (err) {
      fill($("#outlet-list"), h("p", { class: "error small" }, err.message));
      return [];
    }
    this.renderOutlets();
    return this.known;
  }

  renderOutlets() {
    if (!this.known) return;
    const needle = $("#outlet-search").value.trim().toLowerCase();
    const shown = this.known.filter((o) => o.outlet.toLowerCase().includes(needle)).slice(0, 100);
    fill(
      $("#outlet-list"),
      shown.length ? null : h("p", { class: "muted small" }, "No outlet matches."),
      shown.map((o) => {
        const box = h("input", { type: "checkbox", value: o.outlet, checked: this.outlets.has(o.outlet) });
        box.addEventListener("change", () => {
          if (box.checked) this.outlets.add(o.outlet);
          else this.outlets.delete(o.outlet);
          this.changed();
        });
        return h("label", { class: "check" }, box, " ", o.outlet, h("span", { class: "muted small" }, ` ${o.articles}`));
      }),
    );
  }

  async searchArticles() {
    const q = $("#article-search").value.trim();
    const list = $("#article-results");
    try {
      const page = await api("GET", `/v1/sources?limit=8${q ? `&q=${encodeURIComponent(q)}` : ""}`);
      fill(
        list,
        page.sources.map((s) => {
          const label = s.title || s.outlet || s.source_id;
          const chosen = this.sources.has(s.source_id);
          const pick = h(
            "button",
            { type: "button", class: "pick", "aria-pressed": String(chosen), dataset: { source: s.source_id } },
            h("span", { class: "pick-title" }, label),
            h("span", { class: "muted small" }, [s.outlet, formatDay(s.date || s.published)].filter(Boolean).join(" · ") || s.source_id),
          );
          pick.addEventListener("click", () => {
            if (this.sources.has(s.source_id)) this.sources.delete(s.source_id);
            else this.sources.set(s.source_id, label);
            pick.setAttribute("aria-pressed", String(this.sources.has(s.source_id)));
            this.changed();
          });
          return h("li", null, pick);
        }),
        page.total > page.sources.length
          ? h("li", { class: "muted small" }, `${page.total - page.sources.length} more: refine the search`)
          : null,
      );
    } catch (err) {
      fill(list, h("li", { class: "error small" }, err.message));
    }
  }

  /** Chips for what is active, each removable; the count on the filter button. */
  changed() {
    const f = this.form.elements;
    const chips = [];
    const chip = (label, remove) =>
      h("span", { class: "chip" }, label, h("button", { type: "button", "aria-label": `Remove filter: ${label}`, onclick: remove }, "×"));
    for (const o of this.outlets) {
      chips.push(chip(`Outlet: ${o}`, () => { this.outlets.delete(o); this.renderOutlets(); this.changed(); }));
    }
    for (const [id, label] of this.sources) {
      chips.push(chip(`Article: ${label}`, () => { this.sources.delete(id); this.changed(); }));
    }
    const names = { since: "From", until: "To", as_of: "As of" };
    for (const [name, label] of Object.entries(names)) {
      if (f[name].value) chips.push(chip(`${label} ${formatDay(f[name].value)}`, () => { f[name].value = ""; this.changed(); }));
    }
    if (f.mode.value !== "auto") {
      chips.push(chip(f.mode.value === "compare" ? "Compare sources" : "Plain answer", () => { f.mode.value = "auto"; this.changed(); }));
    }
    if (f.group_by.value !== "auto") {
      chips.push(chip(`Per ${f.group_by.value}`, () => { f.group_by.value = "auto"; this.changed(); }));
    }
    fill($("#filter-chips"), chips);
    const count = $("#filter-count");
    count.hidden = chips.length === 0;
    count.textContent = String(chips.length);
    for (const b of $("#article-results").querySelectorAll("button.pick")) {
      b.setAttribute("aria-pressed", String(this.sources.has(b.dataset.source)));
    }
  }
}
