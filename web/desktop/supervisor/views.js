// The wallboard's two tables (R44): queues and agents. They read the board's state and call
// intents; the timers (`data-since`) run by dom.js's `tick`, so a second's tick redraws no row.

import { clock, h } from "../dom.js";
import { t } from "../i18n.js";
import { STATE_ORDER, agentRows, alertLevel, boardState, queueRows, serving, teams } from "./board.js";

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
  const head = h("tr", {},
    h("th", { scope: "col" }, t("wbQueue")), h("th", { scope: "col" }, t("wbChannel")),
    h("th", { scope: "col", class: "num" }, t("wbWaiting")), h("th", { scope: "col", class: "num" }, t("wbLongestWait")),
    h("th", { scope: "col", class: "num" }, t("wbOffered")), h("th", { scope: "col", class: "num" }, t("wbAnswered")),
    h("th", { scope: "col", class: "num" }, t("wbAbandoned")), h("th", { scope: "col", class: "num" }, t("wbServiceLevel")),
    h("th", { scope: "col", class: "num" }, t("wbAht")),
    h("th", { scope: "col", class: "num" }, t("wbAvailable")), h("th", { scope: "col", class: "num" }, t("wbBusy")),
    h("th", { scope: "col", class: "num" }, t("wbIdle")), h("th", { scope: "col", class: "num" }, t("wbRona")));
  const rows = queueRows(state).map((queue) => queueRow(state, queue, now));
  table.replaceChildren(h("thead", {}, head), h("tbody", {}, rows));
}

/**
 * @param {BoardState} state
 * @param {WallboardQueueDto} queue
 * @param {number} now
 */
function queueRow(state, queue, now) {
  const targets = queue.targets;
  const waited = queue.oldest_waiting_since === null ? null : now - queue.oldest_waiting_since;
  const level = queue.service_level_percent;
  const agents = serving(state, queue);
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
  const head = h("tr", {}, sortable("name", t("wbAgent")), sortable("team", t("wbTeam")), sortable("state", t("wbState")),
    sortable("since", t("wbTimeInState")), h("th", { scope: "col" }, t("wbContacts")));
  const rows = agentRows(state).map((agent) => agentRow(agent, reasonLabels));
  const body = rows.length ? rows : [h("tr", {}, h("td", { colspan: 5, class: "hint" }, t("wbNoAgents")))];
  table.replaceChildren(h("thead", {}, head), h("tbody", {}, body));
}

/**
 * @param {WallboardAgentDto} agent
 * @param {Record<string, string>} reasonLabels
 */
function agentRow(agent, reasonLabels) {
  const state = boardState(agent);
  const reason = agent.state === "idle" && agent.idle_reason ? ` · ${reasonLabels[agent.idle_reason] ?? agent.idle_reason}` : "";
  const contacts = agent.contacts.map((contact) => h("li", { "data-task": contact.task },
    `${t(`channel_${contact.channel}`)} · ${contact.customer ?? "–"} · ${t(`phase_${contact.phase}`)} `,
    h("span", { class: "wb-timer", "data-since": contact.since ?? false })));
  return h("tr", { "data-agent": agent.id, "data-state": state },
    h("th", { scope: "row" }, agent.name),
    h("td", {}, agent.team ?? agent.teams.join(", ")),
    h("td", { class: "wb-state" }, h("span", { class: "state-chip", "data-state": state === "busy" ? "busy" : agent.state },
      h("span", { class: "state-icon", "aria-hidden": "true" }), t(STATE_TEXT[state]) + reason)),
    h("td", { class: "num wb-timer", "data-since": agent.state_since ?? false }),
    h("td", {}, contacts.length ? h("ul", { class: "wb-contacts" }, contacts) : ""));
}
