// One floating tooltip for the whole page: a citation's quote, a sentence's support.
//
// tip(el, () => content) shows `content` (a string or a node) above `el` while it is
// hovered or focused; Escape hides it. The target points at it with aria-describedby.

import { fill } from "./dom.js";

let current = null;

function box() {
  return document.getElementById("tooltip");
}

function show(target, content) {
  const el = box();
  fill(el, content);
  el.hidden = false;
  current = target;
  target.setAttribute("aria-describedby", "tooltip");
  const r = target.getBoundingClientRect();
  const t = el.getBoundingClientRect();
  const margin = 8;
  let left = r.left + r.width / 2 - t.width / 2;
  left = Math.max(margin, Math.min(left, window.innerWidth - t.width - margin));
  let top = r.top - t.height - margin;
  if (top < margin) top = r.bottom + margin;
  el.style.left = `${Math.round(left)}px`; // position: fixed, so viewport coordinates
  el.style.top = `${Math.round(top)}px`;
}

export function hideTip() {
  const el = box();
  if (el) el.hidden = true;
  current?.removeAttribute("aria-describedby");
  current = null;
}

/** Show what `content()` returns next to `target` on hover and on keyboard focus. */
export function tip(target, content) {
  const open = () => show(target, content());
  target.addEventListener("mouseenter", open);
  target.addEventListener("focus", open);
  target.addEventListener("mouseleave", hideTip);
  target.addEventListener("blur", hideTip);
  return target;
}

/** Escape hides the tooltip; scrolling moves its target, so it hides too. */
export function initTooltip() {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && current) {
      e.preventDefault(); // this Escape was for the tooltip, not for the panel behind it
      hideTip();
    }
  });
  document.addEventListener("scroll", () => current && hideTip(), true);
}
