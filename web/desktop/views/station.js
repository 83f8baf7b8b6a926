// Station log-in: the team to work in and the extension of the phone that calls ring on; the
// last extension the user logged in with is remembered in this browser (localStorage).

import { $, h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * @typedef {import("../wire.js").MeDto} MeDto
 * @typedef {import("../app.js").Intents} Intents
 */

/** @param {Intents} intents */
export function initStation(intents) {
  $("station-form").addEventListener("submit", async (/** @type {Event} */ event) => {
    event.preventDefault();
    const error = $("station-error");
    const team = $("station-team").value;
    const extension = $("station-ext").value.trim();
    if (!extension) {
      error.textContent = t("extensionMissing");
      error.hidden = false;
      return;
    }
    const problem = await intents.logInStation(team, extension);
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    try {
      localStorage.setItem(extensionKey(), extension);
    } catch { /* storage disabled: the agent types it again */ }
  });
}

/** Who the remembered extension belongs to. */
let username = "";
const extensionKey = () => `sentral.extension.${username}`;

/** @param {MeDto} me */
export function renderStation(me) {
  if (username !== me.username) {
    username = me.username;
    let remembered = null;
    try { remembered = localStorage.getItem(extensionKey()); } catch { /* storage disabled */ }
    $("station-ext").value = remembered ?? "";
  }
  const select = $("station-team");
  if (select.options.length !== me.teams.length) {
    select.replaceChildren(...me.teams.map((team) => h("option", { value: team }, team)));
  }
  if (!$("view-station").contains(document.activeElement)) select.focus();
}
