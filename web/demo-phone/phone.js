// The demo phones page: shows every simulated agent phone of `sentral demo` and lets a person
// answer and hang up. It polls GET /demo/api/phones twice a second and sends POST/PUT requests to
// /demo/api/phones/{extension}/... ; the simulator does the SIP.

const $ = (id) => document.getElementById(id);
const POLL_MS = 500;
const cards = new Map(); // extension -> card element

async function request(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, options);
    const data = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: { message: "Sentral does not answer." } };
  }
}

function showError(message) {
  const error = $("error");
  error.textContent = message ?? "";
  error.hidden = !message;
}

function clock(seconds) {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function card(phone) {
  let element = cards.get(phone.extension);
  if (element) return element;
  element = document.createElement("article");
  element.className = "phone";
  element.dataset.extension = phone.extension;
  element.setAttribute("aria-label", `${phone.agent}'s phone, extension ${phone.extension}`);
  element.innerHTML = `
    <h2><span class="name"></span><span class="reg"></span></h2>
    <p class="state"></p>
    <p class="audio"></p>
    <label><input type="checkbox" class="manual"> Answer myself</label>
    <div class="buttons">
      <button type="button" class="answer">Answer</button>
      <button type="button" class="hangup">Hang up</button>
    </div>`;
  element.querySelector(".name").textContent = `${phone.agent} · ${phone.extension}`;
  const act = async (method, path, body) => {
    const reply = await request(method, `/demo/api/phones/${encodeURIComponent(phone.extension)}/${path}`, body);
    showError(reply.ok ? null : reply.data?.message ?? `The phone did not answer (${reply.status}).`);
    if (reply.ok) render([reply.data]);
  };
  element.querySelector(".manual").addEventListener("change", (event) => act("PUT", "manual", { manual: event.target.checked }));
  element.querySelector(".answer").addEventListener("click", () => act("POST", "answer"));
  element.querySelector(".hangup").addEventListener("click", () => act("POST", "hangup"));
  $("phones").append(element);
  cards.set(phone.extension, element);
  return element;
}

function render(phones) {
  for (const phone of phones) {
    const element = card(phone);
    element.dataset.state = phone.state;
    const reg = element.querySelector(".reg");
    reg.dataset.registered = String(phone.registered);
    reg.textContent = phone.registered ? "Registered" : "Not registered";
    reg.title = phone.problem ?? "";
    const state = element.querySelector(".state");
    if (phone.state === "ringing") state.textContent = `Ringing — ${phone.caller || "withheld number"}`;
    else if (phone.state === "in_call") state.textContent = `In call with ${phone.caller || "withheld number"} · ${clock(phone.seconds ?? 0)}`;
    else state.textContent = "Idle";
    element.querySelector(".audio").textContent = phone.state === "in_call" ? `Audio: ${phone.packets_heard} packets heard` : "";
    const manual = element.querySelector(".manual");
    if (document.activeElement !== manual) manual.checked = phone.manual;
    element.querySelector(".answer").disabled = phone.state !== "ringing";
    element.querySelector(".hangup").disabled = phone.state === "idle";
  }
}

async function poll() {
  const [phones, status] = await Promise.all([request("GET", "/demo/api/phones"), request("GET", "/demo/api/status")]);
  if (phones.ok) {
    render(phones.data);
  } else {
    showError(phones.data?.message ?? "Sentral does not answer.");
  }
  if (status.ok) {
    const s = status.data;
    $("traffic").textContent = `Simulated customers: one call every ${Math.round(s.call_interval_ms / 1000)} s; ${s.calls_active} up now, ${s.calls_placed} so far.`;
  }
  setTimeout(poll, POLL_MS);
}

poll();
