//! Integration tests of `sentral-sip` through its public API: the registrar's decisions with a
//! fake clock, the service on real loopback sockets, and tidy checks. One binary, a module per
//! area.

mod parsers_never_panic;
mod registrar;
mod support;
mod tidy;
mod wire;
