// Issue 25 (encryption on the wire): `sentral demo --tls-certificate … --tls-key …` serves the
// desktop over HTTPS with a certificate from a throwaway CA made here with openssl. Chromium
// trusts exactly that certificate (by its public key, --ignore-certificate-errors-spki-list),
// signs in, receives its events over wss://, and holds a Secure session cookie.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { screenshot, signIn, startBrowser, startDemo } from "./helpers.js";

const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });

let dir;
let demo;
let browser;
let page;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sentral-tls-"));
  const file = (name) => join(dir, name);
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "1", "-subj", "/CN=sentral-test-ca");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1");
  openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
    "-CAcreateserial", "-out", file("server.crt"), "-days", "1", "-copy_extensions", "copy");
  const spki = execFileSync("sh", ["-c",
    `openssl x509 -in '${file("server.crt")}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
  ]).toString().trim();
  demo = await startDemo(["--no-simulator", "--tls-certificate", file("server.crt"), "--tls-key", file("server.key")]);
  browser = await startBrowser([`--ignore-certificate-errors-spki-list=${spki}`]);
  page = await browser.context.newPage();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("HTTPS: the demo desktop is served over TLS; sign-in, station log-in and events over wss:// work", async () => {
  assert.match(demo.base, /^https:\/\//, "sentral demo prints an https:// address");
  const sockets = [];
  page.on("websocket", (socket) => sockets.push(socket));
  const response = await page.goto(`${demo.base}/`);
  assert.equal(response.headers()["strict-transport-security"], "max-age=31536000");
  await signIn(page, demo, "anna");
  await page.getByLabel("Extension").fill("1001");
  await page.getByLabel("Team").selectOption("Sales");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByLabel("Change state").selectOption("idle:lunch");
  await page.locator("#state-label", { hasText: "Idle — Lunch" }).waitFor();
  assert.ok(sockets.length > 0, "the desktop opened its event socket");
  assert.match(sockets[0].url(), /^wss:\/\//, "events come over wss://");
  assert.ok(!sockets[0].isClosed(), "the event socket stays open");
  const cookie = (await browser.context.cookies()).find((c) => c.name === "sentral_session");
  assert.ok(cookie, "signed in with a session cookie");
  assert.equal(cookie.secure, true, "the session cookie is Secure");
  assert.equal(cookie.httpOnly, true);
  await screenshot(page, "https-desktop");
});
