// The wallboard's render benchmark (docs/benchmarks.md): the real reducer and views of
// web/desktop/supervisor/ with N agents and Q queues, fed E events a second for S seconds;
// one render per animation frame at most, each timed from the first DOM change to a finished
// layout. The result goes to `window.result` for bench/wallboard-render to read.

import { agentOf, initialBoard, reduceBoard, withRows } from "/web/desktop/supervisor/board.js";
import { addWallboardTexts } from "/web/desktop/supervisor/texts.js";
import { renderAgentFilters, renderAgents, renderQueues } from "/web/desktop/supervisor/views.js";

const params = new URLSearchParams(location.search);
const N_AGENTS = Number(params.get("agents") ?? 10000);
const N_QUEUES = Number(params.get("queues") ?? 1000);
const RATE = Number(params.get("rate") ?? 200);
const SECONDS = Number(params.get("seconds") ?? 20);
const N_TEAMS = Math.max(1, Math.floor(N_QUEUES / 10));

addWallboardTexts();
// `hide=1`: the tables are not displayed, to tell script time from style and layout.
if (params.get("hide") === "1") document.querySelector("main").style.display = "none";

// A fixed pseudo-random sequence, so that every run plays the same events.
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (n) => Math.floor(random() * n);

const targets = {
  service_level_threshold_ms: 20000, waiting_amber: 3, waiting_red: 6, wait_amber_ms: 30000, wait_red_ms: 60000,
  service_level_amber: 80, service_level_red: 60,
};
const start = Date.now();
const queues = Array.from({ length: N_QUEUES }, (_, i) => ({
  id: i + 1, name: `Queue ${i + 1}`, channel: "voice", teams: [`Team ${i % N_TEAMS}`, `Team ${(i + 1) % N_TEAMS}`],
  waiting: 0, oldest_waiting_since: null, day_start: start - 3600000, offered: 0, answered: 0, answered_in_threshold: 0,
  abandoned: 0, service_level_percent: null, handle_ms_average: null, handled: 0, targets,
}));
const STATES = ["available", "idle", "rona"];
const agents = Array.from({ length: N_AGENTS }, (_, i) => ({
  id: 100000 + i, name: `Agent ${String(i).padStart(5, "0")}`, state: STATES[pick(3)], idle_reason: null,
  team: `Team ${i % N_TEAMS}`, extension: String(10000 + i), phone_registered: true, task: null, popover_shown: false,
  wrapups: [], state_since: start - pick(3600000), teams: [`Team ${i % N_TEAMS}`], contacts: [],
}));

let state = withRows(initialBoard(), queues, agents);
const intents = { view() {}, act() {} };
const $ = (id) => document.getElementById(id);

const durations = [];
let frames = 0;
let renders = 0;
let events = 0;
let pending = false;

function render() {
  const t0 = performance.now();
  const now = Date.now();
  renderQueues($("wb-queues"), state, now);
  renderAgentFilters($("wb-filters"), state, intents);
  renderAgents($("wb-agents"), state, intents, {});
  // Style and layout are part of a render: force them inside the timing.
  void document.body.offsetHeight;
  return performance.now() - t0;
}

/** One event, as the server would send it: a whole row replaced. */
function nextEvent() {
  events++;
  if (random() < 0.7) {
    const old = agentOf(state, 100000 + pick(N_AGENTS));
    const busy = random() < 0.5;
    const agent = {
      ...old, state: STATES[pick(3)], state_since: Date.now(), task: busy ? events : null,
      contacts: busy ? [{ task: events, channel: "voice", customer: `+47${90000000 + pick(9999999)}`, phase: "connected", since: Date.now() }] : [],
    };
    return { seq: events, at_unix_ms: Date.now(), type: "wallboard_agent", agent };
  }
  const old = state.queues[1 + pick(N_QUEUES)];
  const waiting = Math.max(0, old.waiting + (random() < 0.5 ? 1 : -1));
  const queue = {
    ...old, waiting, oldest_waiting_since: waiting ? (old.oldest_waiting_since ?? Date.now()) : null,
    offered: old.offered + 1, answered: old.answered + (waiting ? 0 : 1),
  };
  return { seq: events, at_unix_ms: Date.now(), type: "wallboard_queue", queue };
}

function onEvent(event) {
  state = reduceBoard(state, event);
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    renders++;
    durations.push(render());
  });
}

const first = render();
const countFrames = () => { frames++; if (running) requestAnimationFrame(countFrames); };
let running = true;
requestAnimationFrame(countFrames);
// Events arrive in small bursts every 20 ms, as a socket delivers them.
const perTick = RATE / 50;
let owed = 0;
const feeder = setInterval(() => {
  owed += perTick;
  while (owed >= 1) { onEvent(nextEvent()); owed -= 1; }
}, 20);
setTimeout(() => {
  clearInterval(feeder);
  running = false;
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  window.result = {
    agents: N_AGENTS, queues: N_QUEUES, rate: RATE, seconds: SECONDS, events, frames, renders,
    first_render_ms: first, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: sorted[sorted.length - 1],
    rows: document.querySelectorAll("#wb-agents tbody tr").length + document.querySelectorAll("#wb-queues tbody tr").length,
  };
}, SECONDS * 1000);
