// What every supervisor page does first: the language menu, and the signed-in user, who must
// be a supervisor or an administrator (an agent goes back to the desktop at /).

import { $, h } from "../dom.js";
import { LANGUAGES, language, pickLanguage, setLanguage, translatePage } from "../i18n.js";

/**
 * Sets the page's language and fills the language menu; `redraw` runs after the agent picks
 * another one.
 * @param {() => unknown} redraw
 */
export function initLanguage(redraw) {
  setLanguage(pickLanguage());
  const select = /** @type {HTMLSelectElement} */ ($("language-select"));
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === language() }, name)));
  select.addEventListener("change", () => {
    setLanguage(select.value, true);
    translatePage();
    redraw();
  });
  translatePage();
}

/**
 * The signed-in user when they may see supervisor pages; otherwise sends the browser to `/`
 * and answers `null`.
 * @param {{ api: (method: string, path: string, body?: unknown) => Promise<{ ok: boolean, data: any }> }} session
 * @returns {Promise<any | null>}
 */
export async function signedInSupervisor(session) {
  const me = await session.api("GET", "/api/v1/agents/me");
  if (!me.ok || me.data.role === "agent") {
    location.replace("/");
    return null;
  }
  return me.data;
}
