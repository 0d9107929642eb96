// The conversation on screen: send a question over /v1/chat (SSE), render it as it streams,
// reopen a stored conversation, start a new one.

import { renderAnswer, renderError, renderStreaming } from "./answer.js";
import { ApiError, api, stream } from "./api.js";
import { $, announce, fill, h } from "./dom.js";

function userBlock(text, rewritten) {
  return h(
    "div",
    { class: "msg user" },
    h("div", { class: "bubble" }, text),
    rewritten ? h("p", { class: "rewritten muted small" }, "Searched as: ", h("q", null, rewritten)) : null,
  );
}

function assistantBlock() {
  const slot = h("div", { class: "msg-body" });
  const block = h(
    "div",
    { class: "msg assistant" },
    h("img", { class: "avatar", src: "/static/icon.svg", alt: "", width: "28", height: "28" }),
    slot,
  );
  return { block, slot };
}

export class Chat {
  /** `filters.request()` scopes each question; `list` is the ConversationList; `ctx` opens citations. */
  constructor({ filters, list, ctx }) {
    this.filters = filters;
    this.list = list;
    this.ctx = ctx;
    this.id = null;
    this.controller = null;
    this.thread = $("#thread");
  }

  get busy() {
    return this.controller !== null;
  }

  addTurn(question, rewritten) {
    const user = userBlock(question, rewritten);
    const { block, slot } = assistantBlock();
    const li = h("li", { class: "turn" }, user, block);
    $("#messages").append(li);
    $("#welcome").hidden = true;
    return { li, user, slot };
  }

  setConversation(id, title) {
    this.id = id;
    fill($("#chat-title"), title || "New chat");
    document.title = title ? `${title} · newsrag` : "newsrag · Ask the news";
    const hash = id ? `#/c/${encodeURIComponent(id)}` : "";
    if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname);
    this.list.setActive(id);
  }

  reset() {
    this.stop();
    fill($("#messages"));
    $("#welcome").hidden = false;
    this.setConversation(null, null);
  }

  stop() {
    this.controller?.abort();
  }

  /** Follow the answer down while the reader is at the bottom of the thread. */
  stick(fn) {
    const t = this.thread;
    const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 80;
    fn();
    if (atBottom) t.scrollTop = t.scrollHeight;
  }

  async send(question) {
    if (this.busy || !question.trim()) return;
    const request = { message: question, ...this.filters.request() };
    if (this.id) request.conversation_id = this.id;
    const turn = this.addTurn(question);
    const partial = { answer: "", citations: [] };
    let status = "Searching the articles…";
    let final = null;
    const paint = () => this.stick(() => fill(turn.slot, renderStreaming(partial, this.ctx, status)));
    paint();
    this.thread.scrollTop = this.thread.scrollHeight;
    const controller = new AbortController();
    this.controller = controller;
    document.body.classList.add("busy");
    try {
      await stream(
        "/v1/chat",
        request,
        (name, data) => {
          if (name === "sources") {
            const articles = new Set(data.map((p) => p.source_id)).size;
            status = `Reading ${data.length} passages from ${articles} article${articles === 1 ? "" : "s"}…`;
          } else if (name === "delta") {
            partial.answer = "replace" in data ? data.replace : partial.answer + data.text;
          } else if (name === "citation") {
            partial.citations.push(data);
          } else if (name === "done") {
            final = data;
          } else if (name === "error") {
            throw new ApiError(data.detail ?? "The answer failed.", data.status ?? 0);
          }
          paint();
        },
        controller.signal,
      );
      if (!final) throw new ApiError("The answer stopped before it was complete.");
      const first = !this.id;
      this.setConversation(final.conversation_id, first ? question : $("#chat-title").textContent);
      if (final.rewritten_question) turn.user.replaceWith(userBlock(question, final.rewritten_question));
      fill(turn.slot, renderAnswer(final, this.ctx, request));
      if (turn.li.offsetHeight > this.thread.clientHeight) turn.li.scrollIntoView({ block: "start" });
      else this.thread.scrollTop = this.thread.scrollHeight;
      announce("The answer is ready.");
      this.list.load(true);
    } catch (err) {
      const stopped = err.name === "AbortError";
      const retry = () => {
        turn.li.remove();
        this.send(question);
      };
      fill(turn.slot, renderError(stopped ? "Stopped." : err.message, retry));
      announce(stopped ? "Stopped." : `Couldn't answer: ${err.message}`);
    } finally {
      this.controller = null;
      document.body.classList.remove("busy");
    }
  }

  /** Show a stored conversation; false if it is gone. */
  async open(id) {
    if (id === this.id && $("#messages").children.length) return true;
    this.stop();
    let conv;
    try {
      conv = await api("GET", `/v1/conversations/${encodeURIComponent(id)}`);
    } catch (err) {
      this.reset();
      return err.status === 404 ? false : Promise.reject(err);
    }
    fill($("#messages"));
    let title = null;
    let turn = null;
    for (const m of conv.messages) {
      if (m.role === "user") {
        title ??= m.content;
        turn = this.addTurn(m.content, m.rewritten_question);
      } else if (turn && m.answer) {
        if (m.answer.rewritten_question) {
          turn.user.replaceWith(userBlock(turn.user.firstChild.textContent, m.answer.rewritten_question));
        }
        fill(turn.slot, renderAnswer(m.answer, this.ctx));
        turn = null;
      }
    }
    $("#welcome").hidden = conv.messages.length > 0;
    this.setConversation(id, title);
    this.thread.scrollTop = this.thread.scrollHeight;
    return true;
  }
}
