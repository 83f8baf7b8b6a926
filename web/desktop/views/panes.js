// The interaction control panes: the customer's call with its timer, recording, Hold, Consult,
// Transfer and End (R13, R14, R31, R32); during a consult a second pane for the consulted party
// (R18, R19, R23); and the consulted agent's own pane (R22).

import { $, h, tick } from "../dom.js";
import { labelOf, t, variableLabel } from "../i18n.js";
import { activeTask, primaryState } from "../reduce.js";
import { guardUnsavedEdits } from "./cad.js";
import { icon } from "./popovers.js";
import { openTargetDialog } from "./target.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 * @typedef {import("../wire.js").TaskDto} TaskDto
 * @typedef {import("../wire.js").AgentDto} AgentDto
 * @typedef {import("../app.js").Intents} Intents
 */

/**
 * @param {DeskState} state
 * @param {AgentDto} agent
 * @param {Intents} intents
 */
export function renderPanes(state, agent, intents) {
  const task = activeTask(state);
  const panes = $("panes");
  const focused = /** @type {HTMLElement | null} */ (document.activeElement)?.dataset?.key;
  $("no-task").hidden = !!task;
  if (!task) {
    // The main area agrees with the top bar's state (R3, R13): never "Waiting for a call" while one rings.
    const primary = primaryState(state);
    $("no-task-text").textContent = primary === "ringing" ? t("noTaskRinging") : primary === "rona" ? t("noTaskRona")
      : primary === "wrap_up" ? t("noTaskWrapup") : primary === "available" ? t("noTaskWaiting") : t("noTaskIdle");
    // R42: a call out, when the agent is free to place one (no offer, call or wrap-up) and
    // their team's profile allows it (R43).
    $("outdial-open").hidden = !["available", "idle"].includes(primary) || !allowed(agent).outdial;
    panes.replaceChildren();
    return;
  }
  panes.replaceChildren(...(task.owner === agent.id ? ownerPanes(state, task, intents) : [consultedPane(state, task, intents)]));
  if (focused) panes.querySelector(`[data-key="${focused}"]`)?.focus();
  tick();
}

/**
 * @param {DeskState} state
 * @param {TaskDto} task
 * @param {Intents} intents
 */
function ownerPanes(state, task, intents) {
  const consult = task.consult;
  const may = allowed(state.me?.agent);
  const held = task.customer_held;
  /**
   * @param {string} name
   * @param {unknown} [body]
   */
  const command = (name, body) => () => intents.taskCommand(task.id, name, body);
  const statuses = [];
  if (held) statuses.push(h("span", { class: "status held" }, t("callOnHold")));
  if (consult && !consult.accepted) statuses.push(h("span", { class: "status requested" }, t("consultRequested")));
  // R19 R23: the customer's pane always has a status, in a consult and a conference too.
  if (consult?.conference) statuses.push(h("span", { class: "status" }, t("inConference")));
  if (!held && (!consult || (consult.accepted && !consult.conference))) {
    statuses.push(h("span", { class: "status" }, task.phase === "dialing" ? t("dialling") : t("connected")));
  }
  const queue = task.queue === null ? undefined : state.queueNames[task.queue];
  // R27: a call transferred to this agent (blind or after a consult) names who transferred it.
  const from = task.transferred_by && task.transferred_by.agent !== state.me?.agent?.id ? task.transferred_by.name : null;
  const meta = [t("kind", task.kind) ?? task.kind, from ? t("metaTransferredFrom", from) : state.transferredIn[task.id] ? t("metaTransferred") : null,
    queue ? t("metaQueue", queue) : null, task.dnis ? t("metaDialled", task.dnis) : null].filter(Boolean).join(" · ");
  const inConsult = !!consult;
  const recording = recordingControls(task, inConsult, may.pause_recording, intents);
  const customer = h("section", { class: `pane${held ? " held" : ""}`, "aria-label": t("customerCall"), id: "pane-customer" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, icon(task.channel), " ", task.customer_number ?? t("customer")),
      // R19: each leg its own timer; this agent's from their own answer (a transferred call's too).
      h("span", { class: "timer", "data-since": state.legSince[task.id] ?? task.connected_at ?? "", "aria-label": t("callTime") }, ""),
      statuses),
    h("p", { class: "pane-meta" }, meta),
    customerContext(state, task),
    recording,
    h("div", { class: "row" },
      held
        ? h("button", { type: "button", class: "primary", "data-key": "resume", title: "Alt+H", onclick: command("unhold", { party: "customer" }) }, t("resume"))
        // In a three-way call Hold holds only the customer, and says so.
        : h("button", { type: "button", class: "secondary", "data-key": "hold", title: "Alt+H", onclick: command("hold", { party: "customer" }) },
          consult?.conference ? t("holdCustomer") : t("hold")),
      // R43: absent, not just refused, when the team's profile does not allow consulting.
      may.consult
        ? h("button", { type: "button", class: "secondary", "data-key": "consult", title: "Alt+C", disabled: inConsult, onclick: () => openTargetDialog(task, "consult", may) }, t("consult"))
        : null,
      h("button", { type: "button", class: "secondary", "data-key": "transfer", title: "Alt+T", disabled: inConsult, onclick: () => openTargetDialog(task, "transfer", may) }, t("transfer")),
      // R23 (ours): in a conference, End leaves it; the call stays with the consulted agent.
      // R34 R45: End asks first when the call data has unsaved edits.
      h("button", { type: "button", class: "danger", "data-key": "end", title: "Alt+E", disabled: held, onclick: () => guardUnsavedEdits(task.id, command("end")) },
        consult?.conference ? t("leaveConference") : t("end"))));
  if (!consult) return [customer];
  const accepted = consult.accepted;
  const status = !accepted ? t("consultRequested") : consult.conference ? t("inConference") : consult.consulted_held ? t("consultOnHold") : t("consulting");
  const who = task.consulted ? state.names[task.consulted] ?? t("consultedAgent") : state.names[`task:${task.id}`] ?? t("consultedParty");
  const consultPane = h("section", { class: "pane consult", "aria-label": t("consultedParty"), id: "pane-consult" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, consult.conference ? t("conference") : t("consult")), " ", who),
      h("span", { class: "timer", "data-since": state.legSince[`consult:${task.id}`] ?? "", "aria-label": t("consultTime") }, ""),
      h("span", { class: `status${consult.consulted_held ? " held" : !accepted ? " requested" : ""}` }, status),
      // R21: how long the consulted agent's phone still rings before the consult fails.
      !accepted && state.consultDeadline[task.id]
        ? h("span", { class: "consult-rings" }, t("consultRingsBefore"), h("span", { class: "countdown", "data-deadline": state.consultDeadline[task.id] }, ""), t("consultRingsAfter"))
        : null),
    h("div", { class: "row" },
      accepted && !consult.conference
        ? (consult.consulted_held
          ? h("button", { type: "button", class: "primary", "data-key": "resume-consulted", onclick: command("unhold", { party: "consulted" }) }, t("resumeConsult"))
          : h("button", { type: "button", class: "secondary", "data-key": "hold-consulted", onclick: command("hold", { party: "consulted" }) }, t("holdConsult")))
        : null,
      // R43: handing a consulted number the call is a transfer to a dial number.
      task.consulted === null && !may.transfer_to_dial_number
        ? null
        : h("button", { type: "button", class: "primary", "data-key": "consult-transfer", disabled: !accepted, onclick: command("consult/transfer") }, t("transfer")),
      h("button", { type: "button", class: "secondary", "data-key": "conference", disabled: !accepted || consult.conference, onclick: command("consult/conference") }, t("conference")),
      // R23 (ours): in a conference, ending the consult leg takes the consulted party out of it.
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: command("consult/end") },
        consult.conference ? t("removeFromConference") : t("endConsult"))));
  return [customer, consultPane];
}

/**
 * @param {DeskState} state
 * @param {TaskDto} task
 * @param {Intents} intents
 */
function consultedPane(state, task, intents) {
  const held = task.consult?.consulted_held;
  // R10 R19: who consults, by name, extension and team (from the consult request).
  const from = state.consultFrom[task.id];
  const owner = from?.name ? t("consultFromWho", from.name, from.dn, from.team)
    : (task.owner !== null && state.names[task.owner]) || t("consultingAgent");
  return h("section", { class: `pane consult${held ? " held" : ""}`, "aria-label": t("consult"), id: "pane-consulted" },
    h("div", { class: "pane-head" },
      h("span", { class: "pane-title" }, h("span", { class: "badge badge-consult" }, t("consult")), ` ${t("consultFrom")} `, owner),
      // R19: the consult leg's own time, not the customer call's age.
      h("span", { class: "timer", "data-since": state.legSince[task.id] ?? "", "aria-label": t("consultTime") }, ""),
      h("span", { class: `status${held ? " held" : ""}` }, held ? t("onHold") : task.consult?.conference ? t("inConference") : t("consulting"))),
    h("p", { class: "pane-meta" }, t("customerNumber", task.customer_number ?? "")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "danger", "data-key": "end-consult", onclick: () => intents.taskCommand(task.id, "consult/end") },
        task.consult?.conference ? t("leaveConference") : t("endConsult"))));
}

/**
 * The customer's context: their earlier contacts, newest first, with the wrap-up and the call
 * data the agent may see (never secure values, R33).
 * @param {DeskState} state
 * @param {TaskDto} task
 */
function customerContext(state, task) {
  const contacts = state.history[task.id];
  if (!contacts) return null;
  const labels = state.me?.cad_variables ?? [];
  return h("details", { class: "customer-context", id: "customer-context", open: contacts.length > 0 },
    h("summary", {}, t("earlierContacts", contacts.length)),
    h("ul", {}, contacts.map((c) => h("li", {},
      h("span", { class: "when" }, new Date(c.created_at).toLocaleString(document.documentElement.lang || undefined, { dateStyle: "short", timeStyle: "short" })), " ",
      t("kind", c.kind) ?? c.kind,
      c.wrapups.length ? ` · ${c.wrapups.map(labelOf).join(", ")}` : "",
      Object.entries(c.variables).filter(([, v]) => v).map(([name, v]) => ` · ${variableLabel(labels, name, name)}: ${v}`).join("")))));
}

/**
 * Recording state with Pause / Resume (R31), blocked during a consult or conference (R32); no
 * Pause when the team's profile does not allow it (R43), though a pause already on can end.
 * @param {TaskDto} task
 * @param {boolean} blocked
 * @param {boolean} mayPause
 * @param {Intents} intents
 */
function recordingControls(task, blocked, mayPause, intents) {
  const recording = task.recording ?? { state: "off", resumes_at: null };
  if (recording.state === "off") return h("p", { class: "recording off" }, t("notRecorded"));
  const paused = recording.state === "paused";
  const label = paused ? t("recordingPaused") : t("recordingOn");
  return h("p", { class: `recording${paused ? " paused" : ""}` }, label,
    paused && recording.resumes_at ? [t("resumesIn"), h("span", { class: "countdown", "data-deadline": recording.resumes_at }, "")] : null, " ",
    !paused && !mayPause ? null : h("button", { type: "button", class: "secondary", "data-key": "record", disabled: blocked, title: blocked ? t("notDuringConsult") : "",
      onclick: () => intents.taskCommand(task.id, paused ? "record/resume" : "record/pause") }, paused ? t("resumeRecording") : t("pauseRecording")));
}

/**
 * The agent's allowed actions (R43); all of them before the server has said (a logged-out
 * agent has no call to act on anyway).
 * @param {AgentDto | null | undefined} agent
 * @returns {import("../wire.js").AllowedActionsDto}
 */
export function allowed(agent) {
  return agent?.allowed_actions ?? { consult: true, transfer_to_dial_number: true, pause_recording: true, outdial: true, transfer_to_entry_point: true };
}
