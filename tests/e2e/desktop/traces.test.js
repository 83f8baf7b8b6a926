// The event traces the reducer's node tests replay (unit/reduce.test.js), recorded from the real
// server: the e2e server (the real Sentral with a fake phone network) while agents work in the
// real desktop. Playwright sits between each page and the server's event WebSocket and writes
// down every frame exactly as the server sent it, and every answer of GET /api/v1/agents/me and
// GET /api/v1/tasks the page read, in the order the page saw them.
//
// Run normally, this test plays the same scenarios and fails if the server's events no longer
// have the shapes recorded in traces/ (a renamed field, a new type, a changed type): the
// fixtures, and the wire types in web/desktop/wire.js, must then follow the server.
// To record the traces again (after a change of the server's events):
//
//   SENTRAL_RECORD_TRACES=1 tests/e2e/desktop/run.sh
//
// which rewrites tests/e2e/desktop/traces/*.json; review the diff and commit it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DN_SALES, agentApi, endAndWrapUp, phone, readyAgent, startBrowser, startServer, wrapUp } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const TRACES = join(here, "traces");
const RECORD = process.env.SENTRAL_RECORD_TRACES === "1";
// Long enough for the reconnect scenario to answer in time, short enough for the RONA one.
const RONA = "12s";

let server;
let browser;
/** Each agent's page and what it is recording. */
const desks = {};

/// Opens a desktop whose event stream and reads of the truth are recorded while `desk.log` is set.
async function openDesk(context, name) {
  const page = await context.newPage();
  const desk = { name, page, log: null, cut: false, open: new Set(), errors: [] };
  page.on("pageerror", (error) => desk.errors.push(String(error)));
  // Scripts that throw or log errors (a CSP refusal, say); answers like 401 or 404 are normal.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) desk.errors.push(message.text());
  });
  await page.routeWebSocket(/\/api\/v1\/events/, (ws) => {
    if (desk.cut) {
      ws.close({ code: 1006, reason: "network down" });
      return;
    }
    const since = new URL(ws.url()).searchParams.get("since");
    desk.log?.push({ input: "socket", since: since === null ? null : Number(since) });
    const upstream = ws.connectToServer();
    const route = { ws, upstream, open: true };
    // Only what reaches the page is recorded: a cut socket hears nothing more.
    upstream.onMessage((message) => {
      if (!route.open) return;
      desk.log?.push({ input: "event", event: JSON.parse(String(message)) });
      ws.send(message);
    });
    ws.onClose(() => { route.open = false; upstream.close(); });
    upstream.onClose(() => { route.open = false; ws.close(); });
    desk.open.add(route);
  });
  page.on("response", async (response) => {
    const path = new URL(response.url()).pathname;
    if (response.request().method() !== "GET" || (path !== "/api/v1/agents/me" && path !== "/api/v1/tasks")) return;
    const log = desk.log;
    if (!log) return;
    // Keep the place in the log where the answer arrived; its body follows.
    const entry = { input: path === "/api/v1/tasks" ? "tasks" : "me", status: response.status(), body: null };
    log.push(entry);
    try { entry.body = await response.json(); } catch { /* a page reload dropped it */ }
  });
  desks[name] = desk;
  return desk;
}

/// What the server says now, read as the desk's user.
async function truth(desk) {
  return desk.page.evaluate(async () => {
    const [me, tasks] = await Promise.all([fetch("/api/v1/agents/me"), fetch("/api/v1/tasks")]);
    return { me: await me.json(), tasks: await tasks.json() };
  });
}

/// Records `play` on the given desks; one trace per desk, `<scenario>.<agent>.json`.
async function record(scenario, about, names, play) {
  const started = {};
  for (const name of names) {
    const desk = desks[name];
    started[name] = await truth(desk);
    started[name].lastSeq = await desk.page.evaluate(() => JSON.parse(sessionStorage.getItem("sentral.lastSeq") ?? "null"));
    desk.log = [];
  }
  await play();
  // Let the last events and re-reads arrive.
  await desks[names[0]].page.waitForTimeout(400);
  for (const name of names) {
    const desk = desks[name];
    const log = desk.log;
    desk.log = null;
    const trace = {
      scenario, agent: name, about,
      recorded_by: "tests/e2e/desktop/traces.test.js (SENTRAL_RECORD_TRACES=1 tests/e2e/desktop/run.sh)",
      before: started[name],
      log: log.filter((entry) => entry.input !== "me" && entry.input !== "tasks" || entry.body !== null),
      after: await truth(desk),
    };
    assert.deepEqual(desk.errors, [], `${name}'s page logged errors`);
    const file = join(TRACES, `${scenario}.${name}.json`);
    if (RECORD) {
      writeFileSync(file, `${JSON.stringify(trace, null, 1)}\n`);
    } else {
      compareShapes(JSON.parse(readFileSync(file, "utf8")), trace, file);
    }
  }
}

/// The shape of a JSON value: its keys and their types, recursively; arrays by their elements.
function shape(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${[...new Set(value.map(shape))].sort().join("|")}]`;
  if (typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${key}:${shape(value[key])}`).join(",")}}`;
  }
  return typeof value;
}

/// Every event type the fixture has still comes, and with the same shapes.
function compareShapes(fixture, recorded, file) {
  const shapes = (trace) => {
    const byType = new Map();
    for (const entry of trace.log) {
      if (entry.input !== "event") continue;
      const set = byType.get(entry.event.type) ?? new Set();
      set.add(shape(entry.event));
      byType.set(entry.event.type, set);
    }
    return byType;
  };
  const want = shapes(fixture);
  const got = shapes(recorded);
  for (const [type, wanted] of want) {
    assert.ok(got.has(type), `${file}: the server no longer sent a "${type}" event; record the traces again`);
    for (const s of got.get(type)) {
      assert.ok(wanted.has(s), `${file}: a "${type}" event has a shape the fixture does not know:\n${s}\nknown:\n${[...wanted].join("\n")}\nThe wire format changed: update web/desktop/wire.js and record the traces again`);
    }
  }
  for (const type of got.keys()) assert.ok(want.has(type), `${file}: a new event type "${type}"; record the traces again`);
  assert.deepEqual(shape(recorded.after.tasks), shape(fixture.after.tasks), `${file}: GET /api/v1/tasks changed shape`);
  assert.deepEqual(shape(recorded.after.me), shape(fixture.after.me), `${file}: GET /api/v1/agents/me changed shape`);
}

before(async () => {
  server = await startServer(RONA);
  browser = await startBrowser();
  const anna = await openDesk(browser.context, "anna");
  await readyAgent(anna.page, server, "anna", "Sales", "1001");
  const bjorn = await openDesk(await browser.newContext(), "bjorn");
  await readyAgent(bjorn.page, server, "bjorn", "Sales", "1002");
  await setState(bjorn.page, "idle:lunch", "Idle — Lunch");
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

const anna = () => desks.anna.page;
const bjorn = () => desks.bjorn.page;

async function annaOnCall(ani) {
  await phone(server, "/call", { dnis: DN_SALES, ani });
  await anna().locator(".popover.offer").waitFor();
  await phone(server, "/answer/1001");
  await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
}

async function pickBjorn(mode) {
  await anna().locator("#pane-customer").getByRole("button", { name: mode, exact: true }).click();
  const dialog = anna().locator("#target-dialog");
  await dialog.locator(".choice", { hasText: "Bjorn" }).click();
  await dialog.getByRole("button", { name: mode, exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
}

test("R6 R7 R13 trace offers: a call is reserved, offered, rings and is answered", async () => {
  await record("offer", "A customer calls Sales; anna's phone rings and she answers.", ["anna"], async () => {
    await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000101" });
    await anna().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
    await phone(server, "/answer/1001");
    await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  });
});

test("R14 trace hold: the customer is held and resumed", async () => {
  await record("hold", "anna holds the customer, then resumes.", ["anna"], async () => {
    const pane = anna().locator("#pane-customer");
    await pane.getByRole("button", { name: "Hold" }).click();
    await pane.locator(".status", { hasText: "Call on hold" }).waitFor();
    await pane.getByRole("button", { name: "Resume" }).click();
    await pane.locator(".status", { hasText: "Connected" }).waitFor();
  });
});

test("R36 trace wrap-up: the call ends, the wrap-up is required and submitted", async () => {
  await record("wrap-up", "anna ends the call and submits the wrap-up.", ["anna"], async () => {
    await endAndWrapUp(anna());
  });
});

test("R4 R12 trace RONA: an offer not answered goes to RONA; Available brings the call back", async () => {
  await record("rona", "A call rings anna's phone unanswered until RONA; she chooses Available and it is offered again.", ["anna"], async () => {
    await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000104" });
    await anna().locator(".popover.offer").waitFor();
    const rona = anna().locator("#rona-popover");
    await rona.waitFor({ timeout: 15000 });
    await rona.getByRole("button", { name: "Available" }).click();
    await rona.waitFor({ state: "detached" });
    await anna().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
  });
  await phone(server, "/answer/1001");
  await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  await endAndWrapUp(anna());
});

test("R18 R19 R23 R26 trace consult and conference: anna consults bjorn, they confer, bjorn leaves", async () => {
  await annaOnCall("+4791000105");
  await setState(bjorn(), "available", "Available");
  await record("consult-conference", "anna consults bjorn, who answers; anna starts a conference; bjorn leaves it and anna goes on with the customer.",
    ["anna", "bjorn"], async () => {
      const consult = anna().locator("#pane-consult");
      await pickBjorn("Consult");
      await anna().locator("#pane-customer .status", { hasText: "Consult requested" }).waitFor();
      await phone(server, "/answer/1002");
      await consult.locator(".status", { hasText: "Consulting" }).waitFor();
      await bjorn().locator("#pane-consulted .status", { hasText: "Consulting" }).waitFor();
      await consult.getByRole("button", { name: "Conference" }).click();
      const consulted = bjorn().locator("#pane-consulted");
      await consulted.locator(".status", { hasText: "In conference" }).waitFor();
      await consulted.getByRole("button", { name: "Leave conference" }).click();
      await consulted.waitFor({ state: "detached" });
      await consult.waitFor({ state: "detached" });
      await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
    });
  await endAndWrapUp(anna());
  await setState(bjorn(), "idle:lunch", "Idle — Lunch");
});

test("R27 R29 trace transfer: anna transfers the call to bjorn, who answers; anna wraps up", async () => {
  await annaOnCall("+4791000106");
  await setState(bjorn(), "available", "Available");
  await record("transfer", "anna transfers the call to bjorn (blind); bjorn's phone rings and he answers; anna submits her wrap-up.",
    ["anna", "bjorn"], async () => {
      await pickBjorn("Transfer");
      await bjorn().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
      await phone(server, "/answer/1002");
      await bjorn().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
      await wrapUp(anna());
      await anna().locator("#no-task").waitFor();
    });
  await endAndWrapUp(bjorn());
  await setState(bjorn(), "idle:lunch", "Idle — Lunch");
});

test("R6 R7 trace reconnect: the stream drops, a call is offered meanwhile, the desktop reconnects with ?since= and gets it", async () => {
  await record("reconnect", "anna's event stream drops; a call is offered while she is offline; the desktop reconnects with ?since=<last seq> and the server replays what she missed.",
    ["anna"], async () => {
      const desk = desks.anna;
      desk.cut = true;
      for (const route of desk.open) {
        route.open = false;
        await route.upstream.close();
        await route.ws.close({ code: 1006, reason: "network down" });
      }
      desk.open.clear();
      await anna().locator("#offline").waitFor({ state: "visible" });
      await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000107" });
      await anna().waitForTimeout(500);
      desk.cut = false;
      await anna().locator("#offline").waitFor({ state: "hidden", timeout: 10000 });
      await anna().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
    });
  await phone(server, "/answer/1001");
  await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  await endAndWrapUp(anna());
});

test("R6 R7 trace reconnect too late: the events missed are gone from the replay ring; a reload event, then the truth shows the offer", async () => {
  // anna's events while she is offline: more than the server keeps for a replay (16 KB).
  const api = await agentApi(server, "anna");
  await record("reconnect-reload", "anna's event stream drops; while she is offline her state changes 200 times (more events than the server keeps) and a call is offered; she reconnects with ?since=, gets a reload event, and the desktop reads the truth again.",
    ["anna"], async () => {
      const desk = desks.anna;
      desk.cut = true;
      for (const route of desk.open) {
        route.open = false;
        await route.upstream.close();
        await route.ws.close({ code: 1006, reason: "network down" });
      }
      desk.open.clear();
      await anna().locator("#offline").waitFor({ state: "visible" });
      for (let i = 0; i < 100; i++) {
        for (const body of [{ state: "idle", idle_reason: "lunch" }, { state: "available" }]) {
          const reply = await api.call("PUT", "/api/v1/agents/me/state", body);
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
        }
      }
      await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000109" });
      desk.cut = false;
      await anna().locator("#offline").waitFor({ state: "hidden", timeout: 10000 });
      // The offer's event is lost: the popover comes from the task list, with the caller's number.
      await anna().locator(".popover.offer", { hasText: "+4791000109" }).waitFor();
    });
  await phone(server, "/answer/1001");
  await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
  await endAndWrapUp(anna());
});

test("R7 R13 trace reload: a page reload while an offer rings shows it again; answering connects", async () => {
  await record("reload", "A call rings anna's phone; she reloads the page (which reads the truth again and reconnects with ?since=), then answers.",
    ["anna"], async () => {
      await phone(server, "/call", { dnis: DN_SALES, ani: "+4791000108" });
      await anna().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
      desks.anna.log.push({ input: "reload" });
      await anna().reload();
      await anna().locator(".popover.offer .ringing", { hasText: "Ringing" }).waitFor();
      await phone(server, "/answer/1001");
      await anna().locator("#pane-customer .status", { hasText: "Connected" }).waitFor();
    });
  await endAndWrapUp(anna());
});
