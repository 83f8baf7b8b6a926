// R16: the consult dialog's Organisation tab shows the presence of an expert whose work phone is
// an extension on Sentral (Available / Busy / Offline from the phone's registration and calls),
// none for an expert with an outside number; the presence is read when the list is fetched, so
// it may lag, and Refresh reads it again. Experts are found by their full number.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, agentApi, phone, readyAgent, screenshot, startBrowser, startServer } from "./helpers.js";

const DN_KUNDESERVICE = "+4721000000";

let server;
let browser;
let page;
before(async () => {
  server = await startServer("30s");
  browser = await startBrowser();
  page = await browser.context.newPage();
  // Eva Berg is an expert whose work phone is agent Eva's extension 1005.
  const admin = await agentApi(server, "admin");
  const experts = await admin.call("GET", "/api/v1/admin/experts");
  assert.equal(experts.status, 200, JSON.stringify(experts.body));
  const reply = await admin.call("PUT", "/api/v1/admin/experts", [
    ...experts.body,
    { first_name: "Eva", last_name: "Berg", role: "Team lead", department: "Support", work_phone: "1005" },
  ]);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  await readyAgent(page, server, "anna", "Sales", "1001");
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("R16 experts' presence: none for an outside number, Offline, Available after Refresh, Busy while ringing; found by full number", async () => {
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000001" });
  await page.locator(".popover.offer").waitFor();
  await phone(server, "/answer/1001");
  await page.locator("#pane-customer").getByRole("button", { name: "Consult" }).click();
  const dialog = page.locator("#target-dialog");
  await dialog.getByRole("tab", { name: "Organisation" }).click();
  const kari = dialog.locator(".choice", { hasText: "Kari Nordmann" });
  const eva = dialog.locator(".choice", { hasText: "Eva Berg" });
  await eva.waitFor();
  assert.equal(await kari.locator("[data-presence]").count(), 0, "an outside number has no presence");
  await eva.locator('[data-presence="offline"]').waitFor();
  assert.match(await eva.textContent(), /Offline · Team lead · Support · 1005/);

  // The phone registers: the list shown may lag until Refresh reads the presence again.
  await phone(server, "/register/1005");
  await page.waitForTimeout(300);
  assert.equal(await eva.locator('[data-presence="offline"]').count(), 1, "read when fetched");
  await dialog.getByRole("button", { name: "Refresh" }).click();
  await eva.locator('[data-presence="available"]').waitFor();
  assert.match(await eva.textContent(), /Available/);

  // Eva logs in at her phone and a Kundeservice call rings it: Busy after Refresh.
  const agentEva = await agentApi(server, "eva");
  assert.equal((await agentEva.call("POST", "/api/v1/agents/me/session", { team: "Support", extension: "1005" })).status, 200);
  assert.equal((await agentEva.call("PUT", "/api/v1/agents/me/state", { state: "available" })).status, 200);
  await phone(server, "/call", { dnis: DN_KUNDESERVICE, ani: "+4791000002" });
  await dialog.getByRole("button", { name: "Refresh" }).click();
  await eva.locator('[data-presence="busy"]').waitFor();
  assert.match(await eva.textContent(), /Busy/);
  await screenshot(page, "r16-expert-presence");

  // Search by the full number.
  await dialog.getByLabel("Search").fill("1005");
  await kari.waitFor({ state: "detached" });
  assert.equal(await dialog.locator(".choice").count(), 1);
  assert.match(await dialog.locator(".choice").textContent(), /Eva Berg/);
});
