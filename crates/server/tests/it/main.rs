//! End-to-end tests of the server (STYLE.md §5, ring 3): the real server in-process on port 0
//! with a fresh data directory, talked to over real HTTP and WebSocket, with the phone network
//! played by a double of the telephony adapter or, for calls over real SIP and RTP, by test
//! phones, SIPp and baresip. One binary, a module per area.

mod authorization;
mod bad_input;
mod baresip;
mod call_control;
mod callbacks_sip;
mod calls;
mod csrf;
mod events;
mod experts;
mod flow;
mod headers;
mod history;
mod https;
mod noise;
mod operations;
mod recording;
mod restart;
mod sign_in;
mod sip;
mod sip_interop;
mod softphone;
mod station;
mod support;
mod web_callbacks;
