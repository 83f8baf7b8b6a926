//! Per-user event streams with sequence numbers and bounded replay.
//!
//! Each signed-in user has a stream: every desktop event addressed to them gets the next
//! sequence number and is kept in a ring of the last [`REPLAY_MAX`] events, so a client that
//! reconnects with `?since=<seq>` gets what it missed. Beyond the ring it is told to reload.

use crate::dto::{EventDto, EventEnvelope};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How many events per user are kept for replay.
pub const REPLAY_MAX: usize = 1024;

/// Every user's stream.
#[derive(Debug, Default)]
pub struct EventHub {
    streams: Mutex<HashMap<String, UserStream>>,
}

#[derive(Debug)]
struct UserStream {
    /// The last sequence number handed out.
    seq: u64,
    /// The last events, oldest first, as JSON text.
    ring: VecDeque<(u64, Arc<str>)>,
    /// Live subscribers.
    live: broadcast::Sender<(u64, Arc<str>)>,
}

/// What a subscriber gets on (re)connecting.
#[derive(Debug)]
pub struct Subscription {
    /// Events to send first (the ones after `since`), or a reload notice.
    pub backlog: Vec<Arc<str>>,
    /// Events from now on.
    pub live: broadcast::Receiver<(u64, Arc<str>)>,
    /// The sequence number the backlog ends at.
    pub last_seq: u64,
}

impl EventHub {
    /// Appends an event to a user's stream and wakes their sockets.
    pub fn publish(&self, username: &str, event: EventDto) {
        let mut streams = self.streams.lock().expect("hub lock");
        let stream = streams
            .entry(username.to_owned())
            .or_insert_with(UserStream::new);
        stream.seq += 1;
        let envelope = EventEnvelope {
            seq: stream.seq,
            event,
        };
        let text: Arc<str> = serde_json::to_string(&envelope)
            .expect("events serialise")
            .into();
        if stream.ring.len() == REPLAY_MAX {
            stream.ring.pop_front();
        }
        stream.ring.push_back((stream.seq, text.clone()));
        let _ = stream.live.send((stream.seq, text));
    }

    /// Subscribes to a user's stream; `since` is the last sequence number the client saw.
    pub fn subscribe(&self, username: &str, since: Option<u64>) -> Subscription {
        let mut streams = self.streams.lock().expect("hub lock");
        let stream = streams
            .entry(username.to_owned())
            .or_insert_with(UserStream::new);
        let live = stream.live.subscribe();
        let last_seq = stream.seq;
        let backlog = match since {
            None => Vec::new(),
            Some(since) if since >= stream.seq => Vec::new(),
            Some(since) => {
                let oldest = stream.ring.front().map_or(stream.seq + 1, |(seq, _)| *seq);
                if since + 1 < oldest {
                    let reload = EventEnvelope {
                        seq: last_seq,
                        event: EventDto::Reload { oldest },
                    };
                    vec![
                        serde_json::to_string(&reload)
                            .expect("events serialise")
                            .into(),
                    ]
                } else {
                    stream
                        .ring
                        .iter()
                        .filter(|(seq, _)| *seq > since)
                        .map(|(_, e)| e.clone())
                        .collect()
                }
            }
        };
        Subscription {
            backlog,
            live,
            last_seq,
        }
    }
}

impl UserStream {
    fn new() -> UserStream {
        let (live, _) = broadcast::channel(256);
        UserStream {
            seq: 0,
            ring: VecDeque::new(),
            live,
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
    }
}
