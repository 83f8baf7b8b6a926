// Messages: the toast for errors and the live region that screen readers read out, and which
// events say something (a new offer, RONA, a failed consult, the call limit).

import { $ } from "../dom.js";
import { t, variableLabel } from "../i18n.js";
import { forgetOffer, offerAlert } from "./alerts.js";

/**
 * @typedef {import("../wire.js").EventEnvelope} EventEnvelope
 * @typedef {import("../reduce.js").Offer} Offer
 * @typedef {import("../wire.js").OfferDto} OfferDto
 */

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** What the message shown is about, if it holds only while that lasts. @type {"offer" | null} */
let toastAbout = null;

/**
 * Shows a message for eight seconds (or until dismissed); one `about` an offer goes as soon as
 * no offer is shown (R5: a refusal because of an offer is stale once it turned into RONA).
 * @param {string} text
 * @param {"offer" | null} [about]
 * @param {boolean} [sticky] Stays until dismissed.
 */
export function toast(text, about = null, sticky = false) {
  $("toast-text").textContent = text;
  $("toast").hidden = false;
  toastAbout = about;
  clearTimeout(toastTimer);
  // A sticky message (a supervisor's action, R44) stays until dismissed.
  if (!sticky) toastTimer = setTimeout(() => { $("toast").hidden = true; }, 8000);
}

/** Takes away a message about an offer, now that none is shown. */
export function noOfferShown() {
  if (toastAbout !== "offer") return;
  toastAbout = null;
  $("toast").hidden = true;
}

/** Has screen readers read a text out. @param {string} text */
export function announce(text) {
  $("live").textContent = "";
  setTimeout(() => { $("live").textContent = text; }, 30);
}

export function initMessages() {
  $("toast-close").addEventListener("click", () => { $("toast").hidden = true; });
}

/**
 * A popover's title: a consult request, a digital request by channel, or the kind of call.
 * @param {Partial<Offer>} offer
 */
export function offerTitle(offer) {
  if (offer.consult) return t("consultRequest");
  if (offer.channel && offer.channel !== "voice") return t("requestTitle", offer.channel);
  return t("kind", offer.kind) ?? t("contactRequest");
}

/**
 * What an event says to the agent, beyond what the screen shows.
 * @param {EventEnvelope} event
 * @param {() => import("../reduce.js").DeskState} [getState] The state now, for who is calling.
 */
export function notify(event, getState) {
  switch (event.type) {
    case "reserved": announce(t("announceReserved", event.channel)); break;
    case "offer": {
      const title = offerTitle({ ...event, consult: false });
      announce(t("announceOffer", title, event.variables.map((v) => `${variableLabel(getState?.().me?.cad_variables, v.name, v.label)} ${v.value}`).join(", ")));
      // R7: a ring, and in the background a notification and a flashing title.
      // Who: the caller's number once the task list has it (read just after the event).
      const who = () => getState?.().tasks[event.task]?.customer_number ?? event.callback?.customer_number
        ?? event.variables.filter((v) => v.value).map((v) => `${v.label}: ${v.value}`).join(", ");
      offerAlert(event.task, title, who);
      break;
    }
    case "consult_offer": {
      announce(t("announceConsult"));
      const from = event.variables.find((v) => v.name === "agent_name")?.value ?? "";
      offerAlert(event.task, t("consultRequest"), () => from);
      break;
    }
    case "offer_withdrawn": announce(t("announceWithdrawn")); forgetOffer(event.task); break;
    case "rona": announce(t("announceRona")); forgetOffer(event.task); break;
    case "connected": forgetOffer(event.task); break;
    case "call_ended":
      forgetOffer(event.task);
      // Issue 18: a bug in Sentral ended this call only; say so rather than let it vanish.
      if (event.reason === "internal_error") toast(t("callEndedInternalError"));
      break;
    // R21 R12: a translated sentence by the cause the server names, never its rule code or enum name.
    case "consult_failed": toast(t("consultFailed", event.reason.match(/\((\w+)\)\s*$/)?.[1] ?? "")); break;
    case "limit_reached": toast(t("callLimitEvent", event.code)); break;
    case "supervised": {
      // R44: a supervisor set the agent Idle or logged them out: who and why, until dismissed.
      const reason = getState?.().me?.idle_reasons.find((r) => r.code === event.reason)?.label ?? event.reason ?? "";
      const text = event.action === "idle" ? t("supervisedIdle", event.by, reason, event.note) : t("supervisedLogOut", event.by, event.note);
      toast(text, null, true);
      announce(text);
      break;
    }
    default: break;
  }
}
