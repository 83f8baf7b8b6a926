// The desktop's state as a pure fold of what the server says: `reduce(state, event)` for each
// event of the stream, and `withMe`/`withTasks`/… for the answers of the API. Nothing here
// touches the DOM, fetches, reads a clock or storage: the time an event arrived is passed in.
// Every function returns a new state and leaves its argument as it was, so tests in node replay
// recorded event traces through it (tests/e2e/desktop/unit/).
//
// The server stays the truth: GET /api/v1/agents/me and GET /api/v1/tasks replace what events
// said (`withMe`, `withTasks`). What only events carry (offer popover content, RONA deadlines,
// wrap-up reasons, variable labels) is kept here and saved by the app so a reload shows it again.

/**
 * @typedef {import("./wire.js").EventEnvelope} EventEnvelope
 * @typedef {import("./wire.js").EventDto} EventDto
 * @typedef {import("./wire.js").TaskDto} TaskDto
 * @typedef {import("./wire.js").MeDto} MeDto
 * @typedef {import("./wire.js").AgentDto} AgentDto
 * @typedef {import("./wire.js").Channel} Channel
 * @typedef {import("./wire.js").VariableDto} VariableDto
 * @typedef {import("./wire.js").CallbackDto} CallbackDto
 * @typedef {import("./wire.js").ReasonDto} ReasonDto
 */

/**
 * A popover: a connect popover (`reserved`), a contact or consult request (`offer`).
 * @typedef {Object} Offer
 * @property {number} task
 * @property {"reserved" | "offer"} stage
 * @property {Channel} channel
 * @property {string} [kind]
 * @property {VariableDto[]} variables
 * @property {CallbackDto | null} [callback]
 * @property {boolean} [consult] A consult request (R10).
 * @property {boolean} [generic] Shown from the task list, its event never seen (a late reload).
 * @property {number} [offered_at] Unix ms (the server's clock).
 * @property {number} [rona_timeout_ms]
 * @property {number} [deadline] When RONA comes, by the desktop's clock (R7).
 * @property {boolean} [ringing]
 * @property {number} [receivedAt] When the desktop heard of it, by its clock.
 * @property {number} [connectUntil] R6: the connect popover stays until then (its clock), even
 *   when the contact request came at once, so that it can be read.
 * @property {{ cancellable: boolean }} [dialing] A callback's customer is being dialled (R38, R39).
 * @property {import("./wire.js").AgentNameDto | null} [transferred_by] Who transferred the call to this agent (R27).
 * @property {import("./wire.js").LinkDto[]} [links] The entry point's links (R7).
 * @property {"back_to_queue" | "ends"} [if_unanswered] What happens if it is not answered in time (R12, R28).
 */

/**
 * Everything the desktop knows.
 * @typedef {Object} DeskState
 * @property {MeDto | null} me GET /api/v1/agents/me.
 * @property {Record<string, TaskDto>} tasks Task id → task (GET /api/v1/tasks).
 * @property {Record<string, Offer>} offers Task id → popover.
 * @property {Record<string, ReasonDto[]>} wrapReasons Task id → wrap-up reasons; `last` → the latest.
 * @property {Record<string, number>} wrapSince Task id → when its wrap-up began (the desktop's clock).
 * @property {Record<string, string>} labels Variable name → label (from popovers).
 * @property {Record<string, string[]>} offerVars Task id → its popover's variable names, in order.
 * @property {Record<string, string>} names Agent id → name; `task:<id>` → the consulted party's label.
 * @property {Record<string, string>} queueNames Queue id → name.
 * @property {number | null} lastSeq The last event's sequence number (`?since=` on reconnect).
 * @property {Record<string, number>} legSince R19: when this agent's own leg of a task was answered
 *   (`<task>`, Unix ms), and when the consulting agent's consult leg was requested or answered
 *   (`consult:<task>`, the desktop's clock): each leg shows its own timer.
 * @property {Record<string, number>} consultDeadline R21: when a consulted agent's phone stops
 *   ringing and the consult fails (the desktop's clock), for the consulting agent's countdown.
 * @property {Record<string, { name: string, dn: string, team: string }>} consultFrom R10: who
 *   consults this agent, from the consult request's default variables.
 * @property {Record<string, boolean>} transferredIn Tasks transferred to this agent (seen offered to
 *   them while the server had them `transferring`), so the popover and pane say so.
 * @property {Record<string, import("./wire.js").CustomerContactDto[]>} history Task id → the
 *   customer's earlier contacts (GET /api/v1/tasks/{id}/history).
 * @property {{ task: number, consult: boolean } | null} rona The offer missed last (R12): a consult
 *   request goes back to the consulting agent, not to the queue.
 * @property {number} stackPage R8: which five requests of the stack are shown.
 */

/// R8: the stack's order from top to bottom by channel; within a channel the earliest is on top.
export const CHANNEL_ORDER = { email: 0, social: 1, chat: 2, voice: 3 };
/// R8: the stack shows five requests at a time ("1-5 of <total>").
export const STACK_PAGE_SIZE = 5;
/// R6: how long the connect popover stays on screen at least (ms), so that it can be read.
export const CONNECT_SHOWN_MS = 1000;
/// Keys of the state kept across a page reload (sessionStorage).
export const SAVED = /** @type {const} */ (["offers", "wrapReasons", "wrapSince", "labels", "offerVars", "names", "lastSeq", "rona", "legSince", "consultDeadline", "consultFrom", "transferredIn"]);

/**
 * The state before the server has said anything, with what was saved before a reload.
 * @param {Partial<DeskState>} [saved]
 * @returns {DeskState}
 */
export function initialState(saved = {}) {
  return {
    me: null,
    tasks: {},
    offers: saved.offers ?? {},
    wrapReasons: saved.wrapReasons ?? {},
    wrapSince: saved.wrapSince ?? {},
    labels: saved.labels ?? {},
    offerVars: saved.offerVars ?? {},
    names: saved.names ?? {},
    queueNames: {},
    lastSeq: saved.lastSeq ?? null,
    rona: saved.rona ?? null,
    legSince: saved.legSince ?? {},
    consultDeadline: saved.consultDeadline ?? {},
    consultFrom: saved.consultFrom ?? {},
    transferredIn: saved.transferredIn ?? {},
    history: {},
    stackPage: 0,
  };
}

/**
 * @template T
 * @param {Record<string, T>} record
 * @param {string | number} key
 * @returns {Record<string, T>}
 */
function without(record, key) {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/**
 * The state with one task changed, if the desktop has it.
 * @param {DeskState} state
 * @param {number} id
 * @param {(task: TaskDto) => TaskDto} change
 * @returns {DeskState}
 */
function patchTask(state, id, change) {
  const task = state.tasks[id];
  return task ? { ...state, tasks: { ...state.tasks, [id]: change(task) } } : state;
}

/**
 * The state with the signed-in agent changed, if there is one.
 * @param {DeskState} state
 * @param {(agent: AgentDto) => AgentDto} change
 * @returns {DeskState}
 */
function patchAgent(state, change) {
  const me = state.me;
  return me?.agent ? { ...state, me: { ...me, agent: change(me.agent) } } : state;
}

/**
 * One event of the stream folded into the state.
 * @param {DeskState} state
 * @param {EventEnvelope | EventDto} event
 * @param {number} [now] When the desktop received it (Unix ms by its clock); the server's
 *   publishing time when not given.
 * @returns {DeskState}
 */
export function reduce(state, event, now) {
  const at = now ?? ("at_unix_ms" in event ? event.at_unix_ms : 0);
  let s = state;
  if ("seq" in event && typeof event.seq === "number") s = { ...s, lastSeq: event.seq };
  const myId = s.me?.agent?.id;
  switch (event.type) {
    case "agent_state":
      if (event.agent !== myId) return s;
      return patchAgent(s, (agent) => ({ ...agent, state: event.state, idle_reason: event.reason }));
    case "reserved":
      return { ...s, offers: { ...s.offers, [event.task]: { task: event.task, stage: "reserved", channel: event.channel, variables: [], receivedAt: at,
        connectUntil: at + CONNECT_SHOWN_MS } } };
    case "offer": {
      const previous = s.offers[event.task];
      const { type: _type, ...content } = event;
      /** @type {Offer} */
      const offer = {
        task: content.task, channel: content.channel, kind: content.kind, variables: content.variables, callback: content.callback,
        offered_at: content.offered_at, rona_timeout_ms: content.rona_timeout_ms, transferred_by: content.transferred_by,
        links: content.links ?? [], if_unanswered: content.if_unanswered ?? "back_to_queue",
        stage: "offer",
        deadline: previous?.deadline ?? at + event.rona_timeout_ms,
        ringing: previous?.ringing ?? false,
        receivedAt: previous?.receivedAt ?? at,
        connectUntil: previous?.connectUntil,
      };
      const labels = { ...s.labels };
      for (const v of event.variables) labels[v.name] = v.label;
      return {
        ...s,
        offers: { ...s.offers, [event.task]: offer },
        labels,
        // The CAD panel shows these variables, in this order, after the popover closes.
        offerVars: { ...s.offerVars, [event.task]: event.variables.map((v) => v.name) },
        // A new digital request shows the top of the stack (R8).
        stackPage: event.channel !== "voice" ? 0 : s.stackPage,
      };
    }
    case "consult_offer": {
      const previous = s.offers[event.task];
      /** @param {string} name */
      const value = (name) => event.variables.find((v) => v.name === name)?.value ?? "";
      return {
        ...s,
        consultFrom: { ...s.consultFrom, [event.task]: { name: value("agent_name"), dn: value("agent_dn"), team: value("agent_team") } },
        offers: {
          ...s.offers,
          [event.task]: { task: event.task, stage: "offer", consult: true, channel: "voice", variables: event.variables,
            ringing: previous?.ringing ?? false, receivedAt: previous?.receivedAt ?? at,
            // R7 R21: the consult request counts down to RONA as an offer does.
            deadline: previous?.deadline ?? (event.rona_timeout_ms ? at + event.rona_timeout_ms : undefined) },
        },
      };
    }
    case "ringing": {
      const offer = s.offers[event.task];
      return offer ? { ...s, offers: { ...s.offers, [event.task]: { ...offer, ringing: true } } } : s;
    }
    case "connected":
      s = patchTask(s, event.task, (task) => ({ ...task, connected_at: task.connected_at ?? event.at }));
      s = { ...s, legSince: { ...s.legSince, [event.task]: s.legSince[event.task] ?? event.at } };
      return { ...s, offers: without(s.offers, event.task) };
    case "offer_withdrawn":
      return { ...s, offers: without(s.offers, event.task) };
    case "call_ended":
      // The call ended for this agent: no popover, and no longer their call (the wrap-up that
      // may follow is not drawn over a call that looks live).
      s = { ...s, offers: without(s.offers, event.task), legSince: without(without(s.legSince, event.task), `consult:${event.task}`),
        consultFrom: without(s.consultFrom, event.task) };
      return patchAgent(s, (agent) => (agent.task === event.task ? { ...agent, task: null } : agent));
    case "rona":
      s = { ...s, offers: without(s.offers, event.task), rona: { task: event.task, consult: !!s.offers[event.task]?.consult } };
      return patchAgent(s, (agent) => ({ ...agent, state: "rona" }));
    case "hold_changed":
      return patchTask(s, event.task, (task) => ({
        ...task,
        customer_held: event.customer_held,
        consult: task.consult && event.consulted_held !== null ? { ...task.consult, consulted_held: event.consulted_held } : task.consult,
      }));
    case "consult_requested":
      s = { ...s, legSince: { ...s.legSince, [`consult:${event.task}`]: at },
        consultDeadline: event.rona_timeout_ms ? { ...s.consultDeadline, [event.task]: at + event.rona_timeout_ms } : without(s.consultDeadline, event.task) };
      return patchTask(s, event.task, (task) => ({ ...task, consult: task.consult ?? { accepted: false, consulted_held: false, conference: false } }));
    case "consult_accepted":
      s = { ...s, legSince: { ...s.legSince, [`consult:${event.task}`]: at }, consultDeadline: without(s.consultDeadline, event.task) };
      return patchTask(s, event.task, (task) => (task.consult ? { ...task, consult: { ...task.consult, accepted: true } } : task));
    case "conference_started":
      return patchTask(s, event.task, (task) => (task.consult ? { ...task, consult: { ...task.consult, conference: true, consulted_held: false } } : task));
    case "consult_ended":
      s = { ...s, legSince: without(s.legSince, `consult:${event.task}`), consultDeadline: without(s.consultDeadline, event.task) };
      return patchTask(s, event.task, (task) => ({ ...task, consult: null, consulted: null }));
    case "ownership_changed":
      return patchTask(s, event.task, (task) => ({ ...task, owner: event.owner }));
    case "variables_changed":
      return patchTask(s, event.task, (task) => ({ ...task, variables: event.values, variables_version: event.version }));
    case "recording_changed":
      return patchTask(s, event.task, (task) => ({ ...task, recording: event.recording }));
    case "callback_dialing": {
      const offer = s.offers[event.task];
      return offer ? { ...s, offers: { ...s.offers, [event.task]: { ...offer, dialing: { cancellable: event.cancellable } } } } : s;
    }
    case "wrap_up_required":
      s = { ...s, wrapReasons: { ...s.wrapReasons, [event.task]: event.reasons, last: event.reasons },
        wrapSince: { ...s.wrapSince, [event.task]: s.wrapSince[event.task] ?? at } };
      return patchAgent(s, (agent) => agent.wrapups.includes(event.task) ? agent : { ...agent, wrapups: [...agent.wrapups, event.task] });
    case "wrap_up_done":
      return wrapUpSubmitted(s, event.task);
    case "profile_changed":
      // R43: the team's profile changed; the buttons follow at once.
      return patchAgent(s, (agent) => ({ ...agent, allowed_actions: event.allowed_actions }));
    case "consult_failed":
      // Also a message (views/messages.js).
      return { ...s, consultDeadline: without(s.consultDeadline, event.task) };
    default:
      // limit_reached is a message (views/messages.js); queue_changed is for
      // supervisors; reload means events were lost, and the app reads the truth again after
      // every event anyway.
      return s;
  }
}

/**
 * The answer of GET /api/v1/agents/me.
 * @param {DeskState} state
 * @param {MeDto} me
 * @returns {DeskState}
 */
export function withMe(state, me) {
  return { ...state, me };
}

/**
 * The signed-in agent as a command answered it (state change, station log-in or log-out).
 * @param {DeskState} state
 * @param {AgentDto} agent
 * @returns {DeskState}
 */
export function withAgent(state, agent) {
  return state.me ? { ...state, me: { ...state.me, agent } } : state;
}

/**
 * The answer of GET /api/v1/tasks: the tasks the server shows, and popovers kept in step with
 * them.
 * @param {DeskState} state
 * @param {TaskDto[]} list
 * @param {number} [now] When the answer arrived (Unix ms by the desktop's clock): a popover whose
 *   offer event was never seen counts down from the time the server says is left (R7).
 * @returns {DeskState}
 */
export function withTasks(state, list, now) {
  /** @type {Record<string, TaskDto>} */
  const tasks = {};
  for (const task of list) tasks[task.id] = task;
  const myId = state.me?.agent?.id;
  /** @type {Record<string, Offer>} */
  const offers = {};
  // Drop popovers the server no longer shows.
  for (const [id, offer] of Object.entries(state.offers)) {
    const task = tasks[id];
    if (!task || task.phase === "ended") continue;
    if (offer.consult && task.consult?.accepted && task.consulted === myId) continue;
    if (!offer.consult && task.phase === "connected" && task.owner === myId) continue;
    offers[id] = offer;
  }
  // An offer the server shows but whose event we never saw (a reload long after it came).
  for (const task of list) {
    const offeredToMe = task.offered_to === myId && (task.phase === "offered" || (task.consulted === myId && !task.consult?.accepted));
    const deadline = now !== undefined && typeof task.offer_remaining_ms === "number" ? now + task.offer_remaining_ms : undefined;
    if (offeredToMe && !offers[task.id]) {
      offers[task.id] = { task: task.id, stage: "offer", channel: task.channel, kind: task.kind, variables: [], callback: null,
        consult: task.consulted === myId, generic: true, deadline, transferred_by: task.transferred_by ?? null,
        if_unanswered: task.if_unanswered ?? "back_to_queue" };
    } else if (offeredToMe && offers[task.id].deadline === undefined && deadline !== undefined) {
      offers[task.id] = { ...offers[task.id], deadline };
    }
  }
  // A call transferred to this agent: offered to them while the server has it transferring.
  let transferredIn = state.transferredIn;
  for (const task of list) {
    if (task.phase === "transferring" && task.offered_to === myId && !transferredIn[task.id]) transferredIn = { ...transferredIn, [task.id]: true };
  }
  return { ...state, tasks, offers, transferredIn };
}

/**
 * One task as a command answered it.
 * @param {DeskState} state
 * @param {TaskDto} task
 * @returns {DeskState}
 */
export function withTask(state, task) {
  return { ...state, tasks: { ...state.tasks, [task.id]: task } };
}

/**
 * The wrap-up of a task was submitted.
 * @param {DeskState} state
 * @param {number} taskId
 * @returns {DeskState}
 */
export function wrapUpSubmitted(state, taskId) {
  return patchAgent({ ...state, wrapSince: without(state.wrapSince, taskId) }, (agent) => agent.wrapups.includes(taskId) ? { ...agent, wrapups: agent.wrapups.filter((id) => id !== taskId) } : agent);
}

/**
 * Signed out: nothing of the user stays but what is saved for their next sign-in.
 * @param {DeskState} state
 * @returns {DeskState}
 */
export function signedOut(state) {
  return { ...state, me: null, tasks: {} };
}

/**
 * Names learnt from the directory (agents, queues) or a consult's target.
 * @param {DeskState} state
 * @param {{ names?: Record<string, string>, queueNames?: Record<string, string> }} learnt
 * @returns {DeskState}
 */
export function withNames(state, learnt) {
  return {
    ...state,
    names: learnt.names ? { ...state.names, ...learnt.names } : state.names,
    queueNames: learnt.queueNames ? { ...state.queueNames, ...learnt.queueNames } : state.queueNames,
  };
}

/**
 * The customer's earlier contacts for a task, as the server answered.
 * @param {DeskState} state
 * @param {number} taskId
 * @param {import("./wire.js").CustomerContactDto[]} contacts
 * @returns {DeskState}
 */
export function withHistory(state, taskId, contacts) {
  return { ...state, history: { ...state.history, [taskId]: contacts } };
}

/**
 * @param {DeskState} state
 * @param {number | null} lastSeq
 * @returns {DeskState}
 */
export function withLastSeq(state, lastSeq) {
  return { ...state, lastSeq };
}

/**
 * R8: another page of the stack, kept within the pages there are.
 * @param {DeskState} state
 * @param {number} page
 * @returns {DeskState}
 */
export function withStackPage(state, page) {
  const pages = Math.max(1, Math.ceil(stackedOffers(state).length / STACK_PAGE_SIZE));
  return { ...state, stackPage: Math.max(0, Math.min(page, pages - 1)) };
}

// ---- Selectors: what views show, computed from the state ------------------------------------

/**
 * The call the agent is on (owner or accepted consulted party), if any.
 * @param {DeskState} state
 * @returns {TaskDto | null}
 */
export function activeTask(state) {
  const agent = state.me?.agent;
  if (!agent?.task) return null;
  const task = state.tasks[agent.task];
  if (!task || task.phase === "ended" || task.phase === "offered" || task.phase === "queued") return null;
  if (task.owner === agent.id && (task.connected_at || task.phase === "dialing")) return task;
  if (task.consulted === agent.id && task.consult?.accepted) return task;
  return null;
}

/**
 * The one state the agent is in, as the top bar shows it (R3, R13): on a call `talking` or
 * `on_hold` (the customer held and no consult leg live); else `ringing` while a call is offered,
 * `wrap_up` until the wrap-up is submitted, and otherwise the chosen state (`available`, `idle`,
 * `rona`, `logged_out`).
 * @param {DeskState} state
 * @returns {"talking" | "on_hold" | "ringing" | "wrap_up" | import("./wire.js").AgentStateName}
 */
export function primaryState(state) {
  const agent = state.me?.agent;
  if (!agent) return "logged_out";
  const task = activeTask(state);
  if (task) {
    if (task.owner !== agent.id) return task.consult?.consulted_held ? "on_hold" : "talking";
    const consultLive = !!task.consult?.accepted && !task.consult.consulted_held;
    return task.customer_held && !consultLive ? "on_hold" : "talking";
  }
  if (agent.state === "rona") return "rona";
  if (Object.values(state.offers).some((offer) => offer.channel === "voice")) return "ringing";
  if (agent.wrapups.length) return "wrap_up";
  return agent.state;
}

/**
 * One row of the task list (R8): a contact of this agent, what it is now and since when.
 * @typedef {Object} TaskListItem
 * @property {number} task
 * @property {import("./wire.js").Channel} channel
 * @property {string | null} customer The customer's number, when known.
 * @property {"talking" | "on_hold" | "dialling" | "ringing" | "consult_request" | "wrap_up"} state
 * @property {number | null} since When it began (Unix ms), for its timer.
 */

/**
 * R8: the task list: the agent's current contact, the requests offered, and the contacts awaiting
 * wrap-up, in that order.
 * @param {DeskState} state
 * @returns {TaskListItem[]}
 */
export function taskListItems(state) {
  const agent = state.me?.agent;
  if (!agent) return [];
  /** @type {TaskListItem[]} */
  const items = [];
  const active = activeTask(state);
  if (active) {
    const primary = primaryState(state);
    items.push({ task: active.id, channel: active.channel, customer: active.customer_number,
      state: active.phase === "dialing" ? "dialling" : primary === "on_hold" ? "on_hold" : "talking",
      since: state.legSince[active.id] ?? active.connected_at ?? null });
  }
  for (const offer of stackedOffers(state)) {
    items.push({ task: offer.task, channel: offer.channel, customer: state.tasks[offer.task]?.customer_number ?? offer.callback?.customer_number ?? null,
      state: offer.consult ? "consult_request" : "ringing", since: offer.receivedAt ?? null });
  }
  for (const id of agent.wrapups) {
    const task = state.tasks[id];
    items.push({ task: id, channel: task?.channel ?? "voice", customer: task?.customer_number ?? null, state: "wrap_up", since: state.wrapSince[id] ?? null });
  }
  return items;
}

/**
 * R8: every request, from top to bottom e-mail, social messages, chats, calls; within a channel
 * the earliest request on top.
 * @param {DeskState} state
 * @returns {Offer[]}
 */
export function stackedOffers(state) {
  /** @param {Offer} offer */
  const rank = (offer) => CHANNEL_ORDER[offer.channel] ?? CHANNEL_ORDER.voice;
  /** @param {Offer} offer */
  const age = (offer) => offer.offered_at ?? offer.receivedAt ?? 0;
  return Object.values(state.offers).sort((a, b) => rank(a) - rank(b) || age(a) - age(b) || a.task - b.task);
}

/**
 * Digital requests (e-mail, chat, social) are accepted with a button; a call is accepted by
 * answering the phone (R13).
 * @param {Offer} offer
 * @returns {boolean}
 */
export function acceptable(offer) {
  return offer.stage === "offer" && !offer.consult && offer.channel !== "voice";
}
