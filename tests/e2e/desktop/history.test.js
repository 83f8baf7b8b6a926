// R44 (issue 23): the supervisor's history and reports in a real browser against the e2e server:
// today's calls found by the search, an interaction's timeline and its recording played and
// sought, a report with its chart, and a CSV download that says what the API says.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

/** The search's result row of an interaction. */
const resultRow = (page, id) => page.locator(`#hs-results tbody tr[data-id="${id}"]`);

test("R44 a supervisor finds today's calls, opens one, sees its timeline, plays and seeks its recording, and reads a week's report with its chart and CSV", async () => {
  // A known history: one Sales call abandoned while nobody serves Sales, one answered by Anna
  // and wrapped up Resolved.
  const abandoned = await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000011" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await phone(server, `/hangup/leg/${abandoned.leg}`);
  const desk = await (await browser.newContext()).newPage();
  await readyAgent(desk, server, "anna", "Sales", "1001");
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000012" });
  await phone(server, "/answer/1001");
  await desk.locator("#pane-customer").waitFor();
  await endAndWrapUp(desk);
  await desk.close();
  const api = await agentApi(server, "supervisor");
  const [answered] = (await api.call("GET", "/api/v1/interactions?customer_number=%2B4791000012")).body;
  assert.ok(answered, "the answered call is in the history");
  // The fake network carries no media: it writes the recording the media side would have made.
  await phone(server, `/recording/${answered.id}`);

  // The supervisor signs in, goes from the wallboard to the history: today's calls are there.
  const page = await (await browser.newContext()).newPage();
  await signIn(page, server, "supervisor");
  await page.waitForURL(/\/supervisor$/);
  await page.getByRole("link", { name: "History and reports" }).click();
  await page.waitForURL(/\/supervisor\/history/);
  await resultRow(page, answered.id).waitFor();
  assert.equal(await page.locator("#hs-results tbody tr").count(), 2, "two calls today");
  assert.match(await resultRow(page, answered.id).textContent(), /\+4791000012.*Sales.*Anna.*resolved.*Recorded/);

  // Search by customer number: only that call.
  await page.getByLabel("Customer number").fill("+4791000011");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#hs-results tbody tr").first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll("#hs-results tbody tr").length === 1);
  assert.equal(await resultRow(page, answered.id).count(), 0);
  // By wrap-up reason: the answered one.
  await page.getByLabel("Customer number").fill("");
  await page.getByLabel("Wrap-up reason").fill("resolved");
  await page.getByRole("button", { name: "Search" }).click();
  await resultRow(page, answered.id).waitFor();
  await page.waitForFunction(() => document.querySelectorAll("#hs-results tbody tr").length === 1);

  // The interaction's page: its timeline in order, with who did what.
  // The player asks for the recording in byte ranges (206), which is what lets it seek.
  const ranges = [];
  page.on("response", (response) => {
    if (response.url().endsWith(`/api/v1/interactions/${answered.id}/recording`)) ranges.push(response.status());
  });
  await resultRow(page, answered.id).getByRole("link").click();
  await page.getByRole("heading", { name: `Interaction ${answered.id}` }).waitFor();
  const events = await page.locator("#ix-timeline tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event")));
  const at = (event) => events.indexOf(event);
  for (const event of ["created", "queued", "offered", "connected", "ended", "wrapup"]) assert.ok(at(event) >= 0, `${event} in ${events}`);
  assert.ok(at("created") < at("queued") && at("queued") < at("offered") && at("offered") < at("connected") && at("connected") < at("ended"), events.join());
  const wrapupRow = page.locator('#ix-timeline tbody tr[data-event="wrapup"]');
  assert.match(await wrapupRow.textContent(), /Wrapped up.*Anna.*resolved/);
  assert.match(await page.locator('#ix-timeline tbody tr[data-event="connected"]').textContent(), /Answered.*Anna.*Sales/);

  // The recording plays in the browser and seeks.
  const audio = page.locator("#ix-audio");
  await page.waitForFunction(() => /** @type {HTMLAudioElement} */ (document.querySelector("#ix-audio")).readyState >= 1);
  const duration = await audio.evaluate((a) => a.duration);
  assert.ok(Math.abs(duration - 20) < 0.1, `20 s long: ${duration}`);
  const position = await audio.evaluate((a) => new Promise((resolve) => {
    a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
    a.currentTime = 12.5;
  }));
  assert.ok(Math.abs(position - 12.5) < 0.1, `sought to ${position}`);
  assert.ok(ranges.includes(206), `a byte range was asked for and answered: ${ranges}`);
  // It plays from there (muted: no sound card here), and the customer's channel can be chosen.
  await audio.evaluate((a) => { a.muted = true; return a.play(); });
  await page.waitForFunction(() => /** @type {HTMLAudioElement} */ (document.querySelector("#ix-audio")).currentTime > 12.7);
  await page.getByLabel("Customer", { exact: true }).check();
  await audio.evaluate((a) => a.pause());
  await screenshot(page, "history-01-interaction");

  // The week's report of Sales: its figures, its chart, and a CSV that matches the API.
  await page.getByRole("link", { name: "Reports" }).click();
  await page.locator("#rp-rows").waitFor();
  await page.locator("#rp-chart canvas").waitFor();
  const sales = (await api.call("GET", "/api/v1/supervisor/queues")).body.find((q) => q.name === "Sales");
  await page.locator('#rp-form select[name="queue"]').selectOption(String(sales.id));
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForFunction(() => document.querySelectorAll("#rp-rows tbody tr").length === 2);
  const cell = (key) => page.locator(`#rp-rows tbody tr[data-queue="${sales.id}"] td[data-figure="${key}"]`).textContent();
  assert.deepEqual([await cell("offered"), await cell("answered"), await cell("abandoned"), await cell("handled")], ["2", "1", "1", "1"]);
  assert.equal(await cell("abandoned_percent"), "50");
  await screenshot(page, "history-02-report");

  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#rp-csv").click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split(/\r?\n/).map((line) => line.split(","));
  const header = csv[0];
  const salesLine = csv.find((line) => line[0] === String(sales.id));
  assert.ok(salesLine, csv.join("\n"));
  const form = new URL(await page.locator("#rp-csv").getAttribute("href"), server.base).searchParams;
  const report = (await api.call("GET", `/api/v1/reports/queues?from=${form.get("from")}&to=${form.get("to")}&queue=${sales.id}`)).body;
  const row = report.queues[0];
  for (const key of ["offered", "answered", "answered_in_threshold", "abandoned", "handled", "service_level_percent", "abandoned_percent", "handle_ms_average", "wait_ms_average"]) {
    const value = salesLine[header.indexOf(key)];
    assert.equal(value, row[key] === null ? "" : String(row[key]), `${key}: CSV ${value}, API ${row[key]}`);
  }
  // The page says it in Norwegian too.
  await page.getByLabel("Language").selectOption("nb");
  await page.locator("#rp-rows thead th", { hasText: /^Tilbudt$/ }).waitFor();
  await page.getByLabel("Språk").selectOption("en");
  await page.close();
});
