// The Sentral Agent Desktop. It talks only to the REST API (/api/v1) and the WebSocket event
// stream (/api/v1/events), authenticated by the session cookie that sign-in sets.
//
// It never guesses state: the server's answers to GET /api/v1/agents/me and GET /api/v1/tasks are
// the truth. Events update the screen at once and then trigger a (coalesced) re-read of that
// truth. What only events carry (offer popover content, RONA deadlines, wrap-up reasons) is kept
// in sessionStorage so a page reload shows it again.

import { cleanDialNumber } from "./dial.js";
import { LANGUAGES, language, pickLanguage, setLanguage, t, translatePage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const BUILTIN_VARIABLES = new Set(["ani", "dnis", "queue"]);
const CAD_VALUE_CHARS_MAX = 256;
const STATE_KEYS = { available: "stateAvailable", idle: "stateIdle", rona: "stateRona", logged_out: "stateLoggedOut", engaged: "stateEngaged" };
/// R8: the stack's order from top to bottom by channel; within a channel the earliest is on top.
const CHANNEL_ORDER = { email: 0, social: 1, chat: 2, voice: 3 };
/// R8: the stack shows five requests at a time ("1-5 of <total>").
const STACK_PAGE_SIZE = 5;

function stateLabel(state) { return STATE_KEYS[state] ? t(STATE_KEYS[state]) : state; }
function kindLabel(kind) { return t("kind", kind); }

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
  stackPage: 0, // R8: which five requests of the stack are shown
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
    return { status: 0, ok: false, data: { message: t("unreachable") }, headers: new Headers() };
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
  const message = reply.data?.message || fallback || t("requestFailed", reply.status);
  // R2: the organisation's call limit is shown with its reason code.
  if (reply.data?.code === "R2") return t("callLimit", reply.data.code, message);
  return message.charAt(0).toUpperCase() + message.slice(1);
}

// ---- Boot and truth --------------------------------------------------------------------------

async function boot() {
  const reply = await api("GET", "/api/v1/agents/me");
  if (reply.status === 401) return signedOut();
  if (!reply.ok) {
    toast(errorText(reply, t("noAnswer")));
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
  ws.onclose = (event) => {
    S.ws = null;
    if (!S.me) return;
    // 4001: the session ended (signed out elsewhere, password changed): the check signs out.
    if (event.code === 4001) {
      api("GET", "/api/v1/agents/me").then((me) => { if (me.ok && !S.ws) connect(); });
      return;
    }
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
      S.offers[event.task] = { task: event.task, stage: "reserved", channel: event.channel, variables: [], receivedAt: Date.now() };
      announce(t("announceReserved", event.channel));
      break;
    case "offer": {
      const previous = S.offers[event.task];
      const deadline = previous?.deadline ?? Date.now() + event.rona_timeout_ms;
      S.offers[event.task] = { ...event, stage: "offer", deadline, ringing: previous?.ringing ?? false, receivedAt: previous?.receivedAt ?? Date.now() };
      if (event.channel !== "voice") S.stackPage = 0; // a new request shows the top of the stack
      for (const v of event.variables) S.labels[v.name] = v.label;
      save("labels");
      // The CAD panel shows these variables after the popover closes.
      try { sessionStorage.setItem(`sentral.offerVars.${event.task}`, JSON.stringify(event.variables.map((v) => v.name))); } catch { /* ignore */ }
      announce(t("announceOffer", offerTitle(event), event.variables.map((v) => `${v.label} ${v.value}`).join(", ")));
      break;
    }
    case "consult_offer": {
      S.offers[event.task] = { task: event.task, stage: "offer", consult: true, channel: "voice", variables: event.variables, ringing: S.offers[event.task]?.ringing ?? false, receivedAt: S.offers[event.task]?.receivedAt ?? Date.now() };
      announce(t("announceConsult"));
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
      announce(t("announceWithdrawn"));
      break;
    case "rona":
      delete S.offers[event.task];
      if (S.me?.agent) S.me.agent.state = "rona";
      announce(t("announceRona"));
      break;
    case "hold_changed":
      if (task) {
        task.customer_held = event.customer_held;
        if (task.consult && event.consulted_held !== null) task.consult.consulted_held = event.consulted_held;
      }
      break;
    case "consult_failed":
      toast(t("consultFailed", event.reason));
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
      toast(t("callLimitEvent", event.code));
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
  const busy2 = activeTask() ? t("busyOnCall") : agent.wrapups.length ? t("busyWrapup") : "";
  $("state-label").textContent = (agent.state === "idle" && reason ? t("idleWithReason", reason) : stateLabel(agent.state)) + busy2;
  const loggedIn = agent.state !== "logged_out";
  $("state-control").hidden = !loggedIn;
  $("station").hidden = !loggedIn;
  $("station-logout").hidden = !loggedIn;
  if (loggedIn) {
    const select = $("state-select");
    const value = agent.state === "available" ? "available" : agent.state === "idle" ? `idle:${agent.idle_reason ?? ""}` : "";
    const options = [];
    if (agent.state === "rona") options.push(h("option", { value: "", disabled: true }, t("ronaChoose")));
    if (agent.state === "idle" && !agent.idle_reason) options.push(h("option", { value: "idle:", disabled: true }, t("stateIdle")));
    options.push(h("option", { value: "available" }, t("stateAvailable")));
    for (const r of S.me.idle_reasons) options.push(h("option", { value: `idle:${r.code}` }, t("idleWithReason", r.label)));
    if (document.activeElement !== select || select.dataset.language !== language()) {
      select.dataset.language = language();
      select.replaceChildren(...options);
      select.value = value;
    }
    $("station-text").textContent = t("stationText", agent.team, agent.extension);
    $("phone").dataset.registered = String(agent.phone_registered);
    $("phone-text").textContent = agent.phone_registered ? t("phoneRegistered") : t("phoneNotRegistered");
    $("phone").title = agent.phone_registered ? t("phoneRegisteredTitle", agent.extension) : t("phoneNotRegisteredTitle", agent.extension);
    const help = $("phone-help");
    help.hidden = agent.phone_registered;
    help.textContent = agent.phone_registered ? "" : t("phoneHelp", agent.extension);
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

// ---- Popovers (offers, RONA) and the offer stack (R8) -----------------------------------------

function renderPopovers() {
  const container = $("popovers");
  const focused = document.activeElement?.dataset?.key;
  const items = [];
  if (S.me.agent.state === "rona") items.push(ronaPopover());
  const stack = stackedOffers();
  const pages = Math.max(1, Math.ceil(stack.length / STACK_PAGE_SIZE));
  S.stackPage = Math.min(S.stackPage, pages - 1);
  const first = S.stackPage * STACK_PAGE_SIZE;
  const shown = stack.slice(first, first + STACK_PAGE_SIZE);
  const bar = stackBar(stack, first, shown.length);
  if (bar) items.push(bar);
  shown.forEach((offer, i) => items.push(offerPopover(offer, first + i + 1, stack.length)));
  container.replaceChildren(...items);
  if (focused) container.querySelector(`[data-key="${focused}"]`)?.focus();
  tick();
}

/// R8: every request, from top to bottom e-mail, social messages, chats, calls; within a
/// channel the earliest request on top.
function stackedOffers() {
  const rank = (offer) => CHANNEL_ORDER[offer.channel] ?? CHANNEL_ORDER.voice;
  const age = (offer) => offer.offered_at ?? offer.receivedAt ?? 0;
  return Object.values(S.offers).sort((a, b) => rank(a) - rank(b) || age(a) - age(b) || a.task - b.task);
}

/// Digital requests (e-mail, chat, social) that can be accepted with a button; a call is
/// accepted by answering the phone (R13).
function acceptable(offer) {
  return offer.stage === "offer" && !offer.consult && offer.channel !== "voice";
}

/// R8: "1-5 of <total>" with paging when there are more than five requests, and
/// "Accept <n> requests" when several digital requests wait.
function stackBar(stack, first, nShown) {
  const paged = stack.length > STACK_PAGE_SIZE;
  const digital = stack.filter(acceptable);
  if (!paged && digital.length < 2) return null;
  const children = [];
  if (paged) {
    const last = first + nShown;
    children.push(
      h("button", { type: "button", class: "secondary pager", "data-key": "stack-previous", "aria-label": t("stackPreviousLabel"),
        disabled: first === 0, onclick: () => { S.stackPage -= 1; renderPopovers(); } }, "‹ ", t("stackPrevious")),
      h("span", { class: "stack-range", id: "stack-range", role: "status" }, t("stackRange", first + 1, last, stack.length)),
      h("button", { type: "button", class: "secondary pager", "data-key": "stack-next", "aria-label": t("stackNextLabel"),
        disabled: last >= stack.length, onclick: () => { S.stackPage += 1; renderPopovers(); } }, t("stackNext"), " ›"));
  }
  if (digital.length >= 2) {
    children.push(h("button", { type: "button", class: "primary accept-all", id: "accept-all", "data-key": "stack-accept-all",
      onclick: () => acceptAll(digital.map((offer) => offer.task)) }, t("acceptAll", digital.length)));
  }
  return h("div", { class: "stack-bar", id: "stack-bar" }, children);
}

/// R8: accepts every digital request at once; calls stay ringing.
async function acceptAll(ids) {
  const replies = await Promise.all(ids.map((id) => api("POST", `/api/v1/tasks/${id}/accept`)));
  const failed = replies.filter((reply) => !reply.ok);
  if (failed.length) toast(errorText(failed[0]));
  for (const reply of replies) if (reply.status === 200 && reply.data?.id) S.tasks.set(reply.data.id, reply.data);
  render();
  scheduleRefresh(0);
}

function ronaPopover() {
  const reasons = S.me.idle_reasons;
  const select = h("select", { id: "rona-reason", "aria-label": t("idleReason") }, reasons.map((r) => h("option", { value: r.code }, r.label)));
  return h("section", { class: "popover rona", role: "alertdialog", "aria-labelledby": "rona-title", id: "rona-popover" },
    h("h2", { id: "rona-title" }, t("ronaTitle")),
    h("p", {}, t("ronaText")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "good", "data-key": "rona-available", onclick: () => setState({ state: "available" }) }, t("stateAvailable")),
      select,
      h("button", { type: "button", class: "secondary", "data-key": "rona-idle", onclick: () => setState({ state: "idle", idle_reason: select.value }) }, t("stateIdle"))));
}

function offerTitle(offer) {
  if (offer.consult) return t("consultRequest");
  if (offer.channel && offer.channel !== "voice") return t("requestTitle", offer.channel);
  return kindLabel(offer.kind) ?? t("contactRequest");
}

function offerPopover(offer, position, total) {
  const id = offer.task;
  const place = { "data-task": id, "data-channel": offer.channel ?? "voice", "data-position": `${position}/${total}` };
  if (offer.stage === "reserved") {
    return h("section", { class: "popover connect", role: "dialog", "aria-label": t("connecting"), ...place },
      h("h2", {}, icon(offer.channel), t("connecting")),
      h("p", {}, t("connectingText", offer.channel)));
  }
  const callback = offer.callback;
  const title = offerTitle(offer);
  const rows = [];
  if (callback) {
    rows.push([t("rowNumber"), callback.customer_number]);
    if (callback.customer_name) rows.push([t("rowName"), callback.customer_name]);
    if (callback.dnis) rows.push([t("rowDnis"), callback.dnis]);
    rows.push([t("rowQueue"), callback.queue]);
  }
  const variables = offer.consult ? offer.variables.slice(0, 9) : offer.variables.slice(0, 6);
  for (const v of variables) rows.push([v.label, v.value || "—"]);
  if (offer.generic) {
    const task = S.tasks.get(id);
    if (task?.customer_number) rows.push([t("rowCaller"), task.customer_number]);
    if (task?.dnis) rows.push([t("rowDialled"), task.dnis]);
  }
  const status = [];
  const digital = acceptable(offer);
  if (offer.dialing) {
    status.push(offer.dialing.cancellable
      ? h("button", { type: "button", class: "danger", "data-key": `cancel-${id}`, onclick: () => taskCommand(id, "cancel") }, t("cancelCallback"))
      : h("p", { class: "ringing" }, t("callingCustomer")));
  } else if (digital) {
    status.push(h("button", { type: "button", class: "primary", "data-key": `accept-${id}`, title: "Alt+A", onclick: () => taskCommand(id, "accept") }, t("accept")));
  } else {
    status.push(h("p", { class: "ringing", role: "status" }, offer.ringing ? t("ringingAnswer") : t("waitingToRing")));
  }
  const timers = [];
  if (callback) timers.push(h("p", {}, t("offeredBefore"), h("span", { class: "elapsed", "data-since": offer.receivedAt ?? Date.now() }, "0:00"), t("offeredAfter")));
  if (offer.deadline && !offer.dialing) {
    timers.push(h("p", {}, digital ? t("acceptWithinBefore") : t("answerWithinBefore"), h("span", { class: "countdown", "data-deadline": offer.deadline }, ""),
      digital ? t("acceptWithinAfter") : t("answerWithinAfter")));
  }
  return h("section", { class: `popover offer${callback ? " callback" : ""}`, role: "dialog", "aria-labelledby": `offer-title-${id}`, ...place },
    h("h2", { id: `offer-title-${id}` }, icon(callback ? "callback" : offer.channel), callback ? kindLabel(offer.kind) ?? callback.label : title),
    h("dl", { class: "variables" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    timers, status);
}

/// A channel badge (text, so it renders without an emoji font).
function icon(kind) {
  return h("span", { class: `badge badge-${kind ?? "voice"}` }, t("badge", kind));
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
    $("no-task-text").textContent = S.me.agent.wrapups.length ? t("noTaskWrapup") : S.me.agent.state === "available" ? t("noTaskWaiting") : t("noTaskIdle");
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
  if (held) statuses.push(h("span", { class: "status held" }, t("callOnHold")));
  if (consult && !consult.accepted) statuses.push(h("span", { class: "status requested" }, t("consultRequested")));
  if (consult?.conference) statuses.push(h("span", { class: "status" }, t("conference")));
  if (!held && !consult) statuses.push(h("span", { class: "status" }, task.phase === "dialing" ? t("dialling") : t("connected")));
  const queue = S.queueNames[task.queue];
  const meta = [kindLabel(task.kind) ?? task.kind, queue ? t("metaQueue", queue) : null, task.dnis ? t("metaDialled", task.dnis) : null].filter(Boolean).join(" · ");
  const inConsult = !!consult;
  const recording = recordingControls(task, inConsult || consult?.conference);
  const customer = h("section", { class: `pane${held ? " held" : ""}`, "aria-label": t("customerCall"), id: "pane-customer" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, icon(task.channel), " ", task.customer_number ?? t("customer")),
      h("span", { class: "timer", "data-since": task.connected_at ?? "", "aria-label": t("callTime") }, ""),
      statuses),
    h("p", { class: "pane-meta" }, meta),
    recording,
    h("div", { class: "row" },
      held
        ? h("button", { type: "button", class: "primary", "data-key": "resume", title: "Alt+H", onclick: () => taskCommand(task.id, "unhold", { party: "customer" }) }, t("resume"))
        : h("button", { type: "button", class: "secondary", "data-key": "hold", title: "Alt+H", onclick: () => taskCommand(task.id, "hold", { party: "customer" }) }, t("hold")),
      h("button", { type: "button", class: "secondary", "data-key": "consult", title: "Alt+C", disabled: inConsult, onclick: () => openTargetDialog("consult") }, t("consult")),
      h("button", { type: "button", class: "secondary", "data-key": "transfer", title: "Alt+T", disabled: inConsult, onclick: () => openTargetDialog("transfer") }, t("transfer")),
      // R23 (ours): in a conference, End leaves it; the call stays with the consulted agent.
      h("button", { type: "button", class: "danger", "data-key": "end", title: "Alt+E", disabled: held, onclick: () => taskCommand(task.id, "end") },
        consult?.conference ? t("leaveConference") : t("end"))));
  if (!consult) return [customer];
  const accepted = consult.accepted;
  const status = !accepted ? t("consultRequested") : consult.conference ? t("inConference") : consult.consulted_held ? t("consultOnHold") : t("consulting");
  const who = task.consulted ? S.names[task.consulted] ?? t("consultedAgent") : S.names[`task:${task.id}`] ?? t("consultedParty");
  const consultPane = h("section", { class: "pane consult", "aria-label": t("consultedParty"), id: "pane-consult" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, t("consult")), " ", who),
      h("span", { class: `status${consult.consulted_held ? " held" : !accepted ? " requested" : ""}` }, status)),
    h("div", { class: "row" },
      accepted && !consult.conference
        ? (consult.consulted_held
          ? h("button", { type: "button", class: "primary", "data-key": "resume-consulted", onclick: () => taskCommand(task.id, "unhold", { party: "consulted" }) }, t("resumeConsult"))
          : h("button", { type: "button", class: "secondary", "data-key": "hold-consulted", onclick: () => taskCommand(task.id, "hold", { party: "consulted" }) }, t("holdConsult")))
        : null,
      h("button", { type: "button", class: "primary", "data-key": "consult-transfer", disabled: !accepted, onclick: () => taskCommand(task.id, "consult/transfer") }, t("transfer")),
      h("button", { type: "button", class: "secondary", "data-key": "conference", disabled: !accepted || consult.conference, onclick: () => taskCommand(task.id, "consult/conference") }, t("conference")),
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: () => taskCommand(task.id, "consult/end") }, t("endConsult"))));
  return [customer, consultPane];
}

function consultedPane(task) {
  const held = task.consult?.consulted_held;
  const owner = S.names[task.owner] ?? "the consulting agent";
  return h("section", { class: `pane consult${held ? " held" : ""}`, "aria-label": t("consult"), id: "pane-consulted" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, t("consult")), ` ${t("consultFrom")} `, owner),
      h("span", { class: "timer", "data-since": task.connected_at ?? "" }, ""),
      h("span", { class: `status${held ? " held" : ""}` }, held ? t("onHold") : task.consult?.conference ? t("inConference") : t("consulting"))),
    h("p", { class: "pane-meta" }, t("customerNumber", task.customer_number ?? "")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: () => taskCommand(task.id, "consult/end") }, task.consult?.conference ? t("leaveConference") : t("endConsult"))));
}

function recordingControls(task, blocked) {
  const recording = task.recording ?? { state: "off" };
  if (recording.state === "off") return h("p", { class: "recording off" }, t("notRecorded"));
  const paused = recording.state === "paused";
  const label = paused ? t("recordingPaused") : t("recordingOn");
  return h("p", { class: `recording${paused ? " paused" : ""}` }, label,
    paused && recording.resumes_at ? [t("resumesIn"), h("span", { class: "countdown", "data-deadline": recording.resumes_at - skew() }, "")] : null, " ",
    h("button", { type: "button", class: "secondary", "data-key": "record", disabled: blocked, title: blocked ? t("notDuringConsult") : "",
      onclick: () => taskCommand(task.id, paused ? "record/resume" : "record/pause") }, paused ? t("resumeRecording") : t("pauseRecording")));
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
  // A consulted agent who takes the call over (transfer, R25) can edit from then on.
  const roleChanged = !fresh && S.cad.readOnly !== readOnly;
  if (fresh || roleChanged || (!S.cad.dirty && task.variables_version !== S.cad.version) || (readOnly && task.variables_version !== S.cad.version)) {
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
      $("cad-status").textContent = t("notSaved");
      if (d.kind !== "date_time") count.textContent = `${input.value.length}/${CAD_VALUE_CHARS_MAX}`;
    });
    return h("div", { class: "cad-field" },
      h("div", { class: "field-head" }, h("label", { for: id }, d.label), count,
        h("button", { type: "button", class: "secondary copy", "aria-label": t("copyLabel", d.label), onclick: () => copy(fieldValue(input)) }, t("copy"))),
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
    if (value.length > CAD_VALUE_CHARS_MAX) { showCadError(t("cadTooLong", input.dataset.name, CAD_VALUE_CHARS_MAX)); return; }
    if (value !== (S.cad.base[input.dataset.name] ?? "")) values[input.dataset.name] = value;
  }
  if (Object.keys(values).length === 0) { $("cad-status").textContent = t("nothingToSave"); return; }
  $("cad-save").disabled = true;
  const reply = await api("PATCH", `/api/v1/tasks/${task.id}/variables`, { expected_version: S.cad.version, values });
  $("cad-save").disabled = false;
  $("cad-error").hidden = true;
  if (reply.ok) {
    S.tasks.set(task.id, reply.data);
    S.cad = { ...S.cad, base: { ...reply.data.variables }, version: reply.data.variables_version, dirty: false };
    $("cad-conflict").hidden = true;
    $("cad-status").textContent = t("saved");
    buildCadFields(reply.data, false);
  } else if (reply.status === 409 && reply.data?.current) {
    // R35: someone saved first. Keep the agent's edits, show the winning values, and base the
    // next save on them, so saving again is the agent's explicit choice.
    const current = reply.data.current;
    S.cad.base = { ...current.values };
    S.cad.version = current.version;
    const winning = Object.keys(values).map((name) => `${S.labels[name] ?? name}: “${current.values[name] ?? ""}”`).join(", ");
    const box = $("cad-conflict");
    box.textContent = t("cadConflict", winning);
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
  $("cad-status").textContent = t("resetDone");
}

async function fetchSecure(taskId) {
  const box = $("cad-secure");
  box.replaceChildren(h("p", { class: "hint" }, t("secureLoading")));
  const reply = await api("GET", `/api/v1/tasks/${taskId}/variables/secure`);
  if (S.cad.task !== taskId) return;
  const defs = Array.isArray(S.me.cad_variables) ? S.me.cad_variables.filter((d) => d.secure) : null;
  if (!reply.ok) {
    const names = defs?.length ? defs.map((d) => d.label) : [t("secureValues")];
    box.replaceChildren(...names.map((label) => h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: t("secureTitle") }, t("secure")), label),
      h("p", {}, h("span", { "aria-label": t("secureNotLoaded") }, "*"), " ",
        h("button", { type: "button", class: "link", id: "secure-retry", onclick: () => fetchSecure(taskId) }, t("clickToRetry"))))));
    return;
  }
  const values = reply.data.values ?? {};
  const names = defs ? defs.map((d) => d.name) : Object.keys(values);
  box.replaceChildren(...names.map((name) => {
    const label = defs?.find((d) => d.name === name)?.label ?? S.labels[name] ?? name.replace(/_/g, " ");
    return h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: t("secureTitle") }, t("secure")), label,
        h("button", { type: "button", class: "secondary copy", "aria-label": t("copyLabel", label), onclick: () => copy(values[name] ?? "") }, t("copy"))),
      h("input", { type: "text", readonly: true, value: values[name] ?? "", "aria-label": label }));
  }));
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    $("cad-status").textContent = t("copied");
  } catch {
    const area = h("textarea", {}, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    $("cad-status").textContent = t("copied");
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
  $("wrapup-about").textContent = task ? t("wrapupAbout", kindLabel(task.kind) ?? t("call"), task.customer_number ?? t("theCustomer")) : "";
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
    $("wrapup-list").replaceChildren(h("label", { class: "choice" }, t("reasonCode"), h("input", { type: "text", id: "wrapup-code", oninput: () => { $("wrapup-submit").disabled = false; } })));
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
  $("target-title").textContent = mode === "consult" ? t("consult") : t("transfer");
  $("target-submit").textContent = mode === "consult" ? t("consult") : t("transfer");
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
  $("target-search-label").textContent = tab === "dial" ? t("numberOrName") : tab === "org" ? t("searchExperts") : t("search");
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
    $("target-error").textContent = t("listFailed", errorText(reply));
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
      return { key: `agent:${item.id}`, target: { type: "agent", id: item.id }, label: item.name, sub: stateLabel(item.state), state: item.state };
    case "dest":
      return { key: `${item.kind}:${item.id}`, target: { type: item.kind, id: item.id }, label: item.name,
        sub: item.kind === "queue" ? t("queueWaiting", item.waiting ?? 0) : t("entryPoint", item.dial_number ?? "") };
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
      preview.textContent = t("willDialPicked", selected.target.number, selected.label);
    } else if (/\d/.test(typed)) {
      const result = cleanDialNumber(typed);
      preview.className = `dial-preview ${result.ok ? "dial-ok" : "dial-bad"}`;
      preview.textContent = result.ok
        ? t("willDial", result.cleaned, result.stripped)
        : t("cannotDial", result.cleaned || typed, t("dialProblem", result.problem, result.nDigits));
      ok = result.ok;
    } else {
      preview.className = "dial-preview";
      preview.textContent = t("dialHint");
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
    error.textContent = t("signInMissing");
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
      error.textContent = t("signInWait", wait);
    };
    show();
    clearInterval(retryTimer);
    retryTimer = setInterval(() => {
      wait -= 1;
      if (wait <= 0) {
        clearInterval(retryTimer);
        error.textContent = t("signInAgain");
        $("signin-submit").disabled = false;
      } else show();
    }, 1000);
  } else {
    error.textContent = reply.status === 401 ? t("signInWrong") : errorText(reply);
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
    error.textContent = t("extensionMissing");
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
    toast(t("cannotLogOut", errorText(reply)));
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
  else if (key === "a") document.querySelector('#popovers [data-key^="accept-"]')?.click();
});

// Language: the agent's earlier choice, else the browser's preference; the top bar switches it.
setLanguage(pickLanguage());
translatePage();
$("language-select").replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, lang: code }, name)));
$("language-select").value = language();
$("language-select").addEventListener("change", (event) => {
  setLanguage(event.target.value, true);
  translatePage();
  // Rebuild what is drawn once per call: the CAD form (unless the agent is editing it).
  if (!S.cad.dirty) S.cad.task = null;
  if (S.me) render();
});

setInterval(tick, 250);
// While the phone is not registered no event says when it comes: look now and then.
setInterval(() => {
  const agent = S.me?.agent;
  if (agent && agent.state !== "logged_out" && !agent.phone_registered) scheduleRefresh(0);
}, 3000);

boot();

// In `sentral demo` the simulated agent phones can be answered from the demo phones page; the
// status probe answers 404 everywhere else, and the link stays hidden.
fetch("/demo/api/status").then((reply) => { if (reply.ok) $("demo-phone-link").hidden = false; }).catch(() => {});
