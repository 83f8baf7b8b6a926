// The supervisor's history and reports (R44, issue 23): pure helpers, no DOM, no I/O, no
// clock: the API paths a search or a report asks for, the routes of the page, the timeline's
// rows and the chart's series. Unit tested in node (tests/e2e/desktop/unit/history.test.js).

/**
 * @typedef {{ from?: string, to?: string, queue?: string, agent?: string, channel?: string,
 *   wrapup_reason?: string, customer_number?: string }} SearchForm
 *   What the search form holds (`from` and `to` as `YYYY-MM-DD`, the rest as typed).
 * @typedef {{ kind: "queues" | "agents", from: string, to: string, queue?: string, agent?: string }} ReportForm
 * @typedef {{ view: "search" } | { view: "interaction", id: number } | { view: "reports" }} Route
 * @typedef {import("../wire.js").TimelineEntryDto} TimelineEntry
 * @typedef {import("../wire.js").HourDto} Hour
 */

/** How many interactions a page of the search shows. */
export const PAGE_SIZE = 25;

/**
 * The route a location hash names: `#interaction/42`, `#reports`, else the search.
 * @param {string} hash
 * @returns {Route}
 */
export function routeOf(hash) {
  const match = /^#interaction\/(\d+)$/.exec(hash);
  if (match) return { view: "interaction", id: Number(match[1]) };
  if (hash.startsWith("#reports")) return { view: "reports" };
  return { view: "search" };
}

/**
 * Unix ms of a day's start in the browser's time zone (`YYYY-MM-DD`), or null.
 * @param {string | undefined} day
 * @param {number} [plusDays]
 */
export function dayStartMs(day, plusDays = 0) {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).getTime();
}

/**
 * The search's API path: the form's filters (empty ones left out), a page size, and `before`
 * to page on; `to` is the last day, included.
 * @param {SearchForm} form
 * @param {number | null} [before]
 */
export function searchPath(form, before = null) {
  const params = new URLSearchParams();
  const from = dayStartMs(form.from);
  const to = dayStartMs(form.to, 1);
  if (from !== null) params.set("from", String(from));
  if (to !== null) params.set("to", String(to));
  for (const key of /** @type {const} */ (["queue", "agent", "channel", "wrapup_reason", "customer_number"])) {
    const value = (form[key] ?? "").trim();
    if (value) params.set(key, value);
  }
  params.set("limit", String(PAGE_SIZE));
  if (before !== null) params.set("before", String(before));
  return `/api/v1/interactions?${params}`;
}

/**
 * A report's API path; with `csv`, the CSV of one of its tables (`rows` or `hours`).
 * @param {ReportForm} form
 * @param {"rows" | "hours" | null} [csv]
 */
export function reportPath(form, csv = null) {
  const params = new URLSearchParams({ from: form.from, to: form.to });
  if (form.kind === "queues" && form.queue) params.set("queue", form.queue);
  if (form.kind === "agents" && form.agent) params.set("agent", form.agent);
  if (csv) {
    params.set("format", "csv");
    params.set("table", csv);
  }
  return `/api/v1/reports/${form.kind}?${params}`;
}

/**
 * `YYYY-MM-DD` of a day `days` before `today` (a date in the browser's time zone).
 * @param {Date} today
 * @param {number} days
 */
export function dayBefore(today, days) {
  const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/**
 * The chart's data for uPlot: x in seconds, then one series per figure.
 * @param {Hour[]} hours
 * @param {("offered" | "answered" | "abandoned" | "handled")[]} figures
 * @returns {number[][]}
 */
export function chartData(hours, figures) {
  return [hours.map((hour) => hour.start / 1000), ...figures.map((figure) => hours.map((hour) => hour[figure]))];
}

/**
 * How long an interaction lasted, in ms, or null while it is live.
 * @param {{ created_at: number, ended_at: number | null }} interaction
 */
export function durationMs(interaction) {
  return interaction.ended_at === null ? null : Math.max(0, interaction.ended_at - interaction.created_at);
}

/**
 * Seconds (one decimal) of a millisecond figure, or "" for none.
 * @param {number | null | undefined} ms
 */
export function seconds(ms) {
  return ms === null || ms === undefined ? "" : (ms / 1000).toFixed(1);
}

/**
 * The text key of a timeline event: `tl_<event>`, states and recording changes alike.
 * @param {TimelineEntry} entry
 */
export function timelineKey(entry) {
  return `tl_${entry.event}`;
}
