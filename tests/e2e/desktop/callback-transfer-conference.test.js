// Callbacks, blind transfer, conference, recording with Privacy Shield, a failed consult and the
// organisation's call limit, in a real browser. Anna works in one browser context and Bjorn in
// another (each their own session); the phone network is the e2e server's fake (control API) and
// the administrator changes settings through the REST API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, agentApi, endAndWrapUp, phone, readyAgent, screenshot, startBrowser, startServer, wrapUp } from "./helpers.js";

let server;
let browser;
let anna; // Anna's page
let bjorn; // Bjorn's page, in a second browser context
let admin;
before(async () => {
  server = await startServer("6s");
  browser = await startBrowser();
  anna = await browser.context.newPage();
  await readyAgent(anna, server, "anna", "Sales", "1001");
  const other = await browser.newContext();
  bjorn = await other.newPage();
  await readyAgent(bjorn, server, "bjorn", "Sales", "1002");
  // Bjorn waits Idle unless a test needs him Available, so customer calls go to Anna.
  await setState(bjorn, "idle:lunch", "Idle — Lunch");
  admin = await agentApi(server, "admin");
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function setState(page, value, label) {
  await page.getByLabel("Change state").selectOption(value);
  // Available turns into Ringing at once when a call waits (one primary state, R3): the chosen
  // state is the chip's data-state; an idle reason is in the label.
  await page.locator(`#state-chip[data-state="${value.split(":")[0]}"]`).waitFor();
  if (value.startsWith("idle")) await page.locator("#state-label", { hasText: label }).waitFor();
}

async function settings(patch) {
  const reply = await admin.call("PATCH", "/api/v1/admin/settings", patch);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

/// A customer calls Sales and Anna answers on the phone; answers the customer's leg.
async function annaOnCall(ani) {
  const { leg } = await phone(server, "/call", { dnis: DN_SALES, ani });
  await anna.locator(".popover.offer").waitFor();
  await phone(server, "/answer/1001");
  await anna.locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  return leg;
}

/// Opens the Consult or Transfer dialog and picks Bjorn on the Agent tab.
async function pickBjorn(mode) {
  await anna.locator("#pane-customer").getByRole("button", { name: mode, exact: true }).click();
  const dialog = anna.locator("#target-dialog");
  await dialog.getByRole("heading", { name: mode }).waitFor();
  await dialog.locator(".choice", { hasText: "Bjorn" }).click();
  await dialog.getByRole("button", { name: mode, exact: true }).click();
  await dialog.waitFor({ state: "hidden", timeout: 5000 }).catch(async (error) => {
    throw new Error(`${mode} was refused: ${await anna.locator("#target-error").textContent()}`, { cause: error });
  });
}

test("R11 R37 R38 R40 a courtesy callback's popover shows its label, number, DNIS, queue and a timer; Ringing, then the customer is dialled", async () => {
  // The caller waits in the queue (Anna is Idle), is offered a callback after 1 s and presses 1.
  const entryPoint = (await admin.call("GET", "/api/v1/admin/entry_points/Salg")).body;
  const reply = await admin.call("PUT", "/api/v1/admin/entry_points/Salg", { ...entryPoint, courtesy_callback_after: "1s" });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  await setState(anna, "idle:meeting", "Idle — Meeting");
  const { leg } = await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000011" });
  await anna.waitForTimeout(2500);
  await phone(server, `/dtmf/${leg}/1`);
  await admin.call("PUT", "/api/v1/admin/entry_points/Salg", entryPoint);

  await setState(anna, "available", "Available");
  const popover = anna.locator(".popover.callback");
  await popover.waitFor();
  assert.equal(await popover.locator("h2").textContent(), "CallbackCourtesy callback", "callback icon and label");
  const rows = await popover.locator("dt").evaluateAll((dts) => dts.map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
  assert.deepEqual(rows.slice(0, 3), ["Phone number: +4791000011", "DNIS: +4721000001", "Queue: Sales"]);
  await popover.getByText("Ringing — answer on your phone").waitFor();
  const elapsed = popover.locator(".elapsed");
  const first = await elapsed.textContent();
  await anna.waitForTimeout(1200);
  assert.notEqual(await elapsed.textContent(), first, "the timer since the offer runs");
  await screenshot(anna, "17-courtesy-callback-popover");

  // R38: Anna answers, then the customer is dialled; a courtesy callback cannot be cancelled (R39).
  await phone(server, "/answer/1001");
  await popover.getByText("Calling the customer… Ringing").waitFor();
  assert.equal(await popover.getByRole("button", { name: "Cancel callback" }).count(), 0);
  await anna.locator("#pane-customer .status", { hasText: "Dialling" }).waitFor();
  // R40: the customer answers and is connected.
  await phone(server, "/answer/dial/+4791000011");
  await anna.locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  await popover.waitFor({ state: "detached" });
  await endAndWrapUp(anna);
});

test("R11 R39 a web callback shows the customer's name; Cancel callback replaces Ringing while the customer is dialled and opens the wrap-up", async () => {
  const response = await fetch(`${server.base}/api/v1/callbacks`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": "demo-callback-key-not-a-secret-2026" },
    body: JSON.stringify({ queue: "Sales", name: "Kari Nordmann", number: "+4791234567" }),
  });
  assert.equal(response.status, 201);
  const popover = anna.locator(".popover.callback");
  await popover.waitFor();
  assert.match(await popover.locator("h2").textContent(), /Web callback$/);
  const rows = await popover.locator("dt").evaluateAll((dts) => dts.map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
  assert.deepEqual(rows.slice(0, 3), ["Phone number: +4791234567", "Name: Kari Nordmann", "Queue: Sales"]);
  await popover.locator(".elapsed").waitFor();
  await popover.getByText("Ringing — answer on your phone").waitFor();
  await phone(server, "/answer/1001");
  const cancel = popover.getByRole("button", { name: "Cancel callback" });
  await cancel.waitFor();
  assert.equal(await popover.getByText("Ringing").count(), 0, "Cancel replaces the Ringing status");
  await screenshot(anna, "18-web-callback-cancel");
  await cancel.click();
  await anna.locator("#wrapup-dialog").getByRole("heading", { name: "Wrap-up" }).waitFor();
  await wrapUp(anna);
});

test("R27 transfer with nobody Available: the Agent tab explains that only Available agents can take a transfer; R34 R45 edits the customer's hang-up left unsaved are named in the wrap-up", async () => {
  const leg = await annaOnCall("+4791000127");
  // Bjorn is Idle: nobody can take the call.
  await anna.locator("#pane-customer").getByRole("button", { name: "Transfer", exact: true }).click();
  const dialog = anna.locator("#target-dialog");
  const empty = dialog.locator("#target-empty", { hasText: "Only Available agents" });
  await empty.waitFor();
  assert.equal(await empty.textContent(), "No Available agent found. Only Available agents can take a transfer.");
  assert.equal(await dialog.locator(".choice").count(), 0);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  // Issue 17 defect 9: the customer hangs up while Anna's edit is not saved; it cannot be saved
  // any more, and the wrap-up says so instead of dropping it silently.
  await anna.locator("#cad").getByLabel("Case number", { exact: true }).fill("C-lost");
  await phone(server, `/hangup/leg/${leg}`);
  const lost = anna.locator("#wrapup-lost");
  await lost.waitFor();
  assert.equal(await lost.textContent(), "The call ended before your call-data edits were saved; they were not stored: Case number: “C-lost”.");
  await wrapUp(anna);
});

test("R27 R28 R29 blind transfer to an agent: only Available agents are listed, Anna goes to wrap-up and Bjorn gets the offer, which says it is from Anna and that the call ends if he does not answer", async () => {
  await annaOnCall("+4791000027");
  await setState(bjorn, "available", "Available");
  await anna.locator("#pane-customer").getByRole("button", { name: "Transfer", exact: true }).click();
  const dialog = anna.locator("#target-dialog");
  await dialog.getByRole("heading", { name: "Transfer" }).waitFor();
  await dialog.locator(".choice", { hasText: "Bjorn" }).waitFor();
  assert.deepEqual(await dialog.locator(".choice").allTextContents(), ["BjornAvailable"], "only Available agents (R27)");
  await dialog.locator(".choice", { hasText: "Bjorn" }).click();
  await dialog.getByRole("button", { name: "Transfer", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
  // R29: after any transfer the transferring agent gets the wrap-up dialog.
  await anna.locator("#wrapup-dialog").getByRole("heading", { name: "Wrap-up" }).waitFor();
  assert.equal(await anna.locator("#pane-customer").count(), 0);
  const offer = bjorn.locator(".popover.offer");
  await offer.getByText("Ringing — answer on your phone").waitFor();
  // Issue 17 defect 17: the transferred call says so, and who transferred it.
  await offer.locator("h2", { hasText: "Transferred call from Anna" }).waitFor();
  // R28: the demo drops a blind transfer nobody answers, and the countdown says so (not "back to the queue").
  await offer.getByText("or the call ends.", { exact: false }).waitFor();
  assert.equal(await offer.getByText("goes back to the queue", { exact: false }).count(), 0);
  await screenshot(bjorn, "19-transfer-offer-to-bjorn");
  await wrapUp(anna);
  // The customer's call is older than Bjorn's part of it, whose timer counts from his answer (R19).
  await bjorn.waitForTimeout(1500);
  await phone(server, "/answer/1002");
  const pane = bjorn.locator("#pane-customer", { hasText: "+4791000027" });
  await pane.waitFor();
  assert.match(await pane.locator(".pane-meta").textContent(), /transferred from Anna/);
  assert.match(await pane.locator(".timer").textContent(), /^0:0[01]$/, "the timer counts from Bjorn's answer, not the first");
  await endAndWrapUp(bjorn);
  await setState(bjorn, "idle:lunch", "Idle — Lunch");
});

test("R19 R23 R26 R32 conference after an accepted consult: both agents see it, recording cannot be paused; Bjorn leaves and Anna goes on", async () => {
  await annaOnCall("+4791000023");
  const customer = anna.locator("#pane-customer");
  const consult = anna.locator("#pane-consult");
  // The customer's call is a few seconds old before the consult starts, so each leg's timer differs.
  await anna.waitForTimeout(2200);
  await pickBjorn("Consult");
  await customer.locator(".status", { hasText: "Consult requested" }).waitFor();
  assert.equal(await customer.getByRole("button", { name: "Pause recording" }).isDisabled(), true, "no pause during a consult (R32)");
  await phone(server, "/answer/1002");
  await consult.locator(".status", { hasText: "Consulting" }).waitFor();
  await bjorn.locator("#pane-consulted .status", { hasText: "Consulting" }).waitFor();

  // Issue 17 defects 2 and 3 (R10 R19): Bjorn sees who consults him, by name, extension and
  // team; each leg has its own timer: the consult's, not the customer call's age.
  const consulted = bjorn.locator("#pane-consulted");
  assert.match(await consulted.locator(".pane-title").textContent(), /Consult from Anna \(ext\. 1001, Sales\)$/);
  const seconds = async (timer) => {
    const [m, s] = (await timer.textContent()).split(":").map(Number);
    return m * 60 + s;
  };
  const customerTime = await seconds(customer.locator(".timer"));
  assert.ok(customerTime >= 2, `the customer's call is ${customerTime} s old`);
  assert.ok(await seconds(consult.locator(".timer")) < customerTime, "Anna's consult pane has the consult's own timer");
  assert.ok(await seconds(consulted.locator(".timer")) < customerTime, "Bjorn's timer is the consult's, not the customer call's");

  await consult.getByRole("button", { name: "Conference" }).click();
  await customer.locator(".status", { hasText: "Conference" }).waitFor();
  await consult.locator(".status", { hasText: "In conference" }).waitFor();
  assert.equal(await consult.getByRole("button", { name: "Conference", exact: true }).isDisabled(), true);
  // Issue 17 defect 16 (R19 R23): the second pane is the conference's, not a consult's; Hold says
  // whom it holds in a three-way call.
  assert.match(await consult.locator(".pane-title").textContent(), /^Conference Bjorn$/);
  assert.equal(await consult.getByRole("button", { name: "End consult" }).count(), 0);
  await consult.getByRole("button", { name: "Remove from conference" }).waitFor();
  await customer.getByRole("button", { name: "Hold customer" }).waitFor();
  assert.equal(await customer.getByRole("button", { name: "Pause recording" }).isDisabled(), true, "no pause during a conference (R32)");
  assert.equal(await customer.getByRole("button", { name: "Pause recording" }).getAttribute("title"), "Not during a consult or conference");
  await consulted.locator(".status", { hasText: "In conference" }).waitFor();
  await screenshot(anna, "20-conference");

  // R23 (ours), R26: Bjorn leaves without wrap-up; Anna and the customer go on.
  await consulted.getByRole("button", { name: "Leave conference" }).click();
  await consulted.waitFor({ state: "detached" });
  await bjorn.locator("#no-task").waitFor();
  assert.equal(await bjorn.locator("#wrapup-dialog").isVisible(), false, "the consulted agent submits no wrap-up");
  await consult.waitFor({ state: "detached" });
  await customer.locator(".status", { hasText: "Connected" }).waitFor();
  assert.equal(await customer.getByRole("button", { name: "Pause recording" }).isDisabled(), false);
  await endAndWrapUp(anna);
});

test("R31 R32 recording: Pause shows the Privacy Shield countdown, Resume works, and a pause ends by itself", async () => {
  await settings({ privacy_shield: "3s" });
  await annaOnCall("+4791000031");
  const recording = anna.locator("#pane-customer .recording");
  await recording.getByText("● Recording").waitFor();
  await recording.getByRole("button", { name: "Pause recording" }).click();
  await recording.getByText("Recording paused").waitFor();
  const left = Number((await recording.locator(".countdown").textContent()).replace(" s", ""));
  assert.ok(left >= 1 && left <= 3, `Privacy Shield countdown: ${left}`);
  await screenshot(anna, "21-recording-paused");
  await recording.getByRole("button", { name: "Resume recording" }).click();
  await recording.getByText("● Recording").waitFor();
  // Paused again and left alone: recording resumes by itself after the Privacy Shield time.
  await recording.getByRole("button", { name: "Pause recording" }).click();
  await recording.getByText("Recording paused").waitFor();
  await recording.getByText("● Recording").waitFor({ timeout: 6000 });
  await endAndWrapUp(anna);
  await settings({ privacy_shield: "30s" });
});

test("R12 R21 a consult the consulted agent's phone fails: a translated consult-failed sentence, that agent goes to RONA told the truth, the customer stays with Anna", async () => {
  // Issue 17 defect 4: the message was the server's "R21: … (NoAnswer)" and Bjorn's RONA popover
  // said the call "went back to the queue", false for a consult.
  await annaOnCall("+4791000021");
  await pickBjorn("Consult");
  await anna.locator("#pane-consult").waitFor();
  // Issue 17 defect 4 (R7 R21): both sides count down how long the consult still rings.
  const left = Number((await anna.locator("#pane-consult .consult-rings .countdown").textContent()).replace(" s", ""));
  assert.ok(left >= 1 && left <= 6, `Anna's consult pane counts down: ${left}`);
  const request = bjorn.locator(".popover.offer");
  await request.locator(".countdown").waitFor();
  assert.match(await request.textContent(), /Answer within [1-6] s or the consult request goes back to your colleague\./);
  await phone(server, "/fail/1002");
  const toast = anna.locator("#toast");
  await toast.waitFor();
  assert.equal(await anna.locator("#toast-text").textContent(),
    "Consult failed: the consulted party's phone is not available. The customer is on hold: Resume to talk to them.");
  await anna.locator("#pane-consult").waitFor({ state: "detached" });
  const customer = anna.locator("#pane-customer");
  await customer.locator(".status", { hasText: "Call on hold" }).waitFor();
  await screenshot(anna, "22-consult-failed");
  await anna.locator("#toast-close").click();
  await bjorn.locator("#rona-popover").waitFor();
  const ronaText = await bjorn.locator("#rona-popover").textContent();
  assert.match(ronaText, /Missed consult request \(RONA\)You did not take the consult request/);
  assert.doesNotMatch(ronaText, /queue/);
  await bjorn.locator("#rona-popover").getByRole("button", { name: "Idle" }).click();
  await bjorn.locator("#rona-popover").waitFor({ state: "detached" });
  await customer.getByRole("button", { name: "Resume" }).click();
  await customer.locator(".status", { hasText: "Connected" }).waitFor();
  await endAndWrapUp(anna);
});

test("R2 the organisation's concurrent-call limit: a dial-number consult over the limit is refused and shows reason code R2", async () => {
  await settings({ calls_max: 1 });
  await annaOnCall("+4791000002");
  await anna.locator("#pane-customer").getByRole("button", { name: "Consult", exact: true }).click();
  const dialog = anna.locator("#target-dialog");
  await dialog.getByRole("tab", { name: "Dial number" }).click();
  await dialog.getByLabel("Number or name").fill("+4722000009");
  await dialog.locator("#dial-preview", { hasText: "Will dial +4722000009" }).waitFor();
  await dialog.getByRole("button", { name: "Consult", exact: true }).click();
  const error = dialog.locator("#target-error");
  await error.waitFor();
  assert.match(await error.textContent(), /call limit is reached \(reason code R2\): .*limit of 1 concurrent calls/);
  await screenshot(anna, "23-call-limit-r2");
  await anna.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await settings({ calls_max: 20 });
  await endAndWrapUp(anna);
});

test("R9 R30 R42 outdial from the desktop: dial pad, address book and the cleaning preview; the agent's phone rings, then the customer is dialled", async () => {
  // Issue 17: the API had outdial, the desktop no button.
  await anna.getByRole("button", { name: "Call a number" }).click();
  const dialog = anna.locator("#outdial-dialog");
  await dialog.locator(".choice", { hasText: "Legal desk" }).waitFor();
  // The dial pad types; a number too short cannot be called (R30).
  for (const digit of ["1", "2"]) await dialog.locator(`[data-digit="${digit}"]`).click();
  await dialog.locator("#outdial-preview", { hasText: "Cannot dial 12" }).waitFor();
  assert.equal(await dialog.getByRole("button", { name: "Call", exact: true }).isDisabled(), true);
  // The address book, searched by name.
  await dialog.getByLabel("Number or name").fill("legal");
  await dialog.locator(".choice", { hasText: "Legal desk" }).click();
  await dialog.locator("#outdial-preview", { hasText: "Will dial +4722000000" }).waitFor();
  await screenshot(anna, "26-outdial-dialog");
  await dialog.getByRole("button", { name: "Call", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
  // R9: the outdial popover; the agent's phone rings first, then Sentral dials the customer.
  await anna.locator(".popover.offer h2", { hasText: "Outdial" }).waitFor();
  await phone(server, "/answer/1001");
  await anna.locator("#pane-customer .status", { hasText: "Dialling" }).waitFor();
  await phone(server, "/answer/dial/+4722000000");
  await anna.locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  await endAndWrapUp(anna);
});
