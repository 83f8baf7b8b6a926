// R44: the supervisor's wallboard in a real browser against the e2e server: its numbers change as
// calls arrive, wait, are answered and abandoned, and match the history; an agent's row changes
// live.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, agentApi, endAndWrapUp, phone, readyAgent, screenshot, signIn, startBrowser, startServer } from "./helpers.js";

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The wallboard's row of a queue, by name. */
const queueRow = (page, name) => page.locator("#wb-queues tbody tr", { has: page.locator("th", { hasText: new RegExp(`^${name}$`) }) });
/** One figure of a queue's row. */
const figure = (page, name, key) => queueRow(page, name).locator(`td[data-figure="${key}"]`);
/** Waits until a figure reads `text`. */
async function expectFigure(page, name, key, text) {
  await figure(page, name, key).filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: 8000 });
}
/** The wallboard's row of an agent, by name. */
const agentRow = (page, name) => page.locator("#wb-agents tbody tr", { has: page.locator("th", { hasText: new RegExp(`^${name}$`) }) });

test("R44 a supervisor who signs in gets the wallboard; its figures follow calls that wait, are abandoned and answered, and match the history", async () => {
  const board = await (await browser.newContext()).newPage();
  await signIn(board, server, "supervisor");
  await board.waitForURL(/\/supervisor$/);
  await board.getByRole("heading", { name: "Wallboard" }).waitFor();
  for (const name of ["Sales", "Support", "Overflow"]) await queueRow(board, name).waitFor();
  await expectFigure(board, "Sales", "offered", "0");
  assert.equal(await agentRow(board, "Anna").locator("td.wb-state").textContent(), "Logged out");

  // A customer calls Sales while nobody serves it: the call waits, the longest wait ticks.
  const first = await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000001" });
  await expectFigure(board, "Sales", "waiting", "1");
  await expectFigure(board, "Sales", "offered", "1");
  await figure(board, "Sales", "longest_wait").filter({ hasText: /^0:0[2-9]$/ }).waitFor({ timeout: 8000 });
  // The customer gives up: abandoned, nobody waits, the service level is 0 % and red.
  await phone(server, `/hangup/leg/${first.leg}`);
  await expectFigure(board, "Sales", "abandoned", "1");
  await expectFigure(board, "Sales", "waiting", "0");
  await expectFigure(board, "Sales", "service_level", "0 %");
  assert.equal(await figure(board, "Sales", "service_level").getAttribute("class"), "num red");
  assert.equal(await figure(board, "Sales", "longest_wait").textContent(), "");

  // Anna becomes Available: her row changes live, Sales has one agent available.
  const desk = await (await browser.newContext()).newPage();
  await readyAgent(desk, server, "anna", "Sales", "1001");
  await agentRow(board, "Anna").locator("td.wb-state", { hasText: /^Available$/ }).waitFor();
  await expectFigure(board, "Sales", "available", "1");

  // A second call is offered to her at once and answered: answered within the threshold.
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000002" });
  await agentRow(board, "Anna").locator("li", { hasText: "Voice · +4791000002 · Ringing" }).waitFor();
  await phone(server, "/answer/1001");
  await agentRow(board, "Anna").locator("li", { hasText: "Voice · +4791000002 · Talking" }).waitFor();
  await expectFigure(board, "Sales", "answered", "1");
  await expectFigure(board, "Sales", "offered", "2");
  await expectFigure(board, "Sales", "busy", "1");
  await expectFigure(board, "Sales", "service_level", "50 %");
  await screenshot(board, "wallboard-01-call-answered");

  // She ends and wraps up: the average handle time appears, she is Available again.
  await endAndWrapUp(desk);
  await figure(board, "Sales", "aht").filter({ hasText: /^\d+:\d\d$/ }).waitFor({ timeout: 8000 });
  await agentRow(board, "Anna").locator("td.wb-state", { hasText: /^Available$/ }).waitFor();
  assert.equal(await agentRow(board, "Anna").locator("li").count(), 0);

  // The wallboard's figures match the history of Sales.
  const supervisor = await agentApi(server, "supervisor");
  const queues = (await supervisor.call("GET", "/api/v1/supervisor/queues")).body;
  const sales = queues.find((q) => q.name === "Sales");
  const history = (await supervisor.call("GET", `/api/v1/interactions?queue=${sales.id}`)).body;
  assert.equal(history.length, 2, "two calls reached Sales");
  assert.equal(Number(await figure(board, "Sales", "offered").textContent()), history.length);
  const answered = history.filter((i) => i.states.some((s) => s.state === "connected"));
  assert.equal(Number(await figure(board, "Sales", "answered").textContent()), answered.length);
  assert.equal(Number(await figure(board, "Sales", "abandoned").textContent()), history.length - answered.length);
  assert.deepEqual([sales.offered, sales.answered, sales.abandoned, sales.handled], [2, 1, 1, 1]);
  await desk.close();
  await board.close();
});
