//! Routing: which waiting contact goes to which available agent.
//!
//! Per queue, waiting contacts are ordered by their [`Place`] (priority, then time entered) and
//! available agents by how long they have been available. A decision is one B-tree lookup per
//! queue involved, so it stays O(k · log n) for an agent serving k queues, whatever the number
//! of agents and contacts. The engine keeps this structure in step with agent and contact state;
//! the router itself knows nothing about calls.

use crate::ids::{AgentId, InteractionId, QueueId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// A contact's place in a queue: higher priority first, then earlier arrival. A contact keeps
/// its place when an offer is not answered (R12) or when it becomes a courtesy callback (R37).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Place {
    /// `u8::MAX - priority`, so that higher priorities sort first.
    rank: u8,
    /// When the contact first entered (monotonic ms).
    pub entered_mono_ms: u64,
    /// Tie-breaker: unique per place.
    seq: u64,
}

/// Waiting contacts and available agents, per queue.
#[derive(Debug, Default)]
pub struct Router {
    /// Per queue: its waiting contacts and available agents.
    queues: HashMap<QueueId, RouteQueue, IdHash>,
    /// Available agents: their key and the queues they serve.
    available: HashMap<AgentId, AvailableAgent, IdHash>,
    /// Source of unique tie-breakers.
    seq: u64,
}

#[derive(Debug, Default)]
struct RouteQueue {
    /// Served first when an agent serves several queues.
    priority: u8,
    /// Waiting contacts by place, each with the agents it must not go to (R29).
    waiting: BTreeMap<Place, Waiting>,
    /// Available agents, longest available first.
    available: BTreeSet<(u64, u64, AgentId)>,
}

#[derive(Clone, Debug)]
struct Waiting {
    interaction: InteractionId,
    excluded: Vec<AgentId>,
}

#[derive(Debug)]
struct AvailableAgent {
    key: (u64, u64, AgentId),
    queues: Vec<QueueId>,
}

impl Router {
    /// A new place for a contact entering now with this priority.
    pub fn place(&mut self, priority: u8, entered_mono_ms: u64) -> Place {
        self.seq += 1;
        Place {
            rank: u8::MAX - priority,
            entered_mono_ms,
            seq: self.seq,
        }
    }

    /// Adds a queue, or updates its priority.
    pub fn set_queue(&mut self, queue: QueueId, priority: u8) {
        self.queues.entry(queue).or_default().priority = priority;
    }

    /// Removes an empty queue; returns false (and keeps it) if contacts wait in it.
    pub fn remove_queue(&mut self, queue: QueueId) -> bool {
        match self.queues.get(&queue) {
            Some(q) if !q.waiting.is_empty() => false,
            _ => {
                self.queues.remove(&queue);
                true
            }
        }
    }

    /// Puts a contact in a queue at `place`, never to be routed to any of `excluded` (R29).
    pub fn enqueue(
        &mut self,
        queue: QueueId,
        place: Place,
        interaction: InteractionId,
        excluded: &[AgentId],
    ) {
        let route_queue = self.queues.entry(queue).or_default();
        let previous = route_queue.waiting.insert(
            place,
            Waiting {
                interaction,
                excluded: excluded.to_vec(),
            },
        );
        assert!(previous.is_none(), "two contacts at one place in {queue}");
    }

    /// Takes a contact out of a queue; returns whether it was there.
    pub fn dequeue(&mut self, queue: QueueId, place: Place) -> bool {
        self.queues
            .get_mut(&queue)
            .is_some_and(|q| q.waiting.remove(&place).is_some())
    }

    /// Whether this contact waits in this queue at this place.
    pub fn is_waiting(&self, queue: QueueId, place: Place, interaction: InteractionId) -> bool {
        self.queues
            .get(&queue)
            .and_then(|q| q.waiting.get(&place))
            .is_some_and(|w| w.interaction == interaction)
    }

    /// How many contacts wait in a queue.
    pub fn n_waiting(&self, queue: QueueId) -> usize {
        self.queues.get(&queue).map_or(0, |q| q.waiting.len())
    }

    /// The place's position in its queue's order, 1 for the first in line (R37).
    pub fn position(&self, queue: QueueId, place: Place) -> usize {
        self.queues
            .get(&queue)
            .map_or(0, |q| q.waiting.range(..place).count())
            + 1
    }

    /// How many contacts wait in all queues.
    pub fn n_waiting_total(&self) -> usize {
        self.queues.values().map(|q| q.waiting.len()).sum()
    }

    /// Marks an agent available for these queues since `since_mono_ms`.
    pub fn agent_available(&mut self, agent: AgentId, since_mono_ms: u64, queues: Vec<QueueId>) {
        self.agent_unavailable(agent);
        self.seq += 1;
        let key = (since_mono_ms, self.seq, agent);
        for queue in &queues {
            self.queues.entry(*queue).or_default().available.insert(key);
        }
        self.available.insert(agent, AvailableAgent { key, queues });
    }

    /// Marks an agent unavailable; returns whether it was available.
    pub fn agent_unavailable(&mut self, agent: AgentId) -> bool {
        let Some(available) = self.available.remove(&agent) else {
            return false;
        };
        for queue in &available.queues {
            if let Some(q) = self.queues.get_mut(queue) {
                q.available.remove(&available.key);
            }
        }
        true
    }

    /// Whether an agent is available.
    pub fn is_available(&self, agent: AgentId) -> bool {
        self.available.contains_key(&agent)
    }

    /// The queues an available agent serves.
    pub fn queues_of(&self, agent: AgentId) -> &[QueueId] {
        self.available.get(&agent).map_or(&[], |a| &a.queues)
    }

    /// The longest-available agent of a queue, other than those `excluded`.
    pub fn best_agent(&self, queue: QueueId, excluded: &[AgentId]) -> Option<AgentId> {
        let q = self.queues.get(&queue)?;
        q.available
            .iter()
            .map(|&(_, _, agent)| agent)
            .find(|agent| !excluded.contains(agent))
    }

    /// The longest-available agent for the contact at the head of… a given waiting contact.
    pub fn best_agent_for(&self, queue: QueueId, place: Place) -> Option<AgentId> {
        let q = self.queues.get(&queue)?;
        let waiting = q.waiting.get(&place)?;
        self.best_agent(queue, &waiting.excluded)
    }

    /// The best contact for an available agent across the queues it serves: highest queue
    /// priority, then the contact's place.
    pub fn best_contact(&self, agent: AgentId) -> Option<(QueueId, Place, InteractionId)> {
        let available = self.available.get(&agent)?;
        let mut best: Option<(Reverse<u8>, Place, QueueId, InteractionId)> = None;
        for &queue in &available.queues {
            let Some(q) = self.queues.get(&queue) else {
                continue;
            };
            let head = q.waiting.iter().find(|(_, w)| !w.excluded.contains(&agent));
            if let Some((&place, waiting)) = head {
                let candidate = (Reverse(q.priority), place, queue, waiting.interaction);
                if best
                    .as_ref()
                    .is_none_or(|b| (candidate.0, candidate.1) < (b.0, b.1))
                {
                    best = Some(candidate);
                }
            }
        }
        best.map(|(_, place, queue, interaction)| (queue, place, interaction))
    }

    /// Checks the routing invariant: no queue has a waiting contact and an available agent that
    /// could take it (routing ran to completion). Returns the offending pair.
    pub fn find_unrouted(&self) -> Option<(QueueId, InteractionId, AgentId)> {
        for (&queue, q) in &self.queues {
            for waiting in q.waiting.values() {
                if let Some(agent) = self.best_agent(queue, &waiting.excluded) {
                    return Some((queue, waiting.interaction, agent));
                }
            }
        }
        None
    }

    /// Every waiting contact with its queue and place (for checks and views).
    pub fn waiting(&self) -> impl Iterator<Item = (QueueId, Place, InteractionId)> + '_ {
        self.queues.iter().flat_map(|(&queue, q)| {
            q.waiting
                .iter()
                .map(move |(&p, w)| (queue, p, w.interaction))
        })
    }
}

/// Hashing for the router's id-keyed maps. Ids are small integers handed out by the engine,
/// not attacker-chosen strings, so SipHash's protection buys nothing here and costs a third of a
/// routing decision; one multiply (the FxHash constant) spreads them well enough.
type IdHash = BuildHasherDefault<IdHasher>;

/// See [`IdHash`].
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}
