// Sign-in, station log-in, the phone-registered indicator and state changes, in a real browser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { agentApi, phone, readyAgent, screenshot, signIn, startBrowser, startServer } from "./helpers.js";

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

test("sign-in: a wrong password is a clear error, and repeated failures show the slow-down wait", async () => {
  const page = await browser.context.newPage();
  await signIn(page, server, "eva", "wrong");
  await page.locator("#signin-error", { hasText: "Wrong user name or password." }).waitFor();
  // After 3 failures in a row the account waits before the next attempt (429, Retry-After).
  for (let i = 0; i < 2; i++) {
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#signin-error", { hasText: "Wrong user name or password." }).waitFor();
  }
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#signin-error", { hasText: "Too many failed sign-ins for this account: wait" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Sign in" }).isDisabled(), true);
  await screenshot(page, "01-sign-in-slow-down");
  await page.close();
});

test("R3 sign-in and station log-in: the phone indicator says why no calls come until the phone registers", async () => {
  const page = await browser.context.newPage();
  await signIn(page, server, "anna");
  await page.getByRole("heading", { name: "Log in to your station" }).waitFor();
  await page.getByLabel("Team").selectOption("Sales");
  await page.getByLabel("Extension").fill("1001");
  await page.getByLabel("Extension").press("Enter");
  await page.locator("#phone", { hasText: "Phone not registered" }).waitFor();
  const help = page.locator("#phone-help");
  await help.waitFor();
  assert.match(await help.textContent(), /No calls can reach you: the phone at extension 1001 is not registered/);
  await screenshot(page, "02-phone-not-registered");
  await phone(server, "/register/1001");
  // No event says the phone registered: the desktop looks again by itself.
  await page.locator("#phone", { hasText: "Phone registered" }).waitFor({ timeout: 8000 });
  assert.equal(await help.isHidden(), true);
  assert.equal(await page.locator("#station-text").textContent(), "Sales · ext. 1001");
  await page.close();
});

test("R3 state: Available, then Idle with a reason, with a coloured state icon; a reload shows the same", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await page.locator("#state-label").waitFor();
  await page.getByLabel("Change state").selectOption("available");
  await page.locator("#state-label", { hasText: /^Available$/ }).waitFor();
  assert.equal(await page.locator("#state-chip").getAttribute("data-state"), "available");
  const green = await page.locator("#state-chip .state-icon").evaluate((el) => getComputedStyle(el).backgroundColor);
  await page.getByLabel("Change state").selectOption("idle:lunch");
  await page.locator("#state-label", { hasText: "Idle — Lunch" }).waitFor();
  const amber = await page.locator("#state-chip .state-icon").evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(green, amber);
  await screenshot(page, "03-idle-lunch");
  await page.reload();
  await page.locator("#state-label", { hasText: "Idle — Lunch" }).waitFor();
  await page.close();
});

test("sign-out returns to the sign-in form", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.close();
});

test("R3 signing out while Available logs the agent out of the station, so no call is offered to an agent who has left", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await readyAgent(page, server, "bjorn", "Sales", "1002");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  // Signed in again (another browser, as the next morning): the station is asked for anew.
  const api = await agentApi(server, "bjorn");
  const me = await api.call("GET", "/api/v1/agents/me");
  assert.equal(me.body.agent.state, "logged_out");
  await signIn(page, server, "bjorn");
  await page.getByRole("heading", { name: "Log in to your station" }).waitFor();
  await context.close();
});

test("R44 a supervisor who signs in to the desktop gets the wallboard, not the agent's screens", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, "supervisor");
  await page.waitForURL(/\/supervisor$/);
  await page.getByRole("heading", { name: "Wallboard" }).waitFor();
  assert.equal(await page.locator("#wb-user").textContent(), "supervisor");
  assert.equal(await page.getByRole("heading", { name: "No agent desktop for this user" }).count(), 0);
  await context.close();
});

test("R3 station log-in: an extension in use is refused with a sentence naming the colleague, never an internal id, and the last extension is remembered", async () => {
  // Issue 17 defect 10. The organisation lets Anna use Bjorn's desk phone, and she logs in there.
  const admin = await agentApi(server, "admin");
  const entry = { name: "Anna", extension: "1001", teams: ["Sales"], skills: ["norwegian"], stations: ["1002"] };
  const changed = await admin.call("PUT", "/api/v1/admin/users/anna", { role: "agent", agent: entry });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const anna = await agentApi(server, "anna");
  await anna.call("DELETE", "/api/v1/agents/me/session");
  const taken = await anna.call("POST", "/api/v1/agents/me/session", { team: "Sales", extension: "1002" });
  assert.equal(taken.status, 200, JSON.stringify(taken.body));

  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, "bjorn");
  await page.getByRole("heading", { name: "Log in to your station" }).waitFor();
  await page.getByLabel("Extension").fill("1002");
  await page.getByRole("button", { name: "Log in" }).click();
  const error = page.locator("#station-error");
  await error.waitFor();
  assert.equal(await error.textContent(), "Extension 1002 is in use by Anna. Choose your own phone, or ask Anna to log out of the station.");
  await page.getByLabel("Extension").fill("1003");
  await page.getByRole("button", { name: "Log in" }).click();
  await error.filter({ hasText: "Extension 1003 is not one of your phones. Log in at 1002." }).waitFor();

  // Anna leaves the phone; Bjorn logs in at it, signs out, and finds it filled in next time.
  await anna.call("DELETE", "/api/v1/agents/me/session");
  await page.getByLabel("Extension").fill("1002");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#station-text", { hasText: "Sales · ext. 1002" }).waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  // An earlier test left Bjorn a session elsewhere, which keeps him on the station.
  await (await agentApi(server, "bjorn")).call("DELETE", "/api/v1/agents/me/session");
  await page.reload();
  await signIn(page, server, "bjorn");
  await page.getByRole("heading", { name: "Log in to your station" }).waitFor();
  assert.equal(await page.getByLabel("Extension").inputValue(), "1002");
  await context.close();
});
