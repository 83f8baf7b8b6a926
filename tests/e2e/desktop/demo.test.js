// `sentral demo` as a newcomer meets it: the real binary with its simulator (simulated customers
// calling over SIP, a simulated SIP phone for every demo agent), a demo agent at the desktop in one
// tab and the demo phones page in another. Nothing is faked: the call arrives over SIP, anna's
// phone rings over SIP, and pressing Answer on the demo phones page answers it over SIP.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, signIn, startBrowser, startDemo } from "./helpers.js";

let demo;
let browser;
let desk;
let phones;
let bjornBrowser; // Bjorn works in a browser of his own (his own session)
let bjorn;
let supervisorBrowser; // the supervisor's own browser (issue 23)
before(async () => {
  demo = await startDemo(["--demo-call-interval", "3s"]);
  browser = await startBrowser();
  desk = await browser.context.newPage();
  phones = await browser.context.newPage();
});
after(async () => {
  await bjornBrowser?.close();
  await supervisorBrowser?.close();
  await browser?.close();
  await demo?.stop();
});

const annaPhone = () => phones.locator('article[data-extension="1001"]');
const bjornPhone = () => phones.locator('article[data-extension="1002"]');

test("R3 a demo agent's simulated phone registers by itself; the desktop links to the demo phones page", async () => {
  assert.ok(demo.phones, "sentral demo prints the demo phones URL");
  await signIn(desk, demo, "anna");
  await desk.getByLabel("Extension").fill("1001");
  await desk.getByLabel("Team").selectOption("Sales");
  await desk.getByRole("button", { name: "Log in" }).click();
  await desk.locator("#phone", { hasText: "Phone registered" }).waitFor();
  const link = desk.locator("#demo-phone-link");
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), "/demo/phone");
  assert.equal(await link.textContent(), "Demo phones");

  await phones.goto(demo.phones);
  await annaPhone().locator(".reg", { hasText: "Registered" }).waitFor();
  assert.equal(await phones.locator("article.phone").count(), 6, "one phone per demo agent");
  await phones.locator("#traffic", { hasText: "one call every 3 s" }).waitFor();
});

test("R6 R13 a simulated call rings anna's phone; it waits for Answer on the demo phones page, which connects the call", async () => {
  const saved = phones.waitForResponse((response) => response.url().endsWith("/manual") && response.ok());
  await annaPhone().getByLabel("Answer myself").check();
  await saved;
  await desk.getByLabel("Change state").selectOption("available");
  await desk.locator('#state-chip[data-state="available"]').waitFor();

  const offer = desk.locator(".popover.offer");
  await offer.waitFor({ timeout: 15000 });
  await offer.locator(".ringing", { hasText: "Ringing" }).waitFor();
  const ringing = annaPhone().locator(".state", { hasText: "Ringing" });
  await ringing.waitFor();
  const caller = (await ringing.textContent()).replace(/^Ringing — /, "");
  assert.match(caller, /^\+47\d{8}$/);
  await screenshot(desk, "demo-01-offer-ringing");
  await screenshot(phones, "demo-02-phone-ringing");
  // A manual phone does not answer by itself (a phone left alone answers within 5 s).
  await phones.waitForTimeout(5500);
  assert.equal(await annaPhone().getAttribute("data-state"), "ringing");
  assert.equal(await offer.count(), 1, "still offered");

  await annaPhone().getByRole("button", { name: "Answer" }).click();
  await annaPhone().locator(".state", { hasText: `In call with ${caller}` }).waitFor();
  const pane = desk.locator("#pane-customer");
  await pane.waitFor();
  assert.equal(await offer.count(), 0, "the offer popover is gone");
  const first = await pane.locator(".timer").textContent();
  assert.match(first, /^0:0\d$/);
  await desk.waitForTimeout(1200);
  assert.notEqual(await pane.locator(".timer").textContent(), first, "the call timer runs");
  assert.match(await pane.textContent(), new RegExp(caller.replace("+", "\\+")));
  // Real audio flows from the customer through Sentral to the phone.
  await annaPhone().locator(".audio", { hasText: /Audio: [1-9]\d+ packets heard/ }).waitFor();
  await screenshot(desk, "demo-03-active-call");
});

test("R14 hold and resume over SIP keep the demo phone in the call", async () => {
  const pane = desk.locator("#pane-customer");
  await pane.getByRole("button", { name: "Hold" }).click();
  await pane.locator(".status", { hasText: "Call on hold" }).waitFor();
  await pane.getByRole("button", { name: "Resume" }).click();
  await pane.locator(".status", { hasText: "Connected" }).waitFor();
  assert.equal(await annaPhone().getAttribute("data-state"), "in_call");
});

test("R36 Hang up on the demo phones page ends the call; the desktop asks for the wrap-up", async () => {
  await annaPhone().getByRole("button", { name: "Hang up" }).click();
  await annaPhone().locator(".state", { hasText: "Idle" }).waitFor();
  const dialog = desk.locator("#wrapup-dialog");
  await dialog.waitFor();
  await dialog.getByLabel("Resolved").check();
  await dialog.getByRole("button", { name: "Submit wrap-up" }).click();
  await dialog.waitFor({ state: "hidden" });
});

test("R16 R18 R19 R25 R36 over SIP: anna consults bjorn, whose demo phone is answered from the page; the consult transfer leaves bjorn with the customer and anna wraps up", async () => {
  // Bjorn logs in and stays Idle (a consult may go to an idle agent, R16), so no new customer
  // call is offered to him; his phone waits for Answer on the page.
  bjornBrowser = await startBrowser();
  bjorn = await bjornBrowser.context.newPage();
  await signIn(bjorn, demo, "bjorn");
  await bjorn.getByLabel("Extension").fill("1002");
  await bjorn.getByLabel("Team").selectOption("Sales");
  await bjorn.getByRole("button", { name: "Log in" }).click();
  await bjorn.locator("#phone", { hasText: "Phone registered" }).waitFor();
  const manual = phones.waitForResponse((response) => response.url().endsWith("/manual") && response.ok());
  await bjornPhone().getByLabel("Answer myself").check();
  await manual;

  // Anna (still Available, her phone manual) gets the next simulated call and answers it.
  await desk.locator(".popover.offer").waitFor({ timeout: 15000 });
  await annaPhone().locator(".state", { hasText: "Ringing" }).waitFor();
  await annaPhone().getByRole("button", { name: "Answer" }).click();
  const customer = desk.locator("#pane-customer");
  await customer.locator(".status", { hasText: "Connected" }).waitFor();

  await customer.getByRole("button", { name: "Consult" }).click();
  const dialog = desk.locator("#target-dialog");
  await dialog.locator(".choice", { hasText: "Bjorn" }).click();
  await dialog.getByRole("button", { name: "Consult", exact: true }).click();
  await dialog.waitFor({ state: "hidden", timeout: 5000 }).catch(async (error) => {
    throw new Error(`the consult was refused: ${await desk.locator("#target-error").textContent()}`, { cause: error });
  });
  await customer.locator(".status", { hasText: "Consult requested" }).waitFor();
  // Bjorn's real (simulated) phone rings over SIP; he answers it on the demo phones page.
  await bjornPhone().locator(".state", { hasText: "Ringing" }).waitFor();
  await bjornPhone().getByRole("button", { name: "Answer" }).click();
  const consult = desk.locator("#pane-consult");
  await consult.locator(".status", { hasText: "Consulting" }).waitFor();
  await customer.locator(".status", { hasText: "Call on hold" }).waitFor();
  await bjorn.locator("#pane-consulted").waitFor();
  await bjornPhone().locator(".audio", { hasText: /Audio: [1-9]\d* packets heard/ }).waitFor();

  await consult.getByRole("button", { name: "Transfer" }).click();
  // Anna leaves and wraps up; her phone is hung up by Sentral.
  const wrapup = desk.locator("#wrapup-dialog");
  await wrapup.waitFor();
  await annaPhone().locator(".state", { hasText: "Idle" }).waitFor();
  await wrapup.getByLabel("Resolved").check();
  await wrapup.getByRole("button", { name: "Submit wrap-up" }).click();
  await wrapup.waitFor({ state: "hidden" });
  // Bjorn now owns the call with the customer, still over SIP.
  await bjorn.locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  assert.equal(await bjornPhone().getAttribute("data-state"), "in_call");
  // R25 R34: the new owner edits every call-data field, filled or not.
  const caseNumber = bjorn.getByRole("textbox", { name: "Case number" });
  await caseNumber.waitFor();
  assert.equal(await caseNumber.isEditable(), true, "bjorn owns the call and may edit");
  assert.equal(await bjorn.locator("#cad-save").isVisible(), true);
  await screenshot(bjorn, "demo-04-after-consult-transfer");
});

test("R35 over SIP: bjorn's save that lost to an earlier save from his second session shows the winning value", async () => {
  const cad = bjorn.locator("#cad");
  const caseNumber = cad.getByRole("textbox", { name: "Case number" });
  await caseNumber.fill("C-mine");
  // A second browser (his own second session) saves first.
  const second = await startBrowser();
  try {
    const other = await second.context.newPage();
    await signIn(other, demo, "bjorn");
    const otherCase = other.locator("#cad").getByRole("textbox", { name: "Case number" });
    await otherCase.waitFor();
    await otherCase.fill("C-theirs");
    await other.locator("#cad").getByRole("button", { name: "Save" }).click();
    await other.locator("#cad-status", { hasText: "Saved" }).waitFor();
  } finally {
    await second.close();
  }
  await cad.getByRole("button", { name: "Save" }).click();
  const conflict = bjorn.locator("#cad-conflict");
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /C-theirs/);
  assert.equal(await caseNumber.inputValue(), "C-mine", "his own edit is kept to save again or reset");
  await cad.getByRole("button", { name: "Reset" }).click();
  assert.equal(await caseNumber.inputValue(), "C-theirs");
});

test("R36 bjorn hangs up on his demo phone and wraps up", async () => {
  await bjornPhone().getByRole("button", { name: "Hang up" }).click();
  const wrapup = bjorn.locator("#wrapup-dialog");
  await wrapup.waitFor();
  await wrapup.getByLabel("Resolved").check();
  await wrapup.getByRole("button", { name: "Submit wrap-up" }).click();
  await wrapup.waitFor({ state: "hidden" });
});

test("R12 R4 over SIP: a call anna's phone does not answer goes to RONA; she recovers by choosing Available", async () => {
  // Anna is Available with a manual phone: the next simulated call rings it and nobody answers.
  await annaPhone().locator(".state", { hasText: "Ringing" }).waitFor({ timeout: 20000 });
  const rona = desk.locator("#rona-popover");
  await rona.waitFor({ timeout: 25000 }); // the demo's RONA timeout is 15 s
  // R12: Sentral cancelled the ringing phone.
  await annaPhone().locator(".state", { hasText: "Idle" }).waitFor();
  await rona.getByRole("button", { name: "Available" }).click();
  await desk.locator('#state-chip[data-state="available"]').waitFor();
  await rona.waitFor({ state: "detached" });
});

test("R44 R31 in the demo a supervisor finds today's calls in the history, plays a recorded one and seeks in it, and opens the week's report", async () => {
  // The calls of the tests above, and eva's and fredrik's, were recorded over SIP (the demo
  // records every call).
  supervisorBrowser = await startBrowser();
  const page = await supervisorBrowser.context.newPage();
  await signIn(page, demo, "supervisor");
  await page.waitForURL(/\/supervisor$/);
  await page.getByRole("link", { name: "History and reports" }).click();
  const recorded = page.locator("#hs-results tbody tr", { hasText: "Recorded" }).first();
  await recorded.waitFor();
  await recorded.getByRole("link").click();
  // A call handed on (a consult transfer) was answered twice: any answer will do.
  await page.locator("#ix-timeline tbody tr[data-event='connected']").first().waitFor();
  await page.waitForFunction(() => /** @type {HTMLAudioElement} */ (document.querySelector("#ix-audio")).readyState >= 1);
  const duration = await page.locator("#ix-audio").evaluate((a) => a.duration);
  assert.ok(duration > 1, `a recording of more than a second: ${duration}`);
  const position = await page.locator("#ix-audio").evaluate((a) => new Promise((resolve) => {
    a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
    a.currentTime = a.duration / 2;
  }));
  assert.ok(Math.abs(position - duration / 2) < 0.5, `sought to ${position} of ${duration}`);
  await page.getByRole("link", { name: "Reports" }).click();
  await page.locator("#rp-chart canvas").waitFor();
  const total = await page.locator('#rp-rows tbody tr[data-queue="total"] td[data-figure="answered"]').textContent();
  assert.ok(Number(total) >= 1, `answered this week: ${total}`);
  assert.match(await page.locator("#rp-csv").getAttribute("href"), /format=csv/);
  await screenshot(page, "demo-history-report");
});
