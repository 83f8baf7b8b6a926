// The wrap-up dialog after a call (R36): a searchable list of reasons, the time in wrap-up, the
// state to go to afterwards (R3: Available or Idle with a reason, chosen before the next call can
// come) and Submit wrap-up, with the reminder to hang up the phone. It cannot be dismissed: the
// next call comes only after it.

import { $, closeDialog, h } from "../dom.js";
import { labelOf, t } from "../i18n.js";
import { takeLostEdits } from "./cad.js";
import { returnFocus } from "./target.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 * @typedef {import("../wire.js").AgentDto} AgentDto
 * @typedef {import("../app.js").Intents} Intents
 */

/** @type {Intents} */
let intents;
/** @type {() => DeskState} */
let getState;

/**
 * @param {Intents} given
 * @param {() => DeskState} state
 */
export function initWrapup(given, state) {
  intents = given;
  getState = state;
  $("wrapup-form").addEventListener("submit", submitWrapup);
  $("wrapup-search").addEventListener("input", fillWrapupReasons);
  // The wrap-up must be submitted (R36): Escape does not dismiss it.
  $("wrapup-dialog").addEventListener("cancel", (/** @type {Event} */ event) => event.preventDefault());
  // Submitted, the focus goes to the call's controls or the state menu, not the page's body.
  $("wrapup-dialog").addEventListener("close", () => returnFocus(null));
}

/**
 * @param {DeskState} state
 * @param {AgentDto} agent
 */
export function renderWrapup(state, agent) {
  const pending = agent.wrapups;
  const dialog = $("wrapup-dialog");
  if (!pending.length) { closeDialog("wrapup-dialog"); return; }
  const taskId = pending[0];
  if (dialog.open && Number(dialog.dataset.task) === taskId) {
    // The server's answer can open the dialog before the event with the reasons arrives.
    if (reasonsOf(state, taskId) !== filledWith) fillWrapupReasons();
    return;
  }
  if ($("target-dialog").open) closeDialog("target-dialog");
  dialog.dataset.task = taskId;
  const task = state.tasks[taskId];
  $("wrapup-about").textContent = task ? t("wrapupAbout", t("kind", task.kind) ?? t("call"), task.customer_number ?? t("theCustomer")) : "";
  $("wrapup-search").value = "";
  $("wrapup-error").hidden = true;
  $("wrapup-time").dataset.since = String(state.wrapSince[taskId] ?? Date.now());
  // R34 R45: edits the call's end left unsaved are named, not dropped silently.
  const lost = takeLostEdits(taskId);
  $("wrapup-lost").textContent = lost ? t("cadLost", lost) : "";
  $("wrapup-lost").hidden = !lost;
  fillNextStates(state, agent);
  fillWrapupReasons();
  if (!dialog.open) dialog.showModal();
  $("wrapup-search").focus();
}

/**
 * R3 R36: the states to go to after the wrap-up, the agent's chosen state first picked.
 * @param {DeskState} state
 * @param {AgentDto} agent
 */
function fillNextStates(state, agent) {
  const reasons = state.me?.idle_reasons ?? [];
  const select = $("wrapup-next");
  select.replaceChildren(
    h("option", { value: "available" }, t("stateAvailable")),
    ...reasons.map((r) => h("option", { value: `idle:${r.code}` }, t("idleWithReason", labelOf(r)))));
  const current = agent.state === "idle" && agent.idle_reason ? `idle:${agent.idle_reason}` : "available";
  select.value = current;
  select.dataset.current = current;
  // Logged out of the station (or in RONA) there is no state to choose here.
  select.closest("label").hidden = agent.state !== "available" && agent.state !== "idle";
}

/**
 * The reasons to pick from: the task's, else the last ones the server sent.
 * @param {DeskState} state
 * @param {number} taskId
 */
function reasonsOf(state, taskId) {
  return state.wrapReasons[taskId] ?? state.wrapReasons.last;
}

/** The reasons the list was filled with. @type {import("../wire.js").ReasonDto[] | undefined} */
let filledWith;

function fillWrapupReasons() {
  const state = getState();
  const taskId = Number($("wrapup-dialog").dataset.task);
  filledWith = reasonsOf(state, taskId);
  const reasons = filledWith ?? [];
  const search = $("wrapup-search").value.trim().toLowerCase();
  const checked = $("wrapup-list").querySelector("input:checked")?.value;
  const shown = reasons.filter((r) => !search || labelOf(r).toLowerCase().includes(search) || r.code.toLowerCase().includes(search));
  $("wrapup-list").replaceChildren(...shown.map((r) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "wrapup-reason", value: r.code, checked: r.code === checked || shown.length === 1,
      onchange: () => { $("wrapup-submit").disabled = false; } }),
    labelOf(r))));
  if (!reasons.length) {
    $("wrapup-list").replaceChildren(h("label", { class: "choice" }, t("reasonCode"), h("input", { type: "text", id: "wrapup-code", oninput: () => { $("wrapup-submit").disabled = false; } })));
  }
  $("wrapup-submit").disabled = !$("wrapup-list").querySelector("input:checked");
}

/** @param {Event} event */
async function submitWrapup(event) {
  event.preventDefault();
  const taskId = Number($("wrapup-dialog").dataset.task);
  const reason = $("wrapup-list").querySelector("input:checked")?.value ?? $("wrapup-code")?.value;
  if (!reason) return;
  const chosen = $("wrapup-next").value;
  const next = $("wrapup-next").closest("label").hidden || chosen === $("wrapup-next").dataset.current ? null
    : chosen.startsWith("idle:") ? { state: "idle", idle_reason: chosen.slice(5) } : { state: "available" };
  const problem = await intents.submitWrapup(taskId, reason, next, () => closeDialog("wrapup-dialog"));
  if (problem) {
    $("wrapup-error").textContent = problem;
    $("wrapup-error").hidden = false;
  }
}
