// R44: the supervisor wallboard's reducer (web/desktop/supervisor/board.js) in node: rows from
// events and answers, the agents serving a queue, alerts, filters and sorting, and that it stays
// pure like the agent's reducer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  agentOf, agentRows, alertLevel, boardState, initialBoard, longestWait, queueRows, reduceBoard, serving, teams, withRows, withView,
} from "../../../../web/desktop/supervisor/board.js";
import { deepFreeze } from "./traces.js";

const targets = {
  service_level_threshold_ms: 20000, waiting_amber: 2, waiting_red: 4, wait_amber_ms: 30000, wait_red_ms: 60000,
  service_level_amber: 80, service_level_red: 60,
};
const queue = (id, name, teams, figures = {}) => ({
  id, name, channel: "voice", teams, waiting: 0, oldest_waiting_since: null, day_start: 0, offered: 0, answered: 0,
  answered_in_threshold: 0, abandoned: 0, service_level_percent: null, handle_ms_average: null, handled: 0, targets, ...figures,
});
const agent = (id, name, team, teams, state = "available", extra = {}) => ({
  id, name, state, idle_reason: null, team, extension: team ? `100${id}` : null, phone_registered: true, task: null,
  popover_shown: false, wrapups: [], state_since: 1000 * id, teams, contacts: [], ...extra,
});
const SALES = queue(1, "Sales", ["Sales"]);
const SUPPORT = queue(2, "Support", ["Support"]);
const OVERFLOW = queue(3, "Overflow", ["Sales", "Support"]);
const ANNA = agent(1, "Anna", "Sales", ["Sales"]);
const BJORN = agent(2, "Bjorn", "Sales", ["Sales"], "idle", { idle_reason: "lunch" });
const DAVID = agent(4, "David", "Support", ["Support"], "rona");
const EVA = agent(5, "Eva", null, ["Support"], "logged_out");

const loaded = () => deepFreeze(withRows(initialBoard(), [SUPPORT, SALES, OVERFLOW], [ANNA, BJORN, DAVID, EVA]));

test("R44: wallboard rows come from the supervisor API and events replace them whole, never changing the state given", () => {
  const state = loaded();
  assert.deepEqual(queueRows(state).map((q) => q.name), ["Support", "Sales", "Overflow"], "in the server's order");
  const waiting = reduceBoard(state, { seq: 7, at_unix_ms: 0, type: "wallboard_queue", queue: { ...SALES, waiting: 1, offered: 1, oldest_waiting_since: 5000 } });
  assert.equal(waiting.queues[1].waiting, 1);
  assert.equal(waiting.lastSeq, 7);
  assert.equal(state.queues[1].waiting, 0, "the state given is unchanged");
  const talking = reduceBoard(waiting, {
    seq: 8, at_unix_ms: 0, type: "wallboard_agent",
    agent: { ...ANNA, task: 9, contacts: [{ task: 9, channel: "voice", customer: "+4791234567", phase: "connected", since: 6000 }] },
  });
  assert.equal(boardState(agentOf(talking, 1)), "busy");
  assert.equal(agentOf(talking, 1).contacts[0].customer, "+4791234567");
  assert.equal(agentOf(state, 1).task, null, "the state given is unchanged");
  // The older event that only counts the waiting still updates the count.
  assert.equal(reduceBoard(talking, { seq: 9, at_unix_ms: 0, type: "queue_changed", queue: 1, waiting: 0 }).queues[1].waiting, 0);
});

test("R44: a reload event marks the board stale until the rows are read again", () => {
  const stale = reduceBoard(loaded(), { seq: 100, at_unix_ms: 0, type: "reload", oldest: 50 });
  assert.equal(stale.stale, true);
  assert.equal(withRows(stale, [SALES], [ANNA]).stale, false);
});

test("R44: agents serving a queue are those logged in to one of its teams, by wallboard state", () => {
  const state = reduceBoard(loaded(), { seq: 1, at_unix_ms: 0, type: "wallboard_agent", agent: { ...ANNA, wrapups: [3] } });
  assert.deepEqual(serving(state, SALES), { available: 0, busy: 1, idle: 1, rona: 0 });
  assert.deepEqual(serving(state, SUPPORT), { available: 0, busy: 0, idle: 0, rona: 1 }, "Eva is logged out");
  assert.deepEqual(serving(state, OVERFLOW), { available: 0, busy: 1, idle: 1, rona: 1 });
});

test("R44: thresholds turn a cell amber then red; the service level is bad when low", () => {
  assert.equal(alertLevel(1, 2, 4), "");
  assert.equal(alertLevel(2, 2, 4), "amber");
  assert.equal(alertLevel(5, 2, 4), "red");
  assert.equal(alertLevel(3, null, null), "");
  assert.equal(alertLevel(null, 2, 4), "");
  assert.equal(alertLevel(90, 80, 60, true), "");
  assert.equal(alertLevel(70, 80, 60, true), "amber");
  assert.equal(alertLevel(50, 80, 60, true), "red");
  assert.equal(longestWait({ ...SALES, oldest_waiting_since: 1000 }, 31000), 30000);
  assert.equal(longestWait(SALES, 31000), null);
});

test("R44: agents filter by team, queue and state, and sort by name, state or time in state", () => {
  const state = loaded();
  const names = (s) => agentRows(s).map((a) => a.name);
  assert.deepEqual(names(state), ["Anna", "Bjorn", "David", "Eva"]);
  assert.deepEqual(names(withView(state, { team: "Support" })), ["David", "Eva"]);
  assert.deepEqual(names(withView(state, { queue: 1 })), ["Anna", "Bjorn"], "only agents logged in to a team of Sales");
  assert.deepEqual(names(withView(state, { queue: 3 })), ["Anna", "Bjorn", "David"]);
  assert.deepEqual(names(withView(state, { state: "idle" })), ["Bjorn"]);
  assert.deepEqual(names(withView(state, { sort: "state" })), ["Anna", "Bjorn", "David", "Eva"]);
  const byName = withView(state, { sort: "name" });
  assert.deepEqual(names(byName), ["Eva", "David", "Bjorn", "Anna"], "a second click turns the order round");
  assert.deepEqual(names(withView(state, { sort: "since" })), ["Anna", "Bjorn", "David", "Eva"]);
  assert.deepEqual(teams(state), ["Sales", "Support"]);
});

test("R44: the wallboard's reducer touches no DOM, does no I/O and reads no clock", () => {
  const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "web", "desktop", "supervisor", "board.js"), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const effects = /\b(document|window|location|navigator|fetch|WebSocket|XMLHttpRequest|sessionStorage|localStorage|setTimeout|setInterval|Date\.now|new Date|performance)\b/;
  assert.equal(source.match(effects)?.[0], undefined);
  assert.equal(source.match(/^\s*import\s/m), null, "imports nothing but types");
});

test("R44: after a few rows change, the agents' order is the same as sorting them all again", () => {
  let state = withView(loaded(), { sort: "since" });
  agentRows(state);
  const fresh = (s) => agentRows({ ...s, view: { ...s.view } }).map((a) => a.name);
  // Each step changes one or two rows; the remembered order must follow exactly.
  const steps = [
    [{ ...ANNA, state: "idle", state_since: 9000 }],
    [{ ...DAVID, state: "available", state_since: 500 }, { ...EVA, state: "available", team: "Support", state_since: 100 }],
    [{ ...BJORN, state: "logged_out", team: null, state_since: 200 }],
  ];
  for (const [i, rows] of steps.entries()) {
    for (const agent of rows) state = reduceBoard(state, { seq: i, at_unix_ms: 0, type: "wallboard_agent", agent });
    assert.deepEqual(agentRows(state).map((a) => a.name), fresh(state), `step ${i}`);
  }
  const idle = withView(state, { state: "available" });
  agentRows(idle);
  const back = reduceBoard(idle, { seq: 9, at_unix_ms: 0, type: "wallboard_agent", agent: { ...ANNA, state: "available", state_since: 50 } });
  assert.deepEqual(agentRows(back).map((a) => a.name), ["Anna", "Eva", "David"], "the earliest since first");
  assert.deepEqual(agentRows(back).map((a) => a.name), fresh(back));
});
