//! Per-user event streams with sequence numbers and bounded replay, and the sessions whose
//! sockets read them.
//!
//! Streams are keyed by the user's id, not their name: a name freed by a deleted user may be
//! taken again, in another organisation too, and must not inherit the old stream; a deleted
//! user's stream is dropped. Each open socket belongs to a session, and ending the session
//! (sign-out, a password change, the user's deletion) closes its sockets.
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
use tokio::sync::watch;

/// How many events per user are kept for replay, at most.
pub const REPLAY_MAX: usize = 1024;

/// How many bytes of events (their JSON text) per user are kept for replay, at most.
pub const REPLAY_BYTES_MAX: usize = 16 * 1024;

/// Every user's stream, and the sessions with open sockets.
#[derive(Debug, Default)]
pub struct EventHub {
    /// Streams by user id.
    streams: Mutex<HashMap<i64, Arc<UserStream>>>,
    /// Sessions with at least one open socket, by token hash.
    sessions: Mutex<HashMap<String, SessionSockets>>,
}

#[derive(Debug)]
struct SessionSockets {
    /// Whose session it is, so that all of a user's sessions can be ended.
    user_id: i64,
    /// Set to `true` when the session ends; each socket holds a receiver.
    ended: watch::Sender<bool>,
}

/// A socket's hold on its session: [`SessionWatch::ended`] resolves when the session ends.
#[derive(Debug)]
pub struct SessionWatch {
    hub: Arc<EventHub>,
    token_hash: String,
    ended: watch::Receiver<bool>,
}

impl SessionWatch {
    /// Resolves once the session has ended (at once if it already has).
    pub async fn ended(&mut self) {
        let _ = self.ended.wait_for(|ended| *ended).await;
    }
}

impl Drop for SessionWatch {
    fn drop(&mut self) {
        let mut sessions = self.hub.sessions.lock().expect("sessions lock");
        if let Some(session) = sessions.get(&self.token_hash)
            // This receiver is still counted while it is being dropped.
            && session.ended.receiver_count() <= 1
        {
            sessions.remove(&self.token_hash);
        }
    }
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
    fn stream(&self, user_id: i64) -> Arc<UserStream> {
        let mut streams = self.streams.lock().expect("hub lock");
        streams.entry(user_id).or_default().clone()
    }

    /// Registers a socket of a session; ending the session resolves the watch.
    pub fn watch_session(self: &Arc<Self>, token_hash: &str, user_id: i64) -> SessionWatch {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let session = sessions
            .entry(token_hash.to_owned())
            .or_insert_with(|| SessionSockets {
                user_id,
                ended: watch::Sender::new(false),
            });
        SessionWatch {
            hub: self.clone(),
            token_hash: token_hash.to_owned(),
            ended: session.ended.subscribe(),
        }
    }

    /// Closes the sockets of one session (sign-out).
    pub fn end_session(&self, token_hash: &str) {
        let sessions = self.sessions.lock().expect("sessions lock");
        if let Some(session) = sessions.get(token_hash) {
            session.ended.send_replace(true);
        }
    }

    /// Closes the sockets of every session of a user except `keep` (a password change keeps
    /// the session that made it; a deletion keeps none).
    pub fn end_user_sessions(&self, user_id: i64, keep: Option<&str>) {
        let sessions = self.sessions.lock().expect("sessions lock");
        for (token_hash, session) in sessions.iter() {
            if session.user_id == user_id && Some(token_hash.as_str()) != keep {
                session.ended.send_replace(true);
            }
        }
    }

    /// Forgets a deleted user: their sockets close and their stream is dropped, so nobody
    /// who later gets the same id or name sees its events.
    pub fn remove_user(&self, user_id: i64) {
        self.end_user_sessions(user_id, None);
        self.streams.lock().expect("hub lock").remove(&user_id);
    }

    /// Appends an event to a user's stream and wakes their sockets.
    pub fn publish(&self, user_id: i64, event: EventDto) {
        let stream = self.stream(user_id);
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
    pub fn subscribe(&self, user_id: i64, since: Option<u64>) -> Subscription {
        let stream = self.stream(user_id);
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

    const ANNA: i64 = 1;
    const BJORN: i64 = 2;

    fn ringing(task: u64) -> EventDto {
        EventDto::Ringing { task }
    }

    #[test]
    fn reconnecting_with_since_replays_what_was_missed() {
        let hub = EventHub::default();
        for task in 1..=3 {
            hub.publish(ANNA, ringing(task));
        }
        let subscription = hub.subscribe(ANNA, Some(1));
        assert_eq!(subscription.backlog.len(), 2);
        assert!(subscription.backlog[0].contains("\"seq\":2"));
        assert!(subscription.backlog[0].contains("\"at_unix_ms\":"));
        assert_eq!(subscription.last_seq, 3);
        assert!(hub.subscribe(ANNA, Some(3)).backlog.is_empty());
    }

    #[test]
    fn a_client_too_far_behind_is_told_to_reload() {
        let hub = EventHub::default();
        for task in 0..(REPLAY_MAX as u64 + 10) {
            hub.publish(ANNA, ringing(task));
        }
        let subscription = hub.subscribe(ANNA, Some(2));
        assert_eq!(subscription.backlog.len(), 1);
        assert!(subscription.backlog[0].contains("\"type\":\"reload\""));
        // Just inside the ring: everything after `since`.
        let kept = hub.stream(ANNA).ring.lock().expect("ring").events.len() as u64;
        let since = REPLAY_MAX as u64 + 10 - kept;
        let subscription = hub.subscribe(ANNA, Some(since));
        assert_eq!(subscription.backlog.len() as u64, kept);
        assert!(subscription.backlog[0].contains(&format!("\"seq\":{}", since + 1)));
    }

    #[tokio::test]
    async fn live_subscribers_get_each_later_event_once_in_order() {
        let hub = Arc::new(EventHub::default());
        hub.publish(ANNA, ringing(1));
        let mut first = hub.subscribe(ANNA, None);
        let mut second = hub.subscribe(ANNA, None);
        hub.publish(BJORN, ringing(9));
        let publisher = {
            let hub = hub.clone();
            tokio::spawn(async move {
                for task in 2..=4 {
                    tokio::task::yield_now().await;
                    hub.publish(ANNA, ringing(task));
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
        let mut slow = hub.subscribe(ANNA, None);
        let total = REPLAY_MAX as u64 + 5;
        for task in 1..=total {
            hub.publish(ANNA, ringing(task));
        }
        let kept = hub.stream(ANNA).ring.lock().expect("ring").events.len() as u64;
        let missed = total - kept;
        assert!(
            matches!(slow.live.recv().await, Err(RecvError::Lagged(n)) if n == missed),
            "lagged by {missed}"
        );
        let (seq, _) = slow.live.recv().await.expect("the oldest kept");
        assert_eq!(seq, missed + 1);
    }

    #[tokio::test]
    async fn ending_a_session_resolves_its_sockets_watches_and_no_other() {
        let hub = Arc::new(EventHub::default());
        let mut first = hub.watch_session("s1", ANNA);
        let mut second = hub.watch_session("s1", ANNA);
        let mut other = hub.watch_session("s2", ANNA);
        let mut bjorn = hub.watch_session("s3", BJORN);
        hub.end_session("s1");
        first.ended().await;
        second.ended().await;
        hub.end_user_sessions(ANNA, Some("s2"));
        let still = tokio::time::timeout(std::time::Duration::from_millis(20), other.ended()).await;
        assert!(still.is_err(), "the kept session stays open");
        hub.remove_user(ANNA);
        other.ended().await;
        let still = tokio::time::timeout(std::time::Duration::from_millis(20), bjorn.ended()).await;
        assert!(still.is_err(), "another user's session stays open");
        drop((first, second, other));
        assert_eq!(
            hub.sessions.lock().unwrap().len(),
            1,
            "only bjorn's is kept"
        );
    }

    #[test]
    fn the_ring_keeps_at_most_its_byte_bound_of_the_newest_events() {
        let hub = EventHub::default();
        for task in 1..=(REPLAY_MAX as u64) {
            hub.publish(ANNA, ringing(task));
        }
        let stream = hub.stream(ANNA);
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
