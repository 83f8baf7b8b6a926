//! The engine's closed vocabulary: every [`Input`] it takes and every [`Output`] it produces.

use crate::config::{Channel, Config, Reason};
use crate::dial::DialNumber;
use crate::ids::{AgentId, EntryPointId, ExpertId, InteractionId, LegId, QueueId, TeamId, TimerId};
use std::collections::BTreeMap;

/// One thing that happened, handed to [`crate::Engine::handle_input`].
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// An agent did something in the desktop (or through the API on their behalf).
    Command {
        /// Who acts; the server has authenticated them.
        agent: AgentId,
        /// What they do.
        command: Command,
    },
    /// The phone network reported something.
    Telephony(TelephonyEvent),
    /// A timer the engine armed has expired.
    TimerFired(TimerId),
    /// A website or chat bot asked for a callback (R37).
    WebCallback {
        /// The queue that serves it.
        queue: QueueId,
        /// The customer's name.
        name: String,
        /// The number to call back, as typed (validated by R30).
        number: String,
    },
    /// An administrator changed the configuration (R43).
    ConfigChanged(Box<Config>),
    /// After a restart, a callback that was still pending goes back to its queue with its id
    /// (R45). It queues behind what is already waiting; restore them oldest first. One that was
    /// waiting out its retry spacing (R40) goes back at once, and its attempts count anew.
    RestoreCallback {
        /// Its id from before the restart.
        interaction: InteractionId,
        /// [`InteractionKind::CourtesyCallback`] or [`InteractionKind::WebCallback`].
        kind: InteractionKind,
        /// The queue that serves it.
        queue: QueueId,
        /// The number to call back.
        number: String,
        /// The customer's name (web callbacks).
        name: Option<String>,
        /// The number the customer had dialled (courtesy callbacks).
        dnis: Option<String>,
    },
    /// A supervisor acts on an agent (R44): sets them Idle with a reason, or logs them out of
    /// their station. Refused as the agent's own change would be (R3, R5, R36); the agent's
    /// desktop is told who did it and why, and the record keeps both.
    Supervise {
        /// The agent acted on.
        agent: AgentId,
        /// The supervisor's name, as the agent will read it; the server has authenticated them
        /// and checked that the agent is in their teams.
        supervisor: String,
        /// What the supervisor does.
        action: SupervisorAction,
        /// Why, in the supervisor's words (may be empty).
        note: String,
    },
}

/// What a supervisor does to an agent (R44).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SupervisorAction {
    /// Idle with one of the organisation's idle reasons (R3).
    Idle {
        /// The idle reason's code.
        reason: String,
    },
    /// Logged out of the station.
    LogOut,
}

impl SupervisorAction {
    /// The stable lower-case name in events and records: `idle` or `log_out`.
    pub fn name(&self) -> &'static str {
        match self {
            SupervisorAction::Idle { .. } => "idle",
            SupervisorAction::LogOut => "log_out",
        }
    }
}

/// A desktop command: what an agent can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Station log-in: the team to work in and the extension of the phone used.
    LogIn {
        /// One of the agent's teams.
        team: TeamId,
        /// The dial number (extension) of the phone the agent answers on.
        extension: String,
    },
    /// Log out (refused while a popover is shown, R5).
    LogOut,
    /// Become Available or Idle (R3, R4).
    SetState(StateRequest),
    /// Accept a digital offer (R8); a voice offer is accepted by answering the phone (R13).
    Accept {
        /// The offered interaction.
        interaction: InteractionId,
    },
    /// Put a party on hold (R14, R15, R19).
    Hold {
        /// The call.
        interaction: InteractionId,
        /// Who goes on hold.
        party: Party,
    },
    /// Take a party off hold (R14, R15).
    Resume {
        /// The call.
        interaction: InteractionId,
        /// Who comes off hold.
        party: Party,
    },
    /// Start a consult (R16).
    Consult {
        /// The call.
        interaction: InteractionId,
        /// Whom to consult.
        target: Target,
    },
    /// End the consult leg only (R23, R26).
    EndConsult {
        /// The call.
        interaction: InteractionId,
    },
    /// Hand the customer to the consulted party (R25).
    ConsultTransfer {
        /// The call.
        interaction: InteractionId,
    },
    /// Join customer, consulting and consulted parties (R23, R25).
    Conference {
        /// The call.
        interaction: InteractionId,
    },
    /// Blind transfer (R27–R29).
    Transfer {
        /// The call.
        interaction: InteractionId,
        /// Where it goes.
        target: Target,
    },
    /// End the call (R36), or leave a conference (R23).
    End {
        /// The call.
        interaction: InteractionId,
    },
    /// Pause recording (R31, R32).
    PauseRecording {
        /// The call.
        interaction: InteractionId,
    },
    /// Resume recording (R31, R32).
    ResumeRecording {
        /// The call.
        interaction: InteractionId,
    },
    /// Save CAD values based on the version the agent saw (R34, R35).
    SaveVariables {
        /// The call.
        interaction: InteractionId,
        /// Name → new value.
        values: BTreeMap<String, String>,
        /// The version the agent's edit is based on.
        expected_version: u64,
    },
    /// Submit wrap-up (R36).
    SubmitWrapUp {
        /// The ended or transferred call.
        interaction: InteractionId,
        /// A wrap-up reason code.
        reason: String,
    },
    /// Cancel a web callback before the customer answers (R39).
    CancelCallback {
        /// The callback.
        interaction: InteractionId,
    },
    /// Call a customer (R42).
    Outdial {
        /// The number as typed (validated by R30).
        number: String,
    },
}

/// The state an agent asks for.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum StateRequest {
    /// Ready for offers.
    Available,
    /// Not ready, with one of the organisation's idle reasons.
    Idle {
        /// An idle reason code.
        reason: String,
    },
}

/// One side of a consult, for hold and resume.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Party {
    /// The customer.
    Customer,
    /// The consulted agent or number.
    Consulted,
}

/// Where a consult or transfer goes (R16, R27).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Target {
    /// An agent.
    Agent(AgentId),
    /// A queue.
    Queue(QueueId),
    /// An entry point (its flow's queue).
    EntryPoint(EntryPointId),
    /// A number typed, pasted or picked from the address book (R20, R30).
    DialNumber(String),
    /// A subject-matter expert's work phone.
    Expert(ExpertId),
}

/// What the phone network reports.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum TelephonyEvent {
    /// A customer's call reached one of our numbers; `leg` is chosen by the adapter and must
    /// not have [`crate::ids::ENGINE_LEG_BIT`] set.
    CallArrived {
        /// The customer's leg.
        leg: LegId,
        /// The number the customer dialled.
        dnis: String,
        /// The customer's number.
        ani: String,
    },
    /// A leg the engine placed is ringing.
    Ringing {
        /// The leg.
        leg: LegId,
    },
    /// A leg the engine placed was answered.
    Answered {
        /// The leg.
        leg: LegId,
    },
    /// A leg the engine placed failed before it was answered.
    Failed {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: FailCause,
    },
    /// The far end of a leg hung up.
    HungUp {
        /// The leg.
        leg: LegId,
    },
    /// A leg ended without its far end hanging up: it went silent, stopped refreshing its
    /// session, or lasted the organisation's longest call. The telephony side has already
    /// ended it; the engine applies the hang-up rules (R24–R26) and records the cause.
    LegLost {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: LostCause,
    },
    /// A DTMF digit on a leg.
    Dtmf {
        /// The leg.
        leg: LegId,
        /// `0`–`9`, `*`, `#`.
        digit: char,
    },
    /// A phone registered (or refreshed its registration) as an extension.
    DeviceRegistered {
        /// The extension.
        extension: String,
    },
    /// A phone's registration ended or expired.
    DeviceUnregistered {
        /// The extension.
        extension: String,
    },
}

/// Why a leg was ended by the telephony side rather than by a hang-up.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LostCause {
    /// The far end should be sending RTP and sent none for the media timeout.
    MediaTimeout,
    /// The session was not refreshed in time (RFC 4028 session timer).
    SessionExpired,
    /// The leg lasted the organisation's longest call.
    CallTooLong,
}

/// Why a placed leg failed.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum FailCause {
    /// 486.
    Busy,
    /// 480, or the device is not registered.
    Unavailable,
    /// 603.
    Declined,
    /// 408 or no answer in time.
    NoAnswer,
    /// Anything else (4xx–6xx, transport errors).
    Error,
}

/// Something the driver must do, drained with [`crate::Engine::poll_output`].
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Tell the phone network to do something.
    Telephony(TelephonyCommand),
    /// Tell a desktop something.
    Desktop {
        /// Who sees it.
        to: Recipient,
        /// What they see.
        event: DesktopEvent,
    },
    /// Arm a timer: feed [`Input::TimerFired`] back at `at_mono_ms`.
    SetTimer {
        /// The timer.
        id: TimerId,
        /// When it fires (monotonic milliseconds).
        at_mono_ms: u64,
    },
    /// Disarm a timer; a later firing of it is ignored anyway.
    CancelTimer {
        /// The timer.
        id: TimerId,
    },
    /// Write this to the durable history (R45).
    Record(Record),
}

/// Who a desktop event is for.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Recipient {
    /// One agent's desktop.
    Agent(AgentId),
    /// Every supervisor of the organisation (R44).
    Supervisors,
}

/// A command to the phone network. Legs are created by `RingAgent` and `Dial` (ids chosen by
/// the engine) or by [`TelephonyEvent::CallArrived`] (ids chosen by the adapter).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum TelephonyCommand {
    /// Answer the customer's inbound leg and play music on hold to it while it waits.
    Answer {
        /// The customer's leg.
        leg: LegId,
    },
    /// Refuse an inbound call.
    Reject {
        /// The customer's leg.
        leg: LegId,
        /// Why.
        cause: RejectCause,
    },
    /// Ring an agent's phone.
    RingAgent {
        /// The new leg.
        leg: LegId,
        /// The interaction, for the SIP header.
        interaction: InteractionId,
        /// The agent.
        agent: AgentId,
        /// The extension to ring.
        extension: String,
        /// Shown on the phone (From / P-Asserted-Identity).
        caller_number: Option<String>,
    },
    /// Dial an outside number (customer, external consult or transfer target).
    Dial {
        /// The new leg.
        leg: LegId,
        /// The interaction, for the SIP header.
        interaction: InteractionId,
        /// The number.
        number: DialNumber,
    },
    /// Hang up (or cancel, if it is still ringing) a leg.
    HangUp {
        /// The leg.
        leg: LegId,
    },
    /// Connect two legs to each other only; takes both off hold and out of any mix.
    Bridge {
        /// One leg (the customer's when a customer is involved).
        a: LegId,
        /// The other leg.
        b: LegId,
    },
    /// Play music on hold to a leg, detached from the others.
    Hold {
        /// The leg.
        leg: LegId,
    },
    /// Mix these legs together (three-way conference); takes them off hold.
    Conference {
        /// The legs.
        legs: Vec<LegId>,
    },
    /// Play a prompt to a leg.
    PlayPrompt {
        /// The leg.
        leg: LegId,
        /// Which prompt.
        prompt: Prompt,
    },
    /// Start recording the customer's conversation.
    StartRecording {
        /// The interaction.
        interaction: InteractionId,
        /// The customer's leg.
        leg: LegId,
    },
    /// Pause recording (R31, R32).
    PauseRecording {
        /// The interaction.
        interaction: InteractionId,
    },
    /// Resume recording.
    ResumeRecording {
        /// The interaction.
        interaction: InteractionId,
    },
    /// Stop recording and close the file.
    StopRecording {
        /// The interaction.
        interaction: InteractionId,
    },
    /// Remove background noise from a customer leg's audio, or stop (R1).
    Denoise {
        /// The customer's leg.
        leg: LegId,
        /// On or off.
        on: bool,
    },
}

/// Why an inbound call is refused.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RejectCause {
    /// No entry point has this number (SIP 404).
    UnknownNumber,
    /// The organisation's concurrent-call limit is reached (R2; SIP 503 or 486).
    TooManyCalls,
}

/// A prompt the media side plays.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Prompt {
    /// "Press 1 to be called back and keep your place in the queue" (R37).
    CourtesyCallbackOffer,
    /// "We will call you back" after the caller pressed 1.
    CourtesyCallbackConfirmed,
}

/// A desktop event.
#[derive(Clone, Debug, PartialEq)]
pub enum DesktopEvent {
    /// A supervisor changed the agent's state (to the agent, R44): who and why. The
    /// `AgentState` event that follows carries the new state.
    Supervised {
        /// The supervisor's name.
        supervisor: String,
        /// What they did.
        action: SupervisorAction,
        /// Why, in their words (may be empty).
        note: String,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// An agent's state changed (to the agent and supervisors).
    AgentState {
        /// Whose.
        agent: AgentId,
        /// The new state.
        state: AgentStateView,
        /// The idle reason code, if Idle.
        reason: Option<String>,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// Connect popover: a contact is reserved for the agent (R6).
    Reserved {
        /// The contact.
        interaction: InteractionId,
        /// Its channel.
        channel: Channel,
    },
    /// Contact-request popover (R7, R9, R11, R42).
    Offer(Box<OfferView>),
    /// Consult-request popover (R10).
    ConsultOffer(Box<ConsultOfferView>),
    /// The agent's phone is ringing for this contact (R13).
    Ringing {
        /// The contact.
        interaction: InteractionId,
    },
    /// The agent is connected: the timer starts and the control pane appears (R13, R40).
    Connected {
        /// The contact.
        interaction: InteractionId,
        /// When the timer started (Unix ms).
        at_unix_ms: i64,
    },
    /// The offer was taken back (the customer hung up, the callback was answered elsewhere…).
    OfferWithdrawn {
        /// The contact.
        interaction: InteractionId,
    },
    /// RONA popover: choose Available or Idle (R4, R12, R21).
    Rona {
        /// The contact that was not answered.
        interaction: InteractionId,
    },
    /// Hold state of the call's parties changed (R14, R15, R19).
    HoldChanged {
        /// The call.
        interaction: InteractionId,
        /// Whether the customer is on hold ("Call on hold").
        customer_held: bool,
        /// Whether the consulted party is on hold ("Consult on hold"), if there is one.
        consulted_held: Option<bool>,
    },
    /// "Consult requested" (R18).
    ConsultRequested {
        /// The call.
        interaction: InteractionId,
    },
    /// The consulted party answered; two control panes (R19).
    ConsultAccepted {
        /// The call.
        interaction: InteractionId,
    },
    /// The consult failed (R21).
    ConsultFailed {
        /// The call.
        interaction: InteractionId,
        /// What went wrong, for the agent.
        reason: String,
    },
    /// The consult leg ended (R23, R26).
    ConsultEnded {
        /// The call.
        interaction: InteractionId,
    },
    /// A three-way conference started (R23).
    ConferenceStarted {
        /// The call.
        interaction: InteractionId,
    },
    /// The agent is now the one who owns the call (transfer or conference hand-over, R25).
    OwnershipChanged {
        /// The call.
        interaction: InteractionId,
        /// The new owner, if an agent.
        owner: Option<AgentId>,
    },
    /// CAD values changed; every participant's view updates (R22, R35). Secure values are
    /// left out (R33).
    VariablesChanged {
        /// The call.
        interaction: InteractionId,
        /// The new version.
        version: u64,
        /// Non-secure name → value.
        values: BTreeMap<String, String>,
    },
    /// Recording state changed (R31, R32).
    RecordingChanged {
        /// The call.
        interaction: InteractionId,
        /// The new state.
        state: RecordingState,
    },
    /// A callback's customer is being dialled; `cancellable` replaces Ringing by Cancel (R38,
    /// R39).
    CallbackDialing {
        /// The callback.
        interaction: InteractionId,
        /// Whether the agent may cancel it now (R39).
        cancellable: bool,
    },
    /// The agent left the call or the call ended for them.
    CallEnded {
        /// The call.
        interaction: InteractionId,
        /// Why.
        reason: EndReason,
    },
    /// The wrap-up dialog opens (R24–R26, R29, R36).
    WrapUpRequired {
        /// The call to wrap up.
        interaction: InteractionId,
        /// The reasons to pick from.
        reasons: Vec<Reason>,
    },
    /// Wrap-up was submitted.
    WrapUpDone {
        /// The call.
        interaction: InteractionId,
    },
    /// A queue's waiting count changed (R44).
    QueueChanged {
        /// The queue.
        queue: QueueId,
        /// Contacts waiting now.
        n_waiting: usize,
    },
    /// The desktop profile of the team the agent is logged in to changed (R43): the desktop
    /// shows the buttons of what is allowed now.
    ProfileChanged {
        /// What the agent may do now.
        allowed: crate::config::AllowedActions,
    },
    /// The organisation's call limit stopped a call (R2); `code` is the reason code shown.
    LimitReached {
        /// The reason code the desktop shows.
        code: &'static str,
    },
}

/// An agent's state as the desktop shows it.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum AgentStateView {
    /// Not logged in.
    LoggedOut,
    /// Ready for offers (R3).
    Available,
    /// Not ready (R3).
    Idle,
    /// Missed an offer; chooses Available or Idle (R4).
    Rona,
}

/// The contact-request popover's content (R7, R9, R11, R42).
#[derive(Clone, Debug, PartialEq)]
pub struct OfferView {
    /// The contact.
    pub interaction: InteractionId,
    /// Its channel.
    pub channel: Channel,
    /// Inbound, callback, outdial…
    pub kind: InteractionKind,
    /// The popover variables, 3 to 6, never secure (R9).
    pub variables: Vec<PopoverVariable>,
    /// Callback details (R11).
    pub callback: Option<CallbackView>,
    /// When the offer was made (Unix ms); the popover timer counts from here (R11).
    pub offered_at_unix_ms: i64,
    /// How long the agent has to answer (R7).
    pub rona_timeout_ms: u64,
    /// The agent who transferred the call, if it was transferred (R27).
    pub transferred_by: Option<AgentName>,
    /// The entry point's links, filled with this contact's values (R7).
    pub links: Vec<LinkView>,
    /// What happens to the call if the agent does not answer in time: back to its queue at
    /// its place (R12), or, for a blind transfer where the organisation drops those, it ends
    /// (R28, `transfer_no_answer`).
    pub if_unanswered: IfUnanswered,
}

/// What happens to an offered call that is not answered in time (R12, R28).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum IfUnanswered {
    /// It goes back to its queue, at its place (R12).
    BackToQueue,
    /// It ends: a blind transfer nobody answered, where the organisation's
    /// `transfer_no_answer` drops it or the call has no queue to go back to (R28).
    Ends,
}

/// A link of the offer popover, ready to open (R7).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LinkView {
    /// What the button says.
    pub label: String,
    /// The `https:` address, its values percent-encoded.
    pub url: String,
}

/// An agent as colleagues see them: who transferred a call (R27).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AgentName {
    /// The agent.
    pub agent: AgentId,
    /// Their name (R16).
    pub name: String,
}

/// A callback popover's fields (R11).
#[derive(Clone, Debug, PartialEq)]
pub struct CallbackView {
    /// "Courtesy callback" or "Web callback".
    pub label: &'static str,
    /// The number to call.
    pub customer_number: String,
    /// The customer's name, for web callbacks.
    pub customer_name: Option<String>,
    /// The number the customer had dialled, for courtesy callbacks.
    pub dnis: Option<String>,
    /// The queue that routed it.
    pub queue: String,
}

/// The consult-request popover's content (R10).
#[derive(Clone, Debug, PartialEq)]
pub struct ConsultOfferView {
    /// The call.
    pub interaction: InteractionId,
    /// At most 9 variables for an agent consult, 7 for an entry-point consult (R10).
    pub variables: Vec<PopoverVariable>,
}

/// One variable in a popover.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PopoverVariable {
    /// The variable's name.
    pub name: String,
    /// What the agent sees as its label.
    pub label: String,
    /// Its value.
    pub value: String,
    /// Whether `label` is the one the entry point's flow chose (R9), which the desktop shows
    /// as it is, rather than the variable's own label, which it shows in the agent's language.
    pub flow_label: bool,
}

/// The kind of interaction.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum InteractionKind {
    /// A customer called in.
    Inbound,
    /// An agent called out (R42).
    Outdial,
    /// The caller pressed 1 to be called back (R37).
    CourtesyCallback,
    /// A website asked for a callback (R37).
    WebCallback,
    /// An outbound preview campaign contact (R11).
    PreviewCampaign,
}

/// Recording state of a call (R31, R32).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RecordingState {
    /// Not recording (disabled, or not connected yet).
    Off,
    /// Recording.
    On,
    /// Paused by the agent; resumes by itself at `resumes_at_unix_ms` if Privacy Shield is on.
    Paused {
        /// When Privacy Shield resumes it.
        resumes_at_unix_ms: Option<i64>,
    },
}

/// Why an interaction ended (or an agent left it).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum EndReason {
    /// The customer hung up.
    CustomerHungUp,
    /// The owning agent pressed End or hung up (R25, R36).
    AgentEnded,
    /// The external party the call was transferred to hung up.
    PartyHungUp,
    /// The agent transferred the call (R29).
    Transferred,
    /// The agent left a conference (R23).
    LeftConference,
    /// The consult ended for the consulted party (R26).
    ConsultEnded,
    /// A blind transfer's target did not answer and the policy is drop (R28).
    TransferNotAnswered,
    /// A callback's customer did not answer, attempts used up (R40).
    CallbackNotAnswered,
    /// The agent cancelled the web callback (R39).
    CallbackCancelled,
    /// An outdial's customer did not answer.
    CustomerNotAnswered,
    /// The agent did not answer their own outdial.
    OutdialAbandoned,
    /// The organisation's call limit was reached (R2).
    LimitReached,
    /// The customer's leg was ended by the telephony side: silent, not refreshed, or too long.
    CustomerLost(LostCause),
    /// The owning agent's phone leg was ended by the telephony side (silent, not refreshed,
    /// too long); the call ended by the rules for the agent hanging up (R24, R25).
    AgentLost(LostCause),
    /// The engine failed while handling this interaction (a bug, caught): its legs were hung
    /// up and its agents freed; every other interaction went on.
    InternalError,
}

/// A durable record for the history (R45).
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A new interaction.
    InteractionCreated {
        /// Its id.
        interaction: InteractionId,
        /// Its channel.
        channel: Channel,
        /// Its kind.
        kind: InteractionKind,
        /// The customer's number.
        customer_number: Option<String>,
        /// The number dialled.
        dnis: Option<String>,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// An interaction changed state.
    InteractionState {
        /// Which.
        interaction: InteractionId,
        /// A short state name: `queued`, `offered`, `dialing`, `retry_wait`, `connected`, `held`…
        state: &'static str,
        /// The agent concerned, if any.
        agent: Option<AgentId>,
        /// The queue concerned, if any.
        queue: Option<QueueId>,
        /// The callback attempt the state belongs to, counted from 1: set on a callback's
        /// `dialing` (attempt n starts) and `retry_wait` (attempt n was not answered) (R40).
        attempt: Option<u32>,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// An agent's state changed.
    AgentState {
        /// Whose.
        agent: AgentId,
        /// The new state.
        state: AgentStateView,
        /// The idle reason, if any.
        reason: Option<String>,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// A supervisor acted on an agent (R44); the agent's `AgentState` record follows.
    Supervised {
        /// The agent acted on.
        agent: AgentId,
        /// The supervisor's name.
        supervisor: String,
        /// What they did.
        action: SupervisorAction,
        /// Why, in their words (may be empty).
        note: String,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// CAD values were saved.
    VariablesSaved {
        /// The call.
        interaction: InteractionId,
        /// The new version.
        version: u64,
        /// Every value, secure ones included (the store keeps them; views filter them).
        values: BTreeMap<String, String>,
        /// Who saved, if an agent.
        agent: Option<AgentId>,
    },
    /// Recording state changed.
    Recording {
        /// The call.
        interaction: InteractionId,
        /// The new state.
        state: RecordingState,
        /// The agent who paused or resumed it; `None` when Sentral changed it (start, Privacy
        /// Shield, end).
        agent: Option<AgentId>,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// A wrap-up was submitted.
    WrapUp {
        /// The call.
        interaction: InteractionId,
        /// Who.
        agent: AgentId,
        /// The reason code.
        reason: String,
        /// Whether the organisation's automatic wrap-up submitted it, not the agent (R36).
        automatic: bool,
        /// When (Unix ms).
        at_unix_ms: i64,
    },
    /// The interaction's final record: exactly one per interaction.
    InteractionEnded {
        /// Which.
        interaction: InteractionId,
        /// Why.
        reason: EndReason,
        /// Every agent who owned or was consulted on it, in order.
        agents: Vec<AgentId>,
        /// When it was created (Unix ms).
        created_at_unix_ms: i64,
        /// When a customer was first connected, if ever (Unix ms).
        connected_at_unix_ms: Option<i64>,
        /// When it ended (Unix ms).
        at_unix_ms: i64,
    },
}
