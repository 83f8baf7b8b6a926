//! How voice contacts begin: an inbound call, a web callback, a restored callback, an outdial.

use crate::config::{CAD_VALUE_CHARS_MAX, Channel};
use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::dial::DialNumber;
use crate::ids::{AgentId, ENGINE_LEG_BIT, EntryPointId, InteractionId, LegId};
use crate::io::{
    DesktopEvent, EndReason, InteractionKind, Recipient, Record, RecordingState, RejectCause,
    TelephonyCommand,
};
use crate::reject::{Rejection, Rule};
use crate::voice::VoiceCall;
use crate::voice::legs::LegRole;
use std::collections::BTreeMap;

impl Engine {
    pub(crate) fn call_arrived(
        &mut self,
        leg: LegId,
        dnis: &str,
        ani: String,
    ) -> Result<InteractionId, Rejection> {
        if leg.0 & ENGINE_LEG_BIT != 0 || self.legs.contains_key(&leg) {
            return Err(Rejection::invalid(format!("{leg} is already in use")));
        }
        let digits = DialNumber::parse(dnis)
            .map(|n| n.digits())
            .unwrap_or_default();
        let Some(&entry_point_id) = self.ep_by_digits.get(&digits) else {
            self.telephony(TelephonyCommand::Reject {
                leg,
                cause: RejectCause::UnknownNumber,
            });
            return Err(Rejection::not_found(format!(
                "no entry point has the number {dnis:?}"
            )));
        };
        if let Err(rejection) = self.check_call_limit() {
            self.telephony(TelephonyCommand::Reject {
                leg,
                cause: RejectCause::TooManyCalls,
            });
            self.desktop(
                Recipient::Supervisors,
                DesktopEvent::LimitReached { code: "R2" },
            );
            // The refused call is in the history, with why (R2, R45).
            let id = self.create_interaction(
                InteractionKind::Inbound,
                Some(entry_point_id),
                Some(ani.to_owned()).filter(|ani| !ani.is_empty()),
                None,
                Some(dnis.to_owned()),
            );
            self.end_interaction(id, EndReason::LimitReached);
            return Err(rejection);
        }
        let flow = self
            .config
            .entry_point(entry_point_id)
            .expect("indexed")
            .flow
            .clone();
        let id = self.create_interaction(
            InteractionKind::Inbound,
            Some(entry_point_id),
            Some(ani),
            None,
            Some(dnis.to_owned()),
        );
        self.new_leg(Some(leg), id, LegRole::Customer, true);
        let interaction = self.interactions.get_mut(&id).expect("created");
        interaction.voice.customer_leg = Some(leg);
        interaction.variables.extend(flow.variables.iter().cloned());
        self.telephony(TelephonyCommand::Answer { leg });
        if self.config.org.noise_removal {
            self.telephony(TelephonyCommand::Denoise { leg, on: true });
        }
        if let Some(after_ms) = flow.courtesy_callback_after_ms {
            let timer = self.set_timer(
                self.now.mono_ms + after_ms,
                Timer::CourtesyCallback { interaction: id },
            );
            self.interactions
                .get_mut(&id)
                .expect("created")
                .voice
                .courtesy_timer = Some(timer);
        }
        self.enqueue(id, flow.queue, None);
        self.courtesy_on_arrival(id, &flow);
        Ok(id)
    }

    pub(crate) fn web_callback(
        &mut self,
        queue: crate::ids::QueueId,
        name: String,
        number: String,
    ) -> Result<InteractionId, Rejection> {
        let queue_config = self
            .config
            .queue(queue)
            .ok_or_else(|| Rejection::not_found(format!("no queue {queue}")))?;
        if queue_config.channel != Channel::Voice {
            return Err(Rejection::invalid(format!(
                "{} is not a voice queue",
                queue_config.name
            )));
        }
        let number = DialNumber::parse(&number)
            .map_err(|e| Rejection::rule(Rule::R30, format!("number: {e}")))?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > CAD_VALUE_CHARS_MAX {
            return Err(Rejection::invalid("name: 1 to 256 characters"));
        }
        let id = self.create_interaction(
            InteractionKind::WebCallback,
            None,
            Some(number.to_string()),
            Some(name),
            None,
        );
        self.enqueue(id, queue, None);
        Ok(id)
    }

    pub(crate) fn restore_callback(
        &mut self,
        interaction_id: InteractionId,
        kind: InteractionKind,
        queue: crate::ids::QueueId,
        number: &str,
        name: Option<String>,
        dnis: Option<String>,
    ) -> Result<InteractionId, Rejection> {
        if !matches!(
            kind,
            InteractionKind::CourtesyCallback | InteractionKind::WebCallback
        ) {
            return Err(Rejection::invalid("only callbacks are restored"));
        }
        if self.interactions.contains_key(&interaction_id) {
            return Err(Rejection::invalid(format!(
                "{interaction_id} already exists"
            )));
        }
        match self.config.queue(queue) {
            None => return Err(Rejection::not_found(format!("no queue {queue}"))),
            Some(q) if q.channel != Channel::Voice => {
                return Err(Rejection::invalid(format!(
                    "{} is not a voice queue",
                    q.name
                )));
            }
            Some(_) => {}
        }
        let number = DialNumber::parse(number)
            .map_err(|e| Rejection::rule(Rule::R30, format!("number: {e}")))?;
        self.continue_numbering_after(interaction_id);
        let id = self.insert_interaction(
            interaction_id,
            kind,
            None,
            Some(number.to_string()),
            name,
            dnis,
        );
        self.enqueue(id, queue, None);
        Ok(id)
    }

    pub(crate) fn outdial(
        &mut self,
        agent_id: AgentId,
        number: &str,
    ) -> Result<InteractionId, Rejection> {
        let agent = &self.agents[&agent_id];
        let Some(session) = &agent.session else {
            return Err(Rejection::rule(Rule::R42, "log in before placing a call"));
        };
        self.check_allowed(agent_id, crate::config::DesktopAction::Outdial)?;
        if agent.voice.is_some() || !agent.wrapups.is_empty() {
            return Err(Rejection::rule(
                Rule::R42,
                "finish the current call and its wrap-up first",
            ));
        }
        if !self.registered.contains(&session.extension) {
            return Err(Rejection::rule(
                Rule::R13,
                format!("the phone at {} is not registered", session.extension),
            ));
        }
        let number =
            DialNumber::parse(number).map_err(|e| Rejection::rule(Rule::R30, e.to_string()))?;
        self.check_call_limit()?;
        let id = self.create_interaction(
            InteractionKind::Outdial,
            None,
            Some(number.to_string()),
            None,
            None,
        );
        self.ring_offer(id, agent_id);
        Ok(id)
    }

    pub(crate) fn create_interaction(
        &mut self,
        kind: InteractionKind,
        entry_point: Option<EntryPointId>,
        customer_number: Option<String>,
        customer_name: Option<String>,
        dnis: Option<String>,
    ) -> InteractionId {
        let id = self.new_interaction_id();
        self.record(Record::InteractionCreated {
            interaction: id,
            channel: Channel::Voice,
            kind,
            customer_number: customer_number.clone(),
            dnis: dnis.clone(),
            at_unix_ms: self.now.unix_ms,
        });
        self.insert_interaction(id, kind, entry_point, customer_number, customer_name, dnis)
    }

    pub(crate) fn insert_interaction(
        &mut self,
        id: InteractionId,
        kind: InteractionKind,
        entry_point: Option<EntryPointId>,
        customer_number: Option<String>,
        customer_name: Option<String>,
        dnis: Option<String>,
    ) -> InteractionId {
        let at_unix_ms = self.now.unix_ms;
        self.interactions.insert(
            id,
            Interaction {
                channel: Channel::Voice,
                kind,
                entry_point,
                queue: None,
                customer_number,
                customer_name,
                dnis,
                phase: Phase::Queued,
                place: None,
                excluded: Vec::new(),
                owner: None,
                variables: BTreeMap::new(),
                variables_version: 0,
                variables_saved_by: None,
                transferred_by: None,
                wait_timer: None,
                agents: Vec::new(),
                created_at_unix_ms: at_unix_ms,
                connected_at_unix_ms: None,
                pending_wrapups: 0,

                voice: VoiceCall {
                    customer_leg: None,
                    external_leg: None,
                    recording: RecordingState::Off,
                    shield_timer: None,
                    courtesy_timer: None,
                    courtesy_offered: false,
                    courtesy_due: false,
                    callback_attempts: 0,
                },
            },
        );
        id
    }
}
