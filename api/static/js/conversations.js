// The conversation list in the sidebar: a page at a time, the open one marked, deletable.

import { api } from "./api.js";
import { $, announce, fill, formatAgo, h, icon } from "./dom.js";

const PAGE = 30;

export class ConversationList {
  /** `onOpen(id)` opens a conversation; `onDeleted(id)` is told when one is deleted. */
  constructor({ onOpen, onDeleted }) {
    this.onOpen = onOpen;
    this.onDeleted = onDeleted;
    this.items = [];
    this.total = 0;
    this.active = null;
    $("#more-conversations").addEventListener("click", () => this.load(false));
  }

  /** Load the first page again (reset) or the next one. */
  async load(reset = true) {
    const offset = reset ? 0 : this.items.length;
    const error = $("#conversation-error");
    try {
      const page = await api("GET", `/v1/conversations?limit=${PAGE}&offset=${offset}`);
      this.items = reset ? page.conversations : [...this.items, ...page.conversations];
      this.total = page.total;
      error.hidden = true;
    } catch (err) {
      error.textContent = `Couldn't load conversations: ${err.message}`;
      error.hidden = false;
    }
    this.render();
  }

  setActive(id) {
    this.active = id;
    for (const li of $("#conversation-list").children) {
      const link = li.querySelector(".conversation");
      if (li.dataset.id === id) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  render() {
    fill($("#conversation-list"), this.items.map((c) => this.item(c)));
    $("#conversation-empty").hidden = this.items.length > 0;
    $("#more-conversations").hidden = this.items.length >= this.total;
    this.setActive(this.active);
  }

  item(c) {
    const remove = h(
      "button",
      {
        type: "button",
        class: "icon-button delete",
        "aria-label": `Delete conversation: ${c.title}`,
        title: "Delete",
      },
      trashIcon(),
    );
    remove.addEventListener("click", () => this.confirmDelete(remove, c));
    remove.addEventListener("blur", () => resetConfirm(remove, c));
    return h(
      "li",
      { dataset: { id: c.conversation_id } },
      h(
        "a",
        {
          class: "conversation",
          href: `#/c/${encodeURIComponent(c.conversation_id)}`,
          onclick: () => this.onOpen(c.conversation_id),
        },
        h("span", { class: "conversation-title" }, c.title),
        h("span", { class: "conversation-when muted small" }, `${formatAgo(c.updated_at)} · ${questions(c)}`),
      ),
      remove,
    );
  }

  /** First click arms the button ("Delete?"), the second deletes. No blocking dialog. */
  async confirmDelete(button, c) {
    if (!button.classList.contains("armed")) {
      button.classList.add("armed");
      fill(button, "Delete?");
      button.setAttribute("aria-label", `Confirm: delete conversation ${c.title}`);
      return;
    }
    button.disabled = true;
    try {
      await api("DELETE", `/v1/conversations/${encodeURIComponent(c.conversation_id)}`);
    } catch (err) {
      if (err.status !== 404) {
        button.disabled = false;
        $("#conversation-error").textContent = `Couldn't delete: ${err.message}`;
        $("#conversation-error").hidden = false;
        return;
      }
    }
    this.items = this.items.filter((x) => x.conversation_id !== c.conversation_id);
    this.total -= 1;
    this.render();
    announce(`Deleted “${c.title}”.`);
    this.onDeleted(c.conversation_id);
  }
}

function questions(c) {
  const n = Math.ceil(c.messages / 2);
  return `${n} question${n === 1 ? "" : "s"}`;
}

function resetConfirm(button, c) {
  if (!button.classList.contains("armed") || button.disabled) return;
  button.classList.remove("armed");
  fill(button, trashIcon());
  button.setAttribute("aria-label", `Delete conversation: ${c.title}`);
}

function trashIcon() {
  return icon("M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13");
}
