// Call data beside the call (R33–R35): the variables with their labels, at most 256 characters
// each (counted), a date-time picker for date-time variables stored as ISO 8601, Copy, Save and
// Reset; a save refused because someone saved first keeps the agent's edits and shows the
// winning values; secure values fetched separately, with "click to retry" when that fails.

import { $, closeDialog, h } from "../dom.js";
import { labelOf, t, variableLabel } from "../i18n.js";
import { activeTask } from "../reduce.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 * @typedef {import("../wire.js").TaskDto} TaskDto
 * @typedef {import("../wire.js").CadVariableDto} CadVariableDto
 * @typedef {import("../app.js").Intents} Intents
 */

const BUILTIN_VARIABLES = new Set(["ani", "dnis", "queue"]);
const CAD_VALUE_CHARS_MAX = 256;

/** The form's own state: which call it shows, the values it started from, unsaved edits. */
let form = {
  /** @type {number | null} */ task: null,
  /** @type {Record<string, string>} */ base: {},
  version: 0,
  dirty: false,
  readOnly: false,
};

/** @type {Intents} */
let intents;
/** @type {() => DeskState} */
let getState;

/**
 * @param {Intents} given
 * @param {() => DeskState} state
 */
export function initCad(given, state) {
  intents = given;
  getState = state;
  $("cad-form").addEventListener("submit", saveCad);
  $("cad-reset").addEventListener("click", resetCad);
}

/** Builds the form again on the next render (a language change), unless the agent is editing. */
export function rebuildCad() {
  if (!form.dirty) form.task = null;
}

/**
 * What is known of each variable: the server's definitions when it sends them, else what the
 * task and the popover show.
 * @param {DeskState} state
 * @param {TaskDto} task
 * @returns {CadVariableDto[]}
 */
function cadDefinitions(state, task) {
  if (Array.isArray(state.me?.cad_variables)) return state.me.cad_variables;
  // The popover's order first (the administrator's), then the rest.
  const names = new Set((state.offerVars[task.id] ?? []).filter((name) => !BUILTIN_VARIABLES.has(name)));
  for (const name of Object.keys(task.variables)) names.add(name);
  return [...names].map((name) => ({
    name, label: state.labels[name] ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
    kind: name.endsWith("_at") || isIso(task.variables[name]) ? "date_time" : "text",
    editable: true, secure: false, label_by_language: {},
  }));
}

/** @param {unknown} value */
function isIso(value) { return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value); }

/** @param {DeskState} state */
export function renderCad(state) {
  const task = activeTask(state);
  $("cad").hidden = !task;
  if (!task || !state.me?.agent) {
    // R34 R45: the call ended (the customer hung up) with edits not saved; they cannot be saved
    // now, so the wrap-up says which were lost rather than dropping them silently.
    if (form.dirty && form.task !== null && !form.readOnly) lostEdits = { task: form.task, text: unsavedText(state) };
    form.dirty = false;
    form.task = null;
    // The call is gone (the customer hung up): nothing is left to ask about.
    closeDialog("unsaved-dialog");
    return;
  }
  const readOnly = task.owner !== state.me.agent.id; // R22: the consulted agent only reads.
  $("cad-readonly").hidden = !readOnly;
  $("cad-save").hidden = readOnly;
  $("cad-reset").hidden = readOnly;
  const fresh = form.task !== task.id;
  // A consulted agent who takes the call over (transfer, R25) can edit from then on.
  const roleChanged = !fresh && form.readOnly !== readOnly;
  if (fresh || roleChanged || (!form.dirty && task.variables_version !== form.version) || (readOnly && task.variables_version !== form.version)) {
    form = { task: task.id, base: { ...task.variables }, version: task.variables_version, dirty: false, readOnly };
    buildCadFields(state, task, readOnly);
    if (fresh) { $("cad-conflict").hidden = true; $("cad-error").hidden = true; $("cad-status").textContent = ""; fetchSecure(task.id); }
  }
}

/**
 * @param {DeskState} state
 * @param {TaskDto} task
 * @param {boolean} readOnly
 */
function buildCadFields(state, task, readOnly) {
  const fields = cadDefinitions(state, task).filter((d) => !d.secure).map((d) => {
    const value = form.base[d.name] ?? "";
    const id = `cad-${d.name}`;
    const editable = d.editable && !readOnly;
    const input = d.kind === "date_time"
      ? h("input", { id, type: "datetime-local", "data-name": d.name, "data-kind": "date_time", value: isoToLocal(value), readonly: !editable })
      : h("input", { id, type: "text", "data-name": d.name, "data-kind": d.kind ?? "text", value, maxlength: CAD_VALUE_CHARS_MAX, readonly: !editable });
    const count = h("span", { class: "count", id: `${id}-count` }, d.kind === "date_time" ? "ISO 8601" : `${value.length}/${CAD_VALUE_CHARS_MAX}`);
    input.addEventListener("input", () => {
      form.dirty = true;
      $("cad-status").textContent = t("notSaved");
      if (d.kind !== "date_time") count.textContent = `${input.value.length}/${CAD_VALUE_CHARS_MAX}`;
    });
    return h("div", { class: "cad-field" },
      h("div", { class: "field-head" }, h("label", { for: id }, labelOf(d)), count,
        h("button", { type: "button", class: "secondary copy", "aria-label": t("copyLabel", labelOf(d)), onclick: () => copy(fieldValue(input)) }, t("copy"))),
      input);
  });
  $("cad-fields").replaceChildren(...fields);
}

/** @param {HTMLInputElement} input */
function fieldValue(input) {
  return input.dataset.kind === "date_time" ? localToIso(input.value) : input.value;
}

/**
 * `2026-11-25T14:30:00Z` → the value of a datetime-local input, in the browser's time zone.
 * @param {string} iso
 */
function isoToLocal(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

/**
 * The value of a datetime-local input → ISO 8601 in UTC (`2026-11-25T13:30:00Z`).
 * @param {string} local
 */
function localToIso(local) {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Edits not saved when their call ended. @type {{ task: number, text: string } | null} */
let lostEdits = null;

/**
 * R34 R45: the edits of a task's call data that were lost when the call ended, once.
 * @param {number} taskId
 * @returns {string | null} Which, as "Label: “value”" pairs.
 */
export function takeLostEdits(taskId) {
  if (lostEdits?.task !== taskId) return null;
  const text = lostEdits.text;
  lostEdits = null;
  return text;
}

/**
 * The edited fields as "Label: “value”" pairs.
 * @param {DeskState} state
 */
function unsavedText(state) {
  const changed = [];
  for (const input of $("cad-fields").querySelectorAll("input[data-name]")) {
    if (input.readOnly) continue;
    const value = fieldValue(input);
    if (value !== (form.base[input.dataset.name] ?? "")) changed.push(`${variableLabel(state.me?.cad_variables, input.dataset.name ?? "", state.labels[input.dataset.name ?? ""] ?? input.dataset.name)}: “${value}”`);
  }
  return changed.join(", ");
}

/**
 * R34 R45: whether the call data of this task has edits that are not saved.
 * @param {number} taskId
 */
export function hasUnsavedEdits(taskId) {
  return form.dirty && form.task === taskId && !form.readOnly;
}

/**
 * R34 R45: before End drops the call data's unsaved edits, asks whether to save them, end
 * without them or stay; `proceed` ends the call. The dialog keeps the focus and gives it back.
 * @param {number} taskId
 * @param {() => void} proceed
 */
export function guardUnsavedEdits(taskId, proceed) {
  if (!hasUnsavedEdits(taskId)) { proceed(); return; }
  const dialog = $("unsaved-dialog");
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);
  /** @param {"save" | "discard" | "stay"} choice */
  const choose = async (choice) => {
    dialog.close();
    if (choice === "stay") { opener?.focus(); return; }
    if (choice === "save" && !(await saveCad())) { opener?.focus(); return; }
    form.dirty = false;
    proceed();
  };
  $("unsaved-save").onclick = () => choose("save");
  $("unsaved-discard").onclick = () => choose("discard");
  $("unsaved-stay").onclick = () => choose("stay");
  dialog.oncancel = (/** @type {Event} */ event) => { event.preventDefault(); choose("stay"); };
  dialog.showModal();
  $("unsaved-save").focus();
}

/**
 * Saves the edits; true when they are saved (or there is nothing to save).
 * @param {Event} [event]
 * @returns {Promise<boolean>}
 */
async function saveCad(event) {
  event?.preventDefault();
  const state = getState();
  const task = activeTask(state);
  if (!task || form.readOnly) return false;
  /** @type {Record<string, string>} */
  const values = {};
  for (const input of $("cad-fields").querySelectorAll("input[data-name]")) {
    if (input.readOnly) continue;
    const value = fieldValue(input);
    if (value.length > CAD_VALUE_CHARS_MAX) { showCadError(t("cadTooLong", input.dataset.name, CAD_VALUE_CHARS_MAX)); return false; }
    if (value !== (form.base[input.dataset.name] ?? "")) values[input.dataset.name] = value;
  }
  if (Object.keys(values).length === 0) { $("cad-status").textContent = t("nothingToSave"); return true; }
  $("cad-save").disabled = true;
  const reply = await intents.saveVariables(task.id, form.version, values);
  $("cad-save").disabled = false;
  $("cad-error").hidden = true;
  if (reply.ok) {
    form = { ...form, base: { ...reply.data.variables }, version: reply.data.variables_version, dirty: false };
    $("cad-conflict").hidden = true;
    $("cad-status").textContent = t("saved");
    buildCadFields(getState(), reply.data, false);
    return true;
  } else if (reply.status === 409 && reply.data?.current) {
    // R35: someone saved first. Keep the agent's edits, show the winning values, and base the
    // next save on them, so saving again is the agent's explicit choice.
    const current = reply.data.current;
    form.base = { ...current.values };
    form.version = current.version;
    const label = (/** @type {string} */ name) =>
      variableLabel(state.me?.cad_variables, name, current.labels?.[name] ?? state.labels[name] ?? name.replace(/_/g, " "));
    const winning = Object.keys(values).map((name) => `${label(name)}: “${current.values[name] ?? ""}”`).join(", ");
    // Who saved: this agent in another tab or window, or a colleague, by name.
    const by = current.saved_by;
    const when = by ? new Date(by.at).toLocaleTimeString(document.documentElement.lang || undefined, { timeStyle: "short" }) : "";
    const box = $("cad-conflict");
    box.textContent = !by ? t("cadConflict", winning)
      : by.agent === state.me?.agent?.id ? t("cadConflictYou", when, winning) : t("cadConflictColleague", by.name, when, winning);
    box.hidden = false;
    $("cad-status").textContent = "";
  } else {
    showCadError(reply.error);
  }
  return false;
}

/** @param {string} message */
function showCadError(message) {
  $("cad-error").textContent = message;
  $("cad-error").hidden = false;
}

function resetCad() {
  const state = getState();
  const task = activeTask(state);
  if (!task) return;
  form.dirty = false;
  buildCadFields(state, { ...task, variables: form.base }, form.readOnly);
  $("cad-conflict").hidden = true;
  $("cad-error").hidden = true;
  $("cad-status").textContent = t("resetDone");
}

/** @param {number} taskId */
async function fetchSecure(taskId) {
  const box = $("cad-secure");
  box.replaceChildren(h("p", { class: "hint" }, t("secureLoading")));
  const reply = await intents.secureVariables(taskId);
  if (form.task !== taskId) return;
  const state = getState();
  const cadVariables = state.me?.cad_variables;
  const defs = Array.isArray(cadVariables) ? cadVariables.filter((d) => d.secure) : null;
  if (!reply.ok) {
    const names = defs?.length ? defs.map(labelOf) : [t("secureValues")];
    box.replaceChildren(...names.map((label) => h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: t("secureTitle") }, t("secure")), label),
      h("p", {}, h("span", { "aria-label": t("secureNotLoaded") }, "*"), " ",
        h("button", { type: "button", class: "link", id: "secure-retry", onclick: () => fetchSecure(taskId) }, t("clickToRetry"))))));
    return;
  }
  /** @type {Record<string, string>} */
  const values = reply.data.values ?? {};
  const names = defs ? defs.map((d) => d.name) : Object.keys(values);
  box.replaceChildren(...names.map((name) => {
    const label = variableLabel(defs ?? undefined, name, state.labels[name] ?? name.replace(/_/g, " "));
    return h("div", { class: "cad-field secure" },
      h("div", { class: "field-head" }, h("span", { class: "badge badge-secure", title: t("secureTitle") }, t("secure")), label,
        h("button", { type: "button", class: "secondary copy", "aria-label": t("copyLabel", label), onclick: () => copy(values[name] ?? "") }, t("copy"))),
      h("input", { type: "text", readonly: true, value: values[name] ?? "", "aria-label": label }));
  }));
}

/** @param {string} text */
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
