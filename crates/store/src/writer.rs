//! [`HistoryWriter`]: takes the engine's records off its path and writes them in batches.
//!
//! The engine's driver calls [`HistoryWriter::send`], which only pushes onto a channel. One
//! task drains everything available (up to [`ROUND_RECORDS_MAX`]), writes one transaction per
//! organisation, and starts again. A failed batch is retried one record at a time, so one bad
//! record cannot lose its neighbours; what still fails is logged and dropped, and the writer
//! keeps going.

use crate::rows::{HistoryEntry, ReportFact};
use crate::store::Store;
use sentral_engine::Record;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// The sending side of the history writer task; clone it for each organisation's engine.
///
/// The task ends once every clone is dropped and what was sent is written.
#[derive(Clone, Debug)]
pub struct HistoryWriter {
    /// Unbounded, so that sending never waits for the disk; the engine's own limits on
    /// calls and agents bound how fast records arrive.
    sender: mpsc::UnboundedSender<Message>,
}

impl HistoryWriter {
    /// Starts the writer task on the current tokio runtime.
    pub fn spawn(store: Arc<dyn Store>) -> (HistoryWriter, JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(store, receiver));
        (HistoryWriter { sender }, task)
    }

    /// Queues a record of `org`'s engine for writing; never blocks.
    pub fn send(&self, org: String, record: Record) {
        if self.sender.send(Message::Record { org, record }).is_err() {
            tracing::error!("history writer is gone; a record is lost");
        }
    }

    /// Queues report facts of `org` (the wallboard fold's counter steps) for the rollups the
    /// reports read; written after the records sent before them; never blocks.
    pub fn send_facts(&self, org: String, facts: Vec<ReportFact>) {
        if facts.is_empty() {
            return;
        }
        if self.sender.send(Message::Facts { org, facts }).is_err() {
            tracing::error!("history writer is gone; report facts are lost");
        }
    }

    /// Queues a web callback's customer name, written after the records already sent (so
    /// after its `InteractionCreated`); never blocks.
    pub fn set_customer_name(&self, org: String, interaction: u64, name: String) {
        let message = Message::CustomerName {
            org,
            interaction,
            name,
        };
        if self.sender.send(message).is_err() {
            tracing::error!("history writer is gone; a customer name is lost");
        }
    }

    /// Waits until everything sent before this call has been written (or has failed and been
    /// logged).
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_err() {
            return;
        }
        // An error means the task is gone, so there is nothing left to wait for.
        let _ = written.await;
    }
}

/// What the writer task receives.
#[derive(Debug)]
enum Message {
    /// A record to write.
    Record {
        /// Whose engine recorded it.
        org: String,
        /// What it recorded.
        record: Record,
    },
    /// Counter steps for the reports' rollups.
    Facts {
        /// The organisation.
        org: String,
        /// The steps.
        facts: Vec<ReportFact>,
    },
    /// A web callback's customer name.
    CustomerName {
        /// The organisation.
        org: String,
        /// The callback.
        interaction: u64,
        /// The name.
        name: String,
    },
    /// Answer once everything received before is written.
    Flush(oneshot::Sender<()>),
}

/// What one round of the writer writes.
#[derive(Default)]
struct Round {
    /// Records per organisation, in the order they were sent.
    batches: BTreeMap<String, Vec<HistoryEntry>>,
    /// Report facts per organisation, written after the batches.
    facts: BTreeMap<String, Vec<ReportFact>>,
    /// Customer names, written after the batches.
    names: Vec<(String, u64, String)>,
    /// Flushes to answer after the round.
    flushes: Vec<oneshot::Sender<()>>,
    /// Records in `batches`.
    n_records: usize,
}

impl Round {
    fn push(&mut self, message: Message) {
        match message {
            Message::Record { org, record } => {
                self.batches
                    .entry(org)
                    .or_default()
                    .push(HistoryEntry { record });
                self.n_records += 1;
            }
            Message::Facts { org, facts } => {
                self.n_records += facts.len();
                self.facts.entry(org).or_default().extend(facts);
            }
            Message::CustomerName {
                org,
                interaction,
                name,
            } => self.names.push((org, interaction, name)),
            Message::Flush(done) => self.flushes.push(done),
        }
    }

    async fn write(self, store: &dyn Store) {
        for (org, entries) in &self.batches {
            write_batch(store, org, entries).await;
        }
        for (org, facts) in &self.facts {
            if let Err(error) = store.append_report_facts(org, facts).await {
                tracing::error!(org, n_facts = facts.len(), %error, "report facts lost");
            }
        }
        for (org, interaction, name) in &self.names {
            match store.set_customer_name(org, *interaction, name).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(org, interaction, "customer name for no interaction"),
                Err(error) => tracing::error!(org, interaction, %error, "customer name lost"),
            }
        }
        for done in self.flushes {
            let _ = done.send(());
        }
    }
}

async fn run(store: Arc<dyn Store>, mut receiver: mpsc::UnboundedReceiver<Message>) {
    while let Some(message) = receiver.recv().await {
        let mut round = Round::default();
        round.push(message);
        while round.n_records < ROUND_RECORDS_MAX {
            match receiver.try_recv() {
                Ok(message) => round.push(message),
                Err(_) => break,
            }
        }
        round.write(&*store).await;
    }
    tracing::debug!("history writer stopped");
}

async fn write_batch(store: &dyn Store, org: &str, entries: &[HistoryEntry]) {
    let Err(error) = store.append(org, entries).await else {
        return;
    };
    tracing::error!(org, n_records = entries.len(), %error, "history batch failed; retrying one by one");
    for entry in entries {
        if let Err(error) = store.append(org, std::slice::from_ref(entry)).await {
            let record = loggable(&entry.record);
            tracing::error!(org, record, %error, "history record lost");
        }
    }
}

/// A lost record as the log shows it: saved CAD values by name only, since secure ones (R33)
/// must never reach a log.
fn loggable(record: &Record) -> String {
    match record {
        Record::VariablesSaved {
            interaction,
            version,
            values,
            agent,
        } => format!(
            "VariablesSaved {{ interaction: {interaction:?}, version: {version}, names: {:?}, \
             agent: {agent:?} }} (values withheld)",
            values.keys().collect::<Vec<_>>()
        ),
        other => format!("{other:?}"),
    }
}

/// The most records one round writes, which bounds a transaction's size and how long a
/// flush waits behind a backlog.
const ROUND_RECORDS_MAX: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;
    use sentral_engine::InteractionId;

    #[test]
    fn r33_a_lost_variables_record_is_logged_without_its_values() {
        let record = Record::VariablesSaved {
            interaction: InteractionId(7),
            version: 2,
            values: BTreeMap::from([
                ("national_id".to_owned(), "01017012345".to_owned()),
                ("case_number".to_owned(), "C-7".to_owned()),
            ]),
            agent: None,
        };
        let logged = loggable(&record);
        assert!(!logged.contains("01017012345"), "{logged}");
        assert!(!logged.contains("C-7"), "{logged}");
        assert!(logged.contains("national_id"), "{logged}");
        assert!(logged.contains("version: 2"), "{logged}");
    }
}
