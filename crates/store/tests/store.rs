//! The store's conformance tests, against a temporary SQLite file: organisations, accounts,
//! history (R44, R45), restart (R45) and the batching writer.
//!
//! Each test opens a fresh file in its own temporary directory; restart tests drop the store
//! and open the same file again, as a restarted server does.

use anyhow::Result;
use sentral_engine::{
    AgentId, AgentStateView, Channel, EndReason, InteractionId, InteractionKind, QueueId, Record,
    RecordingState,
};
use sentral_store::{HistoryEntry, InteractionFilter, SqliteStore, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tempfile::TempDir;

const ORG: &str = "demo";
const Q_SUPPORT: u64 = 2;
const Q_SALES: u64 = 1;
const DAVID: u64 = 4;
const EVA: u64 = 5;

/// A fresh store in a temporary directory, with the `demo` organisation.
async fn temp_store() -> Result<(TempDir, PathBuf, SqliteStore)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("data").join("sentral.db");
    let store = SqliteStore::open(&path).await?;
    store
        .save_organisation(ORG, "Demo", "name = \"Demo\"\n")
        .await?;
    Ok((dir, path, store))
}

async fn append(store: &dyn Store, records: Vec<Record>) -> Result<()> {
    let entries: Vec<HistoryEntry> = records
        .into_iter()
        .map(|record| HistoryEntry { record })
        .collect();
    store.append(ORG, &entries).await?;
    Ok(())
}

fn created(id: u64, kind: InteractionKind, number: &str, at_unix_ms: i64) -> Record {
    Record::InteractionCreated {
        interaction: InteractionId(id),
        channel: Channel::Voice,
        kind,
        customer_number: Some(number.into()),
        dnis: Some("+4721000000".into()),
        at_unix_ms,
    }
}

fn state(id: u64, state: &'static str, agent: Option<u64>, queue: u64, at: i64) -> Record {
    attempt_state(id, state, agent, queue, None, at)
}

/// A callback's state that belongs to an attempt (R40).
fn attempt_state(
    id: u64,
    state: &'static str,
    agent: Option<u64>,
    queue: u64,
    attempt: Option<u32>,
    at: i64,
) -> Record {
    Record::InteractionState {
        interaction: InteractionId(id),
        state,
        agent: agent.map(AgentId),
        queue: Some(QueueId(queue)),
        attempt,
        at_unix_ms: at,
    }
}

fn ended(id: u64, reason: EndReason, agents: &[u64], created: i64, at: i64) -> Record {
    Record::InteractionEnded {
        interaction: InteractionId(id),
        reason,
        agents: agents.iter().copied().map(AgentId).collect(),
        created_at_unix_ms: created,
        connected_at_unix_ms: Some(created + 10),
        at_unix_ms: at,
    }
}

/// An inbound call to Support answered by `agent`, ended by the customer and wrapped up.
fn finished_call(id: u64, agent: u64, queue: u64, at: i64) -> Vec<Record> {
    vec![
        created(id, InteractionKind::Inbound, "+4791000001", at),
        state(id, "queued", None, queue, at),
        state(id, "offered", Some(agent), queue, at + 5),
        state(id, "connected", Some(agent), queue, at + 10),
        ended(id, EndReason::CustomerHungUp, &[agent], at, at + 100),
        Record::WrapUp {
            interaction: InteractionId(id),
            agent: AgentId(agent),
            reason: "resolved".into(),
            automatic: false,
            at_unix_ms: at + 120,
        },
    ]
}

mod organisations {
    use super::*;

    #[tokio::test]
    async fn r43_organisation_configuration_round_trips_and_bumps_its_version() -> Result<()> {
        // Goal: the configuration document is stored as given and each save bumps the version.
        let (_dir, _path, store) = temp_store().await?;
        let org = store.organisation(ORG).await?.expect("saved");
        assert_eq!(org.name, "Demo");
        assert_eq!(org.config_toml, "name = \"Demo\"\n");
        assert_eq!(org.config_version, 1);

        let version = store
            .save_organisation(ORG, "Demo AS", "name = \"Demo AS\"\n")
            .await?;
        assert_eq!(version, 2);
        let org = store.organisation(ORG).await?.expect("saved");
        assert_eq!((org.name.as_str(), org.config_version), ("Demo AS", 2));
        assert_eq!(org.config_toml, "name = \"Demo AS\"\n");

        store.save_organisation("acme", "Acme", "").await?;
        let slugs: Vec<String> = store
            .organisations()
            .await?
            .into_iter()
            .map(|o| o.slug)
            .collect();
        assert_eq!(slugs, ["acme", "demo"]);
        assert_eq!(store.organisation("nobody").await?, None);
        Ok(())
    }
}

mod accounts {
    use super::*;
    use sentral_store::{Role, StoreError, UserFields};

    fn david() -> UserFields {
        UserFields {
            org: ORG.into(),
            username: "david".into(),
            role: Role::Agent,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            agent_id: Some(DAVID),
        }
    }

    #[tokio::test]
    async fn users_are_upserted_by_name_and_keep_their_lock_out_counters() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        let user = store.upsert_user(&david()).await?;
        assert_eq!(user.username, "david");
        assert_eq!(user.role, Role::Agent);
        assert_eq!(user.agent_id, Some(DAVID));
        assert_eq!((user.failed_logins, user.locked_until_unix_ms), (0, None));

        store.record_login_failure("david", None).await?;
        store.record_login_failure("david", Some(60_000)).await?;
        let locked = store.user_by_name("david").await?.expect("stored");
        assert_eq!(locked.failed_logins, 2);
        assert_eq!(locked.locked_until_unix_ms, Some(60_000));

        // An update changes the role and keeps the id and counters.
        let mut promoted = david();
        promoted.role = Role::Supervisor;
        let updated = store.upsert_user(&promoted).await?;
        assert_eq!(updated.id, user.id);
        assert_eq!(updated.role, Role::Supervisor);
        assert_eq!(updated.failed_logins, 2);

        store.reset_login_failures("david").await?;
        let reset = store.user_by_name("david").await?.expect("stored");
        assert_eq!((reset.failed_logins, reset.locked_until_unix_ms), (0, None));

        let mut eva = david();
        eva.username = "eva".into();
        eva.role = Role::Admin;
        eva.agent_id = None;
        store.upsert_user(&eva).await?;
        let names: Vec<String> = store
            .users(ORG)
            .await?
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["david", "eva"]);
        assert!(store.user_by_name("nobody").await?.is_none());
        Ok(())
    }

    #[tokio::test]
    async fn a_users_chosen_language_is_kept_through_an_update_of_the_user() -> Result<()> {
        // Goal: the desktop's language is the user's, kept on the server (issue 17, R43's users
        // upserted from the configuration keep it).
        let (_dir, _path, store) = temp_store().await?;
        let user = store.upsert_user(&david()).await?;
        assert_eq!(user.language, None, "none until chosen");
        store.set_user_language("david", Some("nb")).await?;
        store.upsert_user(&david()).await?;
        let read = store.user_by_name("david").await?.expect("stored");
        assert_eq!(read.language.as_deref(), Some("nb"));
        store.set_user_language("david", None).await?;
        let read = store.user_by_name("david").await?.expect("stored");
        assert_eq!(read.language, None);
        Ok(())
    }

    #[tokio::test]
    async fn user_names_are_unique_across_organisations() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        store.save_organisation("acme", "Acme", "").await?;
        store.upsert_user(&david()).await?;
        let mut other = david();
        other.org = "acme".into();
        let error = store.upsert_user(&other).await.unwrap_err();
        assert!(matches!(error, StoreError::UsernameTaken(name) if name == "david"));
        assert_eq!(store.user_by_name("david").await?.expect("kept").org, ORG);
        assert!(store.users("acme").await?.is_empty());

        // Foreign keys are on: a user needs an existing organisation.
        other.org = "nowhere".into();
        other.username = "ghost".into();
        assert!(store.upsert_user(&other).await.is_err());
        Ok(())
    }

    #[tokio::test]
    async fn sessions_expire_and_go_with_their_user() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        let user = store.upsert_user(&david()).await?;
        store
            .create_session("hash-a", user.id, 1_000, 10_000)
            .await?;
        store
            .create_session("hash-b", user.id, 1_000, 20_000)
            .await?;
        let session = store.session("hash-a").await?.expect("created");
        assert_eq!(session.user, user);
        assert_eq!(session.expires_unix_ms, 10_000);

        assert_eq!(store.live_sessions(user.id, 10_000, None).await?, 1);
        assert_eq!(
            store.live_sessions(user.id, 9_999, Some("hash-b")).await?,
            1
        );
        let ended = store.delete_expired_sessions(10_000).await?;
        assert_eq!(ended, vec![user.clone()]);
        assert!(store.session("hash-a").await?.is_none());
        assert!(store.session("hash-b").await?.is_some());

        assert!(store.delete_session("hash-b").await?);
        assert!(!store.delete_session("hash-b").await?);

        // A password change ends the user's other sessions.
        for hash in ["hash-d", "hash-e", "hash-f"] {
            store.create_session(hash, user.id, 1_000, 30_000).await?;
        }
        assert_eq!(
            store.delete_user_sessions(user.id, Some("hash-e")).await?,
            2
        );
        assert!(store.session("hash-e").await?.is_some());
        assert!(store.session("hash-d").await?.is_none());
        assert_eq!(store.delete_user_sessions(user.id, None).await?, 1);
        assert!(store.session("hash-e").await?.is_none());

        store
            .create_session("hash-c", user.id, 1_000, 30_000)
            .await?;
        assert!(store.delete_user(ORG, "david").await?);
        assert!(store.session("hash-c").await?.is_none(), "cascaded");
        assert!(!store.delete_user(ORG, "david").await?);
        Ok(())
    }

    #[tokio::test]
    async fn the_first_idempotent_response_wins() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        let user = store.upsert_user(&david()).await?;
        assert!(store.idempotent_response(user.id, "k1").await?.is_none());
        store
            .save_idempotent_response(user.id, "k1", 201, "{\"id\":1}", 1_000)
            .await?;
        store
            .save_idempotent_response(user.id, "k1", 409, "{}", 2_000)
            .await?;
        let response = store
            .idempotent_response(user.id, "k1")
            .await?
            .expect("saved");
        assert_eq!(
            (response.status, response.body.as_str()),
            (201, "{\"id\":1}")
        );

        store
            .save_idempotent_response(user.id, "k2", 200, "", 5_000)
            .await?;
        assert_eq!(store.delete_idempotent_responses_before(5_000).await?, 1);
        assert!(store.idempotent_response(user.id, "k1").await?.is_none());
        assert!(store.idempotent_response(user.id, "k2").await?.is_some());
        Ok(())
    }
}

mod history {
    use super::*;

    #[tokio::test]
    async fn r45_a_full_interaction_lifecycle_is_recorded() -> Result<()> {
        // Goal: one batch with everything an answered call records comes back as one
        // interaction record, newest first, with states, wrap-up, variables and recording.
        let (_dir, _path, store) = temp_store().await?;
        let mut records = finished_call(1, EVA, Q_SUPPORT, 1_000);
        let variables = |version, case: &str| Record::VariablesSaved {
            interaction: InteractionId(2),
            version,
            values: BTreeMap::from([
                ("case_number".to_string(), case.to_string()),
                ("national_id".to_string(), "01017012345".to_string()),
            ]),
            agent: Some(AgentId(DAVID)),
        };
        records.extend([
            created(2, InteractionKind::Inbound, "+4791000002", 2_000),
            state(2, "queued", None, Q_SUPPORT, 2_000),
            variables(1, "A-1"),
            state(2, "offered", Some(DAVID), Q_SUPPORT, 2_005),
            state(2, "connected", Some(DAVID), Q_SUPPORT, 2_010),
            Record::Recording {
                interaction: InteractionId(2),
                state: RecordingState::On,
                agent: None,
                at_unix_ms: 2_010,
            },
            Record::Recording {
                interaction: InteractionId(2),
                state: RecordingState::Paused {
                    resumes_at_unix_ms: Some(2_080),
                },
                agent: Some(AgentId(DAVID)),
                at_unix_ms: 2_050,
            },
            variables(2, "A-2"),
            ended(2, EndReason::AgentEnded, &[DAVID], 2_000, 2_200),
            Record::WrapUp {
                interaction: InteractionId(2),
                agent: AgentId(DAVID),
                reason: "follow_up".into(),
                automatic: true,
                at_unix_ms: 2_300,
            },
        ]);
        append(&store, records).await?;

        let page = store
            .interactions(ORG, &InteractionFilter::default())
            .await?;
        let ids: Vec<u64> = page.iter().map(|r| r.id).collect();
        assert_eq!(ids, [2, 1], "newest first");

        let call = &page[0];
        assert_eq!(call.channel, "voice");
        assert_eq!(call.kind, "inbound");
        assert_eq!(call.customer_number.as_deref(), Some("+4791000002"));
        assert_eq!(call.dnis.as_deref(), Some("+4721000000"));
        assert_eq!(call.queue, Some(Q_SUPPORT));
        assert_eq!(call.agents, [DAVID]);
        assert_eq!(call.created_at_unix_ms, 2_000);
        assert_eq!(call.connected_at_unix_ms, Some(2_010));
        assert_eq!(call.ended_at_unix_ms, Some(2_200));
        assert_eq!(call.end_reason.as_deref(), Some("agent_ended"));
        let states: Vec<(&str, Option<u64>, i64)> = call
            .states
            .iter()
            .map(|s| (s.state.as_str(), s.agent, s.at_unix_ms))
            .collect();
        assert_eq!(
            states,
            [
                ("queued", None, 2_000),
                ("offered", Some(DAVID), 2_005),
                ("connected", Some(DAVID), 2_010)
            ]
        );
        assert!(call.states.iter().all(|s| s.queue == Some(Q_SUPPORT)));
        assert_eq!(call.wrapups.len(), 1);
        assert_eq!(call.wrapups[0].agent, DAVID);
        assert_eq!(call.wrapups[0].reason, "follow_up");
        assert!(call.wrapups[0].automatic, "the automatic flag round-trips");
        let (version, values) = call.variables.clone().expect("saved");
        assert_eq!(version, 2, "the latest version");
        assert_eq!(values["case_number"], "A-2");
        assert_eq!(
            values["national_id"], "01017012345",
            "secure values are kept"
        );
        // R31: who paused is on record; Sentral's own changes have no agent.
        let recordings: Vec<(&str, Option<i64>, Option<u64>)> = call
            .recordings
            .iter()
            .map(|r| (r.state.as_str(), r.resumes_at_unix_ms, r.agent))
            .collect();
        assert_eq!(
            recordings,
            [("on", None, None), ("paused", Some(2_080), Some(DAVID))]
        );

        let first = store.interaction(ORG, 1).await?.expect("stored");
        assert_eq!(&first, &page[1]);
        assert_eq!(first.end_reason.as_deref(), Some("customer_hung_up"));
        assert!(first.variables.is_none());
        assert!(store.interaction(ORG, 3).await?.is_none());
        assert!(
            store.interaction("acme", 1).await?.is_none(),
            "per organisation"
        );
        Ok(())
    }

    #[tokio::test]
    async fn r45_an_engine_driven_call_is_recorded() -> Result<()> {
        // Goal: the records a real engine emits for an answered inbound call fit the schema.
        use sentral_engine::testing::{self as t, Harness};
        use sentral_engine::{Command, Output, TelephonyEvent};
        let (_dir, _path, store) = temp_store().await?;
        let mut harness = Harness::new();
        harness.ready(t::DAVID, t::SUPPORT);
        let (id, customer_leg) = harness.arrive(t::DN_KUNDESERVICE);
        harness.answer(t::DAVID);
        harness.advance(30_000);
        harness.telephony(TelephonyEvent::HungUp { leg: customer_leg });
        harness
            .command(
                t::DAVID,
                Command::SubmitWrapUp {
                    interaction: id,
                    reason: "resolved".into(),
                },
            )
            .expect("wrap-up accepted");
        let records: Vec<Record> = harness
            .all
            .iter()
            .filter_map(|output| match output {
                Output::Record(record) => Some(record.clone()),
                _ => None,
            })
            .collect();
        append(&store, records).await?;

        let call = store.interaction(ORG, id.0).await?.expect("stored");
        assert_eq!(call.kind, "inbound");
        assert_eq!(call.agents, [t::DAVID.0]);
        assert_eq!(call.queue, Some(t::Q_SUPPORT.0));
        assert_eq!(call.end_reason.as_deref(), Some("customer_hung_up"));
        assert!(call.connected_at_unix_ms.is_some());
        assert!(call.states.iter().any(|s| s.state == "connected"));
        assert_eq!(call.wrapups.len(), 1);
        let david_states = store
            .agent_states(ORG, Some(t::DAVID.0), 0, i64::MAX)
            .await?;
        assert!(david_states.iter().any(|s| s.state == "available"));
        Ok(())
    }

    #[tokio::test]
    async fn r44_history_filters_by_queue_agent_kind_time_and_customer_and_pages() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        let mut records = Vec::new();
        for id in 1..=6u64 {
            let (agent, queue) = if id % 2 == 0 {
                (DAVID, Q_SUPPORT)
            } else {
                (EVA, Q_SALES)
            };
            records.extend(finished_call(id, agent, queue, id as i64 * 1_000));
        }
        records.extend([
            created(7, InteractionKind::WebCallback, "+4791000007", 7_000),
            state(7, "queued", None, Q_SUPPORT, 7_000),
        ]);
        append(&store, records).await?;
        let ids = |page: Vec<sentral_store::InteractionRecord>| -> Vec<u64> {
            page.into_iter().map(|r| r.id).collect()
        };

        let support = InteractionFilter {
            queue: Some(Q_SUPPORT),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &support).await?), [7, 6, 4, 2]);

        let eva = InteractionFilter {
            agent: Some(EVA),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &eva).await?), [5, 3, 1]);

        let callbacks = InteractionFilter {
            kind: Some("web_callback".into()),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &callbacks).await?), [7]);

        let window = InteractionFilter {
            from_unix_ms: Some(2_000),
            to_unix_ms: Some(5_000),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &window).await?), [4, 3, 2]);

        // Paging: two at a time, each page starting below the last id of the one before.
        let mut page = InteractionFilter {
            limit: Some(2),
            ..InteractionFilter::default()
        };
        let mut seen = Vec::new();
        loop {
            let records = store.interactions(ORG, &page).await?;
            let Some(last) = records.last() else { break };
            page.before_id = Some(last.id);
            assert!(records.len() <= 2);
            seen.extend(records.into_iter().map(|r| r.id));
        }
        assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1]);

        // A customer's earlier contacts: by number, newest first, below the task asking.
        let customer = InteractionFilter {
            customer_number: Some("+4791000001".into()),
            before_id: Some(6),
            limit: Some(5),
            ..InteractionFilter::default()
        };
        assert_eq!(
            ids(store.interactions(ORG, &customer).await?),
            [5, 4, 3, 2, 1]
        );
        let callback_customer = InteractionFilter {
            customer_number: Some("+4791000007".into()),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &callback_customer).await?), [7]);

        let huge = InteractionFilter {
            limit: Some(100_000),
            ..InteractionFilter::default()
        };
        assert_eq!(huge.limit_applied(), sentral_store::INTERACTIONS_LIMIT_MAX);
        assert!(store.interactions("acme", &huge).await?.is_empty());
        Ok(())
    }

    #[tokio::test]
    async fn r45_agent_states_are_kept_and_read_by_window() -> Result<()> {
        let (_dir, _path, store) = temp_store().await?;
        let agent_state = |agent, state, reason: Option<&str>, at| Record::AgentState {
            agent: AgentId(agent),
            state,
            reason: reason.map(str::to_string),
            at_unix_ms: at,
        };
        append(
            &store,
            vec![
                agent_state(DAVID, AgentStateView::Available, None, 1_000),
                agent_state(EVA, AgentStateView::Available, None, 1_500),
                agent_state(DAVID, AgentStateView::Idle, Some("lunch"), 2_000),
                agent_state(DAVID, AgentStateView::LoggedOut, None, 3_000),
            ],
        )
        .await?;
        let david = store.agent_states(ORG, Some(DAVID), 1_000, 3_000).await?;
        let states: Vec<(&str, Option<&str>)> = david
            .iter()
            .map(|s| (s.state.as_str(), s.reason.as_deref()))
            .collect();
        assert_eq!(states, [("available", None), ("idle", Some("lunch"))]);
        assert_eq!(store.agent_states(ORG, None, 0, 10_000).await?.len(), 4);
        Ok(())
    }
}

mod restart {
    use super::*;

    #[tokio::test]
    async fn r45_history_survives_reopening_the_file() -> Result<()> {
        // Method: write, close and drop the store, open the same file again.
        let (_dir, path, store) = temp_store().await?;
        append(&store, finished_call(1, DAVID, Q_SUPPORT, 1_000)).await?;
        let before = store.interaction(ORG, 1).await?.expect("stored");
        store.close().await;
        drop(store);

        let store = SqliteStore::open(&path).await?;
        assert_eq!(store.interaction(ORG, 1).await?, Some(before));
        assert_eq!(
            store.organisation(ORG).await?.expect("kept").config_version,
            1
        );
        assert_eq!(store.max_interaction_id(ORG).await?, 1);
        assert_eq!(store.max_interaction_id("acme").await?, 0);
        Ok(())
    }

    #[tokio::test]
    async fn r45_restart_closes_live_interactions_but_keeps_pending_callbacks() -> Result<()> {
        // Goal: after a crash, calls that were in progress end with the restart's reason,
        // ended ones stay as they were, and callbacks waiting or being dialled come back.
        let (_dir, path, store) = temp_store().await?;
        let mut records = finished_call(1, DAVID, Q_SUPPORT, 1_000);
        records.extend([
            // 2: an inbound call connected at the crash.
            created(2, InteractionKind::Inbound, "+4791000002", 2_000),
            state(2, "queued", None, Q_SUPPORT, 2_000),
            state(2, "connected", Some(EVA), Q_SUPPORT, 2_010),
            // 3: a web callback waiting in its queue.
            created(3, InteractionKind::WebCallback, "+4791000003", 3_000),
            state(3, "queued", None, Q_SUPPORT, 3_000),
            // 4: a caller who pressed 1 for a courtesy callback.
            created(4, InteractionKind::Inbound, "+4791000004", 4_000),
            state(4, "queued", None, Q_SALES, 4_000),
            state(4, "courtesy_callback", None, Q_SALES, 4_050),
            // 5: a web callback whose customer was being dialled.
            created(5, InteractionKind::WebCallback, "+4791000005", 5_000),
            state(5, "queued", None, Q_SUPPORT, 5_000),
            state(5, "offered", Some(DAVID), Q_SUPPORT, 5_010),
            state(5, "dialing", Some(DAVID), Q_SUPPORT, 5_020),
            // 6: a web callback already talking to its customer.
            created(6, InteractionKind::WebCallback, "+4791000006", 6_000),
            state(6, "queued", None, Q_SUPPORT, 6_000),
            state(6, "connected", Some(DAVID), Q_SUPPORT, 6_030),
        ]);
        append(&store, records).await?;
        assert!(store.set_customer_name(ORG, 3, "Kari Nordmann").await?);
        assert!(!store.set_customer_name(ORG, 99, "Nobody").await?);
        let finished = store.interaction(ORG, 1).await?.expect("stored");
        drop(store);

        let store = SqliteStore::open(&path).await?;
        assert_eq!(store.max_interaction_id(ORG).await?, 6);
        let pending = store.pending_callbacks(ORG).await?;
        let summary: Vec<(u64, &str, Option<u64>, &str)> = pending
            .iter()
            .map(|p| {
                let kind = p.kind.as_str();
                (p.interaction, kind, p.queue, p.customer_number.as_str())
            })
            .collect();
        assert_eq!(
            summary,
            [
                (3, "web_callback", Some(Q_SUPPORT), "+4791000003"),
                (4, "courtesy_callback", Some(Q_SALES), "+4791000004"),
                (5, "web_callback", Some(Q_SUPPORT), "+4791000005"),
            ]
        );
        assert_eq!(pending[0].customer_name.as_deref(), Some("Kari Nordmann"));
        assert_eq!(pending[1].dnis.as_deref(), Some("+4721000000"));
        assert_eq!(pending[1].created_at_unix_ms, 4_000);

        assert_eq!(
            store.close_live_interactions(ORG, "restart", 9_000).await?,
            2
        );
        for id in [2, 6] {
            let closed = store.interaction(ORG, id).await?.expect("stored");
            assert_eq!(closed.ended_at_unix_ms, Some(9_000));
            assert_eq!(closed.end_reason.as_deref(), Some("restart"));
            assert_eq!(closed.state.as_deref(), Some("closed_by_restart"));
            let last = closed.states.last().expect("states");
            assert_eq!(
                (last.state.as_str(), last.at_unix_ms),
                ("closed_by_restart", 9_000)
            );
        }
        let connected = store.interaction(ORG, 2).await?.expect("stored");
        assert_eq!(connected.agents, [EVA], "who was on it is kept");
        assert_eq!(
            store.interaction(ORG, 1).await?,
            Some(finished),
            "untouched"
        );
        assert_eq!(
            store.pending_callbacks(ORG).await?.len(),
            3,
            "still pending"
        );
        assert_eq!(
            store.close_live_interactions(ORG, "restart", 9_500).await?,
            0
        );

        // A restored callback that is then answered ends like any other call.
        append(
            &store,
            vec![
                state(3, "queued", None, Q_SUPPORT, 10_000),
                state(3, "offered", Some(DAVID), Q_SUPPORT, 10_010),
                state(3, "dialing", Some(DAVID), Q_SUPPORT, 10_020),
                state(3, "connected", Some(DAVID), Q_SUPPORT, 10_030),
                ended(3, EndReason::CustomerHungUp, &[DAVID], 3_000, 10_500),
            ],
        )
        .await?;
        let served = store.interaction(ORG, 3).await?.expect("stored");
        assert_eq!(served.created_at_unix_ms, 3_000);
        assert_eq!(served.customer_name.as_deref(), Some("Kari Nordmann"));
        assert_eq!(served.end_reason.as_deref(), Some("customer_hung_up"));
        let pending: Vec<u64> = store
            .pending_callbacks(ORG)
            .await?
            .into_iter()
            .map(|p| p.interaction)
            .collect();
        assert_eq!(pending, [4, 5]);
        Ok(())
    }

    #[tokio::test]
    async fn r40_a_callback_waiting_to_retry_survives_a_restart_with_its_attempts_on_record()
    -> Result<()> {
        // Goal: a callback whose customer did not answer and that waits out its retry spacing
        // is pending after a restart, and the history keeps which attempt each state was.
        // Method: journal one attempt and the wait, reopen the file, ask for pending callbacks
        // and the interaction's states.
        let (_dir, path, store) = temp_store().await?;
        append(
            &store,
            vec![
                created(7, InteractionKind::WebCallback, "+4791000007", 7_000),
                state(7, "queued", None, Q_SUPPORT, 7_000),
                state(7, "offered", Some(DAVID), Q_SUPPORT, 7_010),
                attempt_state(7, "dialing", Some(DAVID), Q_SUPPORT, Some(1), 7_020),
                attempt_state(7, "retry_wait", None, Q_SUPPORT, Some(1), 7_050),
            ],
        )
        .await?;
        drop(store);

        let store = SqliteStore::open(&path).await?;
        let pending: Vec<u64> = store
            .pending_callbacks(ORG)
            .await?
            .into_iter()
            .map(|p| p.interaction)
            .collect();
        assert_eq!(
            pending,
            [7],
            "R45: a callback waiting to retry is still pending"
        );
        assert_eq!(
            store.close_live_interactions(ORG, "restart", 9_000).await?,
            0,
            "it is not closed by the restart"
        );
        let waiting = store.interaction(ORG, 7).await?.expect("stored");
        assert_eq!(waiting.state.as_deref(), Some("retry_wait"));
        let attempts: Vec<(&str, Option<u32>)> = waiting
            .states
            .iter()
            .map(|s| (s.state.as_str(), s.attempt))
            .collect();
        assert_eq!(
            attempts,
            [
                ("queued", None),
                ("offered", None),
                ("dialing", Some(1)),
                ("retry_wait", Some(1)),
            ]
        );
        assert_eq!(waiting.agents, [DAVID], "who dialled is kept");
        Ok(())
    }

    #[tokio::test]
    async fn r45_the_file_is_in_wal_mode() -> Result<()> {
        // Method: ask SQLite through a connection of our own; WAL mode is a property of the
        // file, so it shows there too.
        use sqlx::Connection;
        let (_dir, path, store) = temp_store().await?;
        store.close().await;
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut connection)
            .await?;
        assert_eq!(mode, "wal");
        Ok(())
    }
}

mod writer {
    use super::*;
    use sentral_store::HistoryWriter;
    use std::sync::Arc;

    #[tokio::test]
    async fn r45_the_history_writer_writes_everything_sent_before_a_flush() -> Result<()> {
        // Method: send many records for two organisations without awaiting, then flush once.
        let (_dir, _path, store) = temp_store().await?;
        let store: Arc<dyn Store> = Arc::new(store);
        let (writer, task) = HistoryWriter::spawn(store.clone());
        for id in 1..=500u64 {
            for record in finished_call(id, DAVID, Q_SUPPORT, id as i64) {
                writer.send(ORG.into(), record.clone());
                writer.send("acme".into(), record);
            }
        }
        writer.send(
            ORG.into(),
            created(501, InteractionKind::WebCallback, "+4791000501", 9_000),
        );
        writer.set_customer_name(ORG.into(), 501, "Ola Hansen".into());
        writer.flush().await;

        let all = InteractionFilter {
            limit: Some(1_000),
            ..InteractionFilter::default()
        };
        assert_eq!(store.interactions(ORG, &all).await?.len(), 500);
        assert_eq!(store.interactions("acme", &all).await?.len(), 500);
        let callback = store.interaction(ORG, 501).await?.expect("written");
        assert_eq!(callback.customer_name.as_deref(), Some("Ola Hansen"));
        let call = store.interaction("acme", 250).await?.expect("written");
        assert_eq!(call.states.len(), 3);
        assert_eq!(call.wrapups.len(), 1);

        drop(writer);
        task.await?;
        Ok(())
    }

    #[tokio::test]
    async fn the_history_writer_keeps_going_when_the_store_fails() -> Result<()> {
        // Method: close the database under the writer; batches fail, are logged, and flushes
        // still return.
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().await?);
        let (writer, task) = HistoryWriter::spawn(store.clone());
        store.close().await;
        writer.send(
            ORG.into(),
            created(1, InteractionKind::Inbound, "+4791000001", 1),
        );
        writer.flush().await;
        writer.send(
            ORG.into(),
            created(2, InteractionKind::Inbound, "+4791000002", 2),
        );
        writer.flush().await;
        assert!(!task.is_finished());
        drop(writer);
        task.await?;
        Ok(())
    }
}

mod in_memory {
    use super::*;

    #[tokio::test]
    async fn an_in_memory_store_has_the_same_schema() -> Result<()> {
        let store = SqliteStore::open_in_memory().await?;
        store.save_organisation(ORG, "Demo", "").await?;
        append(&store, finished_call(1, DAVID, Q_SUPPORT, 1_000)).await?;
        let call = store.interaction(ORG, 1).await?.expect("stored");
        assert_eq!(call.wrapups.len(), 1);
        assert_eq!(store.organisations().await?.len(), 1);
        Ok(())
    }
}

mod reports {
    //! The supervisor's history search and the reports' rollups (R44, issue 23).
    use super::*;
    use sentral_store::{ReportFact, ReportFactKind, RollupCounters};

    const QUARTER: i64 = 15 * 60 * 1000;

    #[tokio::test]
    async fn r44_history_searches_by_channel_wrapup_reason_and_customer_number() -> Result<()> {
        // Goal: the new search filters keep exactly the matching interactions, combined with
        // the old ones. Method: three calls, one wrapped up `sale`, one with another number.
        let (_dir, _path, store) = temp_store().await?;
        let mut records = Vec::new();
        for id in 1..=3u64 {
            records.extend(finished_call(id, EVA, Q_SALES, id as i64 * 1_000));
        }
        records.push(Record::WrapUp {
            interaction: InteractionId(2),
            agent: AgentId(EVA),
            reason: "sale".into(),
            automatic: false,
            at_unix_ms: 2_500,
        });
        records.push(created(4, InteractionKind::Inbound, "+4799999999", 4_000));
        append(&store, records).await?;
        let ids = |page: Vec<sentral_store::InteractionRecord>| -> Vec<u64> {
            page.into_iter().map(|r| r.id).collect()
        };
        let sale = InteractionFilter {
            wrapup_reason: Some("sale".into()),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &sale).await?), [2]);
        let resolved_before_3 = InteractionFilter {
            wrapup_reason: Some("resolved".into()),
            to_unix_ms: Some(3_000),
            ..InteractionFilter::default()
        };
        assert_eq!(
            ids(store.interactions(ORG, &resolved_before_3).await?),
            [2, 1]
        );
        let voice = InteractionFilter {
            channel: Some("voice".into()),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &voice).await?), [4, 3, 2, 1]);
        let chat = InteractionFilter {
            channel: Some("chat".into()),
            ..InteractionFilter::default()
        };
        assert!(store.interactions(ORG, &chat).await?.is_empty());
        let number = InteractionFilter {
            customer_number: Some("+4799999999".into()),
            channel: Some("voice".into()),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &number).await?), [4]);
        // A window of time with nothing in it, and one cut through the middle, paged.
        let empty = InteractionFilter {
            from_unix_ms: Some(100_000),
            to_unix_ms: Some(200_000),
            ..InteractionFilter::default()
        };
        assert!(store.interactions(ORG, &empty).await?.is_empty());
        let middle = InteractionFilter {
            from_unix_ms: Some(1_500),
            to_unix_ms: Some(4_000),
            limit: Some(1),
            ..InteractionFilter::default()
        };
        assert_eq!(ids(store.interactions(ORG, &middle).await?), [3]);
        let next = InteractionFilter {
            before_id: Some(3),
            ..middle
        };
        assert_eq!(ids(store.interactions(ORG, &next).await?), [2]);
        Ok(())
    }

    fn fact(queue: u64, agent: Option<u64>, at_unix_ms: i64, kind: ReportFactKind) -> ReportFact {
        ReportFact {
            queue,
            agent,
            at_unix_ms,
            kind,
        }
    }

    #[tokio::test]
    async fn r44_report_facts_add_up_per_queue_agent_and_quarter_hour() -> Result<()> {
        // Goal: facts are summed into the quarter hour they happened in, per queue and per
        // agent, across batches, and read back by period and queue. Method: two batches of
        // facts in two quarter hours of two queues; the sums are worked out by hand.
        let (_dir, _path, store) = temp_store().await?;
        let t0 = 1_000 * QUARTER;
        let answered = |waited_ms, in_threshold| ReportFactKind::Answered {
            waited_ms,
            in_threshold,
        };
        store
            .append_report_facts(
                ORG,
                &[
                    fact(Q_SUPPORT, None, t0 + 1, ReportFactKind::Offered),
                    fact(Q_SUPPORT, None, t0 + 2, ReportFactKind::Offered),
                    fact(Q_SUPPORT, Some(EVA), t0 + 3, answered(10_000, true)),
                    fact(Q_SUPPORT, None, t0 + 4, ReportFactKind::Abandoned),
                    fact(Q_SALES, None, t0 + 5, ReportFactKind::Offered),
                ],
            )
            .await?;
        store
            .append_report_facts(
                ORG,
                &[
                    fact(Q_SUPPORT, Some(EVA), t0 + 6, answered(50_000, false)),
                    fact(
                        Q_SUPPORT,
                        Some(EVA),
                        t0 + QUARTER,
                        ReportFactKind::Handled { handle_ms: 120_000 },
                    ),
                    fact(
                        Q_SUPPORT,
                        Some(DAVID),
                        t0 + QUARTER + 1,
                        ReportFactKind::Handled { handle_ms: 60_000 },
                    ),
                ],
            )
            .await?;

        let support = store
            .queue_rollups(ORG, Some(&[Q_SUPPORT]), t0, t0 + 2 * QUARTER)
            .await?;
        assert_eq!(support.len(), 2);
        assert_eq!(support[0].bucket_unix_ms, t0);
        assert_eq!(
            support[0].counters,
            RollupCounters {
                offered: 2,
                answered: 2,
                answered_in_threshold: 1,
                answered_wait_ms_total: 60_000,
                abandoned: 1,
                handled: 0,
                handle_ms_total: 0,
            }
        );
        assert_eq!(support[1].bucket_unix_ms, t0 + QUARTER);
        assert_eq!(support[1].counters.handled, 2);
        assert_eq!(support[1].counters.handle_ms_total, 180_000);

        // Every queue; the period's end is exclusive.
        let first_quarter = store.queue_rollups(ORG, None, t0, t0 + QUARTER).await?;
        let queues: Vec<u64> = first_quarter.iter().map(|r| r.queue).collect();
        assert_eq!(queues, [Q_SALES, Q_SUPPORT]);
        assert!(
            store
                .queue_rollups("acme", None, t0, t0 + QUARTER)
                .await?
                .is_empty()
        );

        let agents = store.agent_rollups(ORG, t0, t0 + 2 * QUARTER).await?;
        let eva_handled: u64 = agents
            .iter()
            .filter(|r| r.agent == Some(EVA))
            .map(|r| r.counters.handle_ms_total)
            .sum();
        let eva_answered: u64 = agents
            .iter()
            .filter(|r| r.agent == Some(EVA))
            .map(|r| r.counters.answered)
            .sum();
        assert_eq!((eva_answered, eva_handled), (2, 120_000));
        let david: Vec<_> = agents.iter().filter(|r| r.agent == Some(DAVID)).collect();
        assert_eq!(david.len(), 1);
        assert_eq!(david[0].counters.handled, 1);
        Ok(())
    }

    #[tokio::test]
    async fn r44_rollups_of_many_facts_equal_the_facts_counted_one_by_one() -> Result<()> {
        // Goal: whatever the batches, the rollups of a period give the same figures as counting
        // the facts themselves. Method: 5,000 pseudo-random facts over three days, three queues
        // and four agents, appended in uneven batches; every queue's and agent's sums over a
        // window that cuts through the middle of the days are checked against a plain count.
        let (_dir, _path, store) = temp_store().await?;
        let mut seed = 7u64;
        let mut random = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let mut facts = Vec::new();
        for _ in 0..5_000 {
            let queue = 1 + random(3);
            let at = random(3 * 86_400_000) as i64;
            let agent = 10 + random(4);
            let kind = match random(4) {
                0 => ReportFactKind::Offered,
                1 => ReportFactKind::Answered {
                    waited_ms: random(60_000),
                    in_threshold: random(2) == 0,
                },
                2 => ReportFactKind::Abandoned,
                _ => ReportFactKind::Handled {
                    handle_ms: random(600_000),
                },
            };
            let agent = matches!(
                kind,
                ReportFactKind::Answered { .. } | ReportFactKind::Handled { .. }
            )
            .then_some(agent);
            facts.push(fact(queue, agent, at, kind));
        }
        let mut rest = facts.as_slice();
        while !rest.is_empty() {
            let n = (1 + random(700) as usize).min(rest.len());
            store.append_report_facts(ORG, &rest[..n]).await?;
            rest = &rest[n..];
        }
        // A window on quarter-hour bounds: 07:00 on the first day to 19:45 on the third.
        let (from, to) = (7 * 3_600_000, 2 * 86_400_000 + 19 * 3_600_000 + 3 * QUARTER);
        let count = |keep: &dyn Fn(&ReportFact) -> bool| {
            let mut c = RollupCounters::default();
            for f in facts
                .iter()
                .filter(|f| f.at_unix_ms >= from && f.at_unix_ms < to && keep(f))
            {
                match f.kind {
                    ReportFactKind::Offered => c.offered += 1,
                    ReportFactKind::Answered {
                        waited_ms,
                        in_threshold,
                    } => {
                        c.answered += 1;
                        c.answered_wait_ms_total += waited_ms;
                        c.answered_in_threshold += u64::from(in_threshold);
                    }
                    ReportFactKind::Abandoned => c.abandoned += 1,
                    ReportFactKind::Handled { handle_ms } => {
                        c.handled += 1;
                        c.handle_ms_total += handle_ms;
                    }
                }
            }
            c
        };
        let rows = store.queue_rollups(ORG, None, from, to).await?;
        for queue in 1..=3u64 {
            let mut sum = RollupCounters::default();
            for row in rows.iter().filter(|r| r.queue == queue) {
                assert_eq!(row.bucket_unix_ms % QUARTER, 0);
                sum += row.counters;
            }
            assert_eq!(sum, count(&|f| f.queue == queue), "queue {queue}");
        }
        let agents = store.agent_rollups(ORG, from, to).await?;
        for agent in 10..14u64 {
            let mut sum = RollupCounters::default();
            for row in agents.iter().filter(|r| r.agent == Some(agent)) {
                sum += row.counters;
            }
            let expected = count(&|f| f.agent == Some(agent));
            assert_eq!(sum.answered, expected.answered, "agent {agent}");
            assert_eq!(
                sum.handle_ms_total, expected.handle_ms_total,
                "agent {agent}"
            );
        }
        Ok(())
    }

    #[tokio::test]
    async fn r44_an_agents_logged_in_time_is_cut_to_the_period() -> Result<()> {
        // Goal: logged-in time counts every state but logged_out, from the state the agent was
        // in when the period began, up to its end or now. Method: eva logs in before the
        // period, goes idle and logs out within it; david logs in and stays.
        let (_dir, _path, store) = temp_store().await?;
        let agent_state = |agent: u64, state: AgentStateView, at_unix_ms: i64| Record::AgentState {
            agent: AgentId(agent),
            state,
            reason: None,
            at_unix_ms,
        };
        append(
            &store,
            vec![
                agent_state(EVA, AgentStateView::Available, 500),
                agent_state(EVA, AgentStateView::Idle, 2_000),
                agent_state(EVA, AgentStateView::LoggedOut, 3_000),
                agent_state(EVA, AgentStateView::Available, 9_000),
                agent_state(DAVID, AgentStateView::LoggedOut, 100),
                agent_state(DAVID, AgentStateView::Available, 4_000),
            ],
        )
        .await?;
        let period = store.agents_logged_in_ms(ORG, 1_000, 6_000, 10_000).await?;
        assert_eq!(period, [(DAVID, 2_000), (EVA, 2_000)]);
        // Now cuts the period short.
        let so_far = store.agents_logged_in_ms(ORG, 1_000, 20_000, 9_500).await?;
        assert_eq!(so_far, [(DAVID, 5_500), (EVA, 2_500)]);
        Ok(())
    }
}
