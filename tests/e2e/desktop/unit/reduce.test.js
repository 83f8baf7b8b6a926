// The desktop's reducer (web/desktop/reduce.js) in node, over event traces recorded from the real
// server (../traces/, see ../traces.test.js for how they are recorded). Each test names the rules
// whose screen state it proves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import {
  STACK_PAGE_SIZE, activeTask, initialState, primaryState, reduce, stackedOffers, taskListItems, withMe, withStackPage, withTasks,
} from "../../../../web/desktop/reduce.js";
import { TRACES, deepFreeze, events, replay, start, trace } from "./traces.js";

const ALL = readdirSync(TRACES).filter((file) => file.endsWith(".json")).map((file) => file.replace(/\.json$/, ""));

/// The first event of a type in a trace.
function first(recorded, type) {
  const event = events(recorded).find((e) => e.type === type);
  assert.ok(event, `${recorded.scenario}.${recorded.agent} has a ${type} event`);
  return event;
}

/// Folds the events of a trace, handing each event and the state after it to `check`.
function steps(recorded, check) {
  let state = start(recorded);
  for (const event of events(recorded)) {
    state = reduce(state, event);
    check(event, state);
  }
  return state;
}

test("the recorded traces cover offers, RONA, hold, consult, conference, transfer, wrap-up, reconnect, a lost replay and reload", () => {
  for (const name of ["offer.anna", "rona.anna", "hold.anna", "consult-conference.anna", "consult-conference.bjorn",
    "transfer.anna", "transfer.bjorn", "wrap-up.anna", "reconnect.anna", "reconnect-reload.anna", "reload.anna"]) {
    assert.ok(ALL.includes(name), `traces/${name}.json is recorded`);
    assert.ok(events(trace(name)).length > 0, `${name} has events`);
  }
});

test("reduce returns a new state and never changes the state it was given, on every recorded event", () => {
  for (const name of ALL) {
    const recorded = trace(name);
    let state = deepFreeze(start(recorded));
    for (const event of events(recorded)) {
      const before = JSON.stringify(state);
      const next = reduce(state, deepFreeze(event));
      assert.equal(JSON.stringify(state), before, `${name}: ${event.type} left its argument as it was`);
      state = deepFreeze(next);
    }
  }
});

test("every trace's events fold to the agent state, wrap-ups and calls the server reports afterwards", () => {
  for (const name of ALL) {
    const recorded = trace(name);
    const state = replay(recorded);
    const want = recorded.after.me.agent;
    const got = state.me.agent;
    assert.equal(got.state, want.state, `${name}: agent state`);
    assert.equal(got.idle_reason, want.idle_reason, `${name}: idle reason`);
    assert.deepEqual(got.wrapups, want.wrapups, `${name}: wrap-ups pending`);
    assert.equal(state.lastSeq, events(recorded).at(-1).seq, `${name}: the last seq seen`);
    // The calls the desk knew before: what events said of them is what the server says now.
    for (const task of recorded.after.tasks) {
      const known = state.tasks[task.id];
      if (!recorded.before.tasks.some((t) => t.id === task.id)) continue;
      assert.equal(known.customer_held, task.customer_held, `${name}: task ${task.id} customer_held`);
      assert.equal(known.owner, task.owner, `${name}: task ${task.id} owner`);
      assert.equal(known.recording.state, task.recording.state, `${name}: task ${task.id} recording`);
      assert.deepEqual(known.consult && { accepted: known.consult.accepted, conference: known.consult.conference },
        task.consult && { accepted: task.consult.accepted, conference: task.consult.conference }, `${name}: task ${task.id} consult`);
    }
  }
});

test("r6_r7_r9_r13 a call is first a connect popover, then the offer with its variables and RONA deadline, Ringing, and gone once connected", () => {
  const recorded = trace("offer.anna");
  const offer = first(recorded, "offer");
  const seen = [];
  const state = steps(recorded, (event, s) => {
    const popover = s.offers[offer.task];
    if (event.type === "reserved") {
      assert.equal(popover.stage, "reserved", "R6: Connecting… first");
      assert.equal(popover.connectUntil, event.at_unix_ms + 1000, "R6: shown for at least a second");
      seen.push("reserved");
    }
    if (event.type === "offer") {
      assert.equal(popover.stage, "offer");
      assert.equal(popover.connectUntil, s.offers[offer.task].receivedAt + 1000, "R6: the contact request waits for the connect popover's second");
      assert.equal(popover.deadline, event.at_unix_ms + event.rona_timeout_ms, "R7: the countdown runs from arrival to RONA");
      assert.ok(popover.variables.length >= 3 && popover.variables.length <= 6, "R9: 3 to 6 variables");
      assert.equal(popover.ringing, false);
      assert.deepEqual(s.offerVars[offer.task], event.variables.map((v) => v.name), "the call data keeps the popover's order");
      for (const v of event.variables) assert.equal(s.labels[v.name], v.label);
      seen.push("offer");
    }
    if (event.type === "ringing") {
      assert.equal(popover.ringing, true, "R13: Ringing — answer on your phone");
      seen.push("ringing");
    }
    if (event.type === "connected") {
      assert.equal(popover, undefined, "R13: connected closes the popover");
      seen.push("connected");
    }
  });
  assert.deepEqual(seen, ["reserved", "offer", "ringing", "connected"]);
  // With the server's answers the call becomes the agent's active call.
  const truth = replay(recorded, { truth: true });
  assert.equal(activeTask(truth)?.id, offer.task);
  assert.equal(state.tasks[offer.task], undefined, "events alone do not invent a task the server has not shown");
});

test("r4_r12 an offer not answered goes to RONA: the popover closes, the agent is in RONA until Available, and the call is offered again", () => {
  const recorded = trace("rona.anna");
  const offers = events(recorded).filter((e) => e.type === "offer");
  assert.equal(offers.length, 2, "offered, then offered again after Available");
  assert.equal(offers[0].task, offers[1].task, "R12: the same call comes back");
  const states = [];
  steps(recorded, (event, s) => {
    if (event.type === "rona") {
      assert.equal(s.offers[event.task], undefined, "R4: the offer popover closes");
      assert.equal(s.me.agent.state, "rona", "R4: the RONA popover asks for a state");
    }
    if (event.type === "agent_state") states.push(s.me.agent.state);
    if (event === offers[1]) {
      assert.equal(s.offers[event.task].deadline, event.at_unix_ms + event.rona_timeout_ms, "a new countdown, not the missed one's");
    }
  });
  assert.deepEqual(states, ["rona", "available"]);
});

test("r14 hold and resume change the call the desk shows", () => {
  const recorded = trace("hold.anna");
  const held = [];
  steps(recorded, (event, s) => {
    if (event.type === "hold_changed") held.push(s.tasks[event.task].customer_held);
  });
  assert.deepEqual(held, [true, false]);
});

test("r36 the call ends, the wrap-up dialog has the reasons and stays until the wrap-up is done", () => {
  const recorded = trace("wrap-up.anna");
  const required = first(recorded, "wrap_up_required");
  assert.ok(required.reasons.length > 0);
  const pending = [];
  steps(recorded, (event, s) => {
    if (event.type === "wrap_up_required") {
      assert.deepEqual(s.wrapReasons[event.task], event.reasons);
      assert.deepEqual(s.wrapReasons.last, event.reasons);
      assert.equal(s.wrapSince[event.task], event.at_unix_ms, "the wrap-up timer starts (R36)");
    }
    if (event.type === "wrap_up_done") assert.equal(s.wrapSince[event.task], undefined);
    if (event.type === "wrap_up_required" || event.type === "wrap_up_done") pending.push([...s.me.agent.wrapups]);
  });
  assert.deepEqual(pending, [[required.task], []]);
});

test("r18_r19_r23 the consulting agent sees Consult requested, the consult answered, the conference and its end", () => {
  const recorded = trace("consult-conference.anna");
  const task = first(recorded, "consult_requested").task;
  const seen = [];
  steps(recorded, (event, s) => {
    const consult = s.tasks[task].consult;
    if (event.type === "consult_requested") {
      assert.deepEqual(consult, { accepted: false, consulted_held: false, conference: false });
      assert.ok(event.rona_timeout_ms > 0, "R21: how long the consulted agent's phone rings");
      assert.equal(s.consultDeadline[task], event.at_unix_ms + event.rona_timeout_ms, "R21: the consult's countdown");
      assert.equal(s.legSince[`consult:${task}`], event.at_unix_ms, "R19: the consult leg's own timer");
      seen.push("requested");
    }
    if (event.type === "consult_accepted") {
      assert.equal(consult.accepted, true, "R19: two panes");
      assert.equal(s.consultDeadline[task], undefined, "no countdown once answered");
      seen.push("accepted");
    }
    if (event.type === "conference_started") { assert.equal(consult.conference, true, "R23: In conference"); seen.push("conference"); }
    if (event.type === "consult_ended") { assert.equal(consult, null, "R23: the consulted agent left"); seen.push("ended"); }
    if (event.type === "hold_changed" && consult && event.consulted_held !== null) assert.equal(consult.consulted_held, event.consulted_held);
  });
  assert.deepEqual(seen, ["requested", "accepted", "conference", "ended"]);
});

test("r10_r22_r23 the consulted agent gets a consult request that connecting closes, is the consulted party, and leaves without wrap-up", () => {
  const recorded = trace("consult-conference.bjorn");
  const offer = first(recorded, "consult_offer");
  const me = recorded.before.me.agent.id;
  let consulted = false;
  const state = replay(recorded, {
    truth: true,
    each: (s, entry) => {
      if (entry.event === offer) {
        assert.equal(s.offers[offer.task].consult, true, "R10: a consult request");
        assert.ok(s.offers[offer.task].variables.length <= 9, "R10: at most 9 variables");
        assert.equal(s.offers[offer.task].deadline, offer.at_unix_ms + offer.rona_timeout_ms, "R7 R21: the consult request counts down");
        assert.deepEqual(s.consultFrom[offer.task], { name: "Anna", dn: "1001", team: "Sales" }, "R10: who consults");
      }
      if (entry.event?.type === "connected") assert.equal(s.legSince[offer.task], entry.event.at, "R19: the consult leg's own timer");
      if (entry.event?.type === "connected") assert.equal(s.offers[offer.task], undefined);
      const active = activeTask(s);
      if (active) {
        assert.notEqual(active.owner, me, "R22: the consulted agent does not own the call");
        consulted = true;
      }
    },
  });
  assert.ok(consulted, "the consulted pane was shown");
  assert.equal(activeTask(state), null, "R23: after leaving, no call");
  assert.deepEqual(state.me.agent.wrapups, [], "R26: the consulted agent submits no wrap-up");
});

test("r27_r29 a blind transfer: the transferring agent must wrap up, the other agent is offered the call and owns it once connected", () => {
  const from = trace("transfer.anna");
  const task = first(from, "call_ended").task;
  assert.equal(activeTask(start(from))?.id, task, "anna is on the call");
  const pending = [];
  steps(from, (event, s) => {
    if (event.type === "call_ended") assert.equal(activeTask(s), null, "R29: the call's pane closes as the call leaves her");
    if (event.type === "wrap_up_required") pending.push([...s.me.agent.wrapups]);
  });
  assert.deepEqual(pending, [[task]], "R29: the wrap-up dialog opens for the transferring agent");

  const to = trace("transfer.bjorn");
  const bjorn = to.before.me.agent.id;
  assert.equal(first(to, "offer").task, task, "the transferred call is offered");
  const state = replay(to, { truth: true });
  assert.equal(activeTask(state)?.id, task);
  assert.equal(activeTask(state)?.owner, bjorn, "the call is his");
});

test("r6_r7 a reconnect with ?since=<last seq> gets exactly the events missed, and the offer they carry", () => {
  const recorded = trace("reconnect.anna");
  const socket = recorded.log.find((entry) => entry.input === "socket");
  assert.equal(socket.since, recorded.before.lastSeq, "the desktop asks from the last event it saw");
  const replayed = events(recorded);
  assert.deepEqual(replayed.map((e) => e.seq), replayed.map((_, i) => socket.since + 1 + i), "nothing missed, nothing twice");
  const state = replay(recorded);
  assert.equal(state.lastSeq, replayed.at(-1).seq);
  const offer = first(recorded, "offer");
  assert.equal(state.offers[offer.task].ringing, true, "the missed offer is shown, ringing");
});

test("r7_r13 a page reload shows the same offer and countdown from what was saved and the server's truth", () => {
  const recorded = trace("reload.anna");
  const offer = first(recorded, "offer");
  let beforeReload = null;
  let afterReload = null;
  let reloaded = false;
  replay(recorded, {
    truth: true,
    each: (s, entry) => {
      if (entry.input === "reload") { reloaded = true; return; }
      if (!reloaded) beforeReload = s;
      else if (entry.input === "tasks" && !afterReload) afterReload = s;
    },
  });
  const socket = recorded.log.find((entry) => entry.input === "socket");
  assert.equal(socket.since, beforeReload.lastSeq, "the reloaded page asks only for what came after");
  const was = beforeReload.offers[offer.task];
  const is = afterReload.offers[offer.task];
  assert.ok(is && !is.generic, "the popover keeps its content across the reload");
  assert.equal(is.deadline, was.deadline, "R7: the same countdown");
  assert.equal(is.ringing, true);
  // Without what was saved (another browser) the task list still shows the offer, plainly.
  const listed = recorded.log.find((entry) => entry.input === "tasks" && entry.body.some((task) => task.id === offer.task)).body;
  const fresh = withTasks(withMe(initialState(), recorded.after.me), listed);
  assert.equal(fresh.offers[offer.task]?.generic, true);
});

test("r8 the stack orders e-mail, social, chat, calls from the top, earliest first, and a new digital request shows its top page", () => {
  // The engine offers one call at a time; digital offers are the recorded offer with another channel.
  const recorded = trace("offer.anna");
  const call = first(recorded, "offer");
  let state = start(recorded);
  let n = 0;
  const offer = (channel, offsetMs) => {
    n += 1;
    return { ...call, seq: call.seq + n, task: 100 + n, channel, offered_at: call.offered_at + offsetMs };
  };
  state = reduce(state, call);
  for (const [channel, at] of [["chat", 5], ["email", 9], ["social", 3], ["chat", 1], ["email", 2], ["chat", 7]]) {
    state = reduce(state, offer(channel, at));
  }
  assert.deepEqual(stackedOffers(state).map((o) => `${o.channel}+${o.offered_at - call.offered_at}`),
    ["email+2", "email+9", "social+3", "chat+1", "chat+5", "chat+7", "voice+0"]);
  state = withStackPage(state, 1);
  assert.equal(state.stackPage, 1, "a second page of five");
  assert.equal(withStackPage(state, 5).stackPage, Math.ceil(7 / STACK_PAGE_SIZE) - 1, "never past the last page");
  state = reduce(state, offer("chat", 11));
  assert.equal(state.stackPage, 0, "a new request shows the top of the stack");
});

test("r6_r7 a reconnect too late for the replay gets a reload event; the truth read then shows the offer whose events were lost", () => {
  const recorded = trace("reconnect-reload.anna");
  const socket = recorded.log.find((entry) => entry.input === "socket");
  assert.equal(socket.since, recorded.before.lastSeq);
  const reload = first(recorded, "reload");
  assert.ok(reload.oldest > socket.since + 1, "the events after since are gone from the ring");
  assert.deepEqual(events(recorded), [reload], "nothing but the reload event");
  const eventsOnly = replay(recorded);
  assert.equal(eventsOnly.lastSeq, reload.seq, "the next reconnect asks from the server's last seq");
  assert.deepEqual(eventsOnly.offers, {}, "the event alone says nothing of the offer");
  const state = replay(recorded, { truth: true });
  const offered = recorded.after.tasks.find((task) => task.phase === "offered");
  assert.ok(offered, "the server offers a call");
  assert.equal(state.offers[offered.id]?.generic, true, "R7: the offer is shown from the task list");
  assert.equal(state.me.agent.state, recorded.after.me.agent.state);
});

test("r3_r13 one primary state: Ringing while offered, Talking once answered, On hold, Wrap-up until submitted, never a combination", () => {
  const seen = (name) => {
    const states = [];
    replay(trace(name), { truth: true, each: (state) => { if (states.at(-1) !== primaryState(state)) states.push(primaryState(state)); } });
    return states;
  };
  const offer = seen("offer.anna");
  assert.ok(offer.indexOf("ringing") >= 0 && offer.indexOf("ringing") < offer.indexOf("talking"), `offer: ${offer}`);
  assert.ok(seen("hold.anna").includes("on_hold"), "hold");
  const wrap = seen("wrap-up.anna");
  assert.ok(wrap.includes("wrap_up") && wrap.at(-1) !== "wrap_up", `wrap-up: ${wrap}`);
  assert.equal(primaryState(initialState()), "logged_out");
});

test("r19_r27 a call transferred to an agent is marked so, and their timer counts from their own answer", () => {
  const recorded = trace("transfer.bjorn");
  const connected = first(recorded, "connected");
  const state = replay(recorded, { truth: true });
  assert.equal(state.transferredIn[connected.task], true, "the offer came while the call was transferring");
  assert.equal(state.legSince[connected.task], connected.at, "Bjorn's own answer");
  assert.ok(state.tasks[connected.task].connected_at < connected.at, "the first answer was earlier");
});

test("r8 the task list has the contact offered, then talking, then awaiting wrap-up, each with its timer's start", () => {
  const seen = [];
  for (const name of ["offer.anna", "wrap-up.anna"]) {
    replay(trace(name), { truth: true, each: (state) => {
      const states = taskListItems(state).map((item) => item.state).join(",");
      if (seen.at(-1) !== states) seen.push(states);
    } });
  }
  for (const want of ["ringing", "talking", "wrap_up"]) assert.ok(seen.includes(want), `${want} in ${seen}`);
  assert.deepEqual(taskListItems(initialState()), []);
});

test("r43 a profile_changed event replaces the agent's allowed actions, which the buttons follow", () => {
  // The hold trace's agent, signed in to Sales with every action allowed, is told that her team
  // may no longer consult or pause recording.
  const recorded = trace("hold.anna");
  const state = deepFreeze(replay(recorded, { truth: true }));
  assert.equal(state.me.agent.allowed_actions.consult, true);
  const allowed = { consult: false, transfer_to_dial_number: true, pause_recording: false, outdial: true, transfer_to_entry_point: true };
  const after = reduce(state, { seq: 1_000_000, at_unix_ms: 0, type: "profile_changed", allowed_actions: allowed });
  assert.deepEqual(after.me.agent.allowed_actions, allowed);
  assert.equal(state.me.agent.allowed_actions.consult, true, "the state given is not changed");
});
