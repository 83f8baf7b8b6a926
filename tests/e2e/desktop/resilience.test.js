// The desktop never lies about state when the network does: the event stream drops, a banner
// says so, the desktop reconnects by itself and receives what it missed (`?since=`), and a page
// reload shows exactly the state the server has. The phone network is the e2e server's fake.
// Playwright sits between the page and the server's WebSocket only to cut it, as a network would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, phone, readyAgent, screenshot, startBrowser, startServer, wrapUp } from "./helpers.js";

let server;
let browser;
let page;
let cut = false; // while true, the "network" refuses the event stream
const open = new Set();
before(async () => {
  server = await startServer("30s");
  browser = await startBrowser();
  page = await browser.context.newPage();
  await page.routeWebSocket(/\/api\/v1\/events/, (ws) => {
    if (cut) {
      ws.close({ code: 1006, reason: "network down" });
      return;
    }
    ws.connectToServer();
    open.add(ws);
  });
  await readyAgent(page, server, "anna", "Sales", "1001");
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("R6 R7 the stream drops: a banner says so; back online, the desktop shows the offer it missed", async () => {
  const banner = page.locator("#offline");
  assert.equal(await banner.isVisible(), false);
  cut = true;
  for (const ws of open) await ws.close({ code: 1006, reason: "network down" });
  open.clear();
  await banner.waitFor({ state: "visible" });
  await screenshot(page, "24-offline-banner");

  // A call is offered while the desktop cannot hear about it.
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000077" });
  await page.waitForTimeout(1000);
  assert.equal(await page.locator(".popover.offer").count(), 0, "nothing arrived while offline");

  cut = false;
  await banner.waitFor({ state: "hidden", timeout: 10000 });
  const offer = page.locator(".popover.offer");
  await offer.waitFor();
  assert.match(await offer.textContent(), /Incoming call.*Ringing/s);
});

test("R13 R14 a page reload shows the call exactly as the server has it: connected, on hold, timer running", async () => {
  await phone(server, "/answer/1001");
  const pane = page.locator("#pane-customer");
  await pane.waitFor();
  await pane.getByRole("button", { name: "Hold" }).click();
  await pane.locator(".status", { hasText: "Call on hold" }).waitFor();

  await page.reload();
  const again = page.locator("#pane-customer");
  await again.waitFor();
  await again.locator(".status", { hasText: "Call on hold" }).waitFor();
  assert.match(await again.textContent(), /\+4791000077/);
  assert.equal(await again.getByRole("button", { name: "End" }).isDisabled(), true, "R14: End stays disabled on hold");
  const first = await again.locator(".timer").textContent();
  await page.waitForTimeout(1200);
  assert.notEqual(await again.locator(".timer").textContent(), first, "the timer runs on from the server's start");
  assert.equal(await page.locator("#offline").isVisible(), false);
});

test("R7 a reload that lost the offer's event (another window, storage gone) counts the offer down from the time the server says is left", async () => {
  const pane = page.locator("#pane-customer");
  await pane.getByRole("button", { name: "Resume" }).click();
  await pane.getByRole("button", { name: "End", exact: true }).click();
  await wrapUp(page);
  await page.locator("#no-task").waitFor();
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000078" });
  const offer = page.locator(".popover.offer");
  await offer.locator(".countdown").waitFor();
  // RONA comes after 30 s; let 5 of them pass, then reload with nothing saved of the offer, as
  // a new window or a browser that lost its session storage would.
  await page.waitForTimeout(5000);
  await page.evaluate(() => { for (const key of Object.keys(sessionStorage)) sessionStorage.removeItem(key); });
  await page.reload();
  const again = page.locator(".popover.offer");
  await again.locator(".countdown").waitFor();
  await page.waitForTimeout(300);
  const left = Number((await again.locator(".countdown").textContent())?.replace(/\D/g, ""));
  assert.ok(left >= 22 && left <= 25, `about 25 s left, not 30 and not none: ${left}`);
  await screenshot(page, "27-offer-after-late-reload");
});
