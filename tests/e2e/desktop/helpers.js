// Shared by the desktop's browser tests: starts the e2e server (the real Sentral with a fake
// phone network, crates/server/examples/e2e_server.rs) on free ports, a headless Chromium, and
// small helpers to play the phone network and other agents through the API.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..", "..");
export const SCREENSHOTS = join(here, "screenshots");
export const DN_SALES = "+4721000001";

/// Starts a fresh server (new data directory, demo organisation, RONA after `rona`).
export async function startServer(rona = "6s") {
  const binary = process.env.E2E_SERVER ?? join(repo, "target", "debug", "examples", "e2e_server");
  const child = spawn(binary, ["0", "0", rona], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`e2e_server did not start: ${text}`)), 15000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const match = text.match(/desktop (http:\/\/\S+) control (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match); }
    });
    child.on("exit", (code) => reject(new Error(`e2e_server exited with ${code}: ${text}`)));
  });
  return {
    base: line[1],
    control: line[2],
    async stop() {
      child.kill("SIGINT");
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else child.on("exit", resolve); });
    },
  };
}

/// Starts `sentral demo` (the real binary with its simulated phones and customers over SIP) on free
/// ports with a fresh data directory; `args` are extra flags, e.g. `["--demo-call-interval", "3s"]`.
export async function startDemo(args = []) {
  const binary = process.env.SENTRAL_BIN ?? join(repo, "target", "debug", "sentral");
  const dataDir = mkdtempSync(join(tmpdir(), "sentral-demo-"));
  const child = spawn(binary, ["demo", "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--data-dir", dataDir, ...args],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" } });
  const banner = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`sentral demo did not start: ${text}`)), 20000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("Ctrl-C")) { clearTimeout(timer); resolve(text); }
    });
    child.on("exit", (code) => reject(new Error(`sentral demo exited with ${code}: ${text}`)));
  });
  // Keep reading so the process never blocks on a full pipe.
  child.stdout.resume();
  const base = banner.match(/Agent Desktop\s+(https?:\/\/\S+?)\/?\n/)[1];
  const phones = banner.match(/Demo phones\s+(https?:\/\/\S+)/)?.[1];
  return {
    base,
    phones,
    async stop() {
      child.kill("SIGINT");
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else child.on("exit", resolve); });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/// A headless Chromium as the environment provides it (Debian's package, never a download);
/// `extraArgs` are more command-line switches.
export async function startBrowser(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), "sentral-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    // The tests read English texts unless they pick another language (i18n.test.js).
    locale: "en-GB",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
  const browser = context.browser();
  return {
    context,
    /// A new, separate browser context (its own cookies: a second session).
    async newContext(options = {}) {
      if (browser) return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB", ...options });
      return context;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// POST to the fake phone network's control API.
export async function phone(server, path, body) {
  const response = await fetch(`${server.control}${path}`, {
    method: "POST",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/// A signed-in API client for another agent (a bearer token, no browser).
export async function agentApi(server, username, password = "demo") {
  const login = await fetch(`${server.base}/api/v1/login`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  const { token } = await login.json();
  const call = async (method, path, body) => {
    const response = await fetch(`${server.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return { call, token };
}

/// Signs in through the page.
export async function signIn(page, server, username, password = "demo") {
  await page.goto(`${server.base}/`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/// Signs in, logs in to the station, registers the phone and becomes Available.
export async function readyAgent(page, server, username, team, extension) {
  await signIn(page, server, username);
  await page.getByLabel("Extension").fill(extension);
  await page.getByLabel("Team").selectOption(team);
  await page.getByRole("button", { name: "Log in" }).click();
  await phone(server, `/register/${extension}`);
  await page.getByLabel("Change state").selectOption("available");
  await page.locator('#state-chip[data-state="available"]').waitFor();
  await page.locator("#phone", { hasText: "Phone registered" }).waitFor();
}

/// Saves a screenshot for a person to look at (git-ignored).
/** Submits the open wrap-up dialog with the reason Resolved. */
export async function wrapUp(page) {
  const dialog = page.locator("#wrapup-dialog");
  await dialog.getByRole("button", { name: "Submit wrap-up" }).waitFor();
  await dialog.getByLabel("Resolved").check();
  await dialog.getByRole("button", { name: "Submit wrap-up" }).click();
  await dialog.waitFor({ state: "hidden" });
}

/** Presses End on the customer's pane, wraps up, and waits for the empty screen. */
export async function endAndWrapUp(page) {
  await page.locator("#pane-customer").getByRole("button", { name: "End", exact: true }).click();
  await wrapUp(page);
  await page.locator("#no-task").waitFor();
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
