// The Sentral Agent Desktop: wiring. It holds the one state (reduce.js folds the server's events
// and answers into it), turns the views' intents into requests through the session (session.js,
// the only module that talks to the server) and renders the views after every change.
//
// It never guesses state: the server's answers to GET /api/v1/agents/me and GET /api/v1/tasks are
// the truth. Events update the screen at once and then trigger a (coalesced) re-read of that
// truth. What only events carry (offer popover content, RONA deadlines, wrap-up reasons) is kept
// in sessionStorage so a page reload shows it again.

import { $, closeDialog, h, tick } from "./dom.js";
import { LANGUAGES, language, pickLanguage, rememberedLanguage, setLanguage, t, translatePage } from "./i18n.js";
import {
  SAVED, activeTask, initialState, reduce, signedOut, withAgent, withHistory, withLastSeq, withMe, withNames, withStackPage, withTask, withTasks,
  wrapUpSubmitted,
} from "./reduce.js";
import { createSession, errorText } from "./session.js";
import { initCad, rebuildCad, renderCad } from "./views/cad.js";
import { initAlerts, noOfferAlert } from "./views/alerts.js";
import { initMessages, noOfferShown, notify, toast } from "./views/messages.js";
import { initOutdial } from "./views/outdial.js";
import { renderPanes } from "./views/panes.js";
import { renderPopovers } from "./views/popovers.js";
import { initSignin, renderSignin } from "./views/signin.js";
import { initStation, renderStation } from "./views/station.js";
import { initTarget } from "./views/target.js";
import { initTaskList, renderTaskList } from "./views/tasklist.js";
import { initTopbar, renderTopbar } from "./views/topbar.js";
import { initWrapup, renderWrapup } from "./views/wrapup.js";

/**
 * @typedef {import("./reduce.js").DeskState} DeskState
 * @typedef {import("./session.js").Reply} Reply
 * @typedef {import("./wire.js").TaskDto} TaskDto
 */

/**
 * A request's answer as views see it: `error` is the text to show when it failed.
 * @typedef {Reply & { error: string }} Answer
 */

/**
 * What views ask for. Views never talk to the server themselves; these do, through the session,
 * and fold the answers into the state. Those that can fail return the text to show (or null).
 * @typedef {Object} Intents
 * @property {(username: string, password: string) => Promise<Answer>} signIn
 * @property {() => Promise<void>} start Reads the signed-in user and opens the event stream.
 * @property {() => Promise<void>} signOut
 * @property {(team: string, extension: string) => Promise<string | null>} logInStation
 * @property {() => Promise<string | null>} logOutStation Shows the refusal itself (R5).
 * @property {(body: { state: string, idle_reason?: string }) => Promise<void>} setState
 * @property {(id: number, command: string, body?: unknown) => Promise<void>} taskCommand
 * @property {(ids: number[]) => Promise<void>} acceptAll R8.
 * @property {(page: number) => void} pageStack R8.
 * @property {(taskId: number, expectedVersion: number, values: Record<string, string>) => Promise<Answer>} saveVariables R34, R35.
 * @property {(taskId: number) => Promise<Answer>} secureVariables R33.
 * @property {(tab: string, mode: string, search: string) => Promise<Answer>} directory R16, R17, R20, R27.
 * @property {(taskId: number, mode: "consult" | "transfer", target: object, label: string) => Promise<string | null>} target
 * @property {(number: string) => Promise<string | null>} outdial R42: calls a customer; the text of a refusal.
 * @property {(taskId: number, reason: string, next: { state: string, idle_reason?: string } | null, done: () => void) => Promise<string | null>} submitWrapup
 *   R36; `next` is the state to be in after it (R3), set first so no call comes in between; `done` runs once it is accepted.
 */

// ---- The state, saved across a reload ---------------------------------------------------------

/** @param {string} key */
function load(key) {
  try {
    const text = sessionStorage.getItem(`sentral.${key}`);
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** @type {DeskState} */
let state = initialState(Object.fromEntries(SAVED.map((key) => [key, load(key)])));

/** @returns {DeskState} */
const getState = () => state;

/**
 * What the server's truth decides on the screen.
 * @param {DeskState} desk
 */
const shown = (desk) => ({ me: desk.me, tasks: desk.tasks, offers: desk.offers });

/**
 * Replaces the state, saves what a reload must see again, and renders.
 * @param {DeskState} next
 * @param {boolean} [draw]
 */
function setDeskState(next, draw = true) {
  const previous = state;
  state = next;
  for (const key of SAVED) {
    if (previous[key] === next[key]) continue;
    try {
      sessionStorage.setItem(`sentral.${key}`, JSON.stringify(next[key]));
    } catch { /* storage full or disabled: the server still has the truth */ }
  }
  if (draw) render();
}

// ---- The session ------------------------------------------------------------------------------

const session = createSession({
  onEvent(event) {
    setDeskState(reduce(state, event, Date.now()));
    notify(event, getState);
  },
  onTruth(me, tasks) {
    let next = state;
    if (me) next = withMe(next, me);
    if (tasks) next = withTasks(next, tasks, Date.now());
    // Usually the events already said it all: then the screen stays as it is, so a click that
    // is under way is not lost to a button drawn again under the pointer.
    if (JSON.stringify(shown(next)) === JSON.stringify(shown(state))) return;
    setDeskState(next);
  },
  onOffline(offline) { $("offline").hidden = !offline; },
  onSignedOut: endSession,
  signedIn: () => state.me !== null,
  lastSeq: () => state.lastSeq,
});
const { api } = session;

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<Answer>}
 */
async function ask(method, path, body) {
  const reply = await api(method, path, body);
  return { ...reply, error: reply.ok ? "" : errorText(reply) };
}

async function boot() {
  const reply = await api("GET", "/api/v1/agents/me");
  if (reply.status === 401) return endSession();
  if (!reply.ok) {
    toast(errorText(reply, t("noAnswer")));
    setTimeout(boot, 2000);
    return;
  }
  // Supervisors and administrators get the wallboard (R44).
  if (reply.data.role === "supervisor" || reply.data.role === "admin") {
    location.replace("/supervisor");
    return;
  }
  setDeskState(withMe(state, reply.data), false);
  useUserLanguage(reply.data);
  if (reply.data.role === "agent") {
    await refreshTasks();
    loadQueueNames();
    session.connect();
  }
  render();
}

async function refreshTasks() {
  const agent = state.me?.agent;
  if (agent?.state === "logged_out" && !agent.task) {
    setDeskState(withTasks(state, []), false);
    return;
  }
  const reply = await api("GET", "/api/v1/tasks");
  if (reply.ok) setDeskState(withTasks(state, reply.data, Date.now()), false);
}

/** Queue names for the control pane (tasks carry the queue's id). */
async function loadQueueNames() {
  const reply = await api("GET", "/api/v1/directory/destinations");
  if (!reply.ok) return;
  /** @type {Record<string, string>} */
  const queueNames = {};
  for (const d of reply.data) if (d.kind === "queue") queueNames[d.id] = d.name;
  setDeskState(withNames(state, { queueNames }));
}

function endSession() {
  session.disconnect();
  $("offline").hidden = true;
  setDeskState(signedOut(state));
}

/**
 * A task as a command answered it, then the truth read again.
 * @param {Reply} reply
 */
function taskAnswered(reply) {
  if (reply.status === 200 && reply.data?.id) setDeskState(withTask(state, reply.data));
}

/**
 * A refused station log-in as a sentence in the agent's language: who has the extension (by
 * name, never an internal id) or which extensions are the agent's; else the server's reason.
 * @param {Answer} reply
 */
function stationRefusal(reply) {
  const message = String(reply.data?.message ?? "");
  const inUse = message.match(/^extension (\S+) is in use by (.+)$/);
  // A name that is an internal id (agent-…) is not shown.
  if (inUse) return /^agent-\d/.test(inUse[2]) ? t("extensionInUseColleague", inUse[1]) : t("extensionInUse", inUse[1], inUse[2]);
  const notYours = message.match(/^extension (\S+) is not yours; log in at (.+)$/);
  if (notYours) return t("extensionNotYours", notYours[1], notYours[2].split(" or ").join(", "));
  return reply.error;
}

/** @type {Intents} */
const intents = {
  async signIn(username, password) {
    return ask("POST", "/api/v1/login", { username, password });
  },
  async start() {
    setDeskState(withLastSeq(state, null), false);
    showView("view-loading");
    await boot();
  },
  async signOut() {
    const reply = await api("POST", "/api/v1/logout");
    // The last session takes the agent off the station, which the server refuses while an
    // offer is shown (R5), during a call or before a wrap-up: the agent stays signed in.
    if (reply.status === 409) {
      if (reply.data?.code === "R5") toast(t("cannotSignOutOffer"), "offer");
      else toast(t("cannotSignOutBusy"));
      return;
    }
    setDeskState(withLastSeq(state, null), false);
    endSession();
  },
  async logInStation(team, extension) {
    const reply = await ask("POST", "/api/v1/agents/me/session", { team, extension });
    if (!reply.ok) return stationRefusal(reply);
    setDeskState(withAgent(state, reply.data));
    session.scheduleRefresh(0);
    return null;
  },
  async logOutStation() {
    const reply = await ask("DELETE", "/api/v1/agents/me/session");
    if (reply.status === 409 && ["R3", "R5", "R36"].includes(reply.data?.code)) {
      // The station's refusals in the agent's language, the server's own sentence not repeated.
      if (reply.data.code === "R5") toast(t("cannotLogOutOffer"), "offer");
      else toast(t("cannotLogOutBusy"));
      return null;
    }
    if (!reply.ok) return reply.error;
    setDeskState(withAgent(state, reply.data));
    return null;
  },
  async setState(body) {
    const reply = await ask("PUT", "/api/v1/agents/me/state", body);
    if (!reply.ok) toast(reply.error);
    else setDeskState(withAgent(state, reply.data), false);
    render();
    session.scheduleRefresh(0);
  },
  async taskCommand(id, command, body) {
    const reply = await ask("POST", `/api/v1/tasks/${id}/${command}`, body);
    if (!reply.ok) toast(reply.error);
    else taskAnswered(reply);
    session.scheduleRefresh(0);
  },
  async acceptAll(ids) {
    const replies = await Promise.all(ids.map((id) => ask("POST", `/api/v1/tasks/${id}/accept`)));
    const failed = replies.filter((reply) => !reply.ok);
    if (failed.length) toast(failed[0].error);
    let next = state;
    for (const reply of replies) if (reply.status === 200 && reply.data?.id) next = withTask(next, reply.data);
    setDeskState(next);
    session.scheduleRefresh(0);
  },
  pageStack(page) {
    setDeskState(withStackPage(state, page));
  },
  async saveVariables(taskId, expectedVersion, values) {
    const reply = await ask("PATCH", `/api/v1/tasks/${taskId}/variables`, { expected_version: expectedVersion, values });
    if (reply.ok) setDeskState(withTask(state, reply.data), false);
    return reply;
  },
  async secureVariables(taskId) {
    return ask("GET", `/api/v1/tasks/${taskId}/variables/secure`);
  },
  async directory(tab, mode, search) {
    const query = search ? `search=${encodeURIComponent(search)}` : "";
    const path = {
      agent: `/api/v1/directory/agents?purpose=${mode}${query ? `&${query}` : ""}`,
      dest: `/api/v1/directory/destinations${query ? `?${query}` : ""}`,
      dial: `/api/v1/directory/address-book${query ? `?${query}` : ""}`,
      org: `/api/v1/directory/experts${query ? `?${query}` : ""}`,
    }[tab] ?? "";
    const reply = await ask("GET", path);
    if (reply.ok && tab === "dest") {
      /** @type {Record<string, string>} */
      const queueNames = {};
      for (const d of reply.data) if (d.kind === "queue") queueNames[d.id] = d.name;
      setDeskState(withNames(state, { queueNames }), false);
    }
    if (reply.ok && tab === "agent") {
      /** @type {Record<string, string>} */
      const names = {};
      for (const a of reply.data) names[a.id] = a.name;
      setDeskState(withNames(state, { names }), false);
    }
    return reply;
  },
  async target(taskId, mode, target, label) {
    const reply = await ask("POST", `/api/v1/tasks/${taskId}/${mode}`, { target });
    if (!reply.ok) return reply.error;
    /** @type {Record<string, string>} */
    const names = { [`task:${taskId}`]: label };
    const chosen = /** @type {{ type: string, id?: number }} */ (target);
    if (chosen.type === "agent" && chosen.id !== undefined) names[chosen.id] = label;
    let next = withNames(state, { names });
    if (reply.status === 200 && reply.data?.id) next = withTask(next, reply.data);
    setDeskState(next);
    session.scheduleRefresh(0);
    return null;
  },
  async outdial(number) {
    const reply = await ask("POST", "/api/v1/outdial", { number });
    if (!reply.ok) return reply.error;
    if (reply.data?.id) setDeskState(withTask(state, reply.data));
    session.scheduleRefresh(0);
    return null;
  },
  async submitWrapup(taskId, reason, next, done) {
    if (next) {
      // The state chosen for after the wrap-up, set while the wrap-up still keeps calls away.
      const changed = await ask("PUT", "/api/v1/agents/me/state", next);
      if (!changed.ok) return changed.error;
      setDeskState(withAgent(state, changed.data), false);
    }
    const reply = await ask("POST", `/api/v1/tasks/${taskId}/wrapup`, { reason });
    if (!reply.ok) return reply.error;
    done();
    setDeskState(wrapUpSubmitted(state, taskId));
    session.scheduleRefresh(0);
    return null;
  },
};

// ---- Rendering ------------------------------------------------------------------------------

/** @param {string} id */
function showView(id) {
  for (const view of ["view-loading", "view-signin", "view-station", "view-nonagent", "view-desk"]) {
    $(view).hidden = view !== id;
  }
}

function render() {
  const me = state.me;
  $("agent-bar").hidden = !me;
  if (!me) {
    showView("view-signin");
    $("phone-help").hidden = true;
    $("popovers").replaceChildren();
    closeDialog("wrapup-dialog");
    closeDialog("target-dialog");
    closeDialog("unsaved-dialog");
    closeDialog("outdial-dialog");
    renderSignin();
    return;
  }
  $("agent-name").textContent = me.agent?.name ?? me.username;
  if (me.role !== "agent" || !me.agent) {
    $("nonagent-role").textContent = t("role", me.role);
    showView("view-nonagent");
    $("state-chip").hidden = true;
    return;
  }
  const agent = me.agent;
  if (Object.keys(state.offers).length === 0) { noOfferShown(); noOfferAlert(); }
  renderTopbar(state, agent);
  if (agent.state === "logged_out" && !agent.task && agent.wrapups.length === 0) {
    showView("view-station");
    renderStation(me);
  } else {
    showView("view-desk");
  }
  renderPopovers(state, intents);
  loadHistory();
  renderPanes(state, agent, intents);
  renderTaskList(state);
  renderCad(state);
  renderWrapup(state, agent);
}

/** Tasks whose customer's earlier contacts were asked for. */
const historyAsked = new Set();

/** The customer's context for the call on screen, asked once per task. */
function loadHistory() {
  const task = activeTask(state);
  if (!task || historyAsked.has(task.id)) return;
  historyAsked.add(task.id);
  api("GET", `/api/v1/tasks/${task.id}/history`).then((reply) => {
    if (reply.ok) setDeskState(withHistory(state, task.id, reply.data));
  });
}

// ---- Wiring -----------------------------------------------------------------------------------

initMessages();
initAlerts();
initSignin(intents);
initStation(intents);
initTopbar(intents);
initTarget(intents);
initOutdial(intents);
initTaskList();
initCad(intents, getState);
initWrapup(intents, getState);

// Keyboard shortcuts: Alt+H hold/resume, Alt+E end, Alt+C consult, Alt+T transfer, Alt+A accept.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) return;
  const key = event.key.toLowerCase();
  /** @param {string} k */
  const click = (k) => {
    const button = /** @type {HTMLButtonElement | null} */ (document.querySelector(`[data-key="${k}"]`));
    if (button && !button.disabled) { button.click(); event.preventDefault(); }
  };
  if (key === "h") { click("hold"); click("resume"); }
  else if (key === "e") click("end");
  else if (key === "c") click("consult");
  else if (key === "t") click("transfer");
  else if (key === "a") /** @type {HTMLElement | null} */ (document.querySelector('#popovers [data-key^="accept-"]'))?.click();
});

/**
 * Shows the desktop in `code` from now on, in this browser too.
 * @param {string} code
 */
function useLanguage(code) {
  setLanguage(code, true);
  translatePage();
  $("language-select").value = language();
  // Rebuild what is drawn once per call: the CAD form (unless the agent is editing it).
  rebuildCad();
  if (state.me) render();
}

/**
 * After sign-in or a reload: the language the user chose, kept on the server, wins over this
 * browser's, so signing in on another browser shows it; a choice made here before signing in
 * (and never on the server) is kept there.
 * @param {import("./wire.js").MeDto} me
 */
function useUserLanguage(me) {
  if (me.language && me.language !== language()) useLanguage(me.language);
  else if (!me.language && rememberedLanguage()) api("PUT", "/api/v1/agents/me/language", { language: language() });
}

// Language: the agent's earlier choice, else the browser's preference; the top bar switches it,
// and the choice is kept on the server for the user's other browsers.
setLanguage(pickLanguage());
translatePage();
$("language-select").replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, lang: code }, name)));
$("language-select").value = language();
$("language-select").addEventListener("change", (/** @type {Event} */ event) => {
  useLanguage(/** @type {HTMLSelectElement} */ (event.target).value);
  if (state.me) api("PUT", "/api/v1/agents/me/language", { language: language() });
});

setInterval(tick, 250);
// While the phone is not registered no event says when it comes: look now and then.
setInterval(() => {
  const agent = state.me?.agent;
  if (agent && agent.state !== "logged_out" && !agent.phone_registered) session.scheduleRefresh(0);
}, 3000);

boot();

// In `sentral demo` the simulated agent phones can be answered from the demo phones page; the
// status probe answers 404 everywhere else, and the link stays hidden.
api("GET", "/demo/api/status").then((reply) => { if (reply.ok) $("demo-phone-link").hidden = false; });
