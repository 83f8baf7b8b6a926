//! Integration tests of `sentral-media`, through its public API only: one module per area.

mod call_audio;
mod dtmf_digits;
mod g711_reference;
mod parsers_never_panic;
mod tidy;
