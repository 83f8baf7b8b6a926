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
  // In Norwegian the wallboard reads Norwegian, figures unchanged.
  await board.getByLabel("Language").selectOption("nb");
  await board.getByRole("heading", { name: "Sanntidstavle" }).waitFor();
  await board.locator("#wb-queues thead th", { hasText: /^Servicegrad$/ }).waitFor();
  await agentRow(board, "Anna").locator("td.wb-state", { hasText: /^Tilgjengelig$/ }).waitFor();
  await expectFigure(board, "Sales", "service_level", "50 %");
  await board.getByLabel("Språk").selectOption("en");
  await desk.close();
  await board.close();
});

test("R44 a supervisor assigned to team Sales sees Sales and what Sales serves, never Support's queue or agents", async () => {
  // The administrator creates the supervisor and assigns team Sales (admin API, R43).
  const admin = await agentApi(server, "admin");
  const created = await admin.call("PUT", "/api/v1/admin/users/sales_lead", { role: "supervisor", password: "demo-sales-lead" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const assigned = await admin.call("PUT", "/api/v1/admin/teams/Sales", { supervisors: ["sales_lead"] });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));

  const board = await (await browser.newContext()).newPage();
  await signIn(board, server, "sales_lead", "demo-sales-lead");
  await board.waitForURL(/\/supervisor$/);
  await queueRow(board, "Sales").waitFor();
  await queueRow(board, "Overflow").waitFor();
  assert.equal(await queueRow(board, "Support").count(), 0, "Support's queue is not shown");
  const agents = await board.locator("#wb-agents tbody th").allTextContents();
  assert.deepEqual(agents, ["Anna", "Bjorn", "Cecilie"]);

  // Events of Support do not reach this supervisor: David logs in and nothing about him shows,
  // while the unassigned supervisor sees him.
  const all = await (await browser.newContext()).newPage();
  await signIn(all, server, "supervisor");
  await agentRow(all, "David").waitFor();
  const david = await agentApi(server, "david");
  assert.equal((await david.call("POST", "/api/v1/agents/me/session", { team: "Support", extension: "1004" })).status, 200);
  await agentRow(all, "David").locator("td.wb-state", { hasText: /^Idle$/ }).waitFor();
  assert.equal(await agentRow(board, "David").count(), 0);
  // And the API does not let them act on him.
  const lead = await agentApi(server, "sales_lead", "demo-sales-lead");
  const davidId = (await david.call("GET", "/api/v1/agents/me")).body.agent.id;
  const refused = await lead.call("POST", `/api/v1/supervisor/agents/${davidId}/state`, { state: "logged_out" });
  assert.equal(refused.status, 404);
  // Nor see Support's calls in the history: a call to Support is in the unassigned
  // supervisor's history only.
  const supportCall = await phone(server, "/call", { dnis: "+4721000000", ani: "+4791000077" });
  await phone(server, `/hangup/leg/${supportCall.leg}`);
  const supervisor = await agentApi(server, "supervisor");
  const numbers = async (client) => (await client.call("GET", "/api/v1/interactions")).body.map((i) => i.customer_number);
  assert.ok((await numbers(supervisor)).includes("+4791000077"));
  const leadNumbers = await numbers(lead);
  assert.ok(!leadNumbers.includes("+4791000077"), JSON.stringify(leadNumbers));
  assert.ok(leadNumbers.includes("+4791000002"), "Sales calls are in the history");
  const support = (await supervisor.call("GET", "/api/v1/supervisor/queues")).body.find((q) => q.name === "Support");
  assert.equal((await lead.call("GET", `/api/v1/interactions?queue=${support.id}`)).status, 404);
  await screenshot(board, "wallboard-02-sales-supervisor");
  await all.close();
  await board.close();
});

test("R44 a supervisor forces an agent Idle with a reason, then logs them out: both desktops show it, the agent's says who and why", async () => {
  const desk = await (await browser.newContext()).newPage();
  await readyAgent(desk, server, "bjorn", "Sales", "1002");
  const board = await (await browser.newContext()).newPage();
  await signIn(board, server, "supervisor");
  await agentRow(board, "Bjorn").locator("td.wb-state", { hasText: /^Available$/ }).waitFor();

  await agentRow(board, "Bjorn").getByRole("button", { name: "Set Bjorn Idle or log them out" }).click();
  const dialog = board.locator("#wb-act-dialog");
  await dialog.getByLabel("Idle reason").selectOption("meeting");
  await dialog.getByLabel("Note for the agent").fill("Team briefing in room 2");
  await screenshot(board, "wallboard-03-act-dialog");
  await dialog.getByRole("button", { name: "Apply" }).click();
  await dialog.waitFor({ state: "hidden" });
  await agentRow(board, "Bjorn").locator("td.wb-state", { hasText: /^Idle · Meeting$/ }).waitFor();

  await desk.locator("#state-chip[data-state=\"idle\"]").waitFor();
  await desk.locator("#toast-text", { hasText: "Your supervisor supervisor set you to Idle (Meeting): Team briefing in room 2" }).waitFor();
  await screenshot(desk, "wallboard-04-agent-told");

  // Logged out of the station: the agent's desktop goes back to the station log-in and says so.
  await agentRow(board, "Bjorn").getByRole("button", { name: "Set Bjorn Idle or log them out" }).click();
  await dialog.getByLabel("Log out of the station").check();
  await dialog.getByLabel("Note for the agent").fill("End of shift");
  await dialog.getByRole("button", { name: "Apply" }).click();
  await agentRow(board, "Bjorn").locator("td.wb-state", { hasText: /^Logged out$/ }).waitFor();
  await desk.getByRole("heading", { name: "Log in to your station" }).waitFor();
  await desk.locator("#toast-text", { hasText: "Your supervisor supervisor logged you out of your station: End of shift" }).waitFor();
  await desk.close();
  await board.close();
});
