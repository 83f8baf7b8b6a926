//! Interoperability with SIPp (`sipp`, Debian package `sip-tester`, installed by
//! `scripts/install-test-deps`): a SIPp customer plays real G.711 A-law audio from the pcap
//! files SIPp ships into the demo's Sales number; a SIPp agent phone registers with digest as
//! extension 1001 (the scenario in `tests/e2e/sipp/`) and a second SIPp instance answers its
//! calls and echoes the RTP it receives (SIPp accepts an INVITE only with the Call-ID of its own
//! REGISTER, hence two instances). The audio crosses Sentral both ways, transcoded: SIPp's
//! answering side speaks µ-law.

use crate::sip::{Phone, free_udp_port, register_phone};
use crate::support::{DN_SALES, demo_config, spawn_with_sip_calls};
use sentral_engine::LegId;
use sentral_sip::media::LegStats;
use serde_json::json;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

/// A SIPp process with its working directory (logs, pcap links).
pub(crate) struct Sipp {
    child: tokio::process::Child,
    dir: tempfile::TempDir,
    what: &'static str,
}

impl Sipp {
    pub(crate) fn spawn(what: &'static str, args: &[String]) -> Sipp {
        let dir = tempfile::tempdir().expect("temp dir");
        // uac_pcap reads pcap/g711a.pcap relative to its working directory.
        std::fs::create_dir(dir.path().join("pcap")).expect("pcap dir");
        for name in ["g711a.pcap", "dtmf_2833_1.pcap"] {
            let _ = std::os::unix::fs::symlink(
                format!("/usr/share/sip-tester/{name}"),
                dir.path().join("pcap").join(name),
            );
        }
        let child = tokio::process::Command::new("sipp")
            .current_dir(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot run sipp ({error}): install it with scripts/install-test-deps")
            });
        Sipp { child, dir, what }
    }

    /// Waits for SIPp to end; fails the test unless every call succeeded.
    pub(crate) async fn succeeds(self) {
        let Sipp { child, dir, what } = self;
        let output = tokio::time::timeout(Duration::from_secs(40), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("sipp ({what}) finishes in time"))
            .expect("sipp runs");
        if !output.status.success() {
            let errors: String = std::fs::read_dir(dir.path())
                .expect("the temp dir")
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with("errors.log"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect();
            panic!(
                "sipp ({what}) failed with {}:\n{}\n{errors}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

pub(crate) fn common(port: u16) -> Vec<String> {
    [
        "-i",
        "127.0.0.1",
        "-mi",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ]
    .into_iter()
    .chain(["-m", "1", "-nostdin", "-timeout", "30s", "-trace_err"])
    .map(str::to_owned)
    .collect()
}

#[tokio::test]
async fn r13_a_sipp_customer_with_g711a_audio_reaches_a_sipp_agent_phone_that_echoes_it_back() {
    let app = spawn_with_sip_calls(demo_config(), None).await;
    let sip = app.app.sip_addr.expect("SIP listens");
    let anna = app.user("anna").await;
    let reply = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // The phone: one SIPp answers on the Contact port and echoes RTP; another registers it.
    let phone = Phone::new("1001", "demo");
    let mut answering = vec!["-sn".to_owned(), "uas".to_owned(), "-rtp_echo".to_owned()];
    answering.extend(common(phone.contact_port));
    let uas = Sipp::spawn("agent phone answering", &answering);
    register_phone(sip, &phone).await;
    let reply = anna
        .put("/api/v1/agents/me/state", json!({"state": "available"}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let mut events = app.events(anna.token(), None).await;

    // The customer: SIPp's uac_pcap plays g711a.pcap (about 5 s), then hangs up.
    let mut calling = vec![
        sip.to_string(),
        "-sn".into(),
        "uac_pcap".into(),
        "-s".into(),
        DN_SALES.into(),
    ];
    calling.extend(common(free_udp_port()));
    let uac = Sipp::spawn("customer", &calling);
    events.until("connected").await;

    // Watch every leg's RTP counters while the call runs.
    let media = app.app.state.sip.clone().expect("SIP runs");
    let mut seen: HashMap<LegId, LegStats> = HashMap::new();
    for _ in 0..40 {
        for (leg, stats) in media.media_stats() {
            seen.insert(leg, stats);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    uac.succeeds().await;
    uas.succeeds().await;
    events.until("wrap_up_required").await;

    assert_eq!(seen.len(), 2, "a customer leg and an agent leg: {seen:?}");
    for (leg, stats) in &seen {
        assert!(
            stats.packets_received > 100 && stats.packets_sent > 100,
            "RTP flows both ways on leg {leg}: {stats:?}"
        );
    }
}
