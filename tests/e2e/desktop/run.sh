#!/usr/bin/env bash
# Tests of the Agent Desktop. First the fast ones: the type check of web/desktop (`tsc --checkJs`,
# tsconfig.json) and the reducer's unit tests in node over recorded event traces (unit/, traces/).
# Then the browser tests: builds the e2e server (the real Sentral with a fake phone network,
# crates/server/examples/e2e_server.rs) and the `sentral` binary (whose `demo` command brings
# simulated phones and customers over real SIP, for demo.test.js), and runs every *.test.js with
# node's test runner in headless Debian Chromium via playwright-core. Each test file starts its
# own server on free ports and stops it when done. Screenshots go to screenshots/ (git-ignored).
# SENTRAL_RECORD_TRACES=1 records the event traces again (traces.test.js).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
echo "== tsc --checkJs (web/desktop)"
npx --no-install tsc -p tsconfig.json
echo "== the desktop's reducer over recorded traces (node --test unit/)"
node --test --test-reporter=spec unit/
cd "$repo"
cargo build --locked --example e2e_server --bin sentral -p sentral-server
export E2E_SERVER="${CARGO_TARGET_DIR:-$repo/target}/debug/examples/e2e_server"
export SENTRAL_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/sentral"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is missing at $CHROMIUM: run scripts/install-test-deps" >&2
  exit 1
fi
cd "$here"
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.js
