// English and Norwegian (bokmål): the switch in the top bar, the browser's preference, and the
// choice remembered across a reload. The Norwegian words are the seed user guide's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DN_SALES, phone, screenshot, startBrowser, startServer } from "./helpers.js";

let server;
let browser;
before(async () => {
  server = await startServer("30s");
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("R3 R13 R14 R31 Norwegian: the top-bar switch shows Norwegian on the sign-in form, the state menu and the control pane, and a reload keeps it", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("Language").selectOption("nb");
  await page.getByRole("heading", { name: "Logg på" }).waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), "nb");
  await page.getByLabel("Brukernavn").fill("anna");
  await page.getByLabel("Passord").fill("demo");
  await screenshot(page, "15-norwegian-sign-in");
  await page.getByRole("button", { name: "Logg på" }).click();

  await page.getByRole("heading", { name: "Logg på stasjonen din" }).waitFor();
  await page.getByLabel("Team").selectOption("Sales");
  await page.getByLabel("Internnummer").fill("1001");
  await page.getByRole("button", { name: "Logg på stasjonen" }).click();
  await page.locator("#phone", { hasText: "Telefonen er ikke registrert" }).waitFor();
  await phone(server, "/register/1001");
  await page.locator("#phone", { hasText: "Telefonen er registrert" }).waitFor({ timeout: 8000 });

  // The state menu (R3).
  const states = await page.getByLabel("Endre status").locator("option").allTextContents();
  assert.ok(states.includes("Tilgjengelig"), `state menu: ${states}`);
  // Issue 17 defect 15: the configuration's idle reasons in the agent's language.
  assert.ok(states.includes("Ledig — Lunsj"), `state menu: ${states}`);
  await page.getByLabel("Endre status").selectOption("available");
  await page.locator("#state-label", { hasText: /^Tilgjengelig$/ }).waitFor();
  await page.getByRole("button", { name: "Forlat stasjonen" }).waitFor();

  // A call: the popover (R13), then the control pane (R14, R31).
  await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000042" });
  const offer = page.locator(".popover.offer");
  await offer.getByText("Innkommende anrop").waitFor();
  await offer.getByText("Ringer — svar på telefonen").waitFor();
  // The call-data labels in the popover too, from the configuration's Norwegian labels.
  await offer.locator("dt", { hasText: "Saksnummer" }).waitFor();
  await phone(server, "/answer/1001");
  const pane = page.locator("#pane-customer");
  await pane.waitFor();
  for (const name of ["Vent", "Konsultasjon", "Overfør", "Avslutt", "Stans opptak"]) {
    await pane.getByRole("button", { name, exact: true }).waitFor();
  }
  await pane.getByText("Tilkoblet").waitFor();
  await page.locator("#cad").getByRole("heading", { name: "Samtaledata" }).waitFor();
  await page.locator("#cad").getByLabel("Saksnummer", { exact: true }).waitFor();
  await page.locator("#cad").getByLabel("Kunde", { exact: true }).waitFor();
  await pane.getByRole("button", { name: "Vent", exact: true }).click();
  await pane.locator(".status", { hasText: "Samtale på vent" }).waitFor();
  await pane.getByRole("button", { name: "Gjenoppta" }).waitFor();
  // Nothing on the pane is left in English.
  const english = await page.evaluate(async () => Object.values((await import("/desktop/i18n.js")).TABLES.en).filter((v) => typeof v === "string"));
  const shown = await pane.locator("button, .status, .recording").allTextContents();
  for (const text of shown) assert.ok(!english.includes(text.trim()), `English text on the Norwegian pane: ${text}`);
  await screenshot(page, "16-norwegian-call-on-hold");

  // Issue 17 defect 15: "Logg av stasjonen" beside "Logg ut" was ambiguous, and at 1024 px the
  // Norwegian top bar wrapped to three rows.
  await page.getByRole("button", { name: "Forlat stasjonen" }).waitFor();
  await page.getByRole("button", { name: "Logg ut av Sentral" }).waitFor();
  await page.setViewportSize({ width: 1024, height: 768 });
  const rows = await page.evaluate(() => {
    const items = [...document.querySelectorAll(".topbar > *, .agent-bar > *, .station > *")]
      .filter((el) => el.getClientRects().length && !el.matches(".agent-bar, .station"));
    // Items whose heights overlap share a row.
    const boxes = items.map((el) => el.getBoundingClientRect()).sort((a, b) => a.top - b.top);
    let n = 0;
    let bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 2) { n += 1; bottom = box.bottom; } else bottom = Math.max(bottom, box.bottom);
    }
    return n;
  });
  await screenshot(page, "25-norwegian-1024px");
  assert.ok(rows <= 2, `the top bar at 1024 px has ${rows} rows`);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The choice is remembered: a reload comes back in Norwegian.
  await page.reload();
  await page.locator("#pane-customer .status", { hasText: "Samtale på vent" }).waitFor();
  assert.equal(await page.locator("#language-select").inputValue(), "nb");
  await page.locator("#pane-customer").getByRole("button", { name: "Gjenoppta" }).click();
  await page.locator("#pane-customer").getByRole("button", { name: "Avslutt", exact: true }).click();
  const wrapup = page.locator("#wrapup-dialog");
  await wrapup.getByRole("heading", { name: "Avslutning" }).waitFor();
  // The wrap-up reasons in Norwegian as well.
  await wrapup.getByLabel("Må følges opp").waitFor();
  await screenshot(page, "28-norwegian-wrap-up");
  await wrapup.getByLabel("Løst").check();
  await wrapup.getByRole("button", { name: "Send inn avslutning" }).click();
  await wrapup.waitFor({ state: "hidden" });

  // The language is the user's, kept on the server: signing in on another browser (English by
  // its locale, nothing stored) shows the desktop in Norwegian.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await elsewhere.goto(`${server.base}/`);
  await elsewhere.getByLabel("User name").fill("anna");
  await elsewhere.getByLabel("Password").fill("demo");
  await elsewhere.getByRole("button", { name: "Sign in" }).click();
  await elsewhere.locator("#state-label", { hasText: /^Tilgjengelig$/ }).waitFor();
  assert.equal(await elsewhere.locator("#language-select").inputValue(), "nb");
  assert.ok((await elsewhere.getByLabel("Endre status").locator("option").allTextContents()).includes("Ledig — Lunsj"));
  await other.close();

  // And back to English with the same switch.
  await page.locator("#language-select").selectOption("en");
  await page.locator("#state-label", { hasText: /^Available$/ }).waitFor();
  await page.close();
});

test("a browser that prefers Norwegian starts in Norwegian, and every text has both an English and a Norwegian version", async () => {
  const context = await browser.newContext({ locale: "nb-NO" });
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  await page.getByRole("heading", { name: "Logg på" }).waitFor();
  await page.getByLabel("Brukernavn").waitFor();
  const keys = await page.evaluate(async () => {
    const { TABLES } = await import("/desktop/i18n.js");
    return { en: Object.keys(TABLES.en).sort(), nb: Object.keys(TABLES.nb).sort() };
  });
  assert.deepEqual(keys.nb, keys.en);
  await context.close();
});
