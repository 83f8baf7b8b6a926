//! Scenario tests for call data and callbacks: noise removal (R1), the call limit for calls
//! agents place (R2), dial numbers typed into commands (R30), recording and Privacy Shield
//! (R31, R32), CAD variables (R33–R35), courtesy and web callbacks (R37–R40), outdial (R42)
//! and the durable records every interaction leaves (R45).
//!
//! Each module proves one behaviour through the public [`sentral_engine::testing::Harness`],
//! which checks the engine's invariants after every input.

mod support;

mod cad_editing;
mod cad_first_save_wins;
mod call_limit;
mod callback_answer;
mod callback_cancel;
mod callback_offer;
mod callback_retry;
mod courtesy_callback;
mod courtesy_callback_after_rona;
mod courtesy_callback_opening_hours;
mod courtesy_callback_withheld_number;
mod dial_numbers;
mod durable_records;
mod noise_removal;
mod outdial;
mod privacy_shield;
mod recording;
mod restore_after_restart;
mod secure_variable_definition_removed;
mod secure_variables;
mod secure_variables_need_an_accepted_call;
mod web_callback;
