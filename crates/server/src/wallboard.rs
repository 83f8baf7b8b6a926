//! The supervisor's wallboard figures (R44): one definition of each queue figure, folded from
//! the engine's records, feeding the wallboard's events, `GET /api/v1/supervisor/queues` and
//! `/metrics` alike (`docs/supervisor.md` defines each figure).
//!
//! Pure: no clock and no I/O. Time comes with the records; the start of the organisation's day
//! ("today", in its `time_zone`) comes from the caller, who converts with the time-zone
//! database ([`day_start_unix_ms`]).
//!
//! It also remembers since when each agent is in their state and each contact in its phase,
//! which the engine's views do not carry, and which agents and queues changed since the last
//! [`Wallboard::take_changed`], so that the server sends supervisors one row per changed agent
//! or queue per engine input, however many events that input made (the coalescing that keeps
//! supervisor traffic inside the per-user event ring).

use sentral_engine::{AgentId, EndReason, InteractionId, QueueId, Record};
use sentral_store::{ReportFact, ReportFactKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Today's figures of one queue.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct QueueDay {
    /// Contacts that entered the queue today (each once, however often RONA put it back).
    pub offered: u64,
    /// Contacts an agent took from the queue today (answered a call, accepted a callback).
    pub answered: u64,
    /// Of those, the ones taken within the queue's service-level threshold.
    pub answered_in_threshold: u64,
    /// The sum of those contacts' waits in the queue, in ms.
    pub answered_wait_ms_total: u64,
    /// Contacts whose customer hung up (or was lost) while waiting in the queue today.
    pub abandoned: u64,
    /// Contacts of the queue whose wrap-up was submitted today.
    pub handled: u64,
    /// The sum of their handle times: from the agent's answer to the wrap-up (talk, hold and
    /// wrap-up), in ms.
    pub handle_ms_total: u64,
}

impl QueueDay {
    /// Service level in percent: answered within the threshold over answered plus abandoned;
    /// `None` before any contact left the queue today.
    pub fn service_level_percent(&self) -> Option<f64> {
        let done = self.answered + self.abandoned;
        (done > 0).then(|| 100.0 * self.answered_in_threshold as f64 / done as f64)
    }

    /// Average handle time in ms; `None` before the first wrap-up today.
    pub fn handle_ms_average(&self) -> Option<u64> {
        (self.handled > 0).then(|| self.handle_ms_total / self.handled)
    }

    /// Average wait of the answered contacts (the speed of answer) in ms; `None` before the
    /// first answer.
    pub fn wait_ms_average(&self) -> Option<u64> {
        (self.answered > 0).then(|| self.answered_wait_ms_total / self.answered)
    }

    /// Abandoned contacts in percent of the contacts that left the queue (answered plus
    /// abandoned); `None` before any left it.
    pub fn abandoned_percent(&self) -> Option<f64> {
        let done = self.answered + self.abandoned;
        (done > 0).then(|| 100.0 * self.abandoned as f64 / done as f64)
    }
}

/// A queue's figures now: today's counters and the contacts waiting.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct QueueNow {
    /// Today's counters.
    pub day: QueueDay,
    /// Contacts waiting in the queue now (not offered to anyone).
    pub n_waiting: usize,
    /// Since when the longest-waiting of them waits in this queue (Unix ms).
    pub oldest_waiting_since: Option<i64>,
}

/// The figures of an organisation, fed its engine's records.
#[derive(Debug, Default)]
pub struct Wallboard {
    /// When the organisation's day began (Unix ms); counters are of that day.
    day_start_unix_ms: i64,
    /// Today's counters per queue.
    days: BTreeMap<QueueId, QueueDay>,
    /// Contacts not yet taken by an agent: their queue and since when they wait in it.
    unanswered: HashMap<InteractionId, (QueueId, i64)>,
    /// Of those, the ones waiting (not offered), per queue, oldest first.
    queued: HashMap<QueueId, BTreeSet<(i64, InteractionId)>>,
    /// Contacts an agent took, until the wrap-up: their queue and the answer's time.
    handling: HashMap<InteractionId, (QueueId, i64)>,
    /// Contacts already counted as offered today, per queue.
    offered: BTreeSet<(InteractionId, QueueId)>,
    /// Since when each live contact is in its phase (Unix ms).
    contact_since: HashMap<InteractionId, i64>,
    /// Since when each agent is in their state (Unix ms).
    agent_since: HashMap<AgentId, i64>,
    /// Queues whose figures changed since the last `take_changed`.
    changed_queues: BTreeSet<QueueId>,
    /// Agents whose row changed since the last `take_changed`.
    changed_agents: BTreeSet<AgentId>,
    /// Every counter step since the last `take_facts`, for the reports' rollups: the same
    /// steps as the day's counters, so a report and the wallboard agree.
    facts: Vec<ReportFact>,
}

impl Wallboard {
    /// Starts the organisation's day at `day_start_unix_ms`: a new day resets the counters
    /// (contacts waiting or handled across midnight count on the day they end).
    pub fn set_day(&mut self, day_start_unix_ms: i64) {
        if day_start_unix_ms == self.day_start_unix_ms {
            return;
        }
        self.day_start_unix_ms = day_start_unix_ms;
        self.changed_queues.extend(self.days.keys().copied());
        self.days.clear();
        self.offered.clear();
    }

    /// The start of the day the counters are of (Unix ms).
    pub fn day_start_unix_ms(&self) -> i64 {
        self.day_start_unix_ms
    }

    /// Folds one of the engine's records in; `threshold_ms` is a queue's service-level
    /// threshold.
    pub fn observe(&mut self, record: &Record, threshold_ms: impl Fn(QueueId) -> u64) {
        match record {
            Record::InteractionState {
                interaction,
                state,
                agent,
                queue,
                at_unix_ms,
                ..
            } => {
                self.contact_since.insert(*interaction, *at_unix_ms);
                if let Some(agent) = agent {
                    self.changed_agents.insert(*agent);
                }
                self.state_changed(
                    *interaction,
                    state,
                    *agent,
                    *queue,
                    *at_unix_ms,
                    threshold_ms,
                );
            }
            Record::AgentState {
                agent, at_unix_ms, ..
            } => {
                self.agent_since.insert(*agent, *at_unix_ms);
                self.changed_agents.insert(*agent);
            }
            Record::WrapUp {
                interaction,
                agent,
                at_unix_ms,
                ..
            } => {
                self.changed_agents.insert(*agent);
                self.contact_since.remove(interaction);
                if let Some((queue, answered_at)) = self.handling.remove(interaction) {
                    let handle_ms = at_unix_ms.saturating_sub(answered_at).max(0) as u64;
                    let day = self.day(queue);
                    day.handled += 1;
                    day.handle_ms_total += handle_ms;
                    self.fact(
                        queue,
                        Some(*agent),
                        *at_unix_ms,
                        ReportFactKind::Handled { handle_ms },
                    );
                }
            }
            Record::InteractionEnded {
                interaction,
                reason,
                agents,
                at_unix_ms,
                ..
            } => {
                self.changed_agents.extend(agents.iter().copied());
                self.contact_since.insert(*interaction, *at_unix_ms);
                if let Some((queue, _)) = self.leave_queue(*interaction, true)
                    && matches!(
                        reason,
                        EndReason::CustomerHungUp | EndReason::CustomerLost(_)
                    )
                {
                    self.day(queue).abandoned += 1;
                    self.fact(queue, None, *at_unix_ms, ReportFactKind::Abandoned);
                }
                if agents.is_empty() {
                    // Nobody will wrap it up.
                    self.contact_since.remove(interaction);
                    self.handling.remove(interaction);
                }
            }
            Record::InteractionCreated { .. }
            | Record::Supervised { .. }
            | Record::VariablesSaved { .. }
            | Record::Recording { .. } => {}
        }
    }

    /// A queue's figures now.
    pub fn queue(&self, queue: QueueId) -> QueueNow {
        let queued = self.queued.get(&queue);
        QueueNow {
            day: self.days.get(&queue).copied().unwrap_or_default(),
            n_waiting: queued.map_or(0, BTreeSet::len),
            oldest_waiting_since: queued.and_then(|q| q.first()).map(|(since, _)| *since),
        }
    }

    /// Since when an agent is in their state, if it changed since the server started.
    pub fn agent_since(&self, agent: AgentId) -> Option<i64> {
        self.agent_since.get(&agent).copied()
    }

    /// Since when a contact is in its phase (or wrap-up, once ended).
    pub fn contact_since(&self, interaction: InteractionId) -> Option<i64> {
        self.contact_since.get(&interaction).copied()
    }

    /// Marks an agent's row changed (an event to their desktop).
    pub fn agent_changed(&mut self, agent: AgentId) {
        self.changed_agents.insert(agent);
    }

    /// The queues and agents that changed since the last call.
    pub fn take_changed(&mut self) -> (BTreeSet<QueueId>, BTreeSet<AgentId>) {
        (
            std::mem::take(&mut self.changed_queues),
            std::mem::take(&mut self.changed_agents),
        )
    }

    /// The counter steps since the last call, oldest first (`docs/supervisor.md`, reports).
    pub fn take_facts(&mut self) -> Vec<ReportFact> {
        std::mem::take(&mut self.facts)
    }

    fn state_changed(
        &mut self,
        interaction: InteractionId,
        state: &str,
        agent: Option<AgentId>,
        queue: Option<QueueId>,
        at_unix_ms: i64,
        threshold_ms: impl Fn(QueueId) -> u64,
    ) {
        match (state, queue) {
            ("queued", Some(queue)) => {
                // Back after RONA (R12) it keeps its wait; moved to another queue (overflow, a
                // transfer) it waits there from now.
                let since = match self.unanswered.get(&interaction) {
                    Some((was, since)) if *was == queue => *since,
                    _ => {
                        self.leave_queue(interaction, true);
                        at_unix_ms
                    }
                };
                self.unanswered.insert(interaction, (queue, since));
                self.queued
                    .entry(queue)
                    .or_default()
                    .insert((since, interaction));
                if self.offered.insert((interaction, queue)) {
                    self.day(queue).offered += 1;
                    self.fact(queue, None, at_unix_ms, ReportFactKind::Offered);
                }
                self.changed_queues.insert(queue);
            }
            ("offered" | "retry_wait" | "transferring", _) => {
                self.leave_queue(interaction, false);
            }
            ("connected" | "dialing", _) => {
                if let Some((queue, since)) = self.leave_queue(interaction, true) {
                    let day = self.day(queue);
                    day.answered += 1;
                    let waited_ms = at_unix_ms.saturating_sub(since).max(0) as u64;
                    day.answered_wait_ms_total += waited_ms;
                    let in_threshold = waited_ms <= threshold_ms(queue);
                    if in_threshold {
                        day.answered_in_threshold += 1;
                    }
                    self.handling.insert(interaction, (queue, at_unix_ms));
                    let kind = ReportFactKind::Answered {
                        waited_ms,
                        in_threshold,
                    };
                    self.fact(queue, agent, at_unix_ms, kind);
                }
            }
            _ => {}
        }
    }

    /// Takes a contact out of its queue's waiting list; with `answered_or_gone` it also stops
    /// waiting for an agent (answered, ended or moved). Returns its queue and since when it
    /// waited, if it was waiting.
    fn leave_queue(
        &mut self,
        interaction: InteractionId,
        answered_or_gone: bool,
    ) -> Option<(QueueId, i64)> {
        let (queue, since) = *self.unanswered.get(&interaction)?;
        if let Some(queued) = self.queued.get_mut(&queue) {
            if queued.remove(&(since, interaction)) {
                self.changed_queues.insert(queue);
            }
            if queued.is_empty() {
                self.queued.remove(&queue);
            }
        }
        if answered_or_gone {
            self.unanswered.remove(&interaction);
            self.changed_queues.insert(queue);
        }
        Some((queue, since))
    }

    fn fact(&mut self, queue: QueueId, agent: Option<AgentId>, at: i64, kind: ReportFactKind) {
        self.facts.push(ReportFact {
            queue: queue.0,
            agent: agent.map(|a| a.0),
            at_unix_ms: at,
            kind,
        });
    }

    fn day(&mut self, queue: QueueId) -> &mut QueueDay {
        self.changed_queues.insert(queue);
        self.days.entry(queue).or_default()
    }
}

/// The engine's records an interaction of the history stands for, oldest first: how the
/// figures of the day are rebuilt when the server starts (R45: the wallboard's "today" does
/// not start again at a restart). Only what the figures read is rebuilt.
pub fn records_of(history: &sentral_store::InteractionRecord) -> Vec<Record> {
    let interaction = InteractionId(history.id);
    // (when, order among records of the same instant, the record)
    let mut records: Vec<(i64, u8, Record)> = Vec::new();
    for change in &history.states {
        // The figures read these states; the engine's names are `&'static str`.
        let state = match change.state.as_str() {
            "queued" => "queued",
            "offered" => "offered",
            "connected" => "connected",
            "dialing" => "dialing",
            "retry_wait" => "retry_wait",
            "transferring" => "transferring",
            _ => continue,
        };
        let record = Record::InteractionState {
            interaction,
            state,
            agent: change.agent.map(AgentId),
            queue: change.queue.map(QueueId),
            attempt: change.attempt,
            at_unix_ms: change.at_unix_ms,
        };
        records.push((change.at_unix_ms, 0, record));
    }
    if let (Some(at_unix_ms), Some(reason)) = (history.ended_at_unix_ms, &history.end_reason) {
        // Only whether the customer gave up matters to the figures.
        let reason = match reason.as_str() {
            "customer_hung_up" => EndReason::CustomerHungUp,
            "media_timeout" | "session_expired" | "call_too_long" => {
                EndReason::CustomerLost(sentral_engine::LostCause::MediaTimeout)
            }
            _ => EndReason::AgentEnded,
        };
        let record = Record::InteractionEnded {
            interaction,
            reason,
            agents: history.agents.iter().copied().map(AgentId).collect(),
            created_at_unix_ms: history.created_at_unix_ms,
            connected_at_unix_ms: history.connected_at_unix_ms,
            at_unix_ms,
        };
        records.push((at_unix_ms, 1, record));
    }
    for wrapup in &history.wrapups {
        let record = Record::WrapUp {
            interaction,
            agent: AgentId(wrapup.agent),
            reason: wrapup.reason.clone(),
            automatic: wrapup.automatic,
            at_unix_ms: wrapup.at_unix_ms,
        };
        records.push((wrapup.at_unix_ms, 2, record));
    }
    records.sort_by_key(|(at, order, _)| (*at, *order));
    records.into_iter().map(|(_, _, record)| record).collect()
}

/// The start of the day that `unix_ms` falls on in the time zone, in Unix ms (the server's
/// side of "today": the engine never sees a time zone).
pub fn day_start_unix_ms(time_zone: &jiff::tz::TimeZone, unix_ms: i64) -> i64 {
    let Ok(timestamp) = jiff::Timestamp::from_millisecond(unix_ms) else {
        return 0;
    };
    timestamp
        .to_zoned(time_zone.clone())
        .start_of_day()
        .map_or(0, |start| start.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentral_engine::LostCause;

    const SALES: QueueId = QueueId(1);
    const SUPPORT: QueueId = QueueId(2);
    const ANNA: AgentId = AgentId(1);

    fn state(id: u64, state: &'static str, queue: QueueId, at: i64) -> Record {
        Record::InteractionState {
            interaction: InteractionId(id),
            state,
            agent: (state != "queued").then_some(ANNA),
            queue: Some(queue),
            attempt: None,
            at_unix_ms: at,
        }
    }

    fn ended(id: u64, reason: EndReason, agents: Vec<AgentId>, at: i64) -> Record {
        Record::InteractionEnded {
            interaction: InteractionId(id),
            reason,
            agents,
            created_at_unix_ms: 0,
            connected_at_unix_ms: None,
            at_unix_ms: at,
        }
    }

    fn wrap_up(id: u64, at: i64) -> Record {
        Record::WrapUp {
            interaction: InteractionId(id),
            agent: ANNA,
            reason: "resolved".into(),
            automatic: false,
            at_unix_ms: at,
        }
    }

    fn feed(board: &mut Wallboard, records: &[Record]) {
        for record in records {
            board.observe(record, |_| 20_000);
        }
    }

    #[test]
    fn r44_figures_count_offered_answered_abandoned_service_level_and_handle_time() {
        // Three calls in Sales: one answered in 5 s and wrapped up 60 s later, one that RONA
        // put back and was answered after 30 s (past the 20 s threshold), one abandoned.
        let mut board = Wallboard::default();
        feed(
            &mut board,
            &[
                state(1, "queued", SALES, 1_000),
                state(2, "queued", SALES, 2_000),
                state(3, "queued", SALES, 3_000),
            ],
        );
        let now = board.queue(SALES);
        assert_eq!((now.n_waiting, now.oldest_waiting_since), (3, Some(1_000)));
        assert_eq!(now.day.offered, 3);
        feed(
            &mut board,
            &[
                state(1, "offered", SALES, 4_000),
                state(1, "connected", SALES, 6_000),
                state(2, "offered", SALES, 6_500),
                state(2, "rona", SALES, 21_500),
                state(2, "queued", SALES, 21_500),
                ended(
                    3,
                    EndReason::CustomerLost(LostCause::MediaTimeout),
                    vec![],
                    25_000,
                ),
                state(2, "offered", SALES, 30_000),
                state(2, "connected", SALES, 32_000),
                ended(1, EndReason::CustomerHungUp, vec![ANNA], 60_000),
                wrap_up(1, 66_000),
            ],
        );
        let day = board.queue(SALES).day;
        assert_eq!(day.offered, 3, "RONA does not offer the contact again");
        assert_eq!((day.answered, day.answered_in_threshold), (2, 1));
        assert_eq!(day.abandoned, 1);
        assert_eq!(day.service_level_percent(), Some(100.0 / 3.0));
        assert_eq!((day.handled, day.handle_ms_average()), (1, Some(60_000)));
        assert_eq!(board.queue(SALES).n_waiting, 0);
        assert_eq!(board.queue(SALES).oldest_waiting_since, None);
        assert_eq!(board.queue(SUPPORT), QueueNow::default());
    }

    #[test]
    fn r44_the_reports_facts_are_the_days_counter_steps() {
        // Goal: the reports' rollups add up to the wallboard's figures, because the facts are
        // the same steps as the day's counters. Method: the scenario above (RONA, an abandon,
        // a wrap-up); the facts, summed as the store sums them, give the day's counters, with
        // the agent on the answers and the wrap-up and the time of each step.
        let mut board = Wallboard::default();
        feed(
            &mut board,
            &[
                state(1, "queued", SALES, 1_000),
                state(2, "queued", SALES, 2_000),
                state(3, "queued", SALES, 3_000),
                state(1, "offered", SALES, 4_000),
                state(1, "connected", SALES, 6_000),
                state(2, "offered", SALES, 6_500),
                state(2, "rona", SALES, 21_500),
                state(2, "queued", SALES, 21_500),
                ended(3, EndReason::CustomerHungUp, vec![], 25_000),
                state(2, "offered", SALES, 30_000),
                state(2, "connected", SALES, 32_000),
                ended(1, EndReason::CustomerHungUp, vec![ANNA], 60_000),
                wrap_up(1, 66_000),
            ],
        );
        let facts = board.take_facts();
        let mut sum = QueueDay::default();
        for fact in &facts {
            assert_eq!(fact.queue, SALES.0);
            match fact.kind {
                ReportFactKind::Offered => sum.offered += 1,
                ReportFactKind::Answered {
                    waited_ms,
                    in_threshold,
                } => {
                    assert_eq!(fact.agent, Some(ANNA.0));
                    sum.answered += 1;
                    sum.answered_wait_ms_total += waited_ms;
                    sum.answered_in_threshold += u64::from(in_threshold);
                }
                ReportFactKind::Abandoned => sum.abandoned += 1,
                ReportFactKind::Handled { handle_ms } => {
                    assert_eq!((fact.agent, fact.at_unix_ms), (Some(ANNA.0), 66_000));
                    sum.handled += 1;
                    sum.handle_ms_total += handle_ms;
                }
            }
        }
        assert_eq!(sum, board.queue(SALES).day);
        // Waits: 5 s and 30 s (RONA kept the wait).
        assert_eq!(sum.wait_ms_average(), Some(17_500));
        assert_eq!(sum.abandoned_percent(), Some(100.0 / 3.0));
        assert!(board.take_facts().is_empty(), "taken once");
    }

    #[test]
    fn r44_an_overflow_counts_in_the_second_queue_from_its_arrival_there() {
        let mut board = Wallboard::default();
        feed(
            &mut board,
            &[
                state(1, "queued", SUPPORT, 0),
                state(1, "queued", SALES, 120_000),
                state(1, "offered", SALES, 121_000),
                state(1, "connected", SALES, 125_000),
            ],
        );
        let (support, sales) = (board.queue(SUPPORT), board.queue(SALES));
        assert_eq!(
            (
                support.day.offered,
                support.day.answered,
                support.day.abandoned
            ),
            (1, 0, 0)
        );
        assert_eq!(support.n_waiting, 0);
        assert_eq!((sales.day.offered, sales.day.answered_in_threshold), (1, 1));
    }

    #[test]
    fn r44_a_new_day_resets_the_counters_but_not_the_waiting_contacts() {
        let mut board = Wallboard::default();
        board.set_day(0);
        feed(
            &mut board,
            &[state(1, "queued", SALES, 10), state(2, "queued", SALES, 20)],
        );
        board.take_changed();
        board.set_day(86_400_000);
        assert_eq!(board.take_changed().0, BTreeSet::from([SALES]));
        let now = board.queue(SALES);
        assert_eq!((now.day.offered, now.n_waiting), (0, 2));
        feed(&mut board, &[state(1, "connected", SALES, 86_400_100)]);
        assert_eq!(board.queue(SALES).day.answered, 1);
    }

    #[test]
    fn r44_changes_are_coalesced_to_one_row_per_queue_and_agent() {
        let mut board = Wallboard::default();
        feed(
            &mut board,
            &[
                state(1, "queued", SALES, 0),
                state(1, "offered", SALES, 1),
                state(1, "connected", SALES, 2),
            ],
        );
        let (queues, agents) = board.take_changed();
        assert_eq!(queues, BTreeSet::from([SALES]));
        assert_eq!(agents, BTreeSet::from([ANNA]));
        assert_eq!(board.take_changed(), (BTreeSet::new(), BTreeSet::new()));
    }

    #[test]
    fn the_organisations_day_starts_at_its_local_midnight() {
        let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap();
        // 2026-12-08 00:30 in Oslo is 2026-12-07 23:30 UTC.
        let at = jiff::Timestamp::from_second(1_796_686_200).unwrap();
        let start = day_start_unix_ms(&oslo, at.as_millisecond());
        assert_eq!(start, 1_796_684_400_000, "2026-12-07T23:00:00Z");
        let utc = day_start_unix_ms(&jiff::tz::TimeZone::UTC, at.as_millisecond());
        assert_eq!(utc, 1_796_601_600_000, "2026-12-07T00:00:00Z");
    }
}
