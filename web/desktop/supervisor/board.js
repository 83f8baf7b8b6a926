// The supervisor's wallboard state (R44): a pure fold of the server's events and answers, as
// reduce.js is for the agent. No DOM, no I/O, no clock: the time is an argument where a figure
// needs it.
//
// The server sends whole rows (`wallboard_queue`, `wallboard_agent`), at most one per queue and
// agent per engine input, so folding an event is replacing a row; `GET /api/v1/supervisor/queues`
// and `/agents` replace them all (after a reconnect or a `reload`).

/**
 * @typedef {import("../wire.js").EventEnvelope} EventEnvelope
 * @typedef {import("../wire.js").WallboardQueueDto} WallboardQueueDto
 * @typedef {import("../wire.js").WallboardAgentDto} WallboardAgentDto
 */

/**
 * How the agents' table is cut and ordered.
 * @typedef {Object} AgentView
 * @property {string} team A team's name, or "" for every team.
 * @property {number | null} queue Only agents who serve this queue (by their team).
 * @property {string} state A state (`available`, `busy`, `idle`, `rona`, `logged_out`) or "".
 * @property {"name" | "team" | "state" | "since"} sort
 * @property {boolean} descending
 */

/**
 * The wallboard.
 * @typedef {Object} BoardState
 * @property {Record<string, WallboardQueueDto>} queues By id.
 * @property {AgentTable} agents By id (`agentOf`, `allAgents`).
 * @property {number[]} order The queues' ids in the configuration's order (the server's).
 * @property {number | null} lastSeq The last event's sequence number, for `?since=`.
 * @property {boolean} stale A `reload` event said events were lost: read the rows again.
 * @property {AgentView} view
 */

/**
 * The agents by id, in buckets by id: replacing one row copies one bucket (a few hundred
 * entries) instead of all 10,000, so that 200 events a second cost little (docs/benchmarks.md).
 * @typedef {{ buckets: Record<string, WallboardAgentDto>[], size: number }} AgentTable
 */

/** How many buckets an agent table has. */
const BUCKETS = 64;

/**
 * @param {WallboardAgentDto[]} rows
 * @returns {AgentTable}
 */
function agentTable(rows) {
  /** @type {Record<string, WallboardAgentDto>[]} */
  const buckets = Array.from({ length: BUCKETS }, () => ({}));
  for (const agent of rows) buckets[agent.id % BUCKETS][agent.id] = agent;
  return { buckets, size: rows.length };
}

/**
 * The table with one row replaced or added.
 * @param {AgentTable} table
 * @param {WallboardAgentDto} agent
 * @returns {AgentTable}
 */
function withAgentRow(table, agent) {
  const index = agent.id % BUCKETS;
  const bucket = table.buckets[index];
  const buckets = table.buckets.slice();
  buckets[index] = { ...bucket, [agent.id]: agent };
  return { buckets, size: table.size + (agent.id in bucket ? 0 : 1) };
}

/**
 * An agent's row.
 * @param {BoardState} state
 * @param {number} id
 * @returns {WallboardAgentDto | undefined}
 */
export function agentOf(state, id) {
  return state.agents.buckets[id % BUCKETS][id];
}

/**
 * Every agent's row.
 * @param {BoardState} state
 * @returns {WallboardAgentDto[]}
 */
export function allAgents(state) {
  return state.agents.buckets.flatMap((bucket) => Object.values(bucket));
}

/** @returns {BoardState} */
export function initialBoard() {
  return {
    queues: {},
    agents: agentTable([]),
    order: [],
    lastSeq: null,
    stale: false,
    view: { team: "", queue: null, state: "", sort: "name", descending: false },
  };
}

/**
 * Folds one event.
 * @param {BoardState} state
 * @param {EventEnvelope} event
 * @returns {BoardState}
 */
export function reduceBoard(state, event) {
  const next = { ...state, lastSeq: event.seq ?? state.lastSeq };
  switch (event.type) {
    case "wallboard_queue": {
      const order = state.order.includes(event.queue.id) ? state.order : [...state.order, event.queue.id];
      return { ...next, order, queues: { ...state.queues, [event.queue.id]: event.queue } };
    }
    case "wallboard_agent":
      return { ...next, agents: withAgentRow(state.agents, event.agent) };
    case "queue_changed": {
      const queue = state.queues[event.queue];
      if (!queue) return next;
      return { ...next, queues: { ...state.queues, [event.queue]: { ...queue, waiting: event.waiting } } };
    }
    case "reload":
      return { ...next, stale: true };
    default:
      return next;
  }
}

/**
 * The server's rows, replacing what events said.
 * @param {BoardState} state
 * @param {WallboardQueueDto[]} queues
 * @param {WallboardAgentDto[]} agents
 * @returns {BoardState}
 */
export function withRows(state, queues, agents) {
  return {
    ...state,
    stale: false,
    order: queues.map((q) => q.id),
    queues: Object.fromEntries(queues.map((q) => [q.id, q])),
    agents: agentTable(agents),
  };
}

/**
 * An agent's row as an answer had it (after acting on the agent).
 * @param {BoardState} state
 * @param {WallboardAgentDto} agent
 * @returns {BoardState}
 */
export function withAgent(state, agent) {
  return { ...state, agents: withAgentRow(state.agents, agent) };
}

/**
 * @param {BoardState} state
 * @param {Partial<AgentView>} change
 * @returns {BoardState}
 */
export function withView(state, change) {
  const view = { ...state.view, ...change };
  // A second click on the column that sorts turns the order round.
  if (change.sort && change.sort === state.view.sort && change.descending === undefined) view.descending = !state.view.descending;
  else if (change.sort && change.sort !== state.view.sort) view.descending = false;
  return { ...state, view };
}

/**
 * What the wallboard calls an agent's state: busy while offered, on a contact or wrapping up,
 * else the chosen state.
 * @param {WallboardAgentDto} agent
 * @returns {"logged_out" | "available" | "busy" | "idle" | "rona"}
 */
export function boardState(agent) {
  if (agent.state === "logged_out") return "logged_out";
  if (agent.contacts.length > 0 || agent.task !== null || agent.wrapups.length > 0) return "busy";
  return agent.state;
}

/** @typedef {{ available: number, busy: number, idle: number, rona: number }} Serving */

/** Counts by team, computed once per set of agents (a pure memo of `servingByTeam`). */
const servingMemo = new WeakMap();

/**
 * The logged-in agents of each team, by wallboard state: one pass over the agents, so that
 * every queue's counts cost only its teams.
 * @param {BoardState} state
 * @returns {Record<string, Serving>}
 */
export function servingByTeam(state) {
  const known = servingMemo.get(state.agents);
  if (known) return known;
  /** @type {Record<string, Serving>} */
  const byTeam = {};
  for (const bucket of state.agents.buckets) {
    // A bucket no event changed keeps its counts.
    let counts = servingMemo.get(bucket);
    if (!counts) {
      counts = {};
      for (const agent of Object.values(bucket)) {
        const name = boardState(agent);
        if (!agent.team || name === "logged_out") continue;
        (counts[agent.team] ??= { available: 0, busy: 0, idle: 0, rona: 0 })[name] += 1;
      }
      servingMemo.set(bucket, counts);
    }
    for (const [team, of] of Object.entries(counts)) {
      const sum = byTeam[team] ??= { available: 0, busy: 0, idle: 0, rona: 0 };
      sum.available += of.available;
      sum.busy += of.busy;
      sum.idle += of.idle;
      sum.rona += of.rona;
    }
  }
  servingMemo.set(state.agents, byTeam);
  return byTeam;
}

/**
 * The agents logged in to a team that serves the queue, by wallboard state (an agent is logged
 * in to one team, so the teams' counts add up).
 * @param {BoardState} state
 * @param {WallboardQueueDto} queue
 * @returns {Serving}
 */
export function serving(state, queue) {
  const byTeam = servingByTeam(state);
  const counts = { available: 0, busy: 0, idle: 0, rona: 0 };
  for (const team of queue.teams) {
    const of = byTeam[team];
    if (!of) continue;
    counts.available += of.available;
    counts.busy += of.busy;
    counts.idle += of.idle;
    counts.rona += of.rona;
  }
  return counts;
}

/**
 * The queues in the configuration's order.
 * @param {BoardState} state
 * @returns {WallboardQueueDto[]}
 */
export function queueRows(state) {
  return state.order.map((id) => state.queues[id]).filter((queue) => queue !== undefined);
}

/**
 * A cell's alert: "red", "amber" or "" for a value against its two thresholds; `below` for
 * figures that are bad when low (the service level).
 * @param {number | null} value
 * @param {number | null} amber
 * @param {number | null} red
 * @param {boolean} [below]
 */
export function alertLevel(value, amber, red, below = false) {
  if (value === null) return "";
  const past = (/** @type {number | null} */ limit) => limit !== null && (below ? value < limit : value >= limit);
  if (past(red)) return "red";
  if (past(amber)) return "amber";
  return "";
}

/**
 * The longest wait of a queue at `now` (ms), or null when nobody waits.
 * @param {WallboardQueueDto} queue
 * @param {number} now
 */
export function longestWait(queue, now) {
  return queue.oldest_waiting_since === null ? null : Math.max(0, now - queue.oldest_waiting_since);
}

/**
 * The agents as the view cuts and orders them.
 * @param {BoardState} state
 * @returns {WallboardAgentDto[]}
 */
export function agentRows(state) {
  const { team, queue, state: wanted, sort, descending } = state.view;
  const serves = queue === null ? null : state.queues[queue]?.teams ?? [];
  /** @param {WallboardAgentDto} agent */
  const include = (agent) => {
    if (team && !agent.teams.includes(team)) return false;
    if (serves && !(agent.team && serves.includes(agent.team))) return false;
    if (wanted && boardState(agent) !== wanted) return false;
    return true;
  };
  /** @type {(agent: WallboardAgentDto) => string | number} */
  const key = {
    name: (/** @type {WallboardAgentDto} */ a) => a.name.toLowerCase(),
    team: (/** @type {WallboardAgentDto} */ a) => a.team ?? a.teams[0] ?? "",
    state: (/** @type {WallboardAgentDto} */ a) => STATE_ORDER.indexOf(boardState(a)),
    // The longest in their state first: the earliest `since`.
    since: (/** @type {WallboardAgentDto} */ a) => a.state_since ?? Number.MAX_SAFE_INTEGER,
  }[sort];
  /** @type {(a: WallboardAgentDto, b: WallboardAgentDto) => number} */
  const compare = (a, b) => {
    const [x, y] = [sortKey(a, sort, key), sortKey(b, sort, key)];
    const order = x < y ? -1 : x > y ? 1 : a.id - b.id;
    return descending ? -order : order;
  };
  const servesKey = serves === null ? null : serves.join("\n");
  const memo = rowsMemo.get(state.view);
  if (memo && memo.servesKey === servesKey && memo.agents !== state.agents) {
    // A few rows changed since the last time (an event or two per frame): take them out and
    // put them back at their place, instead of sorting 10,000 rows again.
    /** @type {WallboardAgentDto[]} */
    const changed = [];
    state.agents.buckets.forEach((bucket, index) => {
      const before = memo.agents.buckets[index];
      if (bucket === before) return;
      for (const id in bucket) if (bucket[id] !== before[id]) changed.push(bucket[id]);
    });
    if (changed.length <= 64 && memo.agents.size === state.agents.size) {
      const gone = new Set(changed.map((agent) => agent.id));
      const rows = memo.rows.filter((/** @type {WallboardAgentDto} */ agent) => !gone.has(agent.id));
      for (const agent of changed) {
        if (!include(agent)) continue;
        let low = 0;
        let high = rows.length;
        while (low < high) {
          const middle = (low + high) >> 1;
          if (compare(rows[middle], agent) < 0) low = middle + 1;
          else high = middle;
        }
        rows.splice(low, 0, agent);
      }
      rowsMemo.set(state.view, { agents: state.agents, servesKey, rows });
      return rows;
    }
  }
  if (memo && memo.servesKey === servesKey && memo.agents === state.agents) return memo.rows;
  const rows = allAgents(state).filter(include);
  rows.sort(compare);
  rowsMemo.set(state.view, { agents: state.agents, servesKey, rows });
  return rows;
}

/** The last rows of each view: the agents they were cut from, and the queue filter's teams. */
const rowsMemo = new WeakMap();

/** Sort keys by row object and column: a row's key is computed once, not per render. */
const sortKeys = new WeakMap();

/**
 * @param {WallboardAgentDto} agent
 * @param {string} sort
 * @param {(agent: WallboardAgentDto) => string | number} key
 */
function sortKey(agent, sort, key) {
  let keys = sortKeys.get(agent);
  if (!keys) sortKeys.set(agent, keys = {});
  return keys[sort] ??= key(agent);
}

/**
 * Every team named by an agent or a queue, sorted, for the filter.
 * @param {BoardState} state
 * @returns {string[]}
 */
export function teams(state) {
  // The teams change only with the configuration, when the rows are read again (`withRows`
  // makes a new `order`): computed once per reading, not per event.
  const known = teamsMemo.get(state.order);
  if (known) return known;
  const names = new Set();
  for (const agent of allAgents(state)) for (const team of agent.teams) names.add(team);
  for (const queue of Object.values(state.queues)) for (const team of queue.teams) names.add(team);
  const sorted = [...names].sort();
  teamsMemo.set(state.order, sorted);
  return sorted;
}

/** The teams, by the `order` of the reading they were computed from. */
const teamsMemo = new WeakMap();

/** The wallboard's states, in the order the state column sorts them. */
export const STATE_ORDER = ["available", "busy", "idle", "rona", "logged_out"];
