// The session: the one module that talks to the server. It owns HTTP (the REST API under
// /api/v1, signed in by the session cookie) and the event WebSocket (/api/v1/events), with
// reconnection and `?since=` replay, and the coalesced re-read of the truth (the agent and the
// tasks). It keeps no desk state: what it hears it hands to the app through callbacks.

import { t } from "./i18n.js";

/**
 * @typedef {import("./wire.js").EventEnvelope} EventEnvelope
 * @typedef {import("./wire.js").MeDto} MeDto
 * @typedef {import("./wire.js").TaskDto} TaskDto
 */

/**
 * An answer; `status` is 0 when the network failed.
 * @typedef {{ status: number, ok: boolean, data: any, headers: Headers }} Reply
 */

function newKey() {
  // Only secure contexts (HTTPS, localhost) have randomUUID.
  if (globalThis.crypto && "randomUUID" in globalThis.crypto) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * The text of a failed answer for a person: the server's message, or the R2 call limit with
 * its reason code.
 * @param {Reply} reply
 * @param {string} [fallback]
 */
export function errorText(reply, fallback) {
  const message = reply.data?.message || fallback || t("requestFailed", reply.status);
  // R2: the organisation's call limit is shown with its reason code.
  if (reply.data?.code === "R2") return t("callLimit", reply.data.code, message);
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/**
 * Starts a session with the server.
 * @param {Object} hooks
 * @param {(event: EventEnvelope) => void} hooks.onEvent An event arrived on the stream.
 * @param {(me: MeDto | null, tasks: TaskDto[] | null) => void} hooks.onTruth The agent and tasks
 *   as the server has them now (`null` where a read failed).
 * @param {(offline: boolean) => void} hooks.onOffline The stream dropped (true) or is back (false).
 * @param {() => void} hooks.onSignedOut The server answered 401.
 * @param {() => boolean} hooks.signedIn Whether someone is signed in (the socket reconnects only then).
 * @param {() => number | null} hooks.lastSeq The last event's sequence number, for `?since=`.
 * @param {boolean} [hooks.truthAfterEvents] Whether events trigger a re-read of the truth (the
 *   agent's desktop; default true). The wallboard's events carry whole rows, so it reads only
 *   when the socket opens.
 */
export function createSession(hooks) {
  /** @type {WebSocket | null} */
  let ws = null;
  let wsAttempts = 0;
  let eventGen = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let offlineTimer;

  /**
   * One request; never throws.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<Reply>}
   */
  async function api(method, path, body) {
    /** @type {RequestInit & { headers: Record<string, string> }} */
    const options = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET") options.headers["Idempotency-Key"] = newKey();
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      return { status: 0, ok: false, data: { message: t("unreachable") }, headers: new Headers() };
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = { message: text }; }
    }
    if (response.status === 401 && path !== "/api/v1/login") hooks.onSignedOut();
    return { status: response.status, ok: response.ok, data, headers: response.headers };
  }

  // ---- The truth, re-read after events (calls close together share one read) -----------------

  /** @type {Promise<void> | null} */
  let refreshing = null;
  let refreshAgain = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let refreshTimer;

  /** Re-reads the agent and the tasks soon. */
  function scheduleRefresh(delay = 60) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }

  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        const gen = eventGen;
        const [me, tasks] = await Promise.all([api("GET", "/api/v1/agents/me"), api("GET", "/api/v1/tasks")]);
        if (me.status === 401) return;
        // An event arrived while we were reading: the answer may already be old, read again.
        if (gen !== eventGen) { refreshAgain = true; continue; }
        hooks.onTruth(me.ok ? me.data : null, tasks.ok ? tasks.data : null);
      } while (refreshAgain);
    })();
    try { await refreshing; } finally { refreshing = null; }
  }

  // ---- The event stream --------------------------------------------------------------------

  function connect() {
    if (ws) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const lastSeq = hooks.lastSeq();
    const since = lastSeq === null ? "" : `?since=${lastSeq}`;
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/events${since}`);
    ws = socket;
    socket.onopen = () => {
      wsAttempts = 0;
      clearTimeout(offlineTimer);
      hooks.onOffline(false);
      // Whatever happened between our last read and now: read again.
      scheduleRefresh(0);
    };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      eventGen++;
      hooks.onEvent(event);
      if (hooks.truthAfterEvents !== false) scheduleRefresh();
    };
    socket.onclose = (event) => {
      ws = null;
      if (!hooks.signedIn()) return;
      // 4001: the session ended (signed out elsewhere, password changed): the check signs out.
      if (event.code === 4001) {
        api("GET", "/api/v1/agents/me").then((me) => { if (me.ok && !ws) connect(); });
        return;
      }
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(() => hooks.onOffline(true), 800);
      const delay = Math.min(5000, 300 * 2 ** wsAttempts++);
      setTimeout(async () => {
        if (!hooks.signedIn() || ws) return;
        // A refused upgrade looks like a drop: check the session before trying again.
        if (wsAttempts > 2) {
          const me = await api("GET", "/api/v1/agents/me");
          if (me.status === 401) return;
        }
        connect();
      }, delay);
    };
  }

  function disconnect() {
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    clearTimeout(offlineTimer);
  }

  return { api, connect, disconnect, refresh, scheduleRefresh };
}
