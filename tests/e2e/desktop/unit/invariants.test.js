// The desktop's architecture invariants (ARCHITECTURE.md), checked on its source: the reducer
// touches no DOM, does no I/O and reads no clock; views never call the API; only the session
// talks to the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const desktop = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "web", "desktop");
const read = (file) => readFileSync(join(desktop, file), "utf8")
  // Comments may name what the code must not use.
  .replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
const imports = (source) => [...source.matchAll(/^\s*import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
const modules = readdirSync(desktop).filter((f) => f.endsWith(".js"))
  .concat(readdirSync(join(desktop, "views")).filter((f) => f.endsWith(".js")).map((f) => `views/${f}`))
  // R44: the supervisor's wallboard keeps the same rules.
  .concat(readdirSync(join(desktop, "supervisor")).filter((f) => f.endsWith(".js")).map((f) => `supervisor/${f}`));

/// Words that reach the DOM, the network, storage or the clock.
const EFFECTS = /\b(document|window|location|navigator|fetch|WebSocket|XMLHttpRequest|sessionStorage|localStorage|setTimeout|setInterval|Date\.now|new Date|performance)\b/;

test("the reducer touches no DOM, does no I/O, reads no clock or storage, and imports nothing", () => {
  const source = read("reduce.js");
  assert.equal(source.match(EFFECTS)?.[0], undefined);
  assert.deepEqual(imports(source), []);
});

test("views never call the API directly: no session, fetch or WebSocket in web/desktop/views/", () => {
  const views = modules.filter((f) => f.startsWith("views/"));
  assert.ok(views.length >= 8, `one module per view: ${views}`);
  for (const file of views) {
    const source = read(file);
    assert.ok(!imports(source).some((path) => path.endsWith("session.js") || path.endsWith("app.js")), `${file} imports no session`);
    assert.equal(source.match(/\b(fetch|WebSocket|XMLHttpRequest|EventSource)\b/)?.[0], undefined, `${file} talks to no server`);
  }
});

test("only the session talks to the server", () => {
  for (const file of modules.filter((f) => f !== "session.js")) {
    assert.equal(read(file).match(/\b(fetch|WebSocket|XMLHttpRequest|EventSource)\b/)?.[0], undefined, `${file} talks to no server`);
  }
});
