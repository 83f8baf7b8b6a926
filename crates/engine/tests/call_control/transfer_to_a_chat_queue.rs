//! A voice call goes only to queues that voice agents serve (R16, R27).
//!
//! Goal: the organisation also has a chat queue (R41). A voice call blind-transferred there
//! would wait forever, since no agent is ever offered a voice call from a chat queue; a
//! consult there can never find an agent. So the consult and transfer lists show only voice
//! queues, and a consult or transfer to a chat queue is refused with the rule, changing
//! nothing.
//! Method: the demo organisation plus a chat queue "Web chat" served by Support; DAVID has a
//! connected Kundeservice call and EVA is Available.
//! Proves: R16 and R27 (queues available for the interaction).

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const Q_CHAT: QueueId = QueueId(9);

fn with_a_chat_queue() -> Harness {
    let mut config = small_config();
    let mut chat = config.queue(Q_SUPPORT).expect("Support").clone();
    chat.id = Q_CHAT;
    chat.name = "Web chat".into();
    chat.channel = Channel::Chat;
    chat.wait_max_ms = None;
    chat.overflow = None;
    config.queues.push(chat);
    Harness::with_config(config)
}

#[test]
fn r27_a_voice_call_cannot_be_blind_transferred_to_a_chat_queue() {
    let mut h = with_a_chat_queue();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    let transfer = Command::Transfer {
        interaction: call.id,
        target: Target::Queue(Q_CHAT),
    };
    assert_eq!(rejected(&mut h, DAVID, transfer), Code::Rule(Rule::R27));
    assert_eq!(h.view(call.id).phase, "connected");
    assert_eq!(h.view(call.id).owner, Some(DAVID));
}

#[test]
fn r16_a_voice_call_cannot_be_consulted_to_a_chat_queue() {
    let mut h = with_a_chat_queue();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    let consult = Command::Consult {
        interaction: call.id,
        target: Target::Queue(Q_CHAT),
    };
    assert_eq!(rejected(&mut h, DAVID, consult), Code::Rule(Rule::R16));
    assert!(h.view(call.id).consult.is_none());
}

#[test]
fn r16_r27_the_consult_and_transfer_lists_show_only_voice_queues() {
    let h = with_a_chat_queue();
    let listed: Vec<String> = h
        .engine
        .directory_destinations("")
        .into_iter()
        .filter_map(|d| match d {
            DirectoryDestination::Queue { name, .. } => Some(name),
            DirectoryDestination::EntryPoint { .. } => None,
        })
        .collect();
    assert_eq!(listed, ["Sales", "Support", "Overflow"]);
}
