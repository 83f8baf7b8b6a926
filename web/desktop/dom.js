// Small DOM helpers shared by the views.

/**
 * The element with this id (the page's fixed elements are in index.html).
 * @param {string} id
 * @returns {any}
 */
export const $ = (id) => document.getElementById(id);

/**
 * Builds an element: h("button", {class: "x", onclick}, "text", child…).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {any}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** @param {string} id */
export function closeDialog(id) {
  const dialog = $(id);
  if (dialog.open) dialog.close();
}

/**
 * `m:ss` or `h:mm:ss`.
 * @param {number} ms
 */
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Runs the timers on the page: `data-since` counts up, `data-deadline` counts down. */
export function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-since]")) {
    const since = Number(/** @type {HTMLElement} */ (el).dataset.since);
    el.textContent = since ? clock(now - since) : "";
  }
  for (const el of document.querySelectorAll("[data-deadline]")) {
    el.textContent = `${Math.max(0, Math.ceil((Number(/** @type {HTMLElement} */ (el).dataset.deadline) - now) / 1000))} s`;
  }
}

