// Outdial from the desktop (R42): a dial pad and the organisation's address book in a dialog,
// with the preview of how the number is cleaned (R30). The call then comes as an offer popover
// (R9): the agent's phone rings first, and once answered Sentral dials the customer.

import { cleanDialNumber } from "../dial.js";
import { $, closeDialog, h } from "../dom.js";
import { t } from "../i18n.js";
import { returnFocus } from "./target.js";

/**
 * @typedef {import("../app.js").Intents} Intents
 */

/** @type {Intents} */
let intents;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;
let loadGen = 0;

/** The dial pad's keys, in a phone's order. */
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

/** @param {Intents} given */
export function initOutdial(given) {
  intents = given;
  $("outdial-open").addEventListener("click", openOutdial);
  $("outdial-form").addEventListener("submit", submitOutdial);
  $("outdial-cancel").addEventListener("click", () => closeDialog("outdial-dialog"));
  $("outdial-dialog").addEventListener("close", () => returnFocus("outdial-open"));
  $("outdial-number").addEventListener("input", () => {
    preview();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadBook, 150);
  });
  $("outdial-pad").replaceChildren(...["+", ...KEYS].map((key) => h("button", { type: "button", class: "secondary key", "data-digit": key,
    onclick: () => { $("outdial-number").value += key; preview(); $("outdial-number").focus(); } }, key)));
}

function openOutdial() {
  $("outdial-number").value = "";
  $("outdial-error").hidden = true;
  preview();
  $("outdial-dialog").showModal();
  $("outdial-number").focus();
  loadBook();
}

/** What will be dialled, as the server will clean it (R30). */
function preview() {
  const typed = $("outdial-number").value;
  const box = $("outdial-preview");
  const result = cleanDialNumber(typed);
  if (!/\d/.test(typed)) {
    box.className = "dial-preview";
    box.textContent = t("dialHint");
  } else {
    box.className = `dial-preview ${result.ok ? "dial-ok" : "dial-bad"}`;
    box.textContent = result.ok ? t("willDial", result.cleaned, result.stripped)
      : t("cannotDial", result.cleaned || typed, t("dialProblem", result.problem, result.nDigits));
  }
  $("outdial-submit").disabled = !result.ok;
}

/** The address book, searched by what is typed (a name or a number). */
async function loadBook() {
  const gen = ++loadGen;
  const typed = $("outdial-number").value.trim();
  const search = /\d/.test(typed) && !/[a-z]/i.test(typed) ? typed.replace(/[^0-9+#*:]/g, "") : typed;
  const reply = await intents.directory("dial", "consult", search);
  if (gen !== loadGen) return;
  const entries = reply.ok ? reply.data : [];
  $("outdial-book").replaceChildren(...entries.map((/** @type {{ name: string, number: string }} */ entry) => h("button", {
    type: "button", class: "choice", "data-number": entry.number,
    onclick: () => { $("outdial-number").value = entry.number; preview(); $("outdial-submit").focus(); },
  }, entry.name, h("span", { class: "sub" }, entry.number))));
}

/** @param {Event} event */
async function submitOutdial(event) {
  event.preventDefault();
  const result = cleanDialNumber($("outdial-number").value);
  if (!result.ok) return;
  $("outdial-submit").disabled = true;
  const problem = await intents.outdial(result.cleaned);
  $("outdial-submit").disabled = false;
  if (problem) {
    $("outdial-error").textContent = problem;
    $("outdial-error").hidden = false;
    return;
  }
  closeDialog("outdial-dialog");
}
