//! The boundary to rsipstack (pinned `=0.7.14`): the only module that sees its types.
//!
//! It binds the UDP socket and the TCP listener on one address, runs rsipstack's endpoint (RFC
//! 3261 transactions: retransmissions are absorbed and answered from the transaction, not by
//! us), reads each new request into an [`Inbound`] of our own types and writes an [`Answer`]
//! back as a SIP response. It makes no decisions.
//!
//! The TCP listener is ours, not rsipstack's: rsipstack binds its listener inside a spawned
//! task and only logs a failure, but a port that cannot be bound must stop start-up with a
//! message naming the address. Accepted connections are handed to rsipstack's transport layer,
//! which reads and writes SIP on them; at most [`TCP_CONNECTIONS_MAX`] are open at once.
//!
//! The UDP socket is ours too (`PreparingSocket`, behind rsipstack's platform socket trait):
//! each datagram goes through [`datagram::prepare`] before rsipstack parses it, so a valid
//! request its parser would drop is given to it in a canonical form or answered statelessly,
//! and each datagram we send through [`datagram::restore`] (see `crate::datagram`). TCP and TLS
//! streams are framed and parsed by rsipstack alone.
//!
//! SIP over TLS (RFC 3261 section 26.2) has a listener of its own on its own port, served the
//! same way: each connection's handshake runs in a task of its own under a deadline
//! ([`TLS_HANDSHAKE_TIMEOUT`]), then rsipstack reads and writes SIP on the TLS stream.

mod calls;

pub(crate) use calls::{Call, CallKey, Calls, Outbound, ReInviteReply, Signal, reason_header};

use crate::datagram::{self, Prepared};
use crate::registrar::{ContactRequest, Contacts, Transport};
use rsipstack::EndpointBuilder;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, Method, Request, StatusCode, typed};
use rsipstack::transaction::{Endpoint, Transaction, make_tag};
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::tls::TlsConnection;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, SipConnection};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};

/// A new request, read into our types, with the way to answer it.
pub(crate) struct Inbound {
    /// What the request says.
    pub request: RequestFacts,
    /// Answers the request (once).
    pub responder: Responder,
}

/// The method of a request, as far as the driver tells them apart.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum SipMethod {
    Register,
    Options,
    Invite,
    Other(String),
}

/// The parts of a request the driver and the registrar read. A header that is missing or
/// cannot be read is `None` (or `Err` for contacts), so the driver can answer 400.
#[derive(Clone, Debug)]
pub(crate) struct RequestFacts {
    pub method: SipMethod,
    /// The user part of the `To` URI.
    pub to_user: Option<String>,
    /// The host part of the `To` URI.
    pub to_host: Option<String>,
    pub call_id: Option<String>,
    pub cseq: Option<u32>,
    pub contacts: Result<Contacts, ()>,
    /// `Expires`, if present; `Err` when it is not a number.
    pub expires: Option<Result<u32, ()>>,
    pub authorization: Vec<String>,
    pub user_agent: Option<String>,
    /// Where the request came from: the datagram's source or the connection's peer.
    pub source: SocketAddr,
    pub transport: Transport,
    /// The `To` has a tag: the request names a dialog.
    pub in_dialog: bool,
    /// The Request-URI's user: an INVITE's dialled number.
    pub request_user: String,
    /// What only an INVITE needs; `None` for other methods, so REGISTER and OPTIONS do not
    /// pay for it.
    pub invite: Option<InviteFacts>,
}

/// The parts of an INVITE the call control reads.
#[derive(Clone, Debug, Default)]
pub(crate) struct InviteFacts {
    /// The caller's number: P-Asserted-Identity's user, else From's; empty when withheld.
    pub caller: String,
    /// The offer.
    pub body: Vec<u8>,
    /// Every `Proxy-Authorization` value, as sent.
    pub proxy_authorization: Vec<String>,
    /// Header values the session timer is read from (RFC 4028), as sent.
    pub session_timer: SessionTimerHeaders,
}

/// The headers of a request or response that carry RFC 4028 session-timer facts, as sent:
/// the call control reads them.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionTimerHeaders {
    pub session_expires: Option<String>,
    pub min_se: Option<String>,
    /// Every `Supported` value, joined with commas.
    pub supported: String,
    /// Every `Allow` value, joined with commas.
    pub allow: String,
}

impl SessionTimerHeaders {
    pub fn of(headers: &rsipstack::sip::Headers) -> SessionTimerHeaders {
        let joined = |name: &str| -> String {
            headers
                .iter()
                .filter(|header| header.name().eq_ignore_ascii_case(name))
                .map(Header::value)
                .collect::<Vec<_>>()
                .join(",")
        };
        let first = |name: &str| -> Option<String> {
            headers
                .iter()
                .find(|header| header.name().eq_ignore_ascii_case(name))
                .map(|header| header.value().to_owned())
        };
        SessionTimerHeaders {
            session_expires: first("Session-Expires"),
            min_se: first("Min-SE"),
            supported: joined("Supported"),
            allow: joined("Allow"),
        }
    }
}

/// A response to send: status, reason phrase and extra headers (beyond `Via`, `From`, `To`,
/// `Call-ID`, `CSeq` and `Content-Length`, which come from the request).
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(&'static str, String)>,
}

/// Answers one server transaction.
pub(crate) struct Responder {
    transaction: Transaction,
}

/// The running endpoint: listeners, transactions and the tasks that serve them.
pub(crate) struct SipTransport {
    /// Where UDP and TCP listen.
    pub local_addr: SocketAddr,
    /// Where SIP over TLS listens, when it does.
    pub tls_addr: Option<SocketAddr>,
    /// Stops the endpoint, its connections and our accept loop.
    cancel: CancellationToken,
    /// INVITE dialogs.
    pub calls: Calls,
    /// Kept so the endpoint lives as long as the transport.
    _endpoint: Arc<Endpoint>,
}

/// Why the SIP address could not be bound.
#[derive(Debug)]
pub(crate) struct BindError {
    pub transport: &'static str,
    pub reason: String,
}

impl SipTransport {
    /// Binds UDP and TCP on `addr` (port 0 picks one free port for both) and starts serving.
    /// New requests arrive on the returned channel; when it is full, requests are refused
    /// with 503 rather than queued without bound.
    pub async fn bind(
        addr: SocketAddr,
        tls: Option<&crate::driver::SipTls>,
        trunk_tls: Option<&crate::driver::TrunkTls>,
        queue_len: usize,
    ) -> Result<
        (
            SipTransport,
            mpsc::Receiver<Inbound>,
            mpsc::Receiver<Signal>,
        ),
        BindError,
    > {
        let cancel = CancellationToken::new();
        let (udp, tcp) = bind_both(addr, &cancel).await?;
        let tls_listener = match tls {
            Some(tls) => Some(
                TcpListener::bind(tls.addr)
                    .await
                    .map_err(|error| BindError {
                        transport: "TLS",
                        reason: error.to_string(),
                    })?,
            ),
            None => None,
        };
        let tls_addr = match &tls_listener {
            Some(listener) => Some(listener.local_addr().map_err(|error| BindError {
                transport: "TLS",
                reason: error.to_string(),
            })?),
            None => None,
        };
        let local_addr = tcp.local_addr().map_err(|error| BindError {
            transport: "TCP",
            reason: error.to_string(),
        })?;
        let endpoint = {
            let mut builder = EndpointBuilder::new();
            builder
                .with_user_agent(USER_AGENT)
                .with_cancel_token(cancel.clone())
                .with_allows(vec![
                    Method::Register,
                    Method::Options,
                    Method::Invite,
                    Method::Ack,
                    Method::Cancel,
                    Method::Bye,
                    Method::Info,
                    Method::Update,
                ]);
            builder.build()
        };
        endpoint
            .inner
            .transport_layer
            .add_transport(SipConnection::Udp(udp));
        let endpoint = Arc::new(endpoint);
        let incoming = endpoint
            .incoming_transactions()
            .map_err(|error| BindError {
                transport: "SIP",
                reason: error.to_string(),
            })?;
        let serving = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(error) = serving.serve().await {
                tracing::error!(%error, "the SIP endpoint stopped");
            }
        });
        tokio::spawn(accept_streams(
            tcp,
            None,
            endpoint.clone(),
            local_addr,
            cancel.clone(),
        ));
        if let Some(trunk) = trunk_tls {
            // The only TLS connections we open go to the trunk (phones are called on the
            // connection they registered over): its name and trust roots are the layer's.
            endpoint
                .inner
                .transport_layer
                .set_tls_config(rsipstack::transport::TlsConfig {
                    ca_certs: Some(trunk.ca_certs.clone()),
                    sni_hostname: Some(trunk.name.clone()),
                    ..Default::default()
                });
        }
        if let (Some(listener), Some(tls), Some(tls_addr)) = (tls_listener, tls, tls_addr) {
            tokio::spawn(accept_streams(
                listener,
                Some(tokio_rustls::TlsAcceptor::from(tls.server_config.clone())),
                endpoint.clone(),
                tls_addr,
                cancel.clone(),
            ));
        }
        let (calls, signals) = Calls::start(endpoint.inner.clone(), local_addr, tls_addr);
        let (requests, received) = mpsc::channel(queue_len);
        tokio::spawn(read_requests(
            incoming,
            calls.clone(),
            requests,
            cancel.clone(),
        ));
        Ok((
            SipTransport {
                local_addr,
                tls_addr,
                cancel,
                calls,
                _endpoint: endpoint,
            },
            received,
            signals,
        ))
    }

    /// Stops listening and ends every connection and transaction.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

impl Drop for SipTransport {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Responder {
    /// The server transaction, for the dialog layer once an INVITE is accepted.
    pub(crate) fn into_transaction(self) -> Transaction {
        self.transaction
    }

    /// Sends `answer` from a task of its own, so a slow TCP peer never holds up the driver.
    /// The transaction then lives on for retransmissions of the request (answered with the
    /// same response) until its timers end.
    pub fn send(self, answer: Answer) {
        let mut transaction = self.transaction;
        tokio::spawn(async move {
            let response = response_for(&mut transaction, answer);
            if let Err(error) = transaction.respond(response).await {
                tracing::debug!(%error, "a SIP response could not be sent");
                return;
            }
            // An INVITE's final response waits for its ACK (and is retransmitted until then);
            // a non-INVITE transaction is done.
            if transaction.original.method == Method::Invite {
                let _ = tokio::time::timeout(INVITE_ANSWERED_LINGER, async {
                    while transaction.receive().await.is_some() {}
                })
                .await;
            }
        });
    }
}

/// Binds the UDP socket and the TCP listener on the same port. With port 0 the port UDP got
/// is tried for TCP, a few times, since another process may hold it for TCP.
async fn bind_both(
    addr: SocketAddr,
    cancel: &CancellationToken,
) -> Result<(UdpConnection, TcpListener), BindError> {
    let attempts = if addr.port() == 0 { 10 } else { 1 };
    let mut last_error = None;
    for _ in 0..attempts {
        let udp = tokio::net::UdpSocket::bind(addr)
            .await
            .map_err(|error| BindError {
                transport: "UDP",
                reason: error.to_string(),
            })?;
        let udp = UdpConnection::from_socket(
            Arc::new(PreparingSocket { socket: udp }),
            None,
            Some(cancel.child_token()),
        )
        .await
        .map_err(|error| BindError {
            transport: "UDP",
            reason: error.to_string(),
        })?;
        let port = udp.get_addr().addr.port.map_or(0, u16::from);
        match TcpListener::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(error) => last_error = Some(error),
        }
    }
    Err(BindError {
        transport: "TCP",
        reason: last_error.map_or_else(String::new, |error| error.to_string()),
    })
}

/// The UDP socket rsipstack reads and writes through: every datagram goes through
/// [`datagram::prepare`] before rsipstack's parser sees it, and every datagram we send through
/// [`datagram::restore`] (see the `datagram` module for why).
struct PreparingSocket {
    /// The bound socket.
    socket: tokio::net::UdpSocket,
}

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for PreparingSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, source) = self.socket.recv_from(buf).await?;
            match datagram::prepare(&buf[..len]) {
                Prepared::Unchanged => return Ok((len, source)),
                Prepared::Rewritten(message) if message.len() <= buf.len() => {
                    buf[..message.len()].copy_from_slice(&message);
                    return Ok((message.len(), source));
                }
                Prepared::Rewritten(_) | Prepared::Drop => {
                    tracing::debug!(%source, "a SIP datagram was dropped before parsing");
                }
                Prepared::Answer(response) => {
                    tracing::debug!(%source, "a SIP request was answered before parsing");
                    if let Err(error) = self.socket.send_to(&response, source).await {
                        tracing::debug!(%error, %source, "a SIP response could not be sent");
                    }
                }
            }
        }
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> rsipstack::Result<usize> {
        match datagram::restore(buf) {
            Some(restored) => {
                self.socket.send_to(&restored, target).await?;
                Ok(buf.len())
            }
            None => Ok(self.socket.send_to(buf, target).await?),
        }
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }
}

/// Accepts TCP connections (TLS ones when `tls` is given) and hands them to rsipstack, at most
/// [`TCP_CONNECTIONS_MAX`] per listener at once. A TLS handshake runs in the connection's own
/// task under [`TLS_HANDSHAKE_TIMEOUT`], so a client that says nothing holds up nobody.
async fn accept_streams(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    endpoint: Arc<Endpoint>,
    local_addr: SocketAddr,
    cancel: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(TCP_CONNECTIONS_MAX));
    let kind = if tls.is_some() {
        rsipstack::sip::Transport::Tls
    } else {
        rsipstack::sip::Transport::Tcp
    };
    let local = SipAddr {
        r#type: Some(kind),
        addr: local_addr.into(),
    };
    loop {
        let permit = tokio::select! {
            () = cancel.cancelled() => return,
            permit = permits.clone().acquire_owned() => permit.expect("never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, transport = %kind, "a SIP connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let closed = cancel.child_token();
        let endpoint = endpoint.clone();
        let local = local.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let connection = match tls {
                None => TcpConnection::from_stream(stream, local, Some(closed.clone()))
                    .map(SipConnection::Tcp)
                    .map_err(|error| error.to_string()),
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => {
                            let remote = SipAddr {
                                r#type: Some(rsipstack::sip::Transport::Tls),
                                addr: peer.into(),
                            };
                            TlsConnection::from_server_stream(
                                stream,
                                local,
                                remote,
                                Some(closed.clone()),
                            )
                            .await
                            .map(SipConnection::Tls)
                            .map_err(|error| error.to_string())
                        }
                        Ok(Err(error)) => Err(format!("TLS handshake failed: {error}")),
                        Err(_) => Err("TLS handshake timed out".to_owned()),
                    }
                }
            };
            let connection = match connection {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::debug!(%error, %peer, "a SIP connection could not be set up");
                    return;
                }
            };
            endpoint.inner.transport_layer.add_connection(connection);
            // rsipstack cancels the connection's token when the connection ends.
            closed.cancelled().await;
            drop(permit);
        });
    }
}

/// Reads each new server transaction into an [`Inbound`] for the driver.
async fn read_requests(
    mut incoming: rsipstack::transaction::TransactionReceiver,
    calls: Calls,
    requests: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
) {
    loop {
        let transaction = tokio::select! {
            () = cancel.cancelled() => return,
            transaction = incoming.recv() => match transaction {
                Some(transaction) => transaction,
                None => return,
            },
        };
        // Requests inside dialogs we know go to the dialog layer; a new INVITE comes to the
        // driver like any request, and gets a dialog only once it is accepted.
        let Some(transaction) = calls.take(transaction) else {
            continue;
        };
        // ACKs of our non-2xx answers are absorbed by rsipstack; one that reaches here has
        // nothing to answer.
        if transaction.original.method == Method::Ack {
            continue;
        }
        // A request the lenient parser read but RFC 3261 calls malformed is refused here,
        // before anything acts on it (RFC 4475 3.1.2: 400, or 505 for another version).
        if let Some(refusal) = malformed(&transaction.original) {
            tracing::debug!(source = %source_of(&transaction), status = refusal.status, reason = refusal.reason, "malformed request refused");
            Responder { transaction }.send(refusal);
            continue;
        }
        let inbound = Inbound {
            request: facts_of(&transaction),
            responder: Responder { transaction },
        };
        match requests.try_send(inbound) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(inbound)) => {
                tracing::warn!("SIP requests are arriving faster than they are handled: 503");
                inbound.responder.send(Answer {
                    status: 503,
                    reason: "Service Unavailable".into(),
                    headers: vec![("Retry-After", "5".into())],
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return,
        }
    }
}

/// Why a new request is malformed, as the answer it gets: another SIP version (505), a
/// header that must appear exactly once appearing twice or not at all, a `CSeq` whose method
/// is not the request's, a `Content-Length` that is not a number or is longer than the body
/// that came, headers in the Request-URI, an address or `Via` value that does not read (an
/// empty parameter, an open quote) or a `Date` not in GMT (RFC 3261 §7.3.1, §8.1.1, §18.3,
/// §19.1.1, §20.17, §25.1; RFC 4475 `badvers`, `mismatch01`, `multi01`, `mcl01`, `clerr`, `ncl`,
/// `insuf`, `badinv01`, `quotbal`, `escruri`, `baddate`).
pub(crate) fn malformed(request: &Request) -> Option<Answer> {
    let bad = |reason: String| {
        Some(Answer {
            status: 400,
            reason: format!("Bad Request ({reason})"),
            headers: Vec::new(),
        })
    };
    if request.version != rsipstack::sip::Version::V2 {
        return Some(Answer {
            status: 505,
            reason: "Version Not Supported".into(),
            headers: Vec::new(),
        });
    }
    let count = |wanted: HeaderTest| request.headers.iter().filter(|h| wanted(h)).count();
    let once: [(&str, HeaderTest); 4] = [
        ("To", |h| matches!(h, Header::To(_))),
        ("From", |h| matches!(h, Header::From(_))),
        ("Call-ID", |h| matches!(h, Header::CallId(_))),
        ("CSeq", |h| matches!(h, Header::CSeq(_))),
    ];
    for (name, wanted) in once {
        match count(wanted) {
            1 => {}
            0 => return bad(format!("no {name}")),
            _ => return bad(format!("more than one {name}")),
        }
    }
    let at_most_once: [(&str, HeaderTest); 2] = [
        ("Content-Length", |h| matches!(h, Header::ContentLength(_))),
        ("Max-Forwards", |h| matches!(h, Header::MaxForwards(_))),
    ];
    for (name, wanted) in at_most_once {
        if count(wanted) > 1 {
            return bad(format!("more than one {name}"));
        }
    }
    // RFC 3261 §19.1.1: a Request-URI has no headers (RFC 4475 `escruri`).
    if !request.uri.headers.is_empty() {
        return bad("headers in the Request-URI".into());
    }
    for header in request.headers.iter() {
        let (name, value, list) = match header {
            Header::Via(value) => ("Via", value.value(), true),
            Header::From(value) => ("From", value.value(), false),
            Header::To(value) => ("To", value.value(), false),
            Header::Contact(value) => ("Contact", value.value(), true),
            Header::Route(value) => ("Route", value.value(), true),
            Header::RecordRoute(value) => ("Record-Route", value.value(), true),
            Header::Date(value) if !datagram::is_sip_date(value.value()) => {
                return bad("Date is not an RFC 1123 date in GMT".into());
            }
            _ => continue,
        };
        if let Some(problem) = datagram::value_problem(value, list) {
            return bad(format!("{problem} in {name}"));
        }
    }
    let cseq_method = request.cseq_header().ok().and_then(|h| h.method().ok());
    if cseq_method != Some(request.method) {
        return bad("CSeq method is not the request's".into());
    }
    let content_length = request.headers.iter().find_map(|h| match h {
        Header::ContentLength(value) => Some(value.value().trim().parse::<usize>()),
        _ => None,
    });
    match content_length {
        Some(Err(_)) => bad("Content-Length is not a number".into()),
        Some(Ok(length)) if length > request.body.len() => {
            bad("Content-Length is longer than the body".into())
        }
        _ => None,
    }
}

/// Whether a header is of one kind (see [`malformed`]).
type HeaderTest = fn(&Header) -> bool;

/// Reads what the driver needs from a request.
pub(crate) fn facts_of(transaction: &Transaction) -> RequestFacts {
    let request = &transaction.original;
    let method = match &request.method {
        Method::Register => SipMethod::Register,
        Method::Options => SipMethod::Options,
        Method::Invite => SipMethod::Invite,
        other => SipMethod::Other(other.to_string()),
    };
    let to = request
        .to_header()
        .ok()
        .and_then(|to| to.typed().ok())
        .map(|to: typed::To| to.uri);
    let reliable = transaction
        .connection
        .as_ref()
        .is_some_and(SipConnection::is_reliable);
    RequestFacts {
        method,
        to_user: to.as_ref().and_then(|uri| uri.user().map(str::to_owned)),
        to_host: to.as_ref().map(|uri| uri.host().to_string()),
        call_id: request.call_id_header().ok().map(|h| h.value().to_owned()),
        cseq: request.cseq_header().ok().and_then(|h| h.seq().ok()),
        contacts: contacts_of(request),
        expires: request.expires_header().map(|h| {
            h.value()
                .trim()
                .parse::<u64>()
                .map(|seconds| seconds.min(u64::from(u32::MAX)) as u32)
                .map_err(|_| ())
        }),
        authorization: request
            .headers
            .iter()
            .filter_map(|header| match header {
                Header::Authorization(value) => Some(value.value().to_owned()),
                _ => None,
            })
            .collect(),
        user_agent: request.user_agent_header().map(|h| h.value().to_owned()),
        source: source_of(transaction),
        transport: match transaction
            .connection
            .as_ref()
            .map(SipConnection::transport)
        {
            Some(rsipstack::sip::Transport::Tls) => Transport::Tls,
            _ if reliable => Transport::Tcp,
            _ => Transport::Udp,
        },
        in_dialog: matches!(request.to_header().map(|to| to.tag()), Ok(Ok(Some(_)))),
        request_user: request.uri.user().unwrap_or_default().to_owned(),
        invite: (request.method == Method::Invite).then(|| InviteFacts {
            caller: calls::caller_of(request),
            body: request.body.clone(),
            proxy_authorization: request
                .headers
                .iter()
                .filter_map(|header| match header {
                    Header::ProxyAuthorization(value) => Some(value.value().to_owned()),
                    _ => None,
                })
                .collect(),
            session_timer: SessionTimerHeaders::of(&request.headers),
        }),
    }
}

/// The `Contact` headers: none, `*`, or a list (several headers and comma-separated values).
fn contacts_of(request: &Request) -> Result<Contacts, ()> {
    let values: Vec<&str> = request
        .headers
        .iter()
        .filter_map(|header| match header {
            Header::Contact(contact) => Some(contact.value()),
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return Ok(Contacts::Query);
    }
    if values.len() == 1 && values[0].trim() == "*" {
        return Ok(Contacts::Wildcard);
    }
    let mut list = Vec::new();
    for value in values {
        for contact in typed::Contact::parse_header_list(value).map_err(|_| ())? {
            if contact.uri.to_string() == "*" {
                return Err(()); // `*` mixed with other contacts
            }
            list.push(ContactRequest {
                expires: contact.expires(),
                uri: contact.uri.to_string(),
            });
        }
    }
    Ok(Contacts::List(list))
}

/// Where a request came from: the peer of its TCP connection, or the source address of its UDP
/// datagram. Never a `Via`: its `received` and `rport` are text the sender may have written
/// itself (rsipstack keeps a `received` it finds when the Via's host and port equal the real
/// source), and every security decision (trunk allow-list, registrar, limits) rests on this.
fn source_of(transaction: &Transaction) -> SocketAddr {
    transaction
        .connection
        .as_ref()
        .and_then(SipConnection::get_remote_addr)
        .and_then(|remote| SocketAddr::try_from(remote.addr.clone()).ok())
        .unwrap_or(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)))
}

/// The SIP response for `answer`, with a `To` tag on final responses (RFC 3261 §8.2.6.2).
fn response_for(transaction: &mut Transaction, answer: Answer) -> rsipstack::sip::Response {
    if answer.status >= 200
        && let Ok(to) = transaction.original.to_header()
        && matches!(to.tag(), Ok(None))
    {
        let tagged = to.clone().with_tag(make_tag());
        transaction.original.headers.unique_push(tagged.into());
    }
    let mut response = transaction.endpoint_inner.make_response(
        &transaction.original,
        StatusCode::from(answer.status),
        None,
    );
    // rsipstack writes the standard phrase of a known code and never `wire_reason`; a phrase of
    // our own (`Bad Request (no To)`) goes on the wire only as an `Other` code.
    if answer.reason != response.status_code.text() {
        response.status_code = StatusCode::Other(answer.status, answer.reason.clone());
    }
    response.wire_reason = Some(answer.reason);
    for (name, value) in answer.headers {
        response.headers.push(Header::Other(name.to_owned(), value));
    }
    response
}

/// The `User-Agent` and `Server` of our messages.
const USER_AGENT: &str = concat!("Sentral/", env!("CARGO_PKG_VERSION"));
/// Most TCP connections open at once; more wait to be accepted.
pub(crate) const TCP_CONNECTIONS_MAX: usize = 1024;

/// The longest a client may take to finish its TLS handshake.
pub(crate) const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answered INVITE's transaction waits for the ACK (64 × T1).
const INVITE_ANSWERED_LINGER: Duration = Duration::from_secs(32);
