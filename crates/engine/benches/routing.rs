//! Routing decisions per second and memory per waiting contact and per agent.
//!
//! A decision matches one waiting contact to one agent. It is triggered by an agent becoming
//! available (best contact across the agent's queues), by a contact arriving while agents are
//! available (longest-available agent of its queue), or by a RONA (the contact goes back at its
//! place and the next agent is found). Each benchmark keeps the system in a steady state, so an
//! iteration is exactly one decision plus the bookkeeping that makes the next one possible.
//!
//! Scales: `n` waiting contacts, `n / 10` agents and `n / 100` queues (the target is
//! 100,000 contacts, 10,000 agents, 1,000 queues); each agent serves three queues.
//!
//! Run: `cargo bench -p sentral-engine --bench routing`.

use divan::{AllocProfiler, Bencher, black_box};
use sentral_engine::testing::{DAVID, DN_KUNDESERVICE, SUPPORT, small_config};
use sentral_engine::{
    AgentId, Command, Engine, FailCause, Input, InteractionId, LegId, Now, Output, QueueId, Router,
    StateRequest, TelephonyCommand, TelephonyEvent,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const SCALES: [usize; 3] = [1_000, 10_000, 100_000];
const QUEUES_PER_AGENT: u64 = 3;

fn main() {
    divan::main();
}

/// A deterministic pseudo-random sequence (SplitMix64), so every run routes the same way.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

struct World {
    router: Router,
    rng: Rng,
    n_agents: u64,
    n_queues: u64,
    next_interaction: u64,
    now_ms: u64,
}

impl World {
    /// `n_contacts` waiting, every agent busy.
    fn saturated(n_contacts: usize) -> World {
        let n_agents = (n_contacts / 10) as u64;
        let n_queues = (n_contacts / 100) as u64;
        let mut world = World {
            router: Router::default(),
            rng: Rng(42),
            n_agents,
            n_queues,
            next_interaction: 0,
            now_ms: 0,
        };
        for queue in 0..n_queues {
            world.router.set_queue(QueueId(queue), (queue % 3) as u8);
        }
        for _ in 0..n_contacts {
            world.arrive();
        }
        world
    }

    /// No contact waiting, every agent available.
    fn idle(n_contacts: usize) -> World {
        let mut world = World::saturated(0);
        world.n_agents = (n_contacts / 10) as u64;
        world.n_queues = (n_contacts / 100) as u64;
        for queue in 0..world.n_queues {
            world.router.set_queue(QueueId(queue), (queue % 3) as u8);
        }
        for agent in 0..world.n_agents {
            world.now_ms += 1;
            let queues = world.queues_of(AgentId(agent));
            world
                .router
                .agent_available(AgentId(agent), world.now_ms, queues);
        }
        world
    }

    fn queues_of(&self, agent: AgentId) -> Vec<QueueId> {
        (0..QUEUES_PER_AGENT)
            .map(|i| QueueId((agent.0 * 7 + i * 13) % self.n_queues))
            .collect()
    }

    /// A new contact enters a random queue with a random priority.
    fn arrive(&mut self) -> (QueueId, sentral_engine::Place) {
        let queue = QueueId(self.rng.below(self.n_queues));
        self.arrive_in(queue)
    }

    /// A new contact enters `queue` with a random priority.
    fn arrive_in(&mut self, queue: QueueId) -> (QueueId, sentral_engine::Place) {
        self.now_ms += 1;
        self.next_interaction += 1;
        let place = self.router.place(self.rng.below(3) as u8, self.now_ms);
        self.router
            .enqueue(queue, place, InteractionId(self.next_interaction), &[]);
        (queue, place)
    }
}

/// An agent becomes available and takes the best contact across its queues; a new contact
/// arrives in that queue so that the number waiting stays the same.
#[divan::bench(args = SCALES, sample_count = 200, sample_size = 500)]
fn agent_becomes_available(bencher: Bencher, n: usize) {
    let mut world = World::saturated(n);
    bencher.bench_local(|| {
        let agent = AgentId(world.rng.below(world.n_agents));
        world.now_ms += 1;
        let queues = world.queues_of(agent);
        world.router.agent_available(agent, world.now_ms, queues);
        let (queue, place, interaction) = world.router.best_contact(agent).expect("contacts wait");
        world.router.dequeue(queue, place);
        world.router.agent_unavailable(agent);
        world.arrive_in(queue);
        black_box(interaction)
    });
}

/// A contact arrives while agents are available and goes to the longest-available agent of its
/// queue; that agent later becomes available again, so the number available stays the same.
#[divan::bench(args = SCALES, sample_count = 200, sample_size = 500)]
fn contact_arrives(bencher: Bencher, n: usize) {
    let mut world = World::idle(n);
    bencher.bench_local(|| {
        let (queue, place) = world.arrive();
        let agent = world
            .router
            .best_agent_for(queue, place)
            .expect("agents available");
        world.router.dequeue(queue, place);
        world.router.agent_unavailable(agent);
        world.now_ms += 1;
        let queues = world.queues_of(agent);
        world.router.agent_available(agent, world.now_ms, queues);
        black_box(agent)
    });
}

/// RONA: the best contact of an agent goes back at its original place and is matched again.
#[divan::bench(args = SCALES, sample_count = 200, sample_size = 500)]
fn rona_requeues_at_place(bencher: Bencher, n: usize) {
    let mut world = World::saturated(n);
    bencher.bench_local(|| {
        let agent = AgentId(world.rng.below(world.n_agents));
        world.now_ms += 1;
        let queues = world.queues_of(agent);
        world.router.agent_available(agent, world.now_ms, queues);
        let (queue, place, interaction) = world.router.best_contact(agent).expect("contacts wait");
        world.router.dequeue(queue, place);
        world.router.agent_unavailable(agent);
        world.router.enqueue(queue, place, interaction, &[]);
        black_box(interaction)
    });
}

/// Memory: building `n` waiting contacts (divan's allocation columns divided by `n`).
#[divan::bench(args = SCALES, sample_count = 5, sample_size = 1)]
fn memory_waiting_contacts(bencher: Bencher, n: usize) {
    bencher.bench_local(|| black_box(World::saturated(n)));
}

/// Memory: `n / 10` available agents serving three queues each.
#[divan::bench(args = SCALES, sample_count = 5, sample_size = 1)]
fn memory_available_agents(bencher: Bencher, n: usize) {
    bencher.bench_local(|| black_box(World::idle(n)));
}

/// The whole engine, for scale: a call waits at an entry point and is offered to the one
/// available agent (connect popover, offer popover, ring, RONA timer, records); the agent's
/// phone is busy, so the agent goes to RONA and the call back to its place; the agent becomes
/// available again and gets the next offer. One iteration is one such offer (two inputs).
#[divan::bench(sample_count = 200, sample_size = 500)]
fn engine_offer_after_rona(bencher: Bencher) {
    let mut engine = Engine::new(small_config(), Now::from_millis(0)).expect("valid");
    let mut now_ms = 0;
    let feed = |engine: &mut Engine, input: Input, now_ms: u64| -> Option<LegId> {
        engine
            .handle_input(Now::from_millis(now_ms), input)
            .expect("accepted");
        let mut ringing = None;
        while let Some(output) = engine.poll_output() {
            if let Output::Telephony(TelephonyCommand::RingAgent { leg, .. }) = output {
                ringing = Some(leg);
            }
        }
        ringing
    };
    let command = |command| Input::Command {
        agent: DAVID,
        command,
    };
    feed(
        &mut engine,
        Input::Telephony(TelephonyEvent::DeviceRegistered {
            extension: "1004".into(),
        }),
        now_ms,
    );
    feed(
        &mut engine,
        command(Command::LogIn {
            team: SUPPORT,
            extension: "1004".into(),
        }),
        now_ms,
    );
    let arrival = TelephonyEvent::CallArrived {
        leg: LegId(1),
        dnis: DN_KUNDESERVICE.into(),
        ani: "+4791000001".into(),
    };
    feed(&mut engine, Input::Telephony(arrival), now_ms);
    let mut leg = feed(
        &mut engine,
        command(Command::SetState(StateRequest::Available)),
        now_ms,
    )
    .expect("offered");
    bencher.bench_local(|| {
        now_ms += 1;
        feed(
            &mut engine,
            Input::Telephony(TelephonyEvent::Failed {
                leg,
                cause: FailCause::Busy,
            }),
            now_ms,
        );
        leg = feed(
            &mut engine,
            command(Command::SetState(StateRequest::Available)),
            now_ms,
        )
        .expect("offered again");
    });
}
