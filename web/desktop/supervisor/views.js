// The wallboard's two tables (R44): queues and agents. They read the board's state and call
// intents; the timers (`data-since`) run by dom.js's `tick`, so a second's tick redraws no row.
//
// Drawing is keyed: a row is built again only when its row object changed (the reducer replaces
// a row it changes and keeps the others), or what it shows beside it (the agents serving a
// queue, a threshold crossed, the language); the table's body is then patched in place, so an
// event redraws one row of 10,000 (docs/benchmarks.md).

import { clock, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { STATE_ORDER, agentRows, alertLevel, boardState, queueRows, serving, teams } from "./board.js";

/** A row's height in pixels (wallboard.css): the tables draw only the rows in view. */
export const ROW_PX = 36;
/** Rows drawn above and below the view, so that scrolling shows no gap. */
const OVERSCAN = 10;

/** The two spacer rows of each table, standing for the rows not drawn above and below. */
const spacers = new WeakMap();

/**
 * The rows in view of a scrolled table, with spacers for the others: 10,000 agents draw as
 * the 50 or so a screen shows.
 * @template T
 * @param {HTMLElement} table
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} build
 * @returns {HTMLElement[]}
 */
function windowed(table, items, build) {
  const scroller = table.parentElement;
  const top = scroller?.scrollTop ?? 0;
  const height = scroller?.clientHeight || 1000;
  const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((top + height) / ROW_PX) + OVERSCAN);
  let pair = spacers.get(table);
  if (!pair) {
    pair = [h("tr", { class: "wb-spacer", "aria-hidden": "true" }), h("tr", { class: "wb-spacer", "aria-hidden": "true" })];
    spacers.set(table, pair);
  }
  const [above, below] = pair;
  above.style.height = `${first * ROW_PX}px`;
  below.style.height = `${(items.length - last) * ROW_PX}px`;
  return [above, ...items.slice(first, last).map(build), below];
}

/** Rows built, by the row object they show: what else they showed, and the element. */
const built = new WeakMap();

/**
 * The row element of `data`, built again only when `data` or `signature` changed.
 * @param {object} data
 * @param {string} signature
 * @param {() => HTMLElement} build
 * @returns {HTMLElement}
 */
function keyed(data, signature, build) {
  const known = built.get(data);
  if (known && known.signature === signature) return known.element;
  const element = build();
  built.set(data, { signature, element });
  return element;
}

/**
 * Makes `body`'s children be `rows`, in order, moving only what moved.
 * @param {HTMLElement} body
 * @param {HTMLElement[]} rows
 */
function patch(body, rows) {
  /** @type {Set<Element>} */
  const wanted = new Set(rows);
  let child = body.firstElementChild;
  for (const row of rows) {
    // Rows drawn again or filtered out go.
    while (child && !wanted.has(child)) {
      const next = child.nextElementSibling;
      child.remove();
      child = next;
    }
    if (child === row) {
      child = child.nextElementSibling;
      continue;
    }
    // One row moved further down: leave it, it is moved when its turn comes.
    if (child && child.nextElementSibling === row) {
      child = row.nextElementSibling;
      continue;
    }
    body.insertBefore(row, child);
  }
  while (child) {
    const next = child.nextElementSibling;
    child.remove();
    child = next;
  }
}

/**
 * The table's head and body, the head drawn again only when the language changed.
 * @param {HTMLElement} table
 * @param {() => HTMLElement} head
 * @returns {HTMLElement} The body.
 */
function parts(table, head) {
  const body = /** @type {HTMLElement | null} */ (table.querySelector("tbody"));
  if (body && table.dataset.language === language()) return body;
  const fresh = h("tbody", {});
  table.replaceChildren(h("thead", {}, head()), fresh);
  table.dataset.language = language();
  return fresh;
}

/**
 * @typedef {import("./board.js").BoardState} BoardState
 * @typedef {import("./board.js").AgentView} AgentView
 * @typedef {import("../wire.js").WallboardQueueDto} WallboardQueueDto
 * @typedef {import("../wire.js").WallboardAgentDto} WallboardAgentDto
 */

/**
 * What the tables ask for.
 * @typedef {Object} BoardIntents
 * @property {(change: Partial<AgentView>) => void} view Filter or sort the agents.
 * @property {(agent: WallboardAgentDto) => void} act Opens the dialog to set the agent Idle or log them out.
 */

/** @type {Record<string, string>} */
const STATE_TEXT = { available: "wbAvailable", busy: "wbBusy", idle: "wbIdle", rona: "wbRona", logged_out: "wbLoggedOut" };

/**
 * The queues' table.
 * @param {HTMLElement} table
 * @param {BoardState} state
 * @param {number} now
 */
export function renderQueues(table, state, now) {
  const body = parts(table, () => h("tr", {},
    h("th", { scope: "col" }, t("wbQueue")), h("th", { scope: "col" }, t("wbChannel")),
    h("th", { scope: "col", class: "num" }, t("wbWaiting")), h("th", { scope: "col", class: "num" }, t("wbLongestWait")),
    h("th", { scope: "col", class: "num" }, t("wbOffered")), h("th", { scope: "col", class: "num" }, t("wbAnswered")),
    h("th", { scope: "col", class: "num" }, t("wbAbandoned")), h("th", { scope: "col", class: "num" }, t("wbServiceLevel")),
    h("th", { scope: "col", class: "num" }, t("wbAht")),
    h("th", { scope: "col", class: "num" }, t("wbAvailable")), h("th", { scope: "col", class: "num" }, t("wbBusy")),
    h("th", { scope: "col", class: "num" }, t("wbIdle")), h("th", { scope: "col", class: "num" }, t("wbRona"))));
  const rows = windowed(table, queueRows(state), (queue) => {
    const agents = serving(state, queue);
    const waited = queue.oldest_waiting_since === null ? null : now - queue.oldest_waiting_since;
    const alert = alertLevel(waited, queue.targets.wait_amber_ms, queue.targets.wait_red_ms);
    const signature = `${language()} ${agents.available} ${agents.busy} ${agents.idle} ${agents.rona} ${alert}`;
    return keyed(queue, signature, () => queueRow(queue, agents, now));
  });
  patch(body, rows);
}

/**
 * @param {WallboardQueueDto} queue
 * @param {import("./board.js").Serving} agents
 * @param {number} now
 */
function queueRow(queue, agents, now) {
  const targets = queue.targets;
  const waited = queue.oldest_waiting_since === null ? null : now - queue.oldest_waiting_since;
  const level = queue.service_level_percent;
  const num = (/** @type {string} */ name, /** @type {any} */ value, alert = "") =>
    h("td", { class: `num ${alert}`.trim(), "data-figure": name }, value);
  return h("tr", { "data-queue": queue.id },
    h("th", { scope: "row" }, queue.name),
    h("td", {}, t(`channel_${queue.channel}`)),
    num("waiting", queue.waiting, alertLevel(queue.waiting, targets.waiting_amber, targets.waiting_red)),
    h("td", {
      class: `num ${alertLevel(waited, targets.wait_amber_ms, targets.wait_red_ms)}`.trim(),
      "data-figure": "longest_wait",
      // Ticks every second (dom.js), and is drawn again when it crosses a threshold.
      "data-since": queue.oldest_waiting_since ?? false,
    }, waited === null ? "" : clock(waited)),
    num("offered", queue.offered), num("answered", queue.answered), num("abandoned", queue.abandoned),
    h("td", {
      class: `num ${alertLevel(level, targets.service_level_amber, targets.service_level_red, true)}`.trim(),
      "data-figure": "service_level",
      title: t("wbServiceLevelTitle", Math.round(targets.service_level_threshold_ms / 1000)),
    }, level === null ? "–" : `${Math.round(level)} %`),
    num("aht", queue.handle_ms_average === null ? "–" : clock(queue.handle_ms_average)),
    num("available", agents.available), num("busy", agents.busy), num("idle", agents.idle), num("rona", agents.rona));
}

/**
 * The agents' filters.
 * @param {HTMLElement} bar
 * @param {BoardState} state
 * @param {BoardIntents} intents
 */
export function renderAgentFilters(bar, state, intents) {
  const signature = JSON.stringify([language(), state.view, teams(state), state.order.length]);
  if (bar.dataset.signature === signature) return;
  bar.dataset.signature = signature;
  const option = (/** @type {string} */ value, /** @type {string} */ text, /** @type {boolean} */ selected) =>
    h("option", { value, selected }, text);
  const team = h("select", { id: "wb-filter-team", "aria-label": t("wbTeam"), onchange: () => intents.view({ team: team.value }) },
    option("", t("wbAllTeams"), state.view.team === ""),
    teams(state).map((name) => option(name, name, state.view.team === name)));
  const queue = h("select", {
    id: "wb-filter-queue", "aria-label": t("wbQueue"),
    onchange: () => intents.view({ queue: queue.value ? Number(queue.value) : null }),
  }, option("", t("wbAllQueues"), state.view.queue === null),
  queueRows(state).map((q) => option(String(q.id), q.name, state.view.queue === q.id)));
  const states = h("select", { id: "wb-filter-state", "aria-label": t("wbState"), onchange: () => intents.view({ state: states.value }) },
    option("", t("wbAllStates"), state.view.state === ""),
    STATE_ORDER.map((name) => option(name, t(STATE_TEXT[name]), state.view.state === name)));
  bar.replaceChildren(team, queue, states);
}

/**
 * The agents' table.
 * @param {HTMLElement} table
 * @param {BoardState} state
 * @param {BoardIntents} intents
 * @param {Record<string, string>} reasonLabels Idle reasons' labels by code.
 */
export function renderAgents(table, state, intents, reasonLabels) {
  /** @type {(key: AgentView["sort"], text: string) => any} */
  const sortable = (key, text) => {
    const sorted = state.view.sort === key;
    return h("th", { scope: "col", "aria-sort": sorted ? (state.view.descending ? "descending" : "ascending") : false },
      h("button", { type: "button", class: "link", "data-sort": key, title: t("wbSortBy", text), onclick: () => intents.view({ sort: key }) },
        text, sorted ? (state.view.descending ? " ▼" : " ▲") : ""));
  };
  const head = () => h("tr", {}, sortable("name", t("wbAgent")), sortable("team", t("wbTeam")), sortable("state", t("wbState")),
    sortable("since", t("wbTimeInState")), h("th", { scope: "col" }, t("wbContacts")),
    h("th", { scope: "col" }, h("span", { class: "sr-only" }, t("wbActions"))));
  // The head shows the sorting: drawn again when it changes.
  const sorting = `${state.view.sort} ${state.view.descending}`;
  if (table.dataset.sorting !== sorting) {
    table.dataset.sorting = sorting;
    delete table.dataset.language;
  }
  const body = parts(table, head);
  const now = Date.now();
  const agents = agentRows(state);
  const rows = windowed(table, agents, (agent) => keyed(agent, language(), () => agentRow(agent, reasonLabels, intents, now)));
  patch(body, agents.length ? rows : [h("tr", {}, h("td", { colspan: 6, class: "hint" }, t("wbNoAgents")))]);
}

/**
 * @param {WallboardAgentDto} agent
 * @param {Record<string, string>} reasonLabels
 * @param {BoardIntents} intents
 * @param {number} now For the timers' first text; dom.js's `tick` runs them.
 */
function agentRow(agent, reasonLabels, intents, now) {
  const state = boardState(agent);
  const reason = agent.state === "idle" && agent.idle_reason ? ` · ${reasonLabels[agent.idle_reason] ?? agent.idle_reason}` : "";
  const contacts = agent.contacts.map((contact) => h("li", { "data-task": contact.task },
    `${t(`channel_${contact.channel}`)} · ${contact.customer ?? "–"} · ${t(`phase_${contact.phase}`)} `,
    h("span", { class: "wb-timer", "data-since": contact.since ?? false }, contact.since ? clock(now - contact.since) : "")));
  return h("tr", { "data-agent": agent.id, "data-state": state },
    h("th", { scope: "row" }, agent.name),
    h("td", {}, agent.team ?? agent.teams.join(", ")),
    h("td", { class: "wb-state" }, h("span", { class: "state-chip", "data-state": state === "busy" ? "busy" : agent.state },
      h("span", { class: "state-icon", "aria-hidden": "true" }), t(STATE_TEXT[state]) + reason)),
    h("td", { class: "num wb-timer", "data-since": agent.state_since ?? false }, agent.state_since ? clock(now - agent.state_since) : ""),
    h("td", {}, contacts.length ? h("ul", { class: "wb-contacts" }, contacts) : ""),
    h("td", {}, agent.state === "logged_out" ? "" : h("button", {
      type: "button", class: "secondary", "aria-label": t("wbActOn", agent.name), onclick: () => intents.act(agent),
    }, t("wbAct"))));
}

/**
 * The dialog to set an agent Idle with a reason or log them out, with a note for the agent (R44).
 * @param {WallboardAgentDto} agent
 * @param {{ code: string, label: string }[]} reasons The organisation's idle reasons.
 * @param {(body: { state: string, idle_reason?: string, note: string }) => Promise<string | null>} submit
 *   Sends it; the text of a refusal, or null.
 */
export function openActDialog(agent, reasons, submit) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("wb-act-dialog"));
  const idle = h("input", { type: "radio", name: "wb-act", value: "idle", checked: true });
  const logOut = h("input", { type: "radio", name: "wb-act", value: "logged_out" });
  const reason = h("select", { id: "wb-act-reason" }, reasons.map((r) => h("option", { value: r.code }, r.label)));
  const note = h("input", { id: "wb-act-note", maxlength: 200, autocomplete: "off" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const send = h("button", { type: "submit", class: "primary" }, t("wbActSubmit"));
  const form = h("form", { novalidate: true },
    h("h2", {}, t("wbActTitle", agent.name)),
    h("label", { class: "wb-choice" }, idle, t("wbSetIdle")),
    h("label", {}, h("span", {}, t("wbIdleReason")), " ", reason),
    h("label", { class: "wb-choice" }, logOut, t("wbLogOut")),
    h("label", {}, h("span", {}, t("wbNote")), " ", note),
    error,
    h("div", { class: "row end" },
      h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), send));
  const sync = () => { reason.disabled = !idle.checked; };
  idle.addEventListener("change", sync);
  logOut.addEventListener("change", sync);
  form.addEventListener("submit", async (/** @type {Event} */ e) => {
    e.preventDefault();
    send.disabled = true;
    const body = idle.checked ? { state: "idle", idle_reason: reason.value, note: note.value } : { state: "logged_out", note: note.value };
    const refusal = await submit(body);
    send.disabled = false;
    if (refusal === null) { dialog.close(); return; }
    error.textContent = refusal;
    error.hidden = false;
  });
  dialog.replaceChildren(form);
  dialog.showModal();
  note.focus();
}
