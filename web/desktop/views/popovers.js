// Popovers at the bottom right: the RONA popover (R4, R12), connect popovers (R6), contact and
// consult requests (R7, R9–R11, R13) and the offer stack with its paging and "Accept N
// requests" (R8).

import { $, h, tick } from "../dom.js";
import { labelOf, t, variableLabel } from "../i18n.js";
import { STACK_PAGE_SIZE, acceptable, stackedOffers } from "../reduce.js";
import { offerTitle } from "./messages.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 * @typedef {import("../reduce.js").Offer} Offer
 * @typedef {import("../wire.js").MeDto} MeDto
 * @typedef {import("../app.js").Intents} Intents
 */

/**
 * @param {DeskState} state
 * @param {Intents} intents
 */
export function renderPopovers(state, intents) {
  latest = { state, intents };
  const me = /** @type {MeDto} */ (state.me);
  const container = $("popovers");
  const focused = /** @type {HTMLElement | null} */ (document.activeElement)?.dataset?.key;
  const items = [];
  if (me.agent?.state === "rona") items.push(ronaPopover(me, !!state.rona?.consult, intents));
  const stack = stackedOffers(state);
  const pages = Math.max(1, Math.ceil(stack.length / STACK_PAGE_SIZE));
  const page = Math.min(state.stackPage, pages - 1);
  const first = page * STACK_PAGE_SIZE;
  const shown = stack.slice(first, first + STACK_PAGE_SIZE);
  const bar = stackBar(stack, page, first, shown.length, intents);
  if (bar) items.push(bar);
  shown.forEach((offer, i) => items.push(offerPopover(state, offer, first + i + 1, stack.length, intents)));
  container.replaceChildren(...items);
  if (focused) container.querySelector(`[data-key="${focused}"]`)?.focus();
  tick();
  // R6: a connect popover shown a little longer than its contact request waited is replaced then.
  const now = Date.now();
  const ends = shown.map((offer) => offer.connectUntil ?? 0).filter((until) => until > now);
  clearTimeout(connectTimer);
  if (ends.length) connectTimer = setTimeout(() => renderPopovers(latest.state, latest.intents), Math.min(...ends) - now + 10);
}

/** The last state drawn, to draw again when a connect popover's time is up. @type {{ state: DeskState, intents: Intents }} */
let latest;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let connectTimer;

/**
 * R8: "1-5 of <total>" with paging when there are more than five requests, and "Accept <n>
 * requests" when several digital requests wait.
 * @param {Offer[]} stack
 * @param {number} page
 * @param {number} first
 * @param {number} nShown
 * @param {Intents} intents
 */
function stackBar(stack, page, first, nShown, intents) {
  const paged = stack.length > STACK_PAGE_SIZE;
  const digital = stack.filter(acceptable);
  if (!paged && digital.length < 2) return null;
  const children = [];
  if (paged) {
    const last = first + nShown;
    children.push(
      h("button", { type: "button", class: "secondary pager", "data-key": "stack-previous", "aria-label": t("stackPreviousLabel"),
        disabled: first === 0, onclick: () => intents.pageStack(page - 1) }, "‹ ", t("stackPrevious")),
      h("span", { class: "stack-range", id: "stack-range", role: "status" }, t("stackRange", first + 1, last, stack.length)),
      h("button", { type: "button", class: "secondary pager", "data-key": "stack-next", "aria-label": t("stackNextLabel"),
        disabled: last >= stack.length, onclick: () => intents.pageStack(page + 1) }, t("stackNext"), " ›"));
  }
  if (digital.length >= 2) {
    children.push(h("button", { type: "button", class: "primary accept-all", id: "accept-all", "data-key": "stack-accept-all",
      onclick: () => intents.acceptAll(digital.map((offer) => offer.task)) }, t("acceptAll", digital.length)));
  }
  return h("div", { class: "stack-bar", id: "stack-bar" }, children);
}

/**
 * @param {MeDto} me
 * @param {boolean} consult The missed offer was a consult request (it did not go to a queue).
 * @param {Intents} intents
 */
function ronaPopover(me, consult, intents) {
  const reasons = me.idle_reasons;
  const select = h("select", { id: "rona-reason", "aria-label": t("idleReason") }, reasons.map((r) => h("option", { value: r.code }, labelOf(r))));
  return h("section", { class: "popover rona", role: "alertdialog", "aria-labelledby": "rona-title", id: "rona-popover" },
    h("h2", { id: "rona-title" }, consult ? t("ronaTitleConsult") : t("ronaTitle")),
    h("p", {}, consult ? t("ronaTextConsult") : t("ronaText")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "good", "data-key": "rona-available", onclick: () => intents.setState({ state: "available" }) }, t("stateAvailable")),
      select,
      h("button", { type: "button", class: "secondary", "data-key": "rona-idle", onclick: () => intents.setState({ state: "idle", idle_reason: select.value }) }, t("stateIdle"))));
}

/**
 * @param {DeskState} state
 * @param {Offer} offer
 * @param {number} position
 * @param {number} total
 * @param {Intents} intents
 */
function offerPopover(state, offer, position, total, intents) {
  const id = offer.task;
  const place = { "data-task": id, "data-channel": offer.channel ?? "voice", "data-position": `${position}/${total}` };
  // R6: Connecting… first, for at least a second, even when the contact request came at once.
  if (offer.stage === "reserved" || (offer.connectUntil && Date.now() < offer.connectUntil)) {
    return h("section", { class: "popover connect", role: "dialog", "aria-label": t("connecting"), ...place },
      h("h2", {}, icon(offer.channel), t("connecting")),
      h("p", {}, t("connectingText", offer.channel)));
  }
  const callback = offer.callback;
  const title = offerTitle(offer);
  /** @type {[string, string][]} */
  const rows = [];
  if (callback) {
    rows.push([t("rowNumber"), callback.customer_number]);
    if (callback.customer_name) rows.push([t("rowName"), callback.customer_name]);
    if (callback.dnis) rows.push([t("rowDnis"), callback.dnis]);
    rows.push([t("rowQueue"), callback.queue]);
  }
  const variables = offer.consult ? offer.variables.slice(0, 9) : offer.variables.slice(0, 6);
  // R9: a label the entry point's flow chose is shown as it is; otherwise the variable's own, in the agent's language.
  for (const v of variables) rows.push([v.flow_label ? v.label : variableLabel(state.me?.cad_variables, v.name, v.label), v.value || "—"]);
  const status = [];
  const digital = acceptable(offer);
  if (offer.dialing) {
    status.push(offer.dialing.cancellable
      ? h("button", { type: "button", class: "danger", "data-key": `cancel-${id}`, onclick: () => intents.taskCommand(id, "cancel") }, t("cancelCallback"))
      : h("p", { class: "ringing" }, t("callingCustomer")));
  } else if (digital) {
    status.push(h("button", { type: "button", class: "primary", "data-key": `accept-${id}`, title: "Alt+A", onclick: () => intents.taskCommand(id, "accept") }, t("accept")));
  } else {
    status.push(h("p", { class: "ringing", role: "status" }, offer.ringing ? t("ringingAnswer") : t("waitingToRing")));
  }
  // R27: who transferred the call, from the offer or (after a reload) the task.
  const transferredFrom = offer.transferred_by?.name ?? state.tasks[id]?.transferred_by?.name ?? null;
  const timers = [];
  if (callback) timers.push(h("p", {}, t("offeredBefore"), h("span", { class: "elapsed", "data-since": offer.receivedAt ?? Date.now() }, "0:00"), t("offeredAfter")));
  if (offer.deadline && !offer.dialing) {
    timers.push(h("p", {}, digital ? t("acceptWithinBefore") : t("answerWithinBefore"), h("span", { class: "countdown", "data-deadline": offer.deadline }, ""),
      digital ? t("acceptWithinAfter") : offer.consult ? t("answerConsultWithinAfter")
        // R28: a blind transfer the organisation drops when unanswered ends; any other call goes back (R12).
        : offer.if_unanswered === "ends" ? t("answerWithinAfterEnds") : t("answerWithinAfter")));
  }
  return h("section", { class: `popover offer${callback ? " callback" : ""}`, role: "dialog", "aria-labelledby": `offer-title-${id}`, ...place },
    h("h2", { id: `offer-title-${id}` }, icon(callback ? "callback" : offer.channel),
      callback ? t("kind", offer.kind) ?? callback.label : offer.consult ? title
        : transferredFrom ? t("transferredCallFrom", transferredFrom) : state.transferredIn[id] ? t("transferredCall") : title),
    callback || offer.consult ? null : callInfo(state, offer),
    h("dl", { class: "variables" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    offerLinks(offer), timers, status);
}

/**
 * R7: the entry point's links, opened in a new tab without access to this one. Only `https:`
 * addresses are shown, whatever the server sent.
 * @param {Offer} offer
 */
function offerLinks(offer) {
  const links = (offer.links ?? []).filter((link) => {
    try { return new URL(link.url).protocol === "https:"; } catch { return false; }
  });
  if (!links.length) return null;
  return h("p", { class: "offer-links" }, links.map((link) =>
    h("a", { href: link.url, target: "_blank", rel: "noopener noreferrer", class: "button-link" }, link.label)));
}

/**
 * R7 R11: who is calling, through which queue and on which number, in the offer's header beside
 * the configured variables (R9); from the task the server lists for the offered agent.
 * @param {DeskState} state
 * @param {Offer} offer
 */
function callInfo(state, offer) {
  const task = state.tasks[offer.task];
  if (!task) return null;
  const queue = task.queue === null ? undefined : state.queueNames[task.queue];
  /** @type {[string, string][]} */
  const rows = [];
  if (task.customer_number) rows.push([t("rowCaller"), task.customer_number]);
  if (queue) rows.push([t("rowQueue"), queue]);
  if (task.dnis) rows.push([t("rowDialled"), task.dnis]);
  if (!rows.length) return null;
  return h("dl", { class: "call-info" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/**
 * A channel badge (text, so it renders without an emoji font).
 * @param {string} [kind]
 */
export function icon(kind) {
  return h("span", { class: `badge badge-${kind ?? "voice"}` }, t("badge", kind));
}
