//! Per-user event streams with sequence numbers and bounded replay.
//!
//! Each signed-in user has a stream: every desktop event addressed to them gets the next
//! sequence number and is kept in a ring of the last [`REPLAY_MAX`] events, at most
//! [`REPLAY_BYTES_MAX`] of them, so a client that reconnects with `?since=<seq>` gets what it
//! missed. Beyond the ring it is told to reload.
//!
//! The byte bound keeps the server's memory flat however long it runs: events are kept for
//! every user whether or not a desktop is connected, and a full ring of 1,024 events (about
//! 170 bytes each) would be some 175 KB per user, 1.7 GB for 10,000 agents after a busy day.
//! 16 KiB is about 100 events, several minutes of a busy agent's desktop, which covers a
//! reconnect after a network blip; after a longer absence the desktop reloads its state.
//!
//! Live subscribers read from the same ring: a publish appends and wakes the user's sockets,
//! each of which remembers the next sequence number it wants. So an event is kept once, and a
//! user costs nothing up front (no per-subscriber buffer is allocated before anything happens).
//! A `tokio::sync::broadcast` channel of 256 slots per user, allocated in full when the user's
//! stream was created, cost about 11 KB of RSS per connected agent (bench/ws-fanout, 10,000
//! agents: 20.7 KB per connection before, 9.2 KB after). A socket that falls further behind
//! than the ring is `Lagged` (the error type of `broadcast`, so the socket loop is unchanged),
//! and its client reconnects with `?since` as before.

use crate::dto::{EventDto, EventEnvelope};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

/// How many events per user are kept for replay, at most.
pub const REPLAY_MAX: usize = 1024;

/// How many bytes of events (their JSON text) per user are kept for replay, at most.
pub const REPLAY_BYTES_MAX: usize = 16 * 1024;

/// Every user's stream.
#[derive(Debug, Default)]
pub struct EventHub {
    streams: Mutex<HashMap<String, Arc<UserStream>>>,
}

#[derive(Debug, Default)]
struct UserStream {
    ring: Mutex<Ring>,
    /// Wakes the user's live subscribers after each publish.
    wake: Notify,
}

#[derive(Debug, Default)]
struct Ring {
    /// The last sequence number handed out.
    seq: u64,
    /// The last events, oldest first, as JSON text; the newest has sequence number `seq`.
    events: VecDeque<Arc<str>>,
    /// The length of the texts in `events`.
    bytes: usize,
}

impl Ring {
    /// The sequence number of the oldest event kept (`seq + 1` when none is).
    fn oldest(&self) -> u64 {
        self.seq + 1 - self.events.len() as u64
    }
}

/// What a subscriber gets on (re)connecting.
#[derive(Debug)]
pub struct Subscription {
    /// Events to send first (the ones after `since`), or a reload notice.
    pub backlog: Vec<Arc<str>>,
    /// Events from now on.
    pub live: Live,
    /// The sequence number the backlog ends at.
    pub last_seq: u64,
}

/// A live subscriber's place in its user's stream.
#[derive(Debug)]
pub struct Live {
    stream: Arc<UserStream>,
    /// The sequence number of the next event to hand out.
    next: u64,
}

impl Live {
    /// The next event and its sequence number, waiting for it if need be. `Lagged` when the
    /// events after the last one handed out are no longer in the ring (the reader is too slow);
    /// it then goes on from the oldest event kept. Cancel-safe: nothing is taken while waiting.
    pub async fn recv(&mut self) -> Result<(u64, Arc<str>), RecvError> {
        loop {
            // Created before looking, so a publish in between still wakes it.
            let notified = self.stream.wake.notified();
            if let Some(next) = take(&self.stream, &mut self.next) {
                return next;
            }
            notified.await;
        }
    }
}

fn take(stream: &UserStream, next: &mut u64) -> Option<Result<(u64, Arc<str>), RecvError>> {
    let ring = stream.ring.lock().expect("stream lock");
    if *next > ring.seq {
        return None;
    }
    let oldest = ring.oldest();
    if *next < oldest {
        let missed = oldest - *next;
        *next = oldest;
        return Some(Err(RecvError::Lagged(missed)));
    }
    let text = ring.events[(*next - oldest) as usize].clone();
    let seq = *next;
    *next += 1;
    Some(Ok((seq, text)))
}

impl EventHub {
    fn stream(&self, username: &str) -> Arc<UserStream> {
        let mut streams = self.streams.lock().expect("hub lock");
        if let Some(stream) = streams.get(username) {
            return stream.clone();
        }
        streams.entry(username.to_owned()).or_default().clone()
    }

    /// Appends an event to a user's stream and wakes their sockets.
    pub fn publish(&self, username: &str, event: EventDto) {
        let stream = self.stream(username);
        {
            let mut ring = stream.ring.lock().expect("stream lock");
            ring.seq += 1;
            let envelope = EventEnvelope {
                seq: ring.seq,
                at_unix_ms: crate::app::unix_ms(),
                event,
            };
            let text: Arc<str> = serde_json::to_string(&envelope)
                .expect("events serialise")
                .into();
            ring.bytes += text.len();
            ring.events.push_back(text);
            while ring.events.len() > REPLAY_MAX
                || (ring.bytes > REPLAY_BYTES_MAX && ring.events.len() > 1)
            {
                let dropped = ring.events.pop_front().expect("not empty");
                ring.bytes -= dropped.len();
            }
        }
        stream.wake.notify_waiters();
    }

    /// Subscribes to a user's stream; `since` is the last sequence number the client saw.
    pub fn subscribe(&self, username: &str, since: Option<u64>) -> Subscription {
        let stream = self.stream(username);
        let ring = stream.ring.lock().expect("stream lock");
        let last_seq = ring.seq;
        let backlog = match since {
            None => Vec::new(),
            Some(since) if since >= last_seq => Vec::new(),
            Some(since) => {
                let oldest = ring.oldest();
                if since + 1 < oldest {
                    let reload = EventEnvelope {
                        seq: last_seq,
                        at_unix_ms: crate::app::unix_ms(),
                        event: EventDto::Reload { oldest },
                    };
                    vec![
                        serde_json::to_string(&reload)
                            .expect("events serialise")
                            .into(),
                    ]
                } else {
                    ring.events
                        .iter()
                        .skip((since + 1 - oldest) as usize)
                        .cloned()
                        .collect()
                }
            }
        };
        drop(ring);
        Subscription {
            backlog,
            live: Live {
                stream,
                next: last_seq + 1,
            },
            last_seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ringing(task: u64) -> EventDto {
        EventDto::Ringing { task }
    }

    #[test]
    fn reconnecting_with_since_replays_what_was_missed() {
        let hub = EventHub::default();
        for task in 1..=3 {
            hub.publish("anna", ringing(task));
        }
        let subscription = hub.subscribe("anna", Some(1));
        assert_eq!(subscription.backlog.len(), 2);
        assert!(subscription.backlog[0].contains("\"seq\":2"));
        assert!(subscription.backlog[0].contains("\"at_unix_ms\":"));
        assert_eq!(subscription.last_seq, 3);
        assert!(hub.subscribe("anna", Some(3)).backlog.is_empty());
    }

    #[test]
    fn a_client_too_far_behind_is_told_to_reload() {
        let hub = EventHub::default();
        for task in 0..(REPLAY_MAX as u64 + 10) {
            hub.publish("anna", ringing(task));
        }
        let subscription = hub.subscribe("anna", Some(2));
        assert_eq!(subscription.backlog.len(), 1);
        assert!(subscription.backlog[0].contains("\"type\":\"reload\""));
        // Just inside the ring: everything after `since`.
        let kept = hub.stream("anna").ring.lock().expect("ring").events.len() as u64;
        let since = REPLAY_MAX as u64 + 10 - kept;
        let subscription = hub.subscribe("anna", Some(since));
        assert_eq!(subscription.backlog.len() as u64, kept);
        assert!(subscription.backlog[0].contains(&format!("\"seq\":{}", since + 1)));
    }

    #[tokio::test]
    async fn live_subscribers_get_each_later_event_once_in_order() {
        let hub = Arc::new(EventHub::default());
        hub.publish("anna", ringing(1));
        let mut first = hub.subscribe("anna", None);
        let mut second = hub.subscribe("anna", None);
        hub.publish("bjorn", ringing(9));
        let publisher = {
            let hub = hub.clone();
            tokio::spawn(async move {
                for task in 2..=4 {
                    tokio::task::yield_now().await;
                    hub.publish("anna", ringing(task));
                }
            })
        };
        for subscription in [&mut first, &mut second] {
            for seq in 2..=4 {
                let (got, text) = subscription.live.recv().await.expect("an event");
                assert_eq!(got, seq);
                assert!(text.contains(&format!("\"task\":{seq}")), "{text}");
            }
        }
        publisher.await.expect("publisher");
        // Nothing more is waiting.
        let more =
            tokio::time::timeout(std::time::Duration::from_millis(20), first.live.recv()).await;
        assert!(more.is_err(), "no further event: {more:?}");
    }

    #[tokio::test]
    async fn a_reader_further_behind_than_the_ring_lags_then_goes_on() {
        let hub = EventHub::default();
        let mut slow = hub.subscribe("anna", None);
        let total = REPLAY_MAX as u64 + 5;
        for task in 1..=total {
            hub.publish("anna", ringing(task));
        }
        let kept = hub.stream("anna").ring.lock().expect("ring").events.len() as u64;
        let missed = total - kept;
        assert!(
            matches!(slow.live.recv().await, Err(RecvError::Lagged(n)) if n == missed),
            "lagged by {missed}"
        );
        let (seq, _) = slow.live.recv().await.expect("the oldest kept");
        assert_eq!(seq, missed + 1);
    }

    #[test]
    fn the_ring_keeps_at_most_its_byte_bound_of_the_newest_events() {
        let hub = EventHub::default();
        for task in 1..=(REPLAY_MAX as u64) {
            hub.publish("anna", ringing(task));
        }
        let stream = hub.stream("anna");
        let ring = stream.ring.lock().expect("ring");
        let bytes: usize = ring.events.iter().map(|e| e.len()).sum();
        assert_eq!(bytes, ring.bytes);
        assert!(bytes <= REPLAY_BYTES_MAX, "{bytes} bytes kept");
        // Another event would not have fitted: the bound is used, not undershot.
        assert!(bytes + ring.events[0].len() > REPLAY_BYTES_MAX);
        assert!(
            ring.events
                .back()
                .expect("newest")
                .contains("\"task\":1024")
        );
    }
}
