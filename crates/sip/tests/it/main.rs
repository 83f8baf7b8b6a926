//! Integration tests of `sentral-sip` through its public API: the registrar's and the call
//! control's decisions, the service on real loopback sockets, and tidy checks. One binary, a module per
//! area.

mod calls;
mod hardening;
mod media;
mod parsers_never_panic;
mod register_brute_force;
mod registrar;
mod support;
mod tidy;
mod tls;
mod torture;
mod wire;
