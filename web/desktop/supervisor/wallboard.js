// The supervisor's wallboard (R44): wiring. It holds the board's state (board.js folds the
// server's events and answers into it), reads the rows from the server at start, after a
// reconnect and after a `reload` event, and draws the tables at most once per animation frame
// however many events arrive. Only the session (session.js) talks to the server.

import { $, tick } from "../dom.js";
import { t } from "../i18n.js";
import { createSession, errorText } from "../session.js";
import { initialBoard, reduceBoard, withAgent, withRows, withView } from "./board.js";
import { addWallboardTexts } from "./texts.js";
import { initLanguage, signedInSupervisor } from "./page.js";
import { openActDialog, renderAgentFilters, renderAgents, renderQueues } from "./views.js";

/**
 * @typedef {import("./board.js").BoardState} BoardState
 * @typedef {import("./views.js").BoardIntents} BoardIntents
 */

addWallboardTexts();

/** @type {BoardState} */
let state = initialBoard();
/** The organisation's idle reasons. @type {{ code: string, label: string }[]} */
let reasons = [];
/** Idle reasons' labels by code. @type {Record<string, string>} */
let reasonLabels = {};
let signedIn = false;
/** Events folded since the rows were last asked for: an answer older than them is read again. */
let eventGen = 0;

const session = createSession({
  onEvent(event) {
    eventGen++;
    state = reduceBoard(state, event);
    if (state.stale) readRows();
    draw();
  },
  // The socket (re)opened: read the rows, which also covers events lost beyond the replay.
  onTruth() { readRows(); },
  onOffline(offline) { $("offline").hidden = !offline; },
  onSignedOut() { location.replace("/"); },
  signedIn: () => signedIn,
  lastSeq: () => state.lastSeq,
  truthAfterEvents: false,
});

/** Reads every queue's and agent's row; read again if events arrived meanwhile. */
async function readRows() {
  for (let attempt = 0; attempt < 3; attempt++) {
    const gen = eventGen;
    const [queues, agents] = await Promise.all([
      session.api("GET", "/api/v1/supervisor/queues"), session.api("GET", "/api/v1/supervisor/agents")]);
    if (!queues.ok || !agents.ok) return;
    if (gen !== eventGen && attempt < 2) continue;
    state = withRows(state, queues.data, agents.data);
    draw();
    return;
  }
}

/** @type {BoardIntents} */
const intents = {
  view(change) {
    state = withView(state, change);
    draw();
  },
  act(agent) {
    openActDialog(agent, reasons, async (body) => {
      const reply = await session.api("POST", `/api/v1/supervisor/agents/${agent.id}/state`, body);
      if (!reply.ok) return errorText(reply);
      // The answer is the agent's row now; events say the same a moment later.
      state = withAgent(state, reply.data);
      draw();
      return null;
    });
  },
};

let drawPending = false;
/** Draws on the next animation frame: one render per frame however many events came. */
function draw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    render();
  });
}

/** The thresholds a longest wait crosses are checked every second, with the timers. */
let lastRenderSecond = 0;

function render() {
  const now = Date.now();
  lastRenderSecond = Math.floor(now / 1000);
  renderQueues($("wb-queues"), state, now);
  renderAgentFilters($("wb-filters"), state, intents);
  renderAgents($("wb-agents"), state, intents, reasonLabels);
  const first = Object.values(state.queues)[0];
  $("wb-today").textContent = first ? t("wbToday", new Date(first.day_start).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })) : "";
}

async function boot() {
  initLanguage(render);
  const me = await signedInSupervisor(session);
  if (!me) return;
  signedIn = true;
  $("wb-user").textContent = me.username;
  reasons = me.idle_reasons ?? [];
  reasonLabels = Object.fromEntries(reasons.map((r) => [r.code, r.label]));
  $("sign-out").addEventListener("click", async () => {
    await session.api("POST", "/api/v1/logout");
    signedIn = false;
    session.disconnect();
    location.replace("/");
  });
  // The tables draw the rows in view: scrolling draws the others.
  for (const id of ["wb-queues-scroll", "wb-agents-scroll"]) $(id).addEventListener("scroll", draw, { passive: true });
  await readRows();
  session.connect();
  setInterval(() => {
    // Timers tick in place; a longest wait may have crossed its amber or red threshold.
    tick();
    if (Math.floor(Date.now() / 1000) !== lastRenderSecond) render();
  }, 1000);
}

boot();
