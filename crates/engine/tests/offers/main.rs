//! Scenario tests of offers and routing: who is offered a call, what the connect and
//! contact-request popovers show, RONA, answering, wrap-up before the next offer, the
//! organisation's call limit, queue priorities and overflow, and the final record of every
//! interaction. Each module states its goal, method and the rules (R-numbers) it proves.

mod support;

mod answer_on_the_phone;
mod automatic_wrapup;
mod call_limit;
mod callback_popover;
mod connect_then_offer_popover;
mod customer_hangs_up;
mod device_fails_while_ringing;
mod logout_refused_during_popover;
mod offer_links;
mod offer_stack;
mod one_final_record;
mod only_available_agents_are_offered;
mod popover_variables;
mod queue_overflow;
mod rona_blocks_offers;
mod rona_keeps_place;
mod routing_order;
mod station_log_in;
mod supervisor_acts_on_an_agent;
mod transferred_back_waits_the_full_maximum;
mod voice_queues_stay_voice;
mod wrapup_before_next_offer;
