// Sign-in: user name and password; a wrong password says so, and after repeated failures the
// form counts the seconds down before it lets the agent try again.

import { $ } from "../dom.js";
import { t } from "../i18n.js";

/** @typedef {import("../app.js").Intents} Intents */

/** @type {ReturnType<typeof setInterval> | undefined} */
let retryTimer;

/** @param {Intents} intents */
export function initSignin(intents) {
  $("signin-form").addEventListener("submit", async (/** @type {Event} */ event) => {
    event.preventDefault();
    const error = $("signin-error");
    const username = $("signin-user").value.trim();
    const password = $("signin-pass").value;
    if (!username || !password) {
      error.textContent = t("signInMissing");
      error.hidden = false;
      return;
    }
    $("signin-submit").disabled = true;
    const reply = await intents.signIn(username, password);
    if (reply.ok) {
      error.hidden = true;
      $("signin-submit").disabled = false;
      $("signin-pass").value = "";
      await intents.start();
      return;
    }
    if (reply.status === 429) {
      let wait = Number(reply.headers.get("Retry-After")) || 1;
      const show = () => {
        error.textContent = t("signInWait", wait);
      };
      show();
      clearInterval(retryTimer);
      retryTimer = setInterval(() => {
        wait -= 1;
        if (wait <= 0) {
          clearInterval(retryTimer);
          error.textContent = t("signInAgain");
          $("signin-submit").disabled = false;
        } else show();
      }, 1000);
    } else {
      error.textContent = reply.status === 401 ? t("signInWrong") : reply.error;
      $("signin-submit").disabled = false;
    }
    error.hidden = false;
    $("signin-pass").select();
  });
}

export function renderSignin() {
  if (!$("view-signin").contains(document.activeElement)) $("signin-user").focus();
}
