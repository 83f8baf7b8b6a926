// The supervisor's history and reports (R44, issue 23): wiring. It reads the route from the
// location's hash (`#search`, `#interaction/42`, `#reports`), asks the server through the
// session (session.js) and hands the answers to the views (history-views.js).

import { $, h } from "../dom.js";
import { createSession } from "../session.js";
import { dayBefore, reportPath, routeOf, searchPath, PAGE_SIZE } from "./history-model.js";
import { addHistoryTexts } from "./history-texts.js";
import { renderInteraction, renderReport, renderReportForm, renderResults, renderSearchForm } from "./history-views.js";
import { addWallboardTexts } from "./texts.js";
import { initLanguage, signedInSupervisor } from "./page.js";

/**
 * @typedef {import("./history-model.js").SearchForm} SearchForm
 * @typedef {import("./history-model.js").ReportForm} ReportForm
 * @typedef {import("./history-views.js").Interaction} Interaction
 * @typedef {import("./history-views.js").HistoryIntents} HistoryIntents
 */

addWallboardTexts();
addHistoryTexts();

const session = createSession({
  onEvent() {},
  onTruth() {},
  onOffline() {},
  onSignedOut() { location.replace("/"); },
  signedIn: () => false,
  lastSeq: () => null,
  truthAfterEvents: false,
});

const today = dayBefore(new Date(), 0);
/** @type {SearchForm} */
let searchForm = { from: today, to: today };
/** @type {Interaction[]} */
let results = [];
let more = false;
/** @type {ReportForm} */
let reportForm = { kind: "queues", from: dayBefore(new Date(), 6), to: today };
/** The caller's queues and agents (their teams'). @type {{ id: number, name: string }[]} */
let queues = [];
/** @type {{ id: number, name: string }[]} */
let agents = [];
/** @type {Record<number, string>} */
let queueNames = {};
/** @type {Record<number, string>} */
let agentNames = {};

/** @type {HistoryIntents} */
const intents = {
  async search(form) {
    searchForm = form;
    const reply = await session.api("GET", searchPath(form));
    results = reply.ok ? reply.data : [];
    more = results.length === PAGE_SIZE;
    renderResults($("hs-results-box"), results, more, queueNames, agentNames, intents);
  },
  async older() {
    const last = results[results.length - 1];
    if (!last) return;
    const reply = await session.api("GET", searchPath(searchForm, last.id));
    const page = reply.ok ? reply.data : [];
    results = results.concat(page);
    more = page.length === PAGE_SIZE;
    renderResults($("hs-results-box"), results, more, queueNames, agentNames, intents);
  },
  async report(form) {
    reportForm = form;
    renderReportForm($("rp-form-box"), reportForm, queues, agents, intents);
    const reply = await session.api("GET", reportPath(form));
    if (!reply.ok) {
      $("rp-box").replaceChildren(h("p", { class: "hint", role: "alert" }, reply.data?.message ?? String(reply.status)));
      return;
    }
    renderReport($("rp-box"), form, reply.data);
  },
};

/** Shows the view the hash names. */
async function route() {
  const where = routeOf(location.hash);
  for (const [view, id] of [["search", "view-search"], ["interaction", "view-interaction"], ["reports", "view-reports"]]) {
    $(id).hidden = where.view !== view;
  }
  for (const link of document.querySelectorAll("nav.hs-nav a")) {
    const current = link.getAttribute("href") === `#${where.view === "interaction" ? "search" : where.view}`;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (where.view === "interaction") {
    const reply = await session.api("GET", `/api/v1/interactions/${where.id}`);
    renderInteraction($("view-interaction"), reply.ok ? reply.data : null, where.id);
  } else if (where.view === "reports") {
    await intents.report(reportForm);
  } else {
    renderSearchForm($("hs-form-box"), searchForm, queues, agents, intents);
    await intents.search(searchForm);
  }
}

async function boot() {
  initLanguage(route);
  const me = await signedInSupervisor(session);
  if (!me) return;
  $("hs-user").textContent = me.username;
  $("sign-out").addEventListener("click", async () => {
    await session.api("POST", "/api/v1/logout");
    location.replace("/");
  });
  const [queueRows, agentRows] = await Promise.all([
    session.api("GET", "/api/v1/supervisor/queues"), session.api("GET", "/api/v1/supervisor/agents")]);
  queues = queueRows.ok ? queueRows.data.map((/** @type {any} */ q) => ({ id: q.id, name: q.name })) : [];
  agents = agentRows.ok ? agentRows.data.map((/** @type {any} */ a) => ({ id: a.id, name: a.name })) : [];
  queueNames = Object.fromEntries(queues.map((q) => [q.id, q.name]));
  agentNames = Object.fromEntries(agents.map((a) => [a.id, a.name]));
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "true";
}

boot();
