//! Goal: shared scenario steps and output finders for the other modules, so that each test
//! reads as the scenario it proves.
//! Method: thin wrappers over [`Harness`]; every finder looks at concrete outputs (telephony
//! commands, desktop events, records) rather than at internal state.
//! Proves: nothing by itself.

use sentral_engine::testing::*;
use sentral_engine::*;
use std::collections::BTreeMap;

/// An answered inbound call.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// The interaction.
    pub id: InteractionId,
    /// The customer's leg.
    pub customer: LegId,
    /// The owning agent's phone leg.
    pub agent_leg: LegId,
}

/// Makes `agent` ready in `team`, lets a customer call `dnis` and has the agent answer.
pub fn connected_call(h: &mut Harness, agent: AgentId, team: TeamId, dnis: &str) -> Call {
    h.ready(agent, team);
    let (id, customer) = h.arrive(dnis);
    assert_eq!(h.view(id).offered_to, Some(agent), "the call is offered");
    let agent_leg = h.answer(agent);
    assert_eq!(h.view(id).phase, "connected");
    assert_eq!(h.view(id).owner, Some(agent));
    Call {
        id,
        customer,
        agent_leg,
    }
}

/// A small organisation with one setting changed.
pub fn harness_with(change: impl FnOnce(&mut Config)) -> Harness {
    let mut config = small_config();
    change(&mut config);
    Harness::with_config(config)
}

/// Asserts that `result` is a rejection citing rule `rule` and that the input changed nothing
/// (no output at all).
#[track_caller]
pub fn rejected<T: std::fmt::Debug>(
    h: &Harness,
    result: Result<T, Rejection>,
    rule: Rule,
) -> Rejection {
    let rejection = result.expect_err("the input must be rejected");
    assert_eq!(rejection.code, Code::Rule(rule), "{rejection}");
    assert!(
        h.last.is_empty(),
        "a rejected input changes nothing, yet it produced {:?}",
        h.last
    );
    rejection
}

/// Name → value pairs as a map.
pub fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// Saves CAD values as `agent`, based on `version`.
pub fn save(
    h: &mut Harness,
    agent: AgentId,
    interaction: InteractionId,
    pairs: &[(&str, &str)],
    expected_version: u64,
) -> Result<(), Rejection> {
    h.command(
        agent,
        Command::SaveVariables {
            interaction,
            values: values(pairs),
            expected_version,
        },
    )
}

/// Asks for a web callback.
pub fn web_callback(
    h: &mut Harness,
    queue: QueueId,
    name: &str,
    number: &str,
) -> Result<InteractionId, Rejection> {
    h.input(Input::WebCallback {
        queue,
        name: name.into(),
        number: number.into(),
    })
    .map(|id| id.expect("a web callback creates an interaction"))
}

/// Every telephony command so far.
pub fn all_commands(h: &Harness) -> Vec<TelephonyCommand> {
    h.all
        .iter()
        .filter_map(|o| match o {
            Output::Telephony(command) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

/// Every record so far.
pub fn all_records(h: &Harness) -> Vec<Record> {
    h.all
        .iter()
        .filter_map(|o| match o {
            Output::Record(record) => Some(record.clone()),
            _ => None,
        })
        .collect()
}

/// Every desktop event for `agent` so far.
pub fn all_events_for(h: &Harness, agent: AgentId) -> Vec<DesktopEvent> {
    h.all
        .iter()
        .filter_map(|o| match o {
            Output::Desktop {
                to: Recipient::Agent(a),
                event,
            } if *a == agent => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// The contact-request popover the last input showed `agent`.
#[track_caller]
pub fn offer_popover(h: &Harness, agent: AgentId) -> OfferView {
    h.events_for(agent)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::Offer(offer) => Some(*offer),
            _ => None,
        })
        .expect("an offer popover was shown")
}

/// The `Dial` commands of the last input: (leg, interaction, number).
pub fn dials(h: &Harness) -> Vec<(LegId, InteractionId, DialNumber)> {
    h.commands()
        .into_iter()
        .filter_map(|c| match c {
            TelephonyCommand::Dial {
                leg,
                interaction,
                number,
            } => Some((leg, interaction, number)),
            _ => None,
        })
        .collect()
}

/// The one `Dial` of the last input.
#[track_caller]
pub fn the_dial(h: &Harness) -> (LegId, InteractionId, DialNumber) {
    let dials = dials(h);
    assert_eq!(dials.len(), 1, "exactly one number dialled: {dials:?}");
    dials.into_iter().next().expect("one")
}

/// The final records written for `interaction` so far.
pub fn ended_records(h: &Harness, interaction: InteractionId) -> Vec<EndReason> {
    all_records(h)
        .into_iter()
        .filter_map(|r| match r {
            Record::InteractionEnded {
                interaction: i,
                reason,
                ..
            } if i == interaction => Some(reason),
            _ => None,
        })
        .collect()
}

/// The recording state changes the last input told `agent` about.
pub fn recording_events(h: &Harness, agent: AgentId) -> Vec<RecordingState> {
    h.events_for(agent)
        .into_iter()
        .filter_map(|e| match e {
            DesktopEvent::RecordingChanged { state, .. } => Some(state),
            _ => None,
        })
        .collect()
}
