// R44 (issue 23): the history page's pure helpers: routes, the search's and the reports' API
// paths, the chart's series.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chartData, dayBefore, dayStartMs, durationMs, reportPath, routeOf, searchPath, seconds } from "../../../../web/desktop/supervisor/history-model.js";

test("R44 the page's routes come from the location's hash", () => {
  assert.deepEqual(routeOf("#interaction/42"), { view: "interaction", id: 42 });
  assert.deepEqual(routeOf("#reports"), { view: "reports" });
  assert.deepEqual(routeOf(""), { view: "search" });
  assert.deepEqual(routeOf("#interaction/x"), { view: "search" });
});

test("R44 a search asks for its filters, the last day included, a page at a time", () => {
  const path = new URL(searchPath({ from: "2026-12-01", to: "2026-12-07", queue: "3", channel: "voice", wrapup_reason: " sale ",
    customer_number: "", agent: "" }, 77), "http://x");
  assert.equal(path.pathname, "/api/v1/interactions");
  const params = Object.fromEntries(path.searchParams);
  assert.equal(Number(params.from), dayStartMs("2026-12-01"));
  assert.equal(Number(params.to), dayStartMs("2026-12-08"), "up to the midnight after the last day");
  assert.equal(params.wrapup_reason, "sale");
  assert.equal(params.before, "77");
  assert.equal(params.limit, "25");
  assert.ok(!("customer_number" in params) && !("agent" in params), "empty filters are left out");
  assert.equal(dayStartMs("1 Dec"), null);
});

test("R44 a report's path names its period and, for CSV, its table", () => {
  assert.equal(reportPath({ kind: "queues", from: "2026-12-01", to: "2026-12-07", queue: "2" }),
    "/api/v1/reports/queues?from=2026-12-01&to=2026-12-07&queue=2");
  assert.equal(reportPath({ kind: "agents", from: "2026-12-01", to: "2026-12-07", queue: "2", agent: "" }, "hours"),
    "/api/v1/reports/agents?from=2026-12-01&to=2026-12-07&format=csv&table=hours");
  assert.equal(dayBefore(new Date(2026, 0, 3), 6), "2025-12-28");
});

test("R44 the chart's series are the hours' figures, x in seconds", () => {
  const hour = (start, offered, answered) => ({ start, local: "", offered, answered, abandoned: 0, handled: 0,
    service_level_percent: null, handle_ms_average: null, wait_ms_average: null });
  assert.deepEqual(chartData([hour(3_600_000, 2, 1), hour(7_200_000, 0, 0)], ["offered", "answered"]), [[3600, 7200], [2, 0], [1, 0]]);
  assert.equal(durationMs({ created_at: 1000, ended_at: null }), null);
  assert.equal(durationMs({ created_at: 1000, ended_at: 4000 }), 3000);
  assert.equal(seconds(1234), "1.2");
  assert.equal(seconds(null), "");
});
