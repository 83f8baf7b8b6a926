// The top bar: the agent's name and state with its menu (Available, Idle with a reason), the
// station and whether its phone is registered, log out of the station and sign out; and the
// notice while the phone is not registered.

import { $, h } from "../dom.js";
import { labelOf, language, t } from "../i18n.js";
import { activeTask, primaryState } from "../reduce.js";
import { toast } from "./messages.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 * @typedef {import("../wire.js").AgentDto} AgentDto
 * @typedef {import("../app.js").Intents} Intents
 */

const STATE_KEYS = {
  available: "stateAvailable", idle: "stateIdle", rona: "stateRona", logged_out: "stateLoggedOut", engaged: "stateEngaged",
  ringing: "stateRinging", talking: "stateTalking", on_hold: "stateOnHold", wrap_up: "stateWrapup",
};

/** The primary state shown and since when (the desktop's clock), for the time in it. */
let shownPrimary = { key: "", since: 0 };

/**
 * An agent state in the agent's language.
 * @param {string} state
 */
export function stateLabel(state) {
  const key = /** @type {Record<string, string>} */ (STATE_KEYS)[state];
  // A state this desktop does not know yet is not shown by its code name.
  return key ? t(key) : t("stateUnknown");
}

/** @param {Intents} intents */
export function initTopbar(intents) {
  $("state-select").addEventListener("change", (/** @type {Event} */ event) => {
    const value = /** @type {HTMLSelectElement} */ (event.target).value;
    if (value === "available") intents.setState({ state: "available" });
    else if (value.startsWith("idle:")) intents.setState({ state: "idle", idle_reason: value.slice(5) });
  });
  $("station-logout").addEventListener("click", async () => {
    const error = await intents.logOutStation();
    // R5's refusal is shown by the intent, in the agent's language; any other says why.
    if (error) toast(t("cannotLogOut", error));
  });
  $("sign-out").addEventListener("click", () => intents.signOut());
}

/**
 * @param {DeskState} state
 * @param {AgentDto} agent
 */
export function renderTopbar(state, agent) {
  const me = /** @type {import("../wire.js").MeDto} */ (state.me);
  $("state-chip").hidden = false;
  $("state-chip").dataset.state = agent.state;
  // R3 R13: one primary state with the time in it, never a combination such as "Available · wrap-up".
  const primary = primaryState(state);
  $("state-chip").dataset.primary = primary;
  const reason = agent.idle_reason ? (() => { const r = me.idle_reasons.find((r) => r.code === agent.idle_reason); return r ? labelOf(r) : agent.idle_reason; })() : null;
  $("state-label").textContent = primary === "idle" && reason ? t("idleWithReason", reason) : stateLabel(primary);
  const key = `${primary}:${primary === "idle" ? agent.idle_reason : ""}`;
  if (key !== shownPrimary.key) {
    // Talking after a reload counts from when the call was answered; every other state from now.
    const task = activeTask(state);
    const answered = primary === "talking" && !shownPrimary.key && task ? state.legSince[task.id] ?? task.connected_at ?? 0 : 0;
    shownPrimary = { key, since: answered || Date.now() };
  }
  const time = $("state-time");
  time.hidden = agent.state === "logged_out" && primary === "logged_out";
  time.dataset.since = String(shownPrimary.since);
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
    for (const r of me.idle_reasons) options.push(h("option", { value: `idle:${r.code}` }, t("idleWithReason", labelOf(r))));
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
