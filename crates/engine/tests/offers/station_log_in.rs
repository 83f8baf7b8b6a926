//! Goal: an agent logs in only at their own extension or at a station the organisation assigns
//! them, never at a colleague's phone (whose calls they would then answer).
//! Method: log agents in at their own extension, a colleague's, an assigned station and one in
//! use, and read the refusals: rule R3, a message that names the extensions allowed and no
//! internal id.
//! Proves: R3.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn log_in_at(
    h: &mut Harness,
    agent: AgentId,
    team: TeamId,
    extension: &str,
) -> Result<(), Rejection> {
    h.command(
        agent,
        Command::LogIn {
            team,
            extension: extension.into(),
        },
    )
}

#[test]
fn r3_station_log_in_at_a_colleagues_extension_is_refused() {
    let mut h = Harness::new();
    let rejection = log_in_at(&mut h, ANNA, SALES, &extension(BJORN)).expect_err("bjorn's phone");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert_eq!(
        rejection.message,
        "extension 1002 is not yours; log in at 1001"
    );
    assert_eq!(state(&h, ANNA), AgentStateView::LoggedOut);
    // An extension nobody has is refused the same way.
    let rejection = log_in_at(&mut h, ANNA, SALES, "1999").expect_err("no such phone");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    log_in_at(&mut h, ANNA, SALES, &extension(ANNA)).expect("her own");
}

#[test]
fn r3_station_log_in_at_an_assigned_station_is_allowed_while_free() {
    let mut config = small_config();
    agent_mut(&mut config, ANNA).stations.push("1099".into());
    agent_mut(&mut config, BJORN).stations.push("1099".into());
    let mut h = Harness::with_config(config);
    log_in_at(&mut h, ANNA, SALES, "1099").expect("assigned to anna");
    let rejection = log_in_at(&mut h, BJORN, SALES, "1099").expect_err("anna is there");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert_eq!(rejection.message, "extension 1099 is in use by anna");
    assert!(
        !rejection.message.contains("agent1"),
        "{}",
        rejection.message
    );
    let rejection = log_in_at(&mut h, CECILIE, SALES, "1099").expect_err("not cecilie's");
    assert_eq!(
        rejection.message,
        "extension 1099 is not yours; log in at 1003"
    );
}
