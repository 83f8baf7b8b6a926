// The offer stack (R8) as a component test in a real browser. Digital channels do not exist end
// to end yet, and the engine offers an agent one call at a time, so several requests at once can
// only come from fixtures: the test sits between the page and the real server (Playwright's
// routeWebSocket and route, which exist only in this test's browser) and adds offer events of
// several channels to the real event stream, the matching tasks to GET /api/v1/tasks, and plays
// the server's answer to Accept. The desktop code is the real one, unchanged: the events reach
// the same WebSocket handler as the server's own. The assertions read what the agent sees.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readyAgent, screenshot, startBrowser, startServer } from "./helpers.js";

let server;
let browser;
let page;
let socket; // the page's side of the routed event stream
let myId;
/// Fixture tasks by id, as GET /api/v1/tasks should list them.
const fixtures = new Map();
/// Task ids the desktop sent POST /accept for, in order.
const accepted = [];
const NOW = Date.now();
/// Set once the tests are over and the browser closes.
let closing = false;

before(async () => {
  server = await startServer("6s");
  browser = await startBrowser();
  page = await browser.context.newPage();
  await page.routeWebSocket(/\/api\/v1\/events/, (ws) => {
    ws.connectToServer(); // the server's own events pass through unchanged
    socket = ws;
  });
  await page.route(/\/api\/v1\/tasks$/, async (route) => {
    try {
      const response = await route.fetch();
      const real = response.ok() ? await response.json() : [];
      await route.fulfill({ response, json: [...real, ...fixtures.values()] });
    } catch (error) {
      // A reading of the task list still under way when the browser closes after the last test
      // has nobody left to answer; during a test the error stands.
      if (!closing) throw error;
    }
  });
  await page.route(/\/api\/v1\/tasks\/\d+\/accept$/, async (route) => {
    const id = Number(route.request().url().match(/tasks\/(\d+)\/accept/)[1]);
    const task = fixtures.get(id);
    if (!task || task.channel === "voice") {
      // What the server says to accepting a call with a button (R13).
      await route.fulfill({ status: 409, json: { code: "R13", message: "a call is answered on the phone" } });
      return;
    }
    accepted.push(id);
    Object.assign(task, { phase: "connected", owner: myId, offered_to: null, connected_at: Date.now() });
    send({ type: "connected", task: id, at: task.connected_at });
    await route.fulfill({ status: 200, json: task });
  });
  await readyAgent(page, server, "anna", "Sales", "1001");
  myId = (await page.evaluate(() => fetch("/api/v1/agents/me").then((r) => r.json()))).agent.id;
});
after(async () => {
  closing = true;
  await browser?.close();
  await server?.stop();
});

function send(event) {
  socket.send(JSON.stringify(event));
}

/// Offers one request as the server would: connect popover, then contact request.
function offer(id, channel, offeredAgo, customer) {
  fixtures.set(id, {
    id, channel, kind: "inbound", phase: "offered", queue: null, customer_number: null, dnis: null, owner: null,
    offered_to: myId, consulted: null, consult: null, customer_held: false, recording: { state: "off", resumes_at: null },
    variables: {}, variables_version: 0, connected_at: null,
  });
  send({ type: "reserved", task: id, channel });
  send({
    type: "offer", task: id, channel, kind: "inbound", callback: null, offered_at: NOW - offeredAgo, rona_timeout_ms: 600000,
    variables: [{ name: "customer_name", label: "Customer", value: customer }, { name: "case_number", label: "Case number", value: `C-${id}` }],
  });
  if (channel === "voice") send({ type: "ringing", task: id });
}

/// The customers of the shown requests, top to bottom.
async function shownCustomers() {
  return page.locator("#popovers .popover.offer").evaluateAll((popovers) =>
    popovers.map((p) => [...p.querySelectorAll("dt")].find((dt) => dt.textContent === "Customer")?.nextElementSibling.textContent));
}

test("R8 requests of every channel stack e-mail, social, chat, calls from top to bottom, earliest on top, with 1-5 of N paging", async () => {
  // Three requests: no paging yet, but two digital ones can be accepted together.
  offer(900001, "voice", 50_000, "Vera (call, 50 s)");
  offer(900002, "chat", 40_000, "Cato (chat, 40 s)");
  offer(900003, "email", 10_000, "Emma (e-mail, 10 s)");
  await page.locator("#popovers .popover.offer").nth(2).waitFor();
  assert.deepEqual(await shownCustomers(), ["Emma (e-mail, 10 s)", "Cato (chat, 40 s)", "Vera (call, 50 s)"]);
  assert.equal(await page.locator("#stack-range").count(), 0, "no paging with five or fewer");
  await page.getByRole("button", { name: "Accept 2 requests" }).waitFor();

  // Four more, arriving out of order: seven in all.
  offer(900004, "social", 30_000, "Sofie (social, 30 s)");
  offer(900005, "email", 60_000, "Erik (e-mail, 60 s)");
  offer(900006, "chat", 70_000, "Carl (chat, 70 s)");
  offer(900007, "social", 5_000, "Siri (social, 5 s)");
  const range = page.locator("#stack-range");
  await range.waitFor();
  assert.equal(await range.textContent(), "1-5 of 7");
  // Each new request shows Connecting… for a second first (R6).
  await page.locator("#popovers .popover.offer").nth(4).waitFor();
  assert.deepEqual(await shownCustomers(), [
    "Erik (e-mail, 60 s)", "Emma (e-mail, 10 s)", "Sofie (social, 30 s)", "Siri (social, 5 s)", "Carl (chat, 70 s)",
  ]);
  // Each digital request has its own Accept; a call has none: it is answered on the phone (R13).
  const popovers = page.locator("#popovers .popover.offer");
  for (let i = 0; i < 5; i++) assert.equal(await popovers.nth(i).getByRole("button", { name: "Accept", exact: true }).count(), 1);
  await page.getByRole("button", { name: "Accept 6 requests" }).waitFor();
  await screenshot(page, "14-offer-stack");

  await page.getByRole("button", { name: "Show the next five requests" }).click();
  await page.locator("#stack-range", { hasText: "6-7 of 7" }).waitFor();
  assert.deepEqual(await shownCustomers(), ["Cato (chat, 40 s)", "Vera (call, 50 s)"]);
  const call = page.locator('#popovers .popover[data-task="900001"]');
  assert.equal(await call.getByRole("button", { name: "Accept" }).count(), 0, "no Accept button for a call");
  await call.getByText("Ringing — answer on your phone").waitFor();
  assert.equal(await page.getByRole("button", { name: "Show the next five requests" }).isDisabled(), true);
  await page.getByRole("button", { name: "Show the previous five requests" }).click();
  await page.locator("#stack-range", { hasText: "1-5 of 7" }).waitFor();
});

test("R8 Accept takes one digital request; Accept N requests takes every digital one, on every page, and leaves the call ringing", async () => {
  const emma = page.locator('#popovers .popover[data-task="900003"]');
  await emma.getByRole("button", { name: "Accept", exact: true }).click();
  await emma.waitFor({ state: "detached" });
  assert.deepEqual(accepted, [900003]);
  await page.locator("#stack-range", { hasText: "1-5 of 6" }).waitFor();

  await page.getByRole("button", { name: "Accept 5 requests" }).click();
  await page.locator("#stack-range").waitFor({ state: "detached" });
  assert.deepEqual([...accepted].sort(), [900002, 900003, 900004, 900005, 900006, 900007]);
  assert.ok(!accepted.includes(900001), "the call is not accepted with a button");
  assert.deepEqual(await shownCustomers(), ["Vera (call, 50 s)"]);
  assert.equal(await page.getByRole("button", { name: /^Accept/ }).count(), 0);
  await page.locator('#popovers .popover[data-task="900001"]').getByText("Ringing — answer on your phone").waitFor();
});
