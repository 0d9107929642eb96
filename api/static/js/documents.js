// The documents dialog: add articles (drop files anywhere, choose them, or paste text or
// HTML), watch each one upload and index, browse the index a page at a time, delete one.
// An upload whose id already holds another article (409) asks: replace it (PUT) or keep it.

import { api, upload } from "./api.js";
import { $, announce, fill, formatDay, h, plural } from "./dom.js";

const PAGE = 20;
const SEARCH_DELAY_MS = 200;
const LOOKS_LIKE_HTML = /<(?:html|body|article|p|div|h[1-6]|span|br|a|main|section)\b[^>]*>/i;

export class Library {
  /** `onChanged()` after a document is added or deleted; `onAsk(id, label)`, `onOpen(id)`. */
  constructor({ onChanged, onAsk, onOpen }) {
    this.onChanged = onChanged;
    this.onAsk = onAsk;
    this.onOpen = onOpen;
    this.docs = [];
    this.total = 0;
    this.dialog = $("#library");
    $("#open-library").addEventListener("click", () => this.open());
    $("#close-library").addEventListener("click", () => this.dialog.close());
    $("#more-docs").addEventListener("click", () => this.load(false));
    $("#file-input").addEventListener("change", (e) => {
      this.addFiles([...e.target.files]);
      e.target.value = "";
    });
    let timer = 0;
    $("#library-search").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.load(true), SEARCH_DELAY_MS);
    });
    const paste = $("#paste-form");
    paste.elements.content.addEventListener("input", () => {
      paste.elements.is_html.checked = LOOKS_LIKE_HTML.test(paste.elements.content.value);
    });
    paste.addEventListener("submit", (e) => {
      e.preventDefault();
      this.addPasted(paste);
    });
    this.dropAnywhere();
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.load(true);
  }

  /** Files dropped on the page (or the drop zone) are uploaded; the dialog shows progress. */
  dropAnywhere() {
    const zone = $("#dropzone");
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    document.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      zone.classList.add("over");
    });
    document.addEventListener("dragleave", (e) => {
      if (e.relatedTarget === null) zone.classList.remove("over");
    });
    document.addEventListener("drop", (e) => {
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault();
      zone.classList.remove("over");
      this.open();
      this.addFiles([...e.dataTransfer.files]);
    });
  }

  logRow(name) {
    const bar = h("progress", { max: "1", value: "0", "aria-label": `Uploading ${name}` });
    const state = h("span", { class: "log-state" }, "Uploading…");
    const row = h("li", { class: "log-row busy" }, h("span", { class: "log-name" }, name), state, bar);
    $("#ingest-log").prepend(row);
    return {
      progress: (f) => {
        bar.value = f;
        if (f >= 1) state.textContent = "Indexing…";
      },
      done: (doc, replaced = false) => {
        row.className = "log-row ok";
        bar.remove();
        const updated = replaced ? "Replaced" : "Updated";
        const what = { added: "Added", updated, unchanged: "Already indexed" }[doc.status] ?? doc.status;
        state.textContent = `${what} · ${plural(doc.chunks_written, "chunk")} · ${doc.source_id}`;
        announce(`${name}: ${what.toLowerCase()}.`);
      },
      failed: (err) => {
        row.className = "log-row failed";
        bar.remove();
        state.textContent = err.message;
        state.setAttribute("role", "alert");
      },
      conflict: (held, replace) => {
        row.className = "log-row conflict";
        bar.remove();
        const what = held.title ? `“${held.title}”` : "Another article";
        state.textContent = `${what} is already indexed as ${held.source_id}.`;
        const yes = h("button", { type: "button", class: "link-button" }, "Replace it");
        const no = h("button", { type: "button", class: "link-button" }, "Keep the existing one");
        const choice = h("span", { class: "log-choice", role: "group", "aria-label": `${name}: replace or keep` }, yes, no);
        row.append(choice);
        yes.addEventListener("click", () => {
          choice.remove();
          row.className = "log-row busy";
          state.textContent = "Replacing…";
          replace();
        });
        no.addEventListener("click", () => {
          choice.remove();
          row.className = "log-row kept";
          state.textContent = `Kept the existing ${held.source_id}; ${name} was not added.`;
          announce(`${name}: kept the existing article.`);
        });
        announce(`${name}: ${state.textContent} Replace it or keep the existing one.`);
        yes.focus();
      },
    };
  }

  /** `post()` into `row`; on a 409 offer to `put(id)` instead. True once it is indexed. */
  async send(row, post, put, replaced = false) {
    try {
      row.done(await post(), replaced);
      this.changed();
      return true;
    } catch (err) {
      const held = err.status === 409 ? err.body : null;
      if (held?.source_id && put) row.conflict(held, () => this.send(row, () => put(held.source_id), null, true));
      else row.failed(err);
      return false;
    }
  }

  async addFiles(files) {
    const at = (id) => `/v1/documents/${encodeURIComponent(id)}`;
    for (const file of files) {
      const row = this.logRow(file.name);
      await this.send(
        row,
        () => upload("/v1/documents", file, {}, row.progress),
        (id) => upload(at(id), file, {}, row.progress, "PUT"),
      );
    }
  }

  async addPasted(form) {
    const f = form.elements;
    const content = f.content.value;
    if (!content.trim()) return;
    const body = {};
    for (const name of ["title", "outlet", "published"]) if (f[name].value.trim()) body[name] = f[name].value.trim();
    body[f.is_html.checked ? "html" : "text"] = content;
    const row = this.logRow(body.title || "Pasted article");
    row.progress(1);
    const added = await this.send(
      row,
      () => api("POST", "/v1/documents", { json: body }),
      (id) => api("PUT", `/v1/documents/${encodeURIComponent(id)}`, { json: body }),
    );
    if (added) form.reset();
  }

  changed() {
    this.load(true);
    this.onChanged();
  }

  async load(reset = true) {
    const q = $("#library-search").value.trim();
    const offset = reset ? 0 : this.docs.length;
    const error = $("#library-error");
    try {
      const query = `limit=${PAGE}&offset=${offset}${q ? `&q=${encodeURIComponent(q)}` : ""}`;
      const page = await api("GET", `/v1/sources?${query}`);
      this.docs = reset ? page.sources : [...this.docs, ...page.sources];
      this.total = page.total;
      error.hidden = true;
    } catch (err) {
      error.textContent = `Couldn't list the documents: ${err.message}`;
      error.hidden = false;
    }
    $("#library-total").textContent = `(${this.total})`;
    fill($("#doc-list"), this.docs.map((d) => this.row(d)));
    $("#more-docs").hidden = this.docs.length >= this.total;
  }

  row(doc) {
    const label = doc.title || doc.source_id;
    const del = h("button", { type: "button", class: "danger-link", "aria-label": `Delete ${label}` }, "Delete");
    del.addEventListener("click", () => this.remove(del, doc, label));
    del.addEventListener("blur", () => {
      if (del.classList.contains("armed") && !del.disabled) {
        del.classList.remove("armed");
        del.textContent = "Delete";
      }
    });
    const meta = [doc.outlet, formatDay(doc.date || doc.published), plural(doc.chunks, "chunk")].filter(Boolean);
    return h(
      "li",
      { class: "doc", dataset: { source: doc.source_id } },
      h(
        "div",
        { class: "doc-main" },
        h("span", { class: "doc-title" }, label),
        h("span", { class: "muted small" }, meta.join(" · ")),
        doc.title ? h("span", { class: "muted small mono" }, doc.source_id) : null,
      ),
      h(
        "div",
        { class: "doc-actions" },
        h("button", { type: "button", class: "link-button", onclick: () => this.read(doc) }, "Read"),
        h("button", { type: "button", class: "link-button", onclick: () => this.ask(doc, label) }, "Ask about it"),
        del,
      ),
    );
  }

  read(doc) {
    this.dialog.close();
    this.onOpen(doc.source_id);
  }

  ask(doc, label) {
    this.dialog.close();
    this.onAsk(doc.source_id, label);
  }

  async remove(button, doc, label) {
    if (!button.classList.contains("armed")) {
      button.classList.add("armed");
      button.textContent = "Confirm delete";
      return;
    }
    button.disabled = true;
    try {
      const out = await api("DELETE", `/v1/documents/${encodeURIComponent(doc.source_id)}`);
      announce(`Deleted ${label} (${out.deleted_chunks} chunks).`);
      this.changed();
    } catch (err) {
      button.disabled = false;
      $("#library-error").textContent = `Couldn't delete ${label}: ${err.message}`;
      $("#library-error").hidden = false;
    }
  }
}
