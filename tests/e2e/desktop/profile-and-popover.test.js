// Issue 24 in a real browser: a team's desktop profile (R43) leaves out the buttons of what the
// team may not do, and each entry point's flow chooses its own popover variables (R9). The
// administrator changes both through the admin API, as an administrator's tools would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, agentApi, phone, readyAgent, screenshot, startBrowser, startServer } from "./helpers.js";

const DN_KUNDESERVICE = "+4721000000";

let server;
let browser;
/** anna, Sales: the demo's profile, everything allowed. */
let anna;
/** david, Support: a profile that allows none of the five actions. */
let david;
/** The administrator, through the API. */
let admin;
before(async () => {
  server = await startServer("20s");
  browser = await startBrowser();
  admin = await agentApi(server, "admin");
  const profile = await admin.call("PUT", "/api/v1/admin/teams/Support", {
    allowed_actions: { consult: false, transfer_to_dial_number: false, pause_recording: false, outdial: false, transfer_to_entry_point: false },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const entry = await admin.call("GET", "/api/v1/admin/entry_points/Kundeservice");
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  const popover = [{ variable: "ani", label: "Ringer" }, { variable: "language" }, { variable: "dnis" }, { variable: "customer_name", label: "Navn" }];
  const flow = await admin.call("PUT", "/api/v1/admin/entry_points/Kundeservice", { ...entry.body, popover });
  assert.equal(flow.status, 200, JSON.stringify(flow.body));
  anna = await browser.context.newPage();
  await readyAgent(anna, server, "anna", "Sales", "1001");
  const other = await browser.newContext();
  david = await other.newPage();
  await readyAgent(david, server, "david", "Support", "1004");
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("R43 R42 an agent whose team may not outdial has no Call a number button; one whose team may has it", async () => {
  await anna.locator("#outdial-open").waitFor();
  assert.equal(await anna.locator("#outdial-open").isVisible(), true);
  assert.equal(await david.locator("#outdial-open").isVisible(), false, "absent for Support, not just refused");
});

test("R9 two entry points, two popovers: Salg keeps the organisation's variables, Kundeservice shows its flow's own, with its labels and in its order", async () => {
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000001" });
  const salg = anna.locator(".popover.offer .variables");
  await salg.waitFor();
  assert.deepEqual(await salg.locator("dt").allTextContents(), ["Case number", "Customer", "Language"]);

  await phone(server, "/call", { dnis: DN_KUNDESERVICE, ani: "+4791000002" });
  const kundeservice = david.locator(".popover.offer .variables");
  await kundeservice.waitFor();
  const rows = await kundeservice.locator("dt").evaluateAll((dts) => dts.map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
  assert.deepEqual(rows, ["Ringer: +4791000002", "Language: nb", "Dialled number: +4721000000", "Navn: —"]);
  await screenshot(david, "r9-flow-popover");
});

test("R43 R16 R27 R31 on a call, Support's agent has no Consult and no Pause recording button, and its Transfer lists only agents and queues", async () => {
  await phone(server, "/answer/1001");
  await phone(server, "/answer/1004");
  const annaPane = anna.locator("#pane-customer");
  await annaPane.waitFor();
  // Sales may do everything: the buttons are there.
  await annaPane.getByRole("button", { name: "Consult" }).waitFor();
  await annaPane.getByRole("button", { name: "Pause recording" }).waitFor();

  const pane = david.locator("#pane-customer");
  await pane.waitFor();
  await pane.getByRole("button", { name: "Transfer" }).waitFor();
  assert.equal(await pane.getByRole("button", { name: "Consult" }).count(), 0, "no Consult button");
  assert.equal(await pane.getByRole("button", { name: "Pause recording" }).count(), 0, "no Pause recording button");
  assert.match(await pane.locator(".recording").textContent(), /Recording/, "the recording state is still shown");
  await screenshot(david, "r43-no-consult");

  await pane.getByRole("button", { name: "Transfer" }).click();
  const dialog = david.locator("#target-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getByRole("tab", { name: "Dial number" }).isVisible(), false);
  assert.equal(await dialog.getByRole("tab", { name: "Organisation" }).isVisible(), false);
  await dialog.getByRole("tab", { name: "Queue / Entry point" }).click();
  const list = dialog.locator("#target-list");
  await list.locator(".choice").first().waitFor();
  const keys = await list.locator(".choice").evaluateAll((items) => items.map((item) => item.dataset.key));
  assert.ok(keys.length > 0 && keys.every((key) => key.startsWith("queue:")), `queues only: ${keys}`);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Sales' transfer dialog has every tab and lists the entry points too.
  await annaPane.getByRole("button", { name: "Transfer" }).click();
  const annaDialog = anna.locator("#target-dialog");
  await annaDialog.getByRole("tab", { name: "Dial number" }).waitFor();
  await annaDialog.getByRole("tab", { name: "Queue / Entry point" }).click();
  await annaDialog.locator('#target-list .choice[data-key^="entry_point:"]').first().waitFor();
  await annaDialog.getByRole("button", { name: "Cancel" }).click();
});

test("R43 a profile the administrator changes applies at once: Support's agent gets the Consult button on the call, without a reload", async () => {
  const pane = david.locator("#pane-customer");
  assert.equal(await pane.getByRole("button", { name: "Consult" }).count(), 0);
  const changed = await admin.call("PUT", "/api/v1/admin/teams/Support", { allowed_actions: { consult: true, outdial: false } });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await pane.getByRole("button", { name: "Consult" }).waitFor();
  assert.equal(await pane.getByRole("button", { name: "Pause recording" }).count(), 1, "pause_recording left out is allowed");
});
