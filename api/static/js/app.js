// The page's entry point: wires the chat, the sidebar, the filters, the documents dialog,
// the article reader and the key prompt together. Served by `rag serve` at /.
//
// Modules: api (HTTP, SSE, key), dom (safe element building), chat (the thread),
// answer/citations/compare (an answer's views), reader (the article panel), filters,
// conversations (sidebar list), documents (add/delete), keys (the API key prompt).

import { api } from "./api.js";
import { Chat } from "./chat.js";
import { ConversationList } from "./conversations.js";
import { $, fill, h } from "./dom.js";
import { Library } from "./documents.js";
import { Filters } from "./filters.js";
import { initKeys } from "./keys.js";
import { closeArticle, initReader, openArticle } from "./reader.js";
import { initTooltip } from "./tooltip.js";

const SUGGESTIONS = [
  "What happened this week?",
  "What does each outlet say about …?",
  "Do the articles agree on …?",
];

function toast(message) {
  const el = $("#toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 6000);
}

function conversationInHash() {
  const match = /^#\/c\/([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  return match ? match[1] : null;
}

function sidebar(open) {
  document.body.classList.toggle("sidebar-open", open);
  $("#backdrop").hidden = !open;
  $("#open-sidebar").setAttribute("aria-expanded", String(open));
  if (open) $("#new-chat").focus();
}

function composer(chat) {
  const form = $("#composer");
  const input = $("#question");
  const grow = () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  };
  input.addEventListener("input", grow);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (chat.busy) {
      chat.stop();
      return;
    }
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    grow();
    chat.send(question);
  });
  return { input, grow };
}

async function welcome(filters, library, box) {
  fill(
    $("#suggestions"),
    SUGGESTIONS.map((text) =>
      h(
        "button",
        {
          type: "button",
          class: "suggestion",
          onclick: () => {
            box.input.value = text;
            box.grow();
            box.input.focus();
            const gap = text.indexOf("…");
            if (gap >= 0) box.input.setSelectionRange(gap, gap + 1);
            else $("#composer").requestSubmit();
          },
        },
        text,
      ),
    ),
  );
  try {
    const [page, outlets] = await Promise.all([api("GET", "/v1/sources?limit=1"), filters.loadOutlets()]);
    const n = page.total;
    fill(
      $("#archive-stats"),
      n === 0
        ? ["No articles indexed yet. ", h("button", { type: "button", class: "link-button", onclick: () => library.open() }, "Add one")]
        : `${n} article${n === 1 ? "" : "s"} from ${outlets.length} named outlet${outlets.length === 1 ? "" : "s"} indexed`,
    );
  } catch (err) {
    fill($("#archive-stats"), h("span", { class: "error" }, err.message));
  }
}

function main() {
  initTooltip();
  initKeys();
  initReader();
  const ctx = {
    open: (citation, answer) =>
      openArticle(
        citation.source_id,
        (answer.citations ?? []).filter((c) => c.source_id === citation.source_id),
        citation.n,
        answer.short_answer?.n === citation.n ? answer.short_answer : null,
      ),
    openSource: (id) => openArticle(id),
  };
  const filters = new Filters();
  let chat = null;
  const list = new ConversationList({
    onOpen: () => sidebar(false),
    onDeleted: (id) => {
      if (chat.id === id) chat.reset();
    },
  });
  chat = new Chat({ filters, list, ctx });
  const box = composer(chat);
  const library = new Library({
    onChanged: () => {
      filters.known = null;
    },
    onAsk: (id, label) => {
      filters.addSource(id, label);
      box.input.focus();
    },
    onOpen: (id) => openArticle(id),
  });

  const newChat = () => {
    chat.reset();
    closeArticle();
    sidebar(false);
    box.input.focus();
  };
  $("#new-chat").addEventListener("click", newChat);
  $("#new-chat-top").addEventListener("click", newChat);
  $("#open-sidebar").addEventListener("click", () => sidebar(true));
  $("#close-sidebar").addEventListener("click", () => sidebar(false));
  $("#backdrop").addEventListener("click", () => sidebar(false));
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
    if (document.body.classList.contains("sidebar-open")) sidebar(false);
    else closeArticle();
  });

  const route = async () => {
    const id = conversationInHash();
    if (!id) {
      if (chat.id) chat.reset();
      return;
    }
    try {
      if (!(await chat.open(id))) toast("That conversation no longer exists.");
    } catch (err) {
      toast(`Couldn't open the conversation: ${err.message}`);
    }
  };
  window.addEventListener("hashchange", route);

  // The first request decides whether a key is needed (401 prompts for one).
  list.load(true).then(() => {
    route();
    welcome(filters, library, box);
  });
  box.input.focus();
}

main();
