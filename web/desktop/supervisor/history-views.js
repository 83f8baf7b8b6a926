// The history and reports page's views (R44, issue 23): the search's form and results, an
// interaction's page (timeline, call data, wrap-up, the recording with seeking and a choice of
// channel), and the reports (a uPlot chart per report, its tables, CSV links). Views read what
// the wiring gives them and call its intents; they never talk to the server.

import { clock, h } from "../dom.js";
import { t } from "../i18n.js";
import uPlot from "../vendor/uplot-1.6.32/uPlot.esm.js";
import { chartData, durationMs, reportPath, seconds, timelineKey } from "./history-model.js";

/**
 * @typedef {import("./history-model.js").SearchForm} SearchForm
 * @typedef {import("./history-model.js").ReportForm} ReportForm
 * @typedef {import("./history-model.js").Hour} Hour
 * @typedef {{ id: number, name: string }} Named
 * @typedef {import("../wire.js").InteractionDto} Interaction
 * @typedef {import("../wire.js").InteractionDetailDto} InteractionDetail
 * @typedef {import("../wire.js").QueueReportDto} QueueReportDto
 * @typedef {import("../wire.js").AgentReportDto} AgentReportDto
 * @typedef {{ search(form: SearchForm): void, older(): void, report(form: ReportForm): void }} HistoryIntents
 */

/**
 * When, in the browser's locale.
 * @param {number} ms
 */
const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });

/**
 * The search form, with the caller's queues and agents to choose from.
 * @param {HTMLElement} root
 * @param {SearchForm} form
 * @param {Named[]} queues
 * @param {Named[]} agents
 * @param {HistoryIntents} intents
 */
export function renderSearchForm(root, form, queues, agents, intents) {
  const field = (/** @type {string} */ label, /** @type {HTMLElement} */ input) => h("label", {}, t(label), input);
  const select = (/** @type {string} */ name, /** @type {[string, string][]} */ options) =>
    h("select", { name }, h("option", { value: "" }, t("hsAny")),
      options.map(([value, text]) => h("option", { value, selected: form[/** @type {keyof SearchForm} */ (name)] === value }, text)));
  const element = h("form", { id: "hs-form", class: "hs-form", onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (e.target));
    intents.search(/** @type {SearchForm} */ (Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v)]))));
  } },
  field("hsFrom", h("input", { type: "date", name: "from", value: form.from ?? "" })),
  field("hsTo", h("input", { type: "date", name: "to", value: form.to ?? "" })),
  field("hsQueue", select("queue", queues.map((q) => [String(q.id), q.name]))),
  field("hsAgent", select("agent", agents.map((a) => [String(a.id), a.name]))),
  field("hsChannel", select("channel", ["voice", "chat", "email", "social"].map((c) => [c, t(`channel_${c}`)]))),
  field("hsWrapup", h("input", { type: "text", name: "wrapup_reason", value: form.wrapup_reason ?? "", autocomplete: "off" })),
  field("hsCustomer", h("input", { type: "search", name: "customer_number", value: form.customer_number ?? "", autocomplete: "off" })),
  h("button", { type: "submit", id: "hs-search" }, t("hsSearch")));
  root.replaceChildren(element);
}

/**
 * The search's results, newest first, each linking to its page.
 * @param {HTMLElement} root
 * @param {Interaction[]} rows
 * @param {boolean} more Whether an older page may follow.
 * @param {Record<number, string>} queueNames
 * @param {Record<number, string>} agentNames
 * @param {HistoryIntents} intents
 */
export function renderResults(root, rows, more, queueNames, agentNames, intents) {
  if (!rows.length) {
    root.replaceChildren(h("p", { class: "hint", id: "hs-none" }, t("hsNone")));
    return;
  }
  const lastQueue = (/** @type {Interaction} */ r) => {
    const queue = [...r.states].reverse().find((s) => s.queue !== null)?.queue;
    return queue === undefined || queue === null ? "" : (queueNames[queue] ?? String(queue));
  };
  const head = ["hsId", "hsCreated", "hsChannel", "hsKind", "hsCustomer", "hsQueue", "hsAgents", "hsDuration", "hsEnd", "hsWrapup", "hsRecording"];
  root.replaceChildren(
    h("table", { class: "wb-table", id: "hs-results" },
      h("thead", {}, h("tr", {}, head.map((key) => h("th", { scope: "col" }, t(key))))),
      h("tbody", {}, rows.map((r) => {
        const duration = durationMs(r);
        return h("tr", { "data-id": r.id },
          h("td", {}, h("a", { href: `#interaction/${r.id}` }, String(r.id))),
          h("td", {}, when(r.created_at)),
          h("td", {}, t(`channel_${r.channel}`)),
          h("td", {}, r.kind),
          h("td", {}, r.customer_number ?? ""),
          h("td", {}, lastQueue(r)),
          h("td", {}, r.agents.map((a) => agentNames[a] ?? String(a)).join(", ")),
          h("td", { class: "num" }, duration === null ? "" : clock(duration)),
          h("td", {}, r.end_reason ?? ""),
          h("td", {}, r.wrapups.map((w) => w.reason).join(", ")),
          h("td", {}, r.recording ? t("hsRecorded") : ""));
      }))),
    more ? h("button", { type: "button", id: "hs-older", class: "secondary", onclick: () => intents.older() }, t("hsOlder")) : "");
}

/**
 * An interaction's page.
 * @param {HTMLElement} root
 * @param {InteractionDetail | null} detail `null`: not found (or not in the caller's teams).
 * @param {number} id
 */
export function renderInteraction(root, detail, id) {
  const back = h("a", { href: "#search", class: "ix-back" }, t("ixBack"));
  if (!detail) {
    root.replaceChildren(back, h("h2", {}, t("ixTitle", id)), h("p", { class: "hint", id: "ix-missing" }, t("ixNotFound")));
    return;
  }
  const r = detail.interaction;
  const agentName = (/** @type {number | null} */ agent) => agent === null ? "" : (detail.agent_names[agent] ?? String(agent));
  const queueName = (/** @type {number | null} */ queue) => queue === null ? "" : (detail.queue_names[queue] ?? String(queue));
  const variables = Object.entries(r.variables);
  root.replaceChildren(
    back,
    h("h2", { id: "ix-title" }, t("ixTitle", r.id)),
    h("dl", { class: "ix-facts" },
      h("dt", {}, t("hsChannel")), h("dd", {}, t(`channel_${r.channel}`)),
      h("dt", {}, t("ixCustomer")), h("dd", {}, r.customer_number ?? ""),
      h("dt", {}, t("ixDialled")), h("dd", {}, r.dnis ?? ""),
      h("dt", {}, t("hsCreated")), h("dd", {}, when(r.created_at)),
      h("dt", {}, t("hsDuration")), h("dd", {}, r.ended_at === null ? "" : clock(r.ended_at - r.created_at))),
    h("section", { "aria-labelledby": "ix-recording-title" },
      h("h3", { id: "ix-recording-title" }, t("ixRecording")),
      r.recording ? recordingPlayer(r.recording) : h("p", { class: "hint" }, t("ixNoRecording"))),
    h("section", { "aria-labelledby": "ix-timeline-title" },
      h("h3", { id: "ix-timeline-title" }, t("ixTimeline")),
      h("table", { class: "wb-table", id: "ix-timeline" },
        h("thead", {}, h("tr", {}, ["ixWhen", "ixWhat", "ixWho", "hsQueue", "ixDetail"].map((key) => h("th", { scope: "col" }, t(key))))),
        h("tbody", {}, detail.timeline.map((entry) => h("tr", { "data-event": entry.event },
          h("td", {}, when(entry.at)),
          h("td", {}, t(timelineKey(entry))),
          h("td", {}, agentName(entry.agent)),
          h("td", {}, queueName(entry.queue)),
          h("td", {}, entry.detail ?? "")))))),
    h("section", { "aria-labelledby": "ix-data-title" },
      h("h3", { id: "ix-data-title" }, t("ixCallData")),
      variables.length
        ? h("dl", { class: "ix-facts", id: "ix-variables" }, variables.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]))
        : h("p", { class: "hint" }, t("ixNoCallData")),
      h("p", { class: "hint" }, t("ixSecureHidden"))),
    h("section", { "aria-labelledby": "ix-wrapup-title" },
      h("h3", { id: "ix-wrapup-title" }, t("ixWrapups")),
      r.wrapups.length
        ? h("ul", { id: "ix-wrapups" }, r.wrapups.map((w) => h("li", {}, `${w.reason} — ${agentName(w.agent)}, ${when(w.at)} ${w.automatic ? t("ixAutomatic") : ""}`)))
        : h("p", { class: "hint" }, t("ixNoWrapup"))));
}

/**
 * The recording in an `<audio>` element (the server answers byte ranges, so it seeks), and a
 * choice of what to hear: both channels, the customer's (left) or the agent's side (right).
 * @param {string} url
 */
function recordingPlayer(url) {
  const audio = h("audio", { id: "ix-audio", controls: true, preload: "metadata", src: url });
  /** @type {{ context: AudioContext, gains: GainNode[] } | null} */
  let graph = null;
  /** Splits the two channels into gains once, when the supervisor first picks one. */
  const listen = (/** @type {"both" | "customer" | "agent"} */ which) => {
    if (!graph) {
      const context = new AudioContext();
      const source = context.createMediaElementSource(audio);
      const splitter = context.createChannelSplitter(2);
      const merger = context.createChannelMerger(2);
      source.connect(splitter);
      const gains = [0, 1].map((channel) => {
        const gain = context.createGain();
        splitter.connect(gain, channel);
        // Each side is heard in both ears.
        gain.connect(merger, 0, 0);
        gain.connect(merger, 0, 1);
        return gain;
      });
      merger.connect(context.destination);
      graph = { context, gains };
    }
    graph.gains[0].gain.value = which === "agent" ? 0 : 1;
    graph.gains[1].gain.value = which === "customer" ? 0 : 1;
  };
  const choice = (/** @type {"both" | "customer" | "agent"} */ which, /** @type {string} */ label) =>
    h("label", { class: "wb-choice" }, h("input", { type: "radio", name: "ix-channel", value: which, checked: which === "both",
      onchange: () => listen(which) }), t(label));
  return h("div", { class: "ix-player" }, audio,
    h("fieldset", { class: "row" }, h("legend", {}, t("ixListen")),
      choice("both", "ixBoth"), choice("customer", "ixCustomerChannel"), choice("agent", "ixAgentChannel")));
}

/**
 * The report form.
 * @param {HTMLElement} root
 * @param {ReportForm} form
 * @param {Named[]} queues
 * @param {Named[]} agents
 * @param {HistoryIntents} intents
 */
export function renderReportForm(root, form, queues, agents, intents) {
  const kind = h("select", { name: "kind", id: "rp-kind" },
    h("option", { value: "queues", selected: form.kind === "queues" }, t("rpQueues")),
    h("option", { value: "agents", selected: form.kind === "agents" }, t("rpAgents")));
  const pick = form.kind === "queues"
    ? h("label", {}, t("hsQueue"), h("select", { name: "queue" }, h("option", { value: "" }, t("rpAllQueues")),
      queues.map((q) => h("option", { value: String(q.id), selected: form.queue === String(q.id) }, q.name))))
    : h("label", {}, t("hsAgent"), h("select", { name: "agent" }, h("option", { value: "" }, t("rpAllAgents")),
      agents.map((a) => h("option", { value: String(a.id), selected: form.agent === String(a.id) }, a.name))));
  const read = (/** @type {HTMLFormElement} */ element) => {
    const data = new FormData(element);
    const text = (/** @type {string} */ key) => String(data.get(key) ?? "");
    return /** @type {ReportForm} */ ({ kind: text("kind") === "agents" ? "agents" : "queues", from: text("from"), to: text("to"),
      queue: text("queue"), agent: text("agent") });
  };
  const element = h("form", { id: "rp-form", class: "hs-form",
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); intents.report(read(/** @type {HTMLFormElement} */ (e.target))); } },
  h("label", {}, t("rpKind"), kind),
  h("label", {}, t("hsFrom"), h("input", { type: "date", name: "from", value: form.from, required: true })),
  h("label", {}, t("hsTo"), h("input", { type: "date", name: "to", value: form.to, required: true })),
  pick,
  h("button", { type: "submit", id: "rp-show" }, t("rpShow")));
  // Changing the kind shows the other picker at once.
  kind.addEventListener("change", () => intents.report(read(element)));
  root.replaceChildren(element);
}

/** The chart drawn last, destroyed before the next. @type {uPlot | null} */
let chart = null;

/**
 * A report: its chart per hour, its table of rows, its table of hours, CSV links.
 * @param {HTMLElement} root
 * @param {ReportForm} form
 * @param {QueueReportDto | AgentReportDto} report The API's answer.
 */
export function renderReport(root, form, report) {
  chart?.destroy();
  chart = null;
  /** @type {Hour[]} */
  const hours = report.hours;
  const figures = /** @type {("offered" | "answered" | "abandoned" | "handled")[]} */ (
    form.kind === "queues" ? ["offered", "answered", "abandoned"] : ["answered", "handled"]);
  const colours = { offered: "#5b6b86", answered: "#1c7c3c", abandoned: "#b3261e", handled: "#1f5fbf" };
  const labels = { offered: "rpOffered", answered: "rpAnswered", abandoned: "rpAbandoned", handled: "rpHandled" };
  const chartBox = h("div", { id: "rp-chart", class: "rp-chart" });
  const rowsTable = "queues" in report ? queueTable(report) : agentTable(report);
  const hoursTable = h("table", { class: "wb-table", id: "rp-hours" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("rpHour")), figures.map((f) => h("th", { scope: "col", class: "num" }, t(labels[f]))))),
    h("tbody", {}, hours.filter((hour) => figures.some((f) => hour[f] > 0)).map((hour) =>
      h("tr", {}, h("td", {}, hour.local.replace("T", " ")), figures.map((f) => h("td", { class: "num" }, String(hour[f])))))));
  root.replaceChildren(
    h("p", { class: "hint", id: "rp-zone" }, t("rpTimeZone", report.time_zone)),
    h("h3", {}, t("rpPerHour")),
    chartBox,
    h("div", { class: "row" },
      h("a", { id: "rp-csv", class: "button secondary", href: reportPath(form, "rows"), download: "" }, t("rpCsv")),
      h("a", { id: "rp-csv-hours", class: "button secondary", href: reportPath(form, "hours"), download: "" }, t("rpCsvHours"))),
    rowsTable,
    h("details", {}, h("summary", {}, t("rpPerHour")), hoursTable));
  const width = Math.max(320, Math.min(1200, root.clientWidth || 900));
  chart = new uPlot({
    width,
    height: 260,
    scales: { x: { time: true } },
    // The hours are the organisation's, as the tables say.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), report.time_zone),
    series: [{}, ...figures.map((f) => ({ label: t(labels[f]), stroke: colours[f], width: 2, fill: `${colours[f]}14` }))],
    axes: [{}, { label: "" }],
  }, /** @type {any} */ (chartData(hours, figures)), chartBox);
}

/** @param {QueueReportDto} report */
function queueTable(report) {
  const columns = /** @type {const} */ ([
    ["rpOffered", "offered"], ["rpAnswered", "answered"], ["rpAbandoned", "abandoned"], ["rpHandled", "handled"],
    ["rpServiceLevel", "service_level_percent"], ["rpAbandonedPercent", "abandoned_percent"],
    ["rpAht", "handle_ms_average"], ["rpWait", "wait_ms_average"]]);
  const cell = (/** @type {any} */ row, /** @type {string} */ key) => {
    const value = row[key];
    if (key.endsWith("_ms_average")) return seconds(value);
    return value === null || value === undefined ? "" : String(value);
  };
  return h("table", { class: "wb-table", id: "rp-rows" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("hsQueue")), columns.map(([label]) => h("th", { scope: "col", class: "num" }, t(label))))),
    h("tbody", {}, [...report.queues, { ...report.total, name: t("rpTotal") }].map((row) =>
      h("tr", { "data-queue": row.queue ?? "total" }, h("td", {}, row.name), columns.map(([, key]) => h("td", { class: "num", "data-figure": key }, cell(row, key)))))));
}

/** @param {AgentReportDto} report */
function agentTable(report) {
  return h("table", { class: "wb-table", id: "rp-rows" },
    h("thead", {}, h("tr", {}, ["hsAgent", "rpAnswered", "rpHandled", "rpAht", "rpLoggedIn", "rpOccupancy"].map((key, i) => h("th", { scope: "col", class: i ? "num" : "" }, t(key))))),
    h("tbody", {}, report.agents.map((row) => h("tr", { "data-agent": row.agent },
      h("td", {}, row.name),
      h("td", { class: "num", "data-figure": "answered" }, String(row.answered)),
      h("td", { class: "num", "data-figure": "handled" }, String(row.handled)),
      h("td", { class: "num", "data-figure": "handle_ms_average" }, seconds(row.handle_ms_average)),
      h("td", { class: "num", "data-figure": "logged_in_ms" }, (row.logged_in_ms / 3_600_000).toFixed(2)),
      h("td", { class: "num", "data-figure": "occupancy_percent" }, row.occupancy_percent === null ? "" : String(row.occupancy_percent))))));
}
