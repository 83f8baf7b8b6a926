// Loads the recorded event traces (../traces/, recorded by ../traces.test.js from the real server)
// and replays them through the desktop's reducer.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SAVED, initialState, reduce, withMe, withTasks } from "../../../../web/desktop/reduce.js";

const here = dirname(fileURLToPath(import.meta.url));
export const TRACES = join(here, "..", "traces");

/// One trace: `{scenario, agent, before: {me, tasks, lastSeq}, log: [...], after: {me, tasks}}`.
export function trace(name) {
  return JSON.parse(readFileSync(join(TRACES, `${name}.json`), "utf8"));
}

/// The desk as it stood when the recording began: the server's truth and the last seq seen.
export function start(recorded) {
  const state = initialState({ lastSeq: recorded.before.lastSeq });
  return withTasks(withMe(state, recorded.before.me), recorded.before.tasks);
}

/// The events the page received, in order.
export function events(recorded) {
  return recorded.log.filter((entry) => entry.input === "event").map((entry) => entry.event);
}

/// What a page reload keeps: the saved keys, through JSON as sessionStorage keeps them.
export function reloaded(state) {
  return initialState(Object.fromEntries(SAVED.map((key) => [key, JSON.parse(JSON.stringify(state[key]))])));
}

/// Folds the trace's events (and, with `truth`, the server's answers and page reloads as the page
/// saw them) into the state at its start; `each(state, entry)` sees every step.
export function replay(recorded, { truth = false, each = () => {} } = {}) {
  let state = start(recorded);
  for (const entry of recorded.log) {
    if (entry.input === "event") state = reduce(state, entry.event);
    else if (truth && entry.input === "me") state = withMe(state, entry.body);
    else if (truth && entry.input === "tasks") state = withTasks(state, entry.body);
    else if (truth && entry.input === "reload") state = reloaded(state);
    else continue;
    each(state, entry);
  }
  return state;
}

/// Freezes a value and everything in it, so a write anywhere throws (modules are strict).
export function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
