// The Consult and Transfer dialog: tabs Agent, Queue / Entry point, Dial number and
// Organisation, each searchable (R16, R17, R20, R27), a preview of how a typed number is cleaned
// (R30), and a clear error when a list cannot be fetched (R21).

import { cleanDialNumber } from "../dial.js";
import { $, closeDialog, h } from "../dom.js";
import { t } from "../i18n.js";
import { stateLabel } from "./topbar.js";

/**
 * @typedef {import("../wire.js").TaskDto} TaskDto
 * @typedef {import("../app.js").Intents} Intents
 * @typedef {"agent" | "dest" | "dial" | "org"} Tab
 * @typedef {{ key: string, target: Record<string, unknown> & { type: string }, label: string, sub: string, state?: string, presence?: string }} Item
 */

/** @type {Tab[]} */
const TABS = ["agent", "dest", "dial", "org"];

/** The dialog's own state: which call, consult or transfer, the tab, the list and the pick. */
const dialog = {
  mode: "consult",
  /** @type {Tab} */ tab: "agent",
  /** @type {Item | null} */ selected: null,
  /** @type {Item[]} */ items: [],
  /** @type {number | null} */ task: null,
  /** The tabs shown: a transfer leaves out what the team's profile does not allow (R43). @type {Tab[]} */ tabs: TABS,
  /** A transfer's list leaves out entry points when the profile does not allow them (R43). */ entryPoints: true,
};

/** @type {Intents} */
let intents;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;
let loadGen = 0;

/** @param {Intents} given */
export function initTarget(given) {
  intents = given;
  $("target-form").addEventListener("submit", submitTarget);
  // Escape closes the dialog even from a search field (which would otherwise only clear itself).
  $("target-dialog").addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Escape") { event.preventDefault(); closeDialog("target-dialog"); }
  });
  $("target-cancel").addEventListener("click", () => closeDialog("target-dialog"));
  $("target-refresh").addEventListener("click", () => loadTargets());
  // Keyboard (issue 17 defect 14): Down from the search goes into the list; Up and Down move in
  // it, picking as they go; Up from the top goes back to the search; Enter on a target submits.
  $("target-search").addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key !== "ArrowDown" || !dialog.items.length) return;
    event.preventDefault();
    pickAt(Math.max(0, dialog.items.findIndex((item) => item.key === dialog.selected?.key)));
  });
  $("target-list").addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    const at = dialog.items.findIndex((item) => item.key === /** @type {HTMLElement} */ (event.target).dataset.key);
    if (at < 0) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) $("target-search").focus();
      else pickAt(Math.min(next, dialog.items.length - 1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      dialog.selected = dialog.items[at];
      submitTarget(new Event("submit"));
    }
  });
  // Closed, the focus goes back where the dialog was opened from, or to the call's controls.
  $("target-dialog").addEventListener("close", () => returnFocus(opener));
  $("target-search").addEventListener("input", () => {
    dialog.selected = null;
    updateTargetSubmit();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadTargets, 150);
  });
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
    $(`tab-${tab}`).addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const tabs = dialog.tabs;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      selectTab(next);
      $(`tab-${next}`).focus();
    });
  }
}

/**
 * Opens the dialog for a call. A transfer shows only the targets the team's profile allows
 * (R43): no Dial number and Organisation tabs without transfers to dial numbers, no entry points
 * without transfers to entry points.
 * @param {TaskDto} task
 * @param {"consult" | "transfer"} mode
 * @param {import("../wire.js").AllowedActionsDto} may
 */
export function openTargetDialog(task, mode, may) {
  opener = /** @type {HTMLElement | null} */ (document.activeElement)?.dataset?.key ?? null;
  const transfer = mode === "transfer";
  const numbers = !transfer || may.transfer_to_dial_number;
  /** @type {Tab[]} */
  const tabs = TABS.filter((tab) => numbers || (tab !== "dial" && tab !== "org"));
  for (const tab of TABS) $(`tab-${tab}`).hidden = !tabs.includes(tab);
  Object.assign(dialog, { mode, tab: "agent", selected: null, items: [], task: task.id, tabs, entryPoints: !transfer || may.transfer_to_entry_point });
  $("target-title").textContent = mode === "consult" ? t("consult") : t("transfer");
  $("target-submit").textContent = mode === "consult" ? t("consult") : t("transfer");
  $("target-error").hidden = true;
  $("target-dialog").showModal();
  selectTab("agent");
}

/** The `data-key` of the control that opened the dialog. @type {string | null} */
let opener = null;

/**
 * Gives the focus back to the control with this `data-key` (drawn again since, perhaps), else to
 * the first control of the call's panes, else to the state menu; never to the page's body.
 * @param {string | null} key
 */
export function returnFocus(key) {
  setTimeout(() => {
    if (document.querySelector("dialog[open]")) return;
    /** @type {HTMLElement | null} */
    const again = key ? document.querySelector(`[data-key="${key}"]:not([disabled])`) : null;
    /** @type {HTMLElement | null} */
    const pane = document.querySelector("#panes button:not([disabled])");
    (again ?? pane ?? $("state-select"))?.focus();
  }, 0);
}

/**
 * Picks the target at this place in the list and moves the focus to it.
 * @param {number} at
 */
function pickAt(at) {
  dialog.selected = dialog.items[at];
  renderTargets();
  updateTargetSubmit();
  /** @type {HTMLElement | null} */ ($("target-list").querySelector(`[data-key="${dialog.selected.key}"]`))?.focus();
}

/** @param {Tab} tab */
function selectTab(tab) {
  dialog.tab = tab;
  dialog.selected = null;
  for (const other of TABS) {
    const button = $(`tab-${other}`);
    button.setAttribute("aria-selected", String(other === tab));
    button.tabIndex = other === tab ? 0 : -1;
  }
  $("target-search").value = "";
  $("target-search-label").textContent = tab === "dial" ? t("numberOrName") : tab === "org" ? t("searchExperts") : t("search");
  $("dial-preview").hidden = tab !== "dial";
  $("dial-preview").textContent = "";
  $("target-search").focus();
  loadTargets();
}

async function loadTargets() {
  const gen = ++loadGen;
  const { tab, mode } = dialog;
  const typed = $("target-search").value.trim();
  const search = tab === "dial" || tab === "dest" ? searchable(typed) : typed;
  $("target-list").setAttribute("aria-busy", "true");
  const reply = await intents.directory(tab, mode, search);
  if (gen !== loadGen) return;
  $("target-list").removeAttribute("aria-busy");
  if (!reply.ok) {
    // R21: a list that cannot be fetched is a clear error, not an empty list.
    dialog.items = [];
    $("target-list").replaceChildren();
    $("target-error").textContent = t("listFailed", reply.error);
    $("target-error").hidden = false;
    return;
  }
  $("target-error").hidden = true;
  dialog.items = reply.data
    .filter((/** @type {any} */ item) => tab !== "dest" || item.kind !== "entry_point" || dialog.entryPoints)
    .map((/** @type {any} */ item) => targetItem(tab, item));
  // A search with exactly one match picks it, so Enter consults or transfers to it.
  if (typed && dialog.items.length === 1) dialog.selected = dialog.items[0];
  renderTargets();
}

/**
 * A search for a number leaves out what is not part of it (R20: no "(" or "-").
 * @param {string} text
 */
function searchable(text) {
  return /\d/.test(text) && !/[a-z]/i.test(text) ? text.replace(/[^0-9+#*:]/g, "") : text;
}

/**
 * @param {Tab} tab
 * @param {any} item
 * @returns {Item}
 */
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
      // R16: an expert on a Sentral extension has a presence (read when the list is fetched;
      // Refresh reads it again); an outside number has none.
      return { key: `expert:${item.id}`, target: { type: "expert", id: item.id }, label: `${item.first_name} ${item.last_name}`,
        sub: [item.presence ? t("presence", item.presence) : "", item.role, item.department, item.work_phone].filter(Boolean).join(" · "),
        presence: item.presence ?? undefined };
  }
}

function renderTargets() {
  const { items, selected } = dialog;
  const list = $("target-list");
  list.replaceChildren(...items.map((item) => h("button", {
    type: "button", class: "choice", role: "option", "aria-selected": String(selected?.key === item.key), "data-key": item.key,
    tabindex: selected && selected.key !== item.key ? "-1" : null,
    onclick: () => { dialog.selected = item; renderTargets(); updateTargetSubmit(); },
    ondblclick: () => { dialog.selected = item; submitTarget(new Event("submit")); },
  }, item.state ? h("span", { class: "state-icon-wrap", "data-state": item.state }, h("span", { class: "state-icon", "aria-hidden": "true" }))
    : item.presence ? h("span", { class: "state-icon-wrap", "data-presence": item.presence }, h("span", { class: "state-icon", "aria-hidden": "true" })) : null,
  item.label, h("span", { class: "sub" }, item.sub))));
  $("target-empty").hidden = items.length > 0 || dialog.tab === "dial";
  // R27: only Available agents can take a transfer; an empty list says so, not just "nothing".
  $("target-empty").textContent = dialog.tab === "agent" && dialog.mode === "transfer" ? t("noAvailableAgent") : t("nothingFound");
  updateTargetSubmit();
}

function updateTargetSubmit() {
  const { tab, selected } = dialog;
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

/** @param {Event} event */
async function submitTarget(event) {
  event.preventDefault();
  const { mode, tab, selected, task } = dialog;
  let target = selected?.target;
  let label = selected?.label;
  if (!target && tab === "dial") {
    const result = cleanDialNumber($("target-search").value);
    if (!result.ok) return;
    target = { type: "dial_number", number: result.cleaned };
    label = result.cleaned;
  }
  if (!target || task === null || label === undefined) return;
  $("target-submit").disabled = true;
  const problem = await intents.target(task, mode === "consult" ? "consult" : "transfer", target, label);
  $("target-submit").disabled = false;
  if (problem) {
    $("target-error").textContent = problem;
    $("target-error").hidden = false;
    return;
  }
  closeDialog("target-dialog");
}
