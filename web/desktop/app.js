// The Sentral Agent Desktop. It talks only to the REST API (/api/v1) and the WebSocket event
// stream (/api/v1/events), authenticated by the session cookie that sign-in sets.
//
// It never guesses state: the server's answers to GET /api/v1/agents/me and GET /api/v1/tasks are
// the truth. Events update the screen at once and then trigger a (coalesced) re-read of that
// truth. What only events carry (offer popover content, RONA deadlines, wrap-up reasons) is kept
// in sessionStorage so a page reload shows it again.

import { cleanDialNumber } from "./dial.js";

const $ = (id) => document.getElementById(id);
const BUILTIN_VARIABLES = new Set(["ani", "dnis", "queue"]);
const CAD_VALUE_CHARS_MAX = 256;
const STATE_LABELS = { available: "Available", idle: "Idle", rona: "RONA", logged_out: "Logged out" };
const KIND_LABELS = {
  inbound: "Incoming call", outdial: "Outdial", courtesy_callback: "Courtesy callback",
  web_callback: "Web callback", preview_campaign: "Campaign call",
};

/// Everything the desktop knows; rebuilt from the server on load and after `reload`.
const S = {
  me: null, // GET /api/v1/agents/me
  tasks: new Map(), // id -> TaskDto
  offers: load("offers", {}), // task id -> offer popover content (from events)
  wrapReasons: load("wrapReasons", {}), // task id -> [{code, label}]
  labels: load("labels", {}), // variable name -> label (from popovers)
  names: load("names", {}), // agent id -> name; "task:<id>" -> consult target label
  lastSeq: load("lastSeq", null),
  eventGen: 0,
  ws: null,
  wsAttempts: 0,
  cad: { task: null, base: {}, version: 0, dirty: false },
  target: { mode: "consult", tab: "agent", selected: null, items: [] },
  queueNames: {},
};

function load(key, fallback) {
  try {
    const text = sessionStorage.getItem(`sentral.${key}`);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}
function save(key) {
  try {
    sessionStorage.setItem(`sentral.${key}`, JSON.stringify(S[key]));
  } catch { /* storage full or disabled: the server still has the truth */ }
}

// ---- HTTP --------------------------------------------------------------------------------

function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/// One request; never throws. `{status, ok, data, headers}`, status 0 when the network failed.
async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  if (method !== "GET") options.headers["Idempotency-Key"] = newKey();
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    return { status: 0, ok: false, data: { message: "Sentral cannot be reached; check the network and try again." }, headers: new Headers() };
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (response.status === 401 && path !== "/api/v1/login") signedOut();
  return { status: response.status, ok: response.ok, data, headers: response.headers };
}

function errorText(reply, fallback) {
  const message = reply.data?.message || fallback || `Request failed (${reply.status})`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

// ---- Boot and truth --------------------------------------------------------------------------

async function boot() {
  const reply = await api("GET", "/api/v1/agents/me");
  if (reply.status === 401) return signedOut();
  if (!reply.ok) {
    toast(errorText(reply, "Sentral did not answer"));
    setTimeout(boot, 2000);
    return;
  }
  S.me = reply.data;
  if (S.me.role === "agent") {
    await refreshTasks();
    loadQueueNames();
    connect();
  }
  render();
}

/// Queue names for the control pane (tasks carry the queue's id).
async function loadQueueNames() {
  const reply = await api("GET", "/api/v1/directory/destinations");
  if (!reply.ok) return;
  for (const d of reply.data) if (d.kind === "queue") S.queueNames[d.id] = d.name;
  render();
}

let refreshing = null;
let refreshAgain = false;
let refreshTimer = null;

/// Re-reads the agent and the tasks soon; calls close together share one read.
function scheduleRefresh(delay = 60) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      const gen = S.eventGen;
      const [me, tasks] = await Promise.all([api("GET", "/api/v1/agents/me"), api("GET", "/api/v1/tasks")]);
      if (me.status === 401) return;
      // An event arrived while we were reading: the answer may already be old, read again.
      if (gen !== S.eventGen) { refreshAgain = true; continue; }
      if (me.ok) S.me = me.data;
      if (tasks.ok) applyTasks(tasks.data);
    } while (refreshAgain);
    render();
  })();
  try { await refreshing; } finally { refreshing = null; }
}

async function refreshTasks() {
  if (S.me?.agent?.state === "logged_out" && !S.me.agent.task) {
    applyTasks([]);
    return;
  }
  const reply = await api("GET", "/api/v1/tasks");
  if (reply.ok) applyTasks(reply.data);
}

function applyTasks(list) {
  S.tasks = new Map(list.map((t) => [t.id, t]));
  const myId = S.me?.agent?.id;
  // Drop popovers the server no longer shows.
  for (const id of Object.keys(S.offers)) {
    const task = S.tasks.get(Number(id));
    const offer = S.offers[id];
    if (!task || task.phase === "ended") { delete S.offers[id]; continue; }
    if (offer.consult && task.consult?.accepted && task.consulted === myId) delete S.offers[id];
    if (!offer.consult && task.phase === "connected" && task.owner === myId) delete S.offers[id];
  }
  // An offer the server shows but whose event we never saw (a reload long after it came).
  for (const task of S.tasks.values()) {
    const offeredToMe = task.offered_to === myId && (task.phase === "offered" || (task.consulted === myId && !task.consult?.accepted));
    if (offeredToMe && !S.offers[task.id]) {
      S.offers[task.id] = { task: task.id, stage: "offer", channel: task.channel, kind: task.kind, variables: [], callback: null, consult: task.consulted === myId, generic: true };
    }
  }
  save("offers");
}

function signedOut() {
  S.me = null;
  S.tasks = new Map();
  if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
  $("offline").hidden = true;
  render();
}

// ---- Event stream ---------------------------------------------------------------------------

let offlineTimer = null;

function connect() {
  if (S.ws) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const since = S.lastSeq === null ? "" : `?since=${S.lastSeq}`;
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/events${since}`);
  S.ws = ws;
  ws.onopen = () => {
    S.wsAttempts = 0;
    clearTimeout(offlineTimer);
    $("offline").hidden = true;
    // Whatever happened between our last read and now: read again.
    scheduleRefresh(0);
  };
  ws.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch { return; }
    handleEvent(event);
  };
  ws.onclose = () => {
    S.ws = null;
    if (!S.me) return;
    clearTimeout(offlineTimer);
    offlineTimer = setTimeout(() => { $("offline").hidden = false; }, 800);
    const delay = Math.min(5000, 300 * 2 ** S.wsAttempts++);
    setTimeout(async () => {
      if (!S.me || S.ws) return;
      // A refused upgrade looks like a drop: check the session before trying again.
      if (S.wsAttempts > 2) {
        const me = await api("GET", "/api/v1/agents/me");
        if (me.status === 401) return;
      }
      connect();
    }, delay);
  };
}

function handleEvent(event) {
  S.eventGen++;
  if (typeof event.seq === "number") { S.lastSeq = event.seq; save("lastSeq"); }
  const myId = S.me?.agent?.id;
  const task = S.tasks.get(event.task);
  switch (event.type) {
    case "agent_state":
      if (event.agent === myId && S.me.agent) {
        S.me.agent.state = event.state;
        S.me.agent.idle_reason = event.reason;
      }
      break;
    case "reserved":
      S.offers[event.task] = { task: event.task, stage: "reserved", channel: event.channel, variables: [] };
      announce(`New ${event.channel} contact request`);
      break;
    case "offer": {
      const previous = S.offers[event.task];
      const deadline = previous?.deadline ?? Date.now() + event.rona_timeout_ms;
      S.offers[event.task] = { ...event, stage: "offer", deadline, ringing: previous?.ringing ?? false, receivedAt: previous?.receivedAt ?? Date.now() };
      for (const v of event.variables) S.labels[v.name] = v.label;
      save("labels");
      // The CAD panel shows these variables after the popover closes.
      try { sessionStorage.setItem(`sentral.offerVars.${event.task}`, JSON.stringify(event.variables.map((v) => v.name))); } catch { /* ignore */ }
      announce(`${KIND_LABELS[event.kind] ?? "New contact"}: ${event.variables.map((v) => `${v.label} ${v.value}`).join(", ")}`);
      break;
    }
    case "consult_offer": {
      S.offers[event.task] = { task: event.task, stage: "offer", consult: true, channel: "voice", variables: event.variables, ringing: S.offers[event.task]?.ringing ?? false };
      announce("Consult request");
      break;
    }
    case "ringing":
      if (S.offers[event.task]) S.offers[event.task].ringing = true;
      break;
    case "connected":
      if (task) task.connected_at = task.connected_at ?? event.at;
      if (S.offers[event.task]) delete S.offers[event.task];
      break;
    case "offer_withdrawn":
      delete S.offers[event.task];
      announce("The contact request was withdrawn");
      break;
    case "rona":
      delete S.offers[event.task];
      if (S.me?.agent) S.me.agent.state = "rona";
      announce("You did not answer in time: choose Available or Idle");
      break;
    case "hold_changed":
      if (task) {
        task.customer_held = event.customer_held;
        if (task.consult && event.consulted_held !== null) task.consult.consulted_held = event.consulted_held;
      }
      break;
    case "consult_failed":
      toast(`Consult failed: ${event.reason}`);
      break;
    case "variables_changed":
      if (task) { task.variables = event.values; task.variables_version = event.version; }
      break;
    case "recording_changed":
      if (task) task.recording = event.recording;
      break;
    case "callback_dialing":
      if (S.offers[event.task]) S.offers[event.task].dialing = { cancellable: event.cancellable };
      break;
    case "call_ended":
      delete S.offers[event.task];
      break;
    case "wrap_up_required":
      S.wrapReasons[event.task] = event.reasons;
      S.wrapReasons.last = event.reasons;
      save("wrapReasons");
      break;
    case "limit_reached":
      toast(`The organisation's call limit is reached (${event.code}): no more calls can be made now.`);
      break;
    case "reload":
      break;
    default:
      break;
  }
  save("offers");
  render();
  scheduleRefresh();
}

// ---- Rendering ------------------------------------------------------------------------------

/// Builds an element: h("button", {class: "x", onclick}, "text", child…).
function h(tag, attrs = {}, ...children) {
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

function showView(id) {
  for (const view of ["view-loading", "view-signin", "view-station", "view-nonagent", "view-desk"]) {
    $(view).hidden = view !== id;
  }
}

function render() {
  const me = S.me;
  $("agent-bar").hidden = !me;
  if (!me) {
    showView("view-signin");
    $("phone-help").hidden = true;
    $("popovers").replaceChildren();
    closeDialog("wrapup-dialog");
    closeDialog("target-dialog");
    if (!$("view-signin").contains(document.activeElement)) $("signin-user").focus();
    return;
  }
  $("agent-name").textContent = me.agent?.name ?? me.username;
  if (me.role !== "agent" || !me.agent) {
    $("nonagent-role").textContent = me.role;
    showView("view-nonagent");
    $("state-chip").hidden = true;
    return;
  }
  const agent = me.agent;
  renderTopbar(agent);
  if (agent.state === "logged_out" && !agent.task && agent.wrapups.length === 0) {
    showView("view-station");
    renderStationForm();
  } else {
    showView("view-desk");
  }
  renderPopovers();
  renderPanes();
  renderCad();
  renderWrapup();
}

function renderTopbar(agent) {
  $("state-chip").hidden = false;
  $("state-chip").dataset.state = agent.state;
  const reason = agent.idle_reason ? S.me.idle_reasons.find((r) => r.code === agent.idle_reason)?.label ?? agent.idle_reason : null;
  const busy = activeTask() ? " · on a call" : agent.wrapups.length ? " · wrap-up" : "";
  $("state-label").textContent = STATE_LABELS[agent.state] + (reason ? ` — ${reason}` : "") + busy;
  const loggedIn = agent.state !== "logged_out";
  $("state-control").hidden = !loggedIn;
  $("station").hidden = !loggedIn;
  $("station-logout").hidden = !loggedIn;
  if (loggedIn) {
    const select = $("state-select");
    const value = agent.state === "available" ? "available" : agent.state === "idle" ? `idle:${agent.idle_reason ?? ""}` : "";
    const options = [];
    if (agent.state === "rona") options.push(h("option", { value: "", disabled: true }, "RONA — choose a state"));
    if (agent.state === "idle" && !agent.idle_reason) options.push(h("option", { value: "idle:", disabled: true }, "Idle"));
    options.push(h("option", { value: "available" }, "Available"));
    for (const r of S.me.idle_reasons) options.push(h("option", { value: `idle:${r.code}` }, `Idle — ${r.label}`));
    if (document.activeElement !== select) {
      select.replaceChildren(...options);
      select.value = value;
    }
    $("station-text").textContent = `${agent.team} · ext. ${agent.extension}`;
    $("phone").dataset.registered = String(agent.phone_registered);
    $("phone-text").textContent = agent.phone_registered ? "Phone registered" : "Phone not registered";
    $("phone").title = agent.phone_registered ? `The phone at extension ${agent.extension} is registered` : `The phone at extension ${agent.extension} is not registered`;
    const help = $("phone-help");
    help.hidden = agent.phone_registered;
    help.textContent = agent.phone_registered ? "" : `No calls can reach you: the phone at extension ${agent.extension} is not registered with Sentral. Switch on your desk phone or softphone and sign it in as ${agent.extension}; this notice goes away by itself when it registers.`;
  } else {
    $("phone-help").hidden = true;
  }
}

function renderStationForm() {
  const select = $("station-team");
  if (select.options.length !== S.me.teams.length) {
    select.replaceChildren(...S.me.teams.map((t) => h("option", { value: t }, t)));
  }
  if (!$("view-station").contains(document.activeElement)) select.focus();
}

// ---- Popovers (offers, RONA) ------------------------------------------------------------------

function renderPopovers() {
  const container = $("popovers");
  const focused = document.activeElement?.dataset?.key;
  const items = [];
  if (S.me.agent.state === "rona") items.push(ronaPopover());
  for (const offer of Object.values(S.offers)) items.push(offerPopover(offer));
  container.replaceChildren(...items);
  if (focused) container.querySelector(`[data-key="${focused}"]`)?.focus();
  tick();
}

function ronaPopover() {
  const reasons = S.me.idle_reasons;
  const select = h("select", { id: "rona-reason", "aria-label": "Idle reason" }, reasons.map((r) => h("option", { value: r.code }, r.label)));
  return h("section", { class: "popover rona", role: "alertdialog", "aria-labelledby": "rona-title", id: "rona-popover" },
    h("h2", { id: "rona-title" }, "Missed call (RONA)"),
    h("p", {}, "The call was not answered in time and went back to the queue. You get no calls until you choose a state."),
    h("div", { class: "row" },
      h("button", { type: "button", class: "good", "data-key": "rona-available", onclick: () => setState({ state: "available" }) }, "Available"),
      select,
      h("button", { type: "button", class: "secondary", "data-key": "rona-idle", onclick: () => setState({ state: "idle", idle_reason: select.value }) }, "Idle")));
}

function offerPopover(offer) {
  const id = offer.task;
  if (offer.stage === "reserved") {
    return h("section", { class: "popover connect", role: "dialog", "aria-label": "Connecting", "data-task": id },
      h("h2", {}, icon(offer.channel), "Connecting…"),
      h("p", {}, `A new ${offer.channel === "voice" ? "call" : offer.channel} is being assigned to you.`));
  }
  const callback = offer.callback;
  const title = offer.consult ? "Consult request" : KIND_LABELS[offer.kind] ?? "Contact request";
  const rows = [];
  if (callback) {
    rows.push(["Customer", callback.customer_number]);
    if (callback.customer_name) rows.push(["Name", callback.customer_name]);
    if (callback.dnis) rows.push(["DNIS", callback.dnis]);
    rows.push(["Queue", callback.queue]);
  }
  const variables = offer.consult ? offer.variables.slice(0, 9) : offer.variables.slice(0, 6);
  for (const v of variables) rows.push([v.label, v.value || "—"]);
  if (offer.generic) {
    const task = S.tasks.get(id);
    if (task?.customer_number) rows.push(["Caller", task.customer_number]);
    if (task?.dnis) rows.push(["Dialled number", task.dnis]);
  }
  const status = [];
  if (offer.dialing) {
    status.push(offer.dialing.cancellable
      ? h("button", { type: "button", class: "danger", "data-key": `cancel-${id}`, onclick: () => taskCommand(id, "cancel") }, "Cancel callback")
      : h("p", { class: "ringing" }, "Calling the customer… Ringing"));
  } else if (offer.channel === "voice") {
    status.push(h("p", { class: "ringing", role: "status" }, offer.ringing ? "Ringing — answer on your phone" : "Waiting for your phone to ring…"));
  } else {
    status.push(h("button", { type: "button", class: "primary", "data-key": `accept-${id}`, onclick: () => taskCommand(id, "accept") }, "Accept"));
  }
  const timers = [];
  if (callback) timers.push(h("p", {}, "Offered ", h("span", { class: "elapsed", "data-since": offer.receivedAt ?? Date.now() }, "0:00"), " ago"));
  if (offer.deadline && !offer.dialing) timers.push(h("p", {}, "Answer within ", h("span", { class: "countdown", "data-deadline": offer.deadline }, ""), " or the call goes back to the queue."));
  return h("section", { class: `popover offer${callback ? " callback" : ""}`, role: "dialog", "aria-labelledby": `offer-title-${id}`, "data-task": id },
    h("h2", { id: `offer-title-${id}` }, icon(callback ? "callback" : offer.channel), callback ? callback.label : title),
    h("dl", { class: "variables" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    timers, status);
}

/// A channel badge (text, so it renders without an emoji font).
function icon(kind) {
  const label = { voice: "Call", callback: "Callback", chat: "Chat", email: "E-mail", social: "Social" }[kind] ?? "Call";
  return h("span", { class: `badge badge-${kind}` }, label);
}

// ---- Interaction control panes ----------------------------------------------------------------

/// The call the agent is on (owner or accepted consulted party), if any.
function activeTask() {
  const agent = S.me?.agent;
  if (!agent?.task) return null;
  const task = S.tasks.get(agent.task);
  if (!task || task.phase === "ended" || task.phase === "offered" || task.phase === "queued") return null;
  if (task.owner === agent.id && (task.connected_at || task.phase === "dialing")) return task;
  if (task.consulted === agent.id && task.consult?.accepted) return task;
  return null;
}

function renderPanes() {
  const task = activeTask();
  const panes = $("panes");
  const focused = document.activeElement?.dataset?.key;
  $("no-task").hidden = !!task;
  if (!task) {
    $("no-task-text").textContent = S.me.agent.wrapups.length ? "Wrap-up pending: submit it to receive the next call." : S.me.agent.state === "available" ? "Waiting for a call. Calls are offered to you while you are Available." : "No interaction. Calls are offered to you only while you are Available.";
    panes.replaceChildren();
    return;
  }
  const me = S.me.agent.id;
  panes.replaceChildren(...(task.owner === me ? ownerPanes(task) : [consultedPane(task)]));
  if (focused) panes.querySelector(`[data-key="${focused}"]`)?.focus();
  tick();
}

function ownerPanes(task) {
  const consult = task.consult;
  const held = task.customer_held;
  const statuses = [];
  if (held) statuses.push(h("span", { class: "status held" }, "Call on hold"));
  if (consult && !consult.accepted) statuses.push(h("span", { class: "status requested" }, "Consult requested"));
  if (consult?.conference) statuses.push(h("span", { class: "status" }, "Conference"));
  if (!held && !consult) statuses.push(h("span", { class: "status" }, task.phase === "dialing" ? "Dialling" : "Connected"));
  const queue = S.queueNames[task.queue];
  const meta = [KIND_LABELS[task.kind] ?? task.kind, queue ? `queue ${queue}` : null, task.dnis ? `dialled ${task.dnis}` : null].filter(Boolean).join(" · ");
  const inConsult = !!consult;
  const recording = recordingControls(task, inConsult || consult?.conference);
  const customer = h("section", { class: `pane${held ? " held" : ""}`, "aria-label": "Customer call", id: "pane-customer" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, icon(task.channel), " ", task.customer_number ?? "Customer"),
      h("span", { class: "timer", "data-since": task.connected_at ?? "", "aria-label": "Call time" }, ""),
      statuses),
    h("p", { class: "pane-meta" }, meta),
    recording,
    h("div", { class: "row" },
      held
        ? h("button", { type: "button", class: "primary", "data-key": "resume", title: "Alt+H", onclick: () => taskCommand(task.id, "unhold", { party: "customer" }) }, "Resume")
        : h("button", { type: "button", class: "secondary", "data-key": "hold", title: "Alt+H", onclick: () => taskCommand(task.id, "hold", { party: "customer" }) }, "Hold"),
      h("button", { type: "button", class: "secondary", "data-key": "consult", title: "Alt+C", disabled: inConsult, onclick: () => openTargetDialog("consult") }, "Consult"),
      h("button", { type: "button", class: "secondary", "data-key": "transfer", title: "Alt+T", disabled: inConsult, onclick: () => openTargetDialog("transfer") }, "Transfer"),
      h("button", { type: "button", class: "danger", "data-key": "end", title: "Alt+E", disabled: held, onclick: () => taskCommand(task.id, "end") }, "End")));
  if (!consult) return [customer];
  const accepted = consult.accepted;
  const status = !accepted ? "Consult requested" : consult.conference ? "In conference" : consult.consulted_held ? "Consult on hold" : "Consulting";
  const who = task.consulted ? S.names[task.consulted] ?? "Consulted agent" : S.names[`task:${task.id}`] ?? "Consulted party";
  const consultPane = h("section", { class: "pane consult", "aria-label": "Consulted party", id: "pane-consult" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, "Consult"), " ", who),
      h("span", { class: `status${consult.consulted_held ? " held" : !accepted ? " requested" : ""}` }, status)),
    h("div", { class: "row" },
      accepted && !consult.conference
        ? (consult.consulted_held
          ? h("button", { type: "button", class: "primary", "data-key": "resume-consulted", onclick: () => taskCommand(task.id, "unhold", { party: "consulted" }) }, "Resume consult")
          : h("button", { type: "button", class: "secondary", "data-key": "hold-consulted", onclick: () => taskCommand(task.id, "hold", { party: "consulted" }) }, "Hold consult"))
        : null,
      h("button", { type: "button", class: "primary", "data-key": "consult-transfer", disabled: !accepted, onclick: () => taskCommand(task.id, "consult/transfer") }, "Transfer"),
      h("button", { type: "button", class: "secondary", "data-key": "conference", disabled: !accepted || consult.conference, onclick: () => taskCommand(task.id, "consult/conference") }, "Conference"),
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: () => taskCommand(task.id, "consult/end") }, "End consult")));
  return [customer, consultPane];
}

function consultedPane(task) {
  const held = task.consult?.consulted_held;
  const owner = S.names[task.owner] ?? "the consulting agent";
  return h("section", { class: `pane consult${held ? " held" : ""}`, "aria-label": "Consult", id: "pane-consulted" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, "Consult"), " from ", owner),
      h("span", { class: "timer", "data-since": task.connected_at ?? "" }, ""),
      h("span", { class: `status${held ? " held" : ""}` }, held ? "On hold" : task.consult?.conference ? "In conference" : "Consulting")),
    h("p", { class: "pane-meta" }, `Customer ${task.customer_number ?? ""}`),
    h("div", { class: "row" },
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: () => taskCommand(task.id, task.consult?.conference ? "end" : "consult/end") }, task.consult?.conference ? "Leave conference" : "End consult")));
}

function recordingControls(task, blocked) {
  const recording = task.recording ?? { state: "off" };
  if (recording.state === "off") return h("p", { class: "recording off" }, "Not recorded");
  const paused = recording.state === "paused";
  const label = paused ? "Recording paused" : "● Recording";
  return h("p", { class: `recording${paused ? " paused" : ""}` }, label,
    paused && recording.resumes_at ? [" — resumes in ", h("span", { class: "countdown", "data-deadline": recording.resumes_at - skew() }, "")] : null, " ",
    h("button", { type: "button", class: "secondary", "data-key": "record", disabled: blocked, title: blocked ? "Not during a consult or conference" : "",
      onclick: () => taskCommand(task.id, paused ? "record/resume" : "record/pause") }, paused ? "Resume recording" : "Pause recording"));
}

let clockSkew = 0;
function skew() { return clockSkew; }

async function taskCommand(id, command, body) {
  const reply = await api("POST", `/api/v1/tasks/${id}/${command}`, body);
  if (!reply.ok) toast(errorText(reply));
  else if (reply.status === 200 && reply.data?.id) {
    S.tasks.set(reply.data.id, reply.data);
    render();
  }
  scheduleRefresh(0);
  return reply;
}

async function setState(body) {
  const reply = await api("PUT", "/api/v1/agents/me/state", body);
  if (!reply.ok) toast(errorText(reply));
  else S.me.agent = reply.data;
  render();
  scheduleRefresh(0);
}

// ---- Timers -----------------------------------------------------------------------------------

function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-since]")) {
    const since = Number(el.dataset.since);
    el.textContent = since ? clock(now - since) : "";
  }
  for (const el of document.querySelectorAll("[data-deadline]")) {
    el.textContent = `${Math.max(0, Math.ceil((Number(el.dataset.deadline) - now) / 1000))} s`;
  }
}

// ---- CAD variables (R33–R35) ------------------------------------------------------------------

/// What is known of each variable: the server's definitions when it sends them, else what the
/// task and the popover show.
function cadDefinitions(task) {
  if (Array.isArray(S.me.cad_variables)) return S.me.cad_variables;
  // The popover's order first (the administrator's), then the rest.
  const names = new Set(load(`offerVars.${task.id}`, []).filter((name) => !BUILTIN_VARIABLES.has(name)));
  for (const name of Object.keys(task.variables)) names.add(name);
  return [...names].map((name) => ({
    name, label: S.labels[name] ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
    kind: name.endsWith("_at") || isIso(task.variables[name]) ? "date_time" : "text",
    editable: true, secure: false,
  }));
}

function isIso(value) { return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value); }

function renderCad() {
  const task = activeTask();
  $("cad").hidden = !task;
  if (!task) { S.cad.task = null; return; }
  const readOnly = task.owner !== S.me.agent.id; // R22: the consulted agent only reads.
  $("cad-readonly").hidden = !readOnly;
  $("cad-save").hidden = readOnly;
  $("cad-reset").hidden = readOnly;
  const fresh = S.cad.task !== task.id;
  if (fresh || (!S.cad.dirty && task.variables_version !== S.cad.version) || (readOnly && task.variables_version !== S.cad.version)) {
    S.cad = { task: task.id, base: { ...task.variables }, version: task.variables_version, dirty: false, readOnly };
    buildCadFields(task, readOnly);
    if (fresh) { $("cad-conflict").hidden = true; $("cad-error").hidden = true; $("cad-status").textContent = ""; fetchSecure(task.id); }
  }
}

function buildCadFields(task, readOnly) {
  const fields = cadDefinitions(task).filter((d) => !d.secure).map((d) => {
    const value = S.cad.base[d.name] ?? "";
    const id = `cad-${d.name}`;
    const editable = d.editable && !readOnly;
    const input = d.kind === "date_time"
      ? h("input", { id, type: "datetime-local", "data-name": d.name, "data-kind": "date_time", value: isoToLocal(value), readonly: !editable })
      : h("input", { id, type: "text", "data-name": d.name, "data-kind": d.kind ?? "text", value, maxlength: CAD_VALUE_CHARS_MAX, readonly: !editable });
    const count = h("span", { class: "count", id: `${id}-count` }, d.kind === "date_time" ? "ISO 8601" : `${value.length}/${CAD_VALUE_CHARS_MAX}`);
    input.addEventListener("input", () => {
      S.cad.dirty = true;
      $("cad-status").textContent = "Not saved";
      if (d.kind !== "date_time") count.textContent = `${input.value.length}/${CAD_VALUE_CHARS_MAX}`;
    });
    return h("div", { class: "cad-field" },
      h("div", { class: "field-head" }, h("label", { for: id }, d.label), count,
        h("button", { type: "button", class: "secondary copy", "aria-label": `Copy ${d.label}`, onclick: () => copy(fieldValue(input)) }, "Copy")),
      input);
  });
  $("cad-fields").replaceChildren(...fields);
}

function fieldValue(input) {
  return input.dataset.kind === "date_time" ? localToIso(input.value) : input.value;
}

/// `2026-11-25T14:30:00Z` → the value of a datetime-local input, in the browser's time zone.
function isoToLocal(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

/// The value of a datetime-local input → ISO 8601 in UTC (`2026-11-25T13:30:00Z`).
function localToIso(local) {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function saveCad(event) {
  event.preventDefault();
  const task = activeTask();
  if (!task || S.cad.readOnly) return;
  const values = {};
  for (const input of $("cad-fields").querySelectorAll("input[data-name]")) {
    if (input.readOnly) continue;
    const value = fieldValue(input);
    if (value.length > CAD_VALUE_CHARS_MAX) { showCadError(`${input.dataset.name}: at most ${CAD_VALUE_CHARS_MAX} characters`); return; }
    if (value !== (S.cad.base[input.dataset.name] ?? "")) values[input.dataset.name] = value;
  }
  if (Object.keys(values).length === 0) { $("cad-status").textContent = "Nothing to save"; return; }
  $("cad-save").disabled = true;
  const reply = await api("PATCH", `/api/v1/tasks/${task.id}/variables`, { expected_version: S.cad.version, values });
  $("cad-save").disabled = false;
  $("cad-error").hidden = true;
  if (reply.ok) {
    S.tasks.set(task.id, reply.data);
    S.cad = { ...S.cad, base: { ...reply.data.variables }, version: reply.data.variables_version, dirty: false };
    $("cad-conflict").hidden = true;
    $("cad-status").textContent = "Saved";
    buildCadFields(reply.data, false);
  } else if (reply.status === 409 && reply.data?.current) {
    // R35: someone saved first. Keep the agent's edits, show the winning values, and base the
    // next save on them, so saving again is the agent's explicit choice.
    const current = reply.data.current;
    S.cad.base = { ...current.values };
    S.cad.version = current.version;
    const winning = Object.keys(values).map((name) => `${S.labels[name] ?? name}: “${current.values[name] ?? ""}”`).join(", ");
    const box = $("cad-conflict");
    box.textContent = `Not saved: another agent saved first. Their values: ${winning}. Your edits are still in the form: Save again to replace their values, or Reset to take theirs.`;
    box.hidden = false;
    $("cad-status").textContent = "";
  } else {
    showCadError(errorText(reply));
  }
}

function showCadError(message) {
  $("cad-error").textContent = message;
  $("cad-error").hidden = false;
}

function resetCad() {
  const task = activeTask();
  if (!task) return;
  S.cad.dirty = false;
  buildCadFields({ ...task, variables: S.cad.base }, S.cad.readOnly);
  $("cad-conflict").hidden = true;
  $("cad-error").hidden = true;
  $("cad-status").textContent = "Reset to the saved values";
}

async function fetchSecure(taskId) {
  const box = $("cad-secure");
  box.replaceChildren(h("p", { class: "hint" }, "Loading secure values…"));
  const reply = await api("GET", `/api/v1/tasks/${taskId}/variables/secure`);
  if (S.cad.task !== taskId) return;
  const defs = Array.isArray(S.me.cad_variables) ? S.me.cad_variables.filter((d) => d.secure) : null;
  if (!reply.ok) {
    const names = defs?.length ? defs.map((d) => d.label) : ["Secure values"];
    box.replaceChildren(...names.map((label) => h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: "Secure value, fetched separately" }, "Secure"), label),
      h("p", {}, h("span", { "aria-label": "value not loaded" }, "*"), " ",
        h("button", { type: "button", class: "link", id: "secure-retry", onclick: () => fetchSecure(taskId) }, "click to retry")))));
    return;
  }
  const values = reply.data.values ?? {};
  const names = defs ? defs.map((d) => d.name) : Object.keys(values);
  box.replaceChildren(...names.map((name) => {
    const label = defs?.find((d) => d.name === name)?.label ?? S.labels[name] ?? name.replace(/_/g, " ");
    return h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: "Secure value, fetched separately" }, "Secure"), label,
        h("button", { type: "button", class: "secondary copy", "aria-label": `Copy ${label}`, onclick: () => copy(values[name] ?? "") }, "Copy")),
      h("input", { type: "text", readonly: true, value: values[name] ?? "", "aria-label": label }));
  }));
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    $("cad-status").textContent = "Copied";
  } catch {
    const area = h("textarea", {}, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    $("cad-status").textContent = "Copied";
  }
}

// ---- Wrap-up (R36) ----------------------------------------------------------------------------

function renderWrapup() {
  const pending = S.me.agent.wrapups;
  const dialog = $("wrapup-dialog");
  if (!pending.length) { closeDialog("wrapup-dialog"); return; }
  const taskId = pending[0];
  if (dialog.open && Number(dialog.dataset.task) === taskId) return;
  if ($("target-dialog").open) closeDialog("target-dialog");
  dialog.dataset.task = taskId;
  const task = S.tasks.get(taskId);
  $("wrapup-about").textContent = task ? `${KIND_LABELS[task.kind] ?? "Call"} with ${task.customer_number ?? "the customer"}` : "";
  $("wrapup-search").value = "";
  $("wrapup-error").hidden = true;
  fillWrapupReasons();
  if (!dialog.open) dialog.showModal();
  $("wrapup-search").focus();
}

function fillWrapupReasons() {
  const taskId = Number($("wrapup-dialog").dataset.task);
  const reasons = S.wrapReasons[taskId] ?? S.wrapReasons.last ?? [];
  const search = $("wrapup-search").value.trim().toLowerCase();
  const checked = $("wrapup-list").querySelector("input:checked")?.value;
  const shown = reasons.filter((r) => !search || r.label.toLowerCase().includes(search) || r.code.toLowerCase().includes(search));
  $("wrapup-list").replaceChildren(...shown.map((r) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "wrapup-reason", value: r.code, checked: r.code === checked || shown.length === 1,
      onchange: () => { $("wrapup-submit").disabled = false; } }),
    r.label)));
  if (!reasons.length) {
    $("wrapup-list").replaceChildren(h("label", { class: "choice" }, "Reason code", h("input", { type: "text", id: "wrapup-code", oninput: () => { $("wrapup-submit").disabled = false; } })));
  }
  $("wrapup-submit").disabled = !$("wrapup-list").querySelector("input:checked");
}

async function submitWrapup(event) {
  event.preventDefault();
  const taskId = Number($("wrapup-dialog").dataset.task);
  const reason = $("wrapup-list").querySelector("input:checked")?.value ?? $("wrapup-code")?.value;
  if (!reason) return;
  const reply = await api("POST", `/api/v1/tasks/${taskId}/wrapup`, { reason });
  if (!reply.ok) {
    $("wrapup-error").textContent = errorText(reply);
    $("wrapup-error").hidden = false;
    return;
  }
  closeDialog("wrapup-dialog");
  S.me.agent.wrapups = S.me.agent.wrapups.filter((t) => t !== taskId);
  render();
  scheduleRefresh(0);
}

function closeDialog(id) {
  const dialog = $(id);
  if (dialog.open) dialog.close();
}

// ---- Consult and transfer (R16–R21, R27–R30) -------------------------------------------------

const TABS = ["agent", "dest", "dial", "org"];

function openTargetDialog(mode) {
  const task = activeTask();
  if (!task) return;
  S.target = { mode, tab: "agent", selected: null, items: [], task: task.id };
  $("target-title").textContent = mode === "consult" ? "Consult" : "Transfer";
  $("target-submit").textContent = mode === "consult" ? "Consult" : "Transfer";
  $("target-error").hidden = true;
  $("target-dialog").showModal();
  selectTab("agent");
}

function selectTab(tab) {
  S.target.tab = tab;
  S.target.selected = null;
  for (const t of TABS) {
    const button = $(`tab-${t}`);
    button.setAttribute("aria-selected", String(t === tab));
    button.tabIndex = t === tab ? 0 : -1;
  }
  $("target-search").value = "";
  $("target-search-label").textContent = tab === "dial" ? "Number or name" : tab === "org" ? "Search by first name, role, department or full number" : "Search";
  $("dial-preview").hidden = tab !== "dial";
  $("dial-preview").textContent = "";
  $("target-search").focus();
  loadTargets();
}

let searchTimer = null;
let loadGen = 0;

async function loadTargets() {
  const gen = ++loadGen;
  const { tab, mode } = S.target;
  const search = $("target-search").value.trim();
  const query = search ? `search=${encodeURIComponent(tab === "dial" || tab === "dest" ? searchable(search) : search)}` : "";
  const path = {
    agent: `/api/v1/directory/agents?purpose=${mode}${query ? `&${query}` : ""}`,
    dest: `/api/v1/directory/destinations${query ? `?${query}` : ""}`,
    dial: `/api/v1/directory/address-book${query ? `?${query}` : ""}`,
    org: `/api/v1/directory/experts${query ? `?${query}` : ""}`,
  }[tab];
  $("target-list").setAttribute("aria-busy", "true");
  const reply = await api("GET", path);
  if (gen !== loadGen) return;
  $("target-list").removeAttribute("aria-busy");
  if (!reply.ok) {
    // R21: a list that cannot be fetched is a clear error, not an empty list.
    S.target.items = [];
    $("target-list").replaceChildren();
    $("target-error").textContent = `The list could not be fetched: ${errorText(reply)}. Press Refresh to try again.`;
    $("target-error").hidden = false;
    return;
  }
  $("target-error").hidden = true;
  S.target.items = reply.data.map((item) => targetItem(tab, item));
  if (tab === "dest") for (const d of reply.data) if (d.kind === "queue") S.queueNames[d.id] = d.name;
  if (tab === "agent") { for (const a of reply.data) S.names[a.id] = a.name; save("names"); }
  renderTargets();
}

/// A search for a number leaves out what is not part of it (R20: no "(" or "-").
function searchable(text) {
  return /\d/.test(text) && !/[a-z]/i.test(text) ? text.replace(/[^0-9+#*:]/g, "") : text;
}

function targetItem(tab, item) {
  switch (tab) {
    case "agent":
      return { key: `agent:${item.id}`, target: { type: "agent", id: item.id }, label: item.name, sub: STATE_LABELS[item.state] ?? item.state, state: item.state };
    case "dest":
      return { key: `${item.kind}:${item.id}`, target: { type: item.kind, id: item.id }, label: item.name,
        sub: item.kind === "queue" ? `Queue · ${item.waiting ?? 0} waiting` : `Entry point · ${item.dial_number ?? ""}` };
    case "dial":
      return { key: `number:${item.number}`, target: { type: "dial_number", number: item.number }, label: item.name, sub: item.number };
    default:
      return { key: `expert:${item.id}`, target: { type: "expert", id: item.id }, label: `${item.first_name} ${item.last_name}`,
        sub: `${item.role} · ${item.department} · ${item.work_phone}` };
  }
}

function renderTargets() {
  const { items, selected } = S.target;
  const list = $("target-list");
  list.replaceChildren(...items.map((item) => h("button", {
    type: "button", class: "choice", role: "option", "aria-selected": String(selected?.key === item.key), "data-key": item.key,
    onclick: () => { S.target.selected = item; renderTargets(); updateTargetSubmit(); },
    ondblclick: () => { S.target.selected = item; submitTarget(new Event("submit")); },
  }, item.state ? h("span", { class: "state-icon-wrap", "data-state": item.state }, h("span", { class: "state-icon", "aria-hidden": "true" })) : null,
  item.label, h("span", { class: "sub" }, item.sub))));
  $("target-empty").hidden = items.length > 0 || S.target.tab === "dial";
  updateTargetSubmit();
}

function updateTargetSubmit() {
  const { tab, selected } = S.target;
  let ok = !!selected;
  if (tab === "dial") {
    const typed = $("target-search").value;
    const preview = $("dial-preview");
    if (selected) {
      preview.className = "dial-preview dial-ok";
      preview.textContent = `Will dial ${selected.target.number} (${selected.label})`;
    } else if (/\d/.test(typed)) {
      const result = cleanDialNumber(typed);
      preview.className = `dial-preview ${result.ok ? "dial-ok" : "dial-bad"}`;
      preview.textContent = result.ok
        ? `Will dial ${result.cleaned}${result.stripped ? " (other characters removed)" : ""}`
        : `Cannot dial ${result.cleaned || typed}: ${result.problem}`;
      ok = result.ok;
    } else {
      preview.className = "dial-preview";
      preview.textContent = "Type a number (digits and + # * : are kept), or a name from the address book.";
    }
    preview.hidden = false;
  }
  $("target-submit").disabled = !ok;
}

async function submitTarget(event) {
  event.preventDefault();
  const { mode, tab, selected, task } = S.target;
  let target = selected?.target;
  let label = selected?.label;
  if (!target && tab === "dial") {
    const result = cleanDialNumber($("target-search").value);
    if (!result.ok) return;
    target = { type: "dial_number", number: result.cleaned };
    label = result.cleaned;
  }
  if (!target) return;
  $("target-submit").disabled = true;
  const reply = await api("POST", `/api/v1/tasks/${task}/${mode}`, { target });
  $("target-submit").disabled = false;
  if (!reply.ok) {
    $("target-error").textContent = errorText(reply);
    $("target-error").hidden = false;
    return;
  }
  S.names[`task:${task}`] = label;
  if (target.type === "agent") S.names[target.id] = label;
  save("names");
  closeDialog("target-dialog");
  if (reply.status === 200 && reply.data?.id) S.tasks.set(reply.data.id, reply.data);
  render();
  scheduleRefresh(0);
}

// ---- Messages ---------------------------------------------------------------------------------

let toastTimer = null;
function toast(text) {
  $("toast-text").textContent = text;
  $("toast").hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $("toast").hidden = true; }, 8000);
}

function announce(text) {
  $("live").textContent = "";
  setTimeout(() => { $("live").textContent = text; }, 30);
}

// ---- Wiring -----------------------------------------------------------------------------------

let retryTimer = null;

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("signin-error");
  const username = $("signin-user").value.trim();
  const password = $("signin-pass").value;
  if (!username || !password) {
    error.textContent = "Enter your user name and password.";
    error.hidden = false;
    return;
  }
  $("signin-submit").disabled = true;
  const reply = await api("POST", "/api/v1/login", { username, password });
  if (reply.ok) {
    error.hidden = true;
    $("signin-submit").disabled = false;
    $("signin-pass").value = "";
    S.lastSeq = null;
    save("lastSeq");
    showView("view-loading");
    await boot();
    return;
  }
  if (reply.status === 429) {
    let wait = Number(reply.headers.get("Retry-After")) || 1;
    const show = () => {
      error.textContent = `Too many failed sign-ins for this account: wait ${wait} s, then try again.`;
    };
    show();
    clearInterval(retryTimer);
    retryTimer = setInterval(() => {
      wait -= 1;
      if (wait <= 0) {
        clearInterval(retryTimer);
        error.textContent = "You can try again now.";
        $("signin-submit").disabled = false;
      } else show();
    }, 1000);
  } else {
    error.textContent = reply.status === 401 ? "Wrong user name or password." : errorText(reply);
    $("signin-submit").disabled = false;
  }
  error.hidden = false;
  $("signin-pass").select();
});

$("station-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("station-error");
  const team = $("station-team").value;
  const extension = $("station-ext").value.trim();
  if (!extension) {
    error.textContent = "Enter the extension of your phone.";
    error.hidden = false;
    return;
  }
  const reply = await api("POST", "/api/v1/agents/me/session", { team, extension });
  if (!reply.ok) {
    error.textContent = errorText(reply);
    error.hidden = false;
    return;
  }
  error.hidden = true;
  S.me.agent = reply.data;
  render();
  scheduleRefresh(0);
});

$("station-logout").addEventListener("click", async () => {
  const reply = await api("DELETE", "/api/v1/agents/me/session");
  if (!reply.ok) {
    // R5: the server explains why (an offer popover is shown).
    toast(`Cannot log out: ${errorText(reply)}`);
    return;
  }
  S.me.agent = reply.data;
  render();
});

$("sign-out").addEventListener("click", async () => {
  await api("POST", "/api/v1/logout");
  S.lastSeq = null;
  save("lastSeq");
  signedOut();
});

$("state-select").addEventListener("change", (event) => {
  const value = event.target.value;
  if (value === "available") setState({ state: "available" });
  else if (value.startsWith("idle:")) setState({ state: "idle", idle_reason: value.slice(5) });
});

$("toast-close").addEventListener("click", () => { $("toast").hidden = true; });
$("cad-form").addEventListener("submit", saveCad);
$("cad-reset").addEventListener("click", resetCad);
$("wrapup-form").addEventListener("submit", submitWrapup);
$("wrapup-search").addEventListener("input", fillWrapupReasons);
// The wrap-up must be submitted (R36): Escape does not dismiss it.
$("wrapup-dialog").addEventListener("cancel", (event) => event.preventDefault());
$("target-form").addEventListener("submit", submitTarget);
// Escape closes the dialog even from a search field (which would otherwise only clear itself).
$("target-dialog").addEventListener("keydown", (event) => {
  if (event.key === "Escape") { event.preventDefault(); closeDialog("target-dialog"); }
});
$("target-cancel").addEventListener("click", () => closeDialog("target-dialog"));
$("target-refresh").addEventListener("click", () => loadTargets());
$("target-search").addEventListener("input", () => {
  S.target.selected = null;
  updateTargetSubmit();
  clearTimeout(searchTimer);
  searchTimer = setTimeout(loadTargets, 150);
});
for (const tab of TABS) {
  $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  $(`tab-${tab}`).addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
    selectTab(next);
    $(`tab-${next}`).focus();
  });
}

// Keyboard shortcuts: Alt+H hold/resume, Alt+E end, Alt+C consult, Alt+T transfer, Alt+A accept.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) return;
  const key = event.key.toLowerCase();
  const click = (k) => {
    const button = document.querySelector(`[data-key="${k}"]`);
    if (button && !button.disabled) { button.click(); event.preventDefault(); }
  };
  if (key === "h") { click("hold"); click("resume"); }
  else if (key === "e") click("end");
  else if (key === "c") click("consult");
  else if (key === "t") click("transfer");
  else if (key === "a") document.querySelector('[data-key^="accept-"]')?.click();
});

setInterval(tick, 250);
// While the phone is not registered no event says when it comes: look now and then.
setInterval(() => {
  const agent = S.me?.agent;
  if (agent && agent.state !== "logged_out" && !agent.phone_registered) scheduleRefresh(0);
}, 3000);

boot();
