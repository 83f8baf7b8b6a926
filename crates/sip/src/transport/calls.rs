//! Calls over rsipstack's dialog layer, read into our types: INVITEs in and out, their
//! provisional and final responses, BYE, CANCEL, re-INVITE and INFO.
//!
//! rsipstack keeps each INVITE dialog (tags, CSeq, route set, ACK, retransmissions); this
//! module only translates. Each dialog is known to the driver by a [`CallKey`] (Call-ID and
//! our tag), which stays the same from the first INVITE to the end, while rsipstack's own
//! dialog id gains the far end's tag on the way.
//!
//! Dialog-state events are read by one task: only those the driver acts on become a
//! [`Signal`] (the far end's BYE or CANCEL, a 1xx, a re-INVITE, INFO). The result of an
//! outbound INVITE comes from its own task, so a failure is reported once, with its status.

use super::SessionTimerHeaders;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{
    DialogState, DialogStateReceiver, DialogStateSender, TerminatedReason, TransactionHandle,
};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, Method, Request, StatusCode, typed};
use rsipstack::transport::SipAddr;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A dialog as the driver knows it: Call-ID and our tag.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub(crate) struct CallKey(String);

impl CallKey {
    fn of(id: &DialogId) -> CallKey {
        CallKey(format!("{}\u{0}{}", id.call_id, id.local_tag))
    }
}

/// Something that happened to a call, for the driver.
pub(crate) enum Signal {
    /// An outbound INVITE got 180 or 183.
    Progress { call: CallKey },
    /// An outbound INVITE was answered with this SDP and these session-timer headers.
    Answered {
        call: CallKey,
        sdp: Vec<u8>,
        session_timer: SessionTimerHeaders,
    },
    /// An outbound INVITE failed with this final status (`None`: no response, or an error).
    Failed { call: CallKey, status: Option<u16> },
    /// The far end ended the call (BYE, or CANCEL before we answered).
    Ended { call: CallKey },
    /// A re-INVITE or UPDATE with this offer (or none); answer through `reply`.
    ReInvite {
        call: CallKey,
        sdp: Vec<u8>,
        /// An UPDATE rather than a re-INVITE.
        update: bool,
        reply: ReInviteReply,
    },
    /// Our session refresh (RFC 4028) got this final status; `None`: no answer at all.
    Refreshed { call: CallKey, status: Option<u16> },
    /// INFO in a dialog (answered 200 already), e.g. `application/dtmf-relay`.
    Info {
        call: CallKey,
        content_type: String,
        body: Vec<u8>,
    },
}

/// One INVITE dialog: what the driver answers, cancels or ends.
#[derive(Clone)]
pub(crate) struct Call {
    dialog: InviteDialog,
    key: CallKey,
    /// Where a refresh's result goes.
    signals: mpsc::Sender<Signal>,
}

/// Answers a re-INVITE (once).
pub(crate) struct ReInviteReply {
    handle: TransactionHandle,
}

/// An outbound INVITE to send.
pub(crate) struct Outbound {
    pub uri: String,
    pub destination: SocketAddr,
    pub transport: crate::registrar::Transport,
    /// The caller's number for From and P-Asserted-Identity.
    pub caller: Option<String>,
    /// Extra headers, e.g. `X-Sentral-Interaction`.
    pub headers: Vec<(&'static str, String)>,
    pub sdp: String,
    /// User name and password to answer a 401 or 407 with (the outbound trunk's).
    pub credential: Option<(String, String)>,
}

/// The dialog layer and what the translation needs.
#[derive(Clone)]
pub(crate) struct Calls {
    layer: Arc<DialogLayer>,
    states: DialogStateSender,
    signals: mpsc::Sender<Signal>,
    /// Our Contact (and From host) for dialogs over UDP and TCP.
    contact: rsipstack::sip::Uri,
    /// Our Contact for dialogs over TLS (`transport=tls` at the TLS port), when TLS listens.
    tls_contact: Option<rsipstack::sip::Uri>,
    local_addr: SocketAddr,
}

impl Calls {
    /// Starts the dialog layer on an endpoint; call signals arrive on the returned channel.
    pub fn start(
        endpoint: rsipstack::transaction::endpoint::EndpointInnerRef,
        local_addr: SocketAddr,
        tls_addr: Option<SocketAddr>,
    ) -> (Calls, mpsc::Receiver<Signal>) {
        let layer = Arc::new(DialogLayer::new(endpoint));
        let (states, state_events) = layer.new_dialog_state_channel();
        // Bounded: when the driver falls behind, the readers wait rather than queue without
        // end (signals come only from dialogs we accepted or placed, so they are few).
        let (signals, received) = mpsc::channel(SIGNAL_QUEUE_LEN);
        let contact = rsipstack::sip::Uri::try_from(format!("sip:sentral@{local_addr}").as_str())
            .expect("a socket address makes a SIP URI");
        let tls_contact = tls_addr.map(|addr| {
            rsipstack::sip::Uri::try_from(format!("sip:sentral@{addr};transport=tls").as_str())
                .expect("a socket address makes a SIP URI")
        });
        let calls = Calls {
            layer,
            states,
            signals,
            contact,
            tls_contact,
            local_addr,
        };
        tokio::spawn(read_states(calls.clone(), state_events));
        (calls, received)
    }

    /// Takes a request inside a dialog we know (handled by rsipstack, its events reported).
    /// Gives the transaction back otherwise: a new INVITE is the driver's to check first.
    pub fn take(
        &self,
        mut transaction: rsipstack::transaction::Transaction,
    ) -> Option<rsipstack::transaction::Transaction> {
        let request = &transaction.original;
        let in_dialog = matches!(request.to_header().map(|to| to.tag()), Ok(Ok(Some(_))));
        if !in_dialog {
            return Some(transaction);
        }
        let Some(mut dialog) = self.layer.match_dialog(&transaction) else {
            return Some(transaction);
        };
        tokio::spawn(async move {
            if let Err(error) = dialog.handle(&mut transaction).await {
                tracing::debug!(%error, "a request in a dialog failed");
            }
        });
        None
    }

    /// Starts the dialog of a new INVITE the driver accepted; answer it through the call.
    pub fn accept_invite(
        &self,
        mut transaction: rsipstack::transaction::Transaction,
    ) -> Result<Call, String> {
        let mut dialog = self
            .layer
            .get_or_create_server_invite(
                &transaction,
                self.states.clone(),
                None,
                Some(
                    self.contact_for(
                        transaction
                            .connection
                            .as_ref()
                            .map(rsipstack::transport::SipConnection::transport),
                    ),
                ),
            )
            .map_err(|error| format!("an INVITE could not start a dialog: {error}"))?;
        let call = Call {
            key: CallKey::of(&dialog.id()),
            dialog: dialog.clone(),
            signals: self.signals.clone(),
        };
        tokio::spawn(async move {
            if let Err(error) = dialog.handle(&mut transaction).await {
                tracing::debug!(%error, "an INVITE transaction failed");
            }
        });
        Ok(call)
    }

    /// Our Contact for a dialog over `transport`: the TLS one over TLS (so the far end's
    /// requests in the dialog come back over TLS), the plain one otherwise.
    fn contact_for(&self, transport: Option<rsipstack::sip::Transport>) -> rsipstack::sip::Uri {
        match (transport, &self.tls_contact) {
            (Some(rsipstack::sip::Transport::Tls), Some(tls)) => tls.clone(),
            _ => self.contact.clone(),
        }
    }

    /// Sends an INVITE; its 1xx, answer or failure arrive as signals for the returned call.
    pub fn invite(&self, outbound: Outbound) -> Result<Call, String> {
        let callee = rsipstack::sip::Uri::try_from(outbound.uri.as_str())
            .map_err(|error| format!("the contact {:?} is not a SIP URI: {error}", outbound.uri))?;
        let user = outbound.caller.clone().filter(|c| !c.is_empty());
        let caller = rsipstack::sip::Uri::try_from(
            format!(
                "sip:{}@{}",
                user.as_deref().unwrap_or("anonymous"),
                self.local_addr
            )
            .as_str(),
        )
        .map_err(|error| format!("the caller number is not usable in a SIP URI: {error}"))?;
        let mut headers: Vec<Header> = outbound
            .headers
            .into_iter()
            .map(|(name, value)| Header::Other(name.to_owned(), value))
            .collect();
        if let Some(user) = &user {
            headers.push(Header::Other(
                "P-Asserted-Identity".into(),
                format!("<sip:{user}@{}>", self.local_addr),
            ));
        }
        let transport = match outbound.transport {
            crate::registrar::Transport::Udp => rsipstack::sip::Transport::Udp,
            crate::registrar::Transport::Tcp => rsipstack::sip::Transport::Tcp,
            crate::registrar::Transport::Tls => rsipstack::sip::Transport::Tls,
        };
        let option = InviteOption {
            caller,
            callee,
            destination: Some(SipAddr {
                r#type: Some(transport),
                addr: outbound.destination.into(),
            }),
            content_type: Some("application/sdp".into()),
            offer: Some(outbound.sdp.into_bytes()),
            contact: self.contact_for(Some(transport)),
            headers: Some(headers),
            credential: outbound.credential.map(|(username, password)| Credential {
                username,
                password,
                realm: None,
                auth_username: None,
            }),
            ..Default::default()
        };
        let (dialog, result) = self
            .layer
            .do_invite_async(option, self.states.clone())
            .map_err(|error| format!("the INVITE could not be sent: {error}"))?;
        let key = CallKey::of(&dialog.id());
        let signals = self.signals.clone();
        let call = key.clone();
        // rsipstack treats a connection that cannot be opened like a request that got no
        // answer: it tries again until Timer B, and for a TLS trunk whose certificate is wrong
        // it never reports a failure. Open (or find) the TLS connection beside it; when that
        // fails, the INVITE is abandoned and the leg fails at once, with the reason logged.
        // (The first dial-out may open two connections, the probe's and the transaction's;
        // later ones find one in rsipstack's cache.)
        let probe = (transport == rsipstack::sip::Transport::Tls).then(|| {
            let endpoint = self.layer.endpoint.clone();
            let target = SipAddr {
                r#type: Some(transport),
                addr: outbound.destination.into(),
            };
            async move {
                endpoint
                    .transport_layer
                    .lookup(&target, None)
                    .await
                    .map(drop)
            }
        });
        tokio::spawn(async move {
            if let Some(probe) = probe {
                let probed = tokio::time::timeout(super::TLS_HANDSHAKE_TIMEOUT, probe).await;
                if let Some(error) = match probed {
                    Ok(Ok(())) => None,
                    Ok(Err(error)) => Some(error.to_string()),
                    Err(_) => Some("no TLS handshake in time".to_owned()),
                } {
                    tracing::warn!(%error, "a TLS connection for an outbound INVITE could not be opened");
                    result.abort();
                    let _ = signals.send(Signal::Failed { call, status: None }).await;
                    return;
                }
            }
            let signal = match result.await {
                Ok(Ok((_, Some(response)))) => {
                    let status = u16::from(response.status_code.clone());
                    if (200..300).contains(&status) {
                        Signal::Answered {
                            call,
                            session_timer: SessionTimerHeaders::of(&response.headers),
                            sdp: response.body,
                        }
                    } else {
                        Signal::Failed {
                            call,
                            status: Some(status),
                        }
                    }
                }
                Ok(Ok((_, None))) => Signal::Failed { call, status: None },
                Ok(Err(error)) => {
                    tracing::debug!(%error, "an outbound INVITE failed");
                    Signal::Failed { call, status: None }
                }
                Err(error) => {
                    tracing::warn!(%error, "an outbound INVITE's task failed");
                    Signal::Failed { call, status: None }
                }
            };
            let _ = signals.send(signal).await;
        });
        Ok(Call {
            dialog,
            key,
            signals: self.signals.clone(),
        })
    }
}

impl Call {
    /// The call's key.
    pub fn key(&self) -> &CallKey {
        &self.key
    }

    /// Answers an inbound INVITE with 200, our SDP and `extra` headers (session timer).
    pub fn accept(&self, sdp: String, extra: Vec<(&'static str, String)>) {
        let mut headers = vec![Header::ContentType("application/sdp".into())];
        headers.extend(other_headers(extra));
        if let Err(error) = self.dialog.accept(Some(headers), Some(sdp.into_bytes())) {
            tracing::debug!(%error, "an INVITE could not be answered");
        }
    }

    /// Refuses an inbound INVITE; the reason phrase goes in a `Reason` header too.
    pub fn reject(&self, status: u16, reason: &str) {
        if let Err(error) = self.dialog.reject(
            Some(StatusCode::from(status)),
            Some(reason_header(status, reason)),
        ) {
            tracing::debug!(%error, "an INVITE could not be refused");
        }
    }

    /// Sends a session refresh (RFC 4028): an UPDATE without a body, or a re-INVITE with our
    /// SDP; its final status comes back as [`Signal::Refreshed`].
    pub fn refresh(&self, update: bool, sdp: Option<String>, extra: Vec<(&'static str, String)>) {
        let dialog = self.dialog.clone();
        let signals = self.signals.clone();
        let call = self.key.clone();
        tokio::spawn(async move {
            let mut headers = other_headers(extra);
            if sdp.is_some() {
                headers.push(Header::ContentType("application/sdp".into()));
            }
            let body = sdp.map(String::into_bytes);
            let result = if update {
                dialog.update(Some(headers), body).await
            } else {
                dialog.reinvite(Some(headers), body).await
            };
            let status = match result {
                Ok(Some(response)) => Some(u16::from(response.status_code)),
                Ok(None) => None,
                Err(error) => {
                    tracing::debug!(%error, "a session refresh failed");
                    None
                }
            };
            let _ = signals.send(Signal::Refreshed { call, status }).await;
        });
    }

    /// Cancels an outbound INVITE, or ends an established call with BYE.
    pub fn hang_up(&self) {
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            let result = match dialog.role() {
                rsipstack::transaction::key::TransactionRole::Client => dialog.hangup().await,
                rsipstack::transaction::key::TransactionRole::Server => dialog.bye().await,
            };
            if let Err(error) = result {
                tracing::debug!(%error, "a call could not be ended cleanly");
            }
        });
    }
}

impl ReInviteReply {
    /// Answers the re-INVITE or UPDATE: 200 with our SDP (or none) and `extra` headers, or a
    /// refusal.
    pub fn send(self, status: u16, sdp: Option<String>, extra: Vec<(&'static str, String)>) {
        tokio::spawn(async move {
            let mut headers = other_headers(extra);
            if sdp.is_some() {
                headers.push(Header::ContentType("application/sdp".into()));
            }
            let headers = (!headers.is_empty()).then_some(headers);
            let _ = self
                .handle
                .respond(
                    StatusCode::from(status),
                    headers,
                    sdp.map(String::into_bytes),
                )
                .await;
        });
    }
}

/// Reads dialog-state events into signals, and forgets dialogs that ended.
/// The `Reason` header value (RFC 3326) that says why a call was refused.
pub(crate) fn reason_header(status: u16, reason: &str) -> String {
    format!("SIP;cause={status};text=\"{}\"", reason.replace('"', "'"))
}

/// Headers of our own, by name and value.
fn other_headers(extra: Vec<(&'static str, String)>) -> Vec<Header> {
    extra
        .into_iter()
        .map(|(name, value)| Header::Other(name.to_owned(), value))
        .collect()
}

/// Call signals waiting for the driver; beyond it the readers wait.
const SIGNAL_QUEUE_LEN: usize = 4096;

async fn read_states(calls: Calls, mut states: DialogStateReceiver) {
    while let Some(state) = states.recv().await {
        let signal = match state {
            DialogState::Early(id, _) => Some(Signal::Progress {
                call: CallKey::of(&id),
            }),
            DialogState::Updated(id, request, handle) => {
                if request.method == Method::Invite || request.method == Method::Update {
                    Some(Signal::ReInvite {
                        call: CallKey::of(&id),
                        update: request.method == Method::Update,
                        sdp: request.body,
                        reply: ReInviteReply { handle },
                    })
                } else {
                    let _ = handle.reply(StatusCode::OK).await;
                    None
                }
            }
            DialogState::Info(id, request, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
                Some(Signal::Info {
                    call: CallKey::of(&id),
                    content_type: content_type_of(&request),
                    body: request.body,
                })
            }
            DialogState::Options(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
                None
            }
            DialogState::Notify(_, _, handle)
            | DialogState::Refer(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::NotImplemented).await;
                None
            }
            DialogState::Terminated(id, reason) => {
                calls.layer.remove_dialog(&id);
                match reason {
                    // A BYE from either side, or the caller's CANCEL; our own BYE and
                    // CANCEL are reported too, and the driver ignores calls it ended.
                    TerminatedReason::UacBye
                    | TerminatedReason::UasBye
                    | TerminatedReason::UacCancel => Some(Signal::Ended {
                        call: CallKey::of(&id),
                    }),
                    _ => None,
                }
            }
            // `Calling` is also emitted for our own INVITEs: never act on it.
            DialogState::Calling(_)
            | DialogState::Trying(_)
            | DialogState::WaitAck(_, _)
            | DialogState::Confirmed(_, _) => None,
        };
        if let Some(signal) = signal
            && calls.signals.send(signal).await.is_err()
        {
            return;
        }
    }
}

/// The caller's number: P-Asserted-Identity's user if present, else From's.
pub(crate) fn caller_of(request: &Request) -> String {
    let asserted = request.headers.iter().find_map(|header| match header {
        Header::Other(name, value) if name.eq_ignore_ascii_case("P-Asserted-Identity") => {
            typed::Contact::parse_header_list(value)
                .ok()
                .and_then(|list| list.into_iter().next())
                .and_then(|contact| contact.uri.user().map(str::to_owned))
        }
        _ => None,
    });
    asserted
        .or_else(|| {
            request
                .from_header()
                .ok()
                .and_then(|from| from.typed().ok())
                .and_then(|from: typed::From| from.uri.user().map(str::to_owned))
        })
        .filter(|user| !user.eq_ignore_ascii_case("anonymous"))
        .unwrap_or_default()
}

fn content_type_of(request: &Request) -> String {
    request
        .headers
        .iter()
        .find_map(|header| match header {
            Header::ContentType(value) => Some(value.value().to_owned()),
            _ => None,
        })
        .unwrap_or_default()
}
