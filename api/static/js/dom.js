// Building the page from data without ever parsing data as HTML.
//
// h("a", {class: "x", onclick: fn}, "text", child) creates elements with createElement,
// sets attributes with setAttribute and adds strings as text nodes. Attribute *names* are
// always written in the code; only values come from data. There is no innerHTML anywhere.

/** An element with attributes, listeners (`onclick`, ...) and children (strings become text). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Append children: nodes as they are, strings and numbers as text, arrays flattened. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A stroked 24x24 SVG icon from path data (decorative: hidden from screen readers). */
export function icon(...paths) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Announce a short message to screen readers (the polite status region). */
export function announce(message) {
  const status = document.getElementById("status");
  if (status) status.textContent = message;
}

/** "12 Mar 2025" for an ISO day; the raw value when it is not one; "" for nothing. */
export function formatDay(iso) {
  if (!iso) return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return String(iso);
  const day = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  return day.toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** "just now", "5 min ago", "yesterday", or a date, for a Unix time in seconds. */
export function formatAgo(seconds) {
  const diff = Date.now() / 1000 - seconds;
  if (diff < 60) return "just now";
  if (diff < 3600) return `${Math.floor(diff / 60)} min ago`;
  if (diff < 86400) return `${Math.floor(diff / 3600)} h ago`;
  if (diff < 2 * 86400) return "yesterday";
  return new Date(seconds * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/** What to call a source in one line: its outlet, else its title, else its id. */
export function sourceName(source) {
  return source.outlet || source.title || source.source_id || "Unknown source";
}

/** The first letter or digit of a name, for a badge ("?" when it has none). */
export function initial(name) {
  return (name || "").match(/[\p{L}\p{N}]/u)?.[0]?.toUpperCase() ?? "?";
}

/** "1 chunk", "3 chunks". */
export function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The article's date as an ISO day if known, else as the source gave it. */
export function sourceDay(source) {
  return source.date || source.published || null;
}
