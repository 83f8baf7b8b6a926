// The task list pane (R8, the guide's Oppgaveliste): the agent's current contact, the requests
// offered and the contacts awaiting wrap-up, each with its channel, customer, state and timer.
// It can be collapsed (remembered in this browser); the offer popovers stack at the bottom right
// either way.

import { $, h, tick } from "../dom.js";
import { t } from "../i18n.js";
import { taskListItems } from "../reduce.js";
import { icon } from "./popovers.js";

/**
 * @typedef {import("../reduce.js").DeskState} DeskState
 */

const COLLAPSED_KEY = "sentral.taskListCollapsed";

export function initTaskList() {
  let collapsed = false;
  try { collapsed = localStorage.getItem(COLLAPSED_KEY) === "true"; } catch { /* storage disabled */ }
  setCollapsed(collapsed);
  $("task-list-toggle").addEventListener("click", () => {
    const next = $("task-list-toggle").getAttribute("aria-expanded") === "true";
    setCollapsed(next);
    try { localStorage.setItem(COLLAPSED_KEY, String(next)); } catch { /* not remembered */ }
  });
}

/** @param {boolean} collapsed */
function setCollapsed(collapsed) {
  $("task-list-toggle").setAttribute("aria-expanded", String(!collapsed));
  $("task-list-items").hidden = collapsed;
}

/** @param {DeskState} state */
export function renderTaskList(state) {
  const items = taskListItems(state);
  $("task-list-count").textContent = String(items.length);
  $("task-list-items").replaceChildren(...(items.length ? items.map((item) => h("li", { class: `task-row task-${item.state}`, "data-task": item.task },
    icon(item.channel),
    h("span", { class: "task-customer" }, item.customer ?? t("customer")),
    h("span", { class: "task-state" }, t("taskState", item.state)),
    h("span", { class: "task-timer", "data-since": item.since ?? "" }, ""))) : [h("li", { class: "task-none" }, t("noTasks"))]));
  tick();
}
