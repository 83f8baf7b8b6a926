//! A real softphone as an agent's phone: baresip (Debian `baresip-core`, installed by
//! `scripts/install-test-deps`), configured as `docs/phones.md` tells a newcomer to, registers
//! as the demo's extension 1001 with digest, answers by itself and plays a 440 Hz tone; its
//! `sndfile` module records what it hears. A customer calls the Sales number and plays
//! 1000 Hz: each must hear the other through Sentral.

use crate::sip::free_udp_port;
use crate::softphone::{Softphone, goertzel};
use crate::support::{
    Api, DN_SALES, Events, TestApp, TestCa, demo_config, spawn_with_sip_calls,
    spawn_with_sip_settings,
};
use sentral_media::G711;
use sentral_server::config::SrtpPolicy;
use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// Writes a mono 16-bit 8 kHz WAV file of a sine tone.
fn write_tone(path: &Path, hz: f64, seconds: u32) {
    let n = 8000 * seconds;
    let mut bytes = Vec::with_capacity(44 + 2 * n as usize);
    let data_len = 2 * n;
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&16000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..n {
        let t = f64::from(i) / 8000.0;
        let sample = (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("the tone file is written");
}

/// The samples of a 16-bit PCM WAV file (any header length: the `data` chunk is looked up).
fn read_wav(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).expect("the recording is readable");
    let Some(start) = bytes.windows(4).position(|w| w == b"data") else {
        return Vec::new();
    };
    bytes[start + 8..]
        .chunks_exact(2)
        .map(|pair| f64::from(i16::from_le_bytes([pair[0], pair[1]])) / 8000.0)
        .collect()
}

#[tokio::test]
async fn r3_r13_baresip_registers_as_a_demo_agents_phone_answers_and_hears_the_customer() {
    let app = spawn_with_sip_calls(demo_config(), None).await;
    let sip = app.app.sip_addr.expect("SIP listens");
    // The account line of docs/phones.md, with this test's port.
    let account = format!(
        "<sip:1001@{sip};transport=udp>;auth_user=1001;auth_pass=demo;answermode=auto;regint=3600;audio_codecs=PCMU,PCMA"
    );
    baresip_answers_a_customer_and_both_hear(&app, &account, "sip_transports udp\n").await;
}

/// Issue 25 (SIP over TLS, RFC 3261 section 26.2): baresip trusts only the test's CA,
/// registers over TLS, is called over its TLS connection and answers; the audio goes both ways.
#[tokio::test]
async fn r3_r13_baresip_registers_and_answers_over_sip_tls() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let ca = TestCa::new("sentral-test-ca");
    let files = ca.issue(certificates.path(), &["127.0.0.1", "localhost"]);
    let app = spawn_with_sip_settings(demo_config(), |settings| {
        settings.tls_addr = Some("127.0.0.1:0".parse().expect("address"));
        settings.tls_files = Some(files);
    })
    .await;
    let tls = app.app.sip_tls_addr.expect("SIP over TLS listens");
    // The TLS port presents the configured certificate: a client trusting the test's CA
    // shakes hands, one trusting another CA is refused. (baresip 1.0 does not check the
    // server's certificate itself, so this is checked here.)
    ca.connect(tls)
        .await
        .expect("the configured certificate is presented");
    TestCa::new("another-ca")
        .connect(tls)
        .await
        .expect_err("a client that trusts another CA refuses it");
    let ca_file = certificates.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("CA written");
    let account = format!(
        "<sip:1001@{tls};transport=tls>;auth_user=1001;auth_pass=demo;answermode=auto;regint=3600;audio_codecs=PCMU,PCMA"
    );
    let config = format!("sip_transports tls\nsip_cafile {}\n", ca_file.display());
    baresip_answers_a_customer_and_both_hear(&app, &account, &config).await;
}

/// baresip with `account` (and `extra_config` lines) as anna's phone at extension 1001:
/// it registers, anna goes Available, a customer calls Sales over UDP playing 1000 Hz,
/// baresip answers by itself playing 440 Hz, and each hears the other through Sentral.
async fn baresip_answers_a_customer_and_both_hear(
    app: &TestApp,
    account: &str,
    extra_config: &str,
) {
    let sip = app.app.sip_addr.expect("SIP listens");
    let dir = tempfile::tempdir().expect("temp dir");
    let recordings = dir.path().join("rec");
    std::fs::create_dir(&recordings).expect("the recordings directory");
    let tone = dir.path().join("tone440.wav");
    write_tone(&tone, 440.0, 30);
    write_baresip_files(
        dir.path(),
        account,
        extra_config,
        &tone,
        &recordings,
        "16000-16998",
    );

    let (_anna, mut baresip, mut events) = anna_available_on_baresip(app, dir.path()).await;

    let customer = Softphone::new("4791234567", "127.0.0.1", sip, G711::Pcmu).await;
    customer.play_tone(1000);
    let (status, call) = customer.call(DN_SALES).await;
    assert_eq!(status, 200);
    events.until("connected").await; // baresip answered by itself
    let mut heard = false;
    for _ in 0..50 {
        if customer.level_of(440.0, 300) > 0.3 {
            heard = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        heard,
        "the customer hears baresip's tone: {}",
        customer.level_of(440.0, 300)
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(customer.bye(&call.expect("a dialog")).await, 200);
    events.until("wrap_up_required").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = baresip.kill().await;

    let heard_by_phone = recorded(&recordings);
    assert!(
        heard_by_phone.len() > 8000,
        "baresip recorded what it heard: {} samples",
        heard_by_phone.len()
    );
    let last_second = &heard_by_phone[heard_by_phone.len() - 8000..];
    let level = goertzel(last_second, 1000.0);
    assert!(level > 0.3, "baresip hears the customer's 1000 Hz: {level}");
}

/// The two files of docs/phones.md in `dir`, with this test's ports and paths: `account`,
/// extra `config` lines, the tone baresip plays, where it records what it hears, its RTP ports.
fn write_baresip_files(
    dir: &Path,
    account: &str,
    extra_config: &str,
    tone: &Path,
    recordings: &Path,
    rtp_ports: &str,
) {
    std::fs::write(dir.join("accounts"), format!("{account}\n")).expect("accounts");
    std::fs::write(
        dir.join("config"),
        format!(
            "poll_method epoll\nnet_interface 127.0.0.1\nsip_listen 127.0.0.1:{sip_port}\n{extra_config}\
             audio_player aubridge,nil\naudio_source aufile,{tone}\nausrc_srate 8000\nauplay_srate 8000\n\
             audio_alert aubridge,nil\nrtp_ports {rtp_ports}\nmodule_path /usr/lib/baresip/modules\n\
             module g711.so\nmodule aufile.so\nmodule aubridge.so\nmodule sndfile.so\n\
             module_app account.so\nmodule_app menu.so\nsnd_path {recordings}\n",
            sip_port = free_udp_port(),
            tone = tone.display(),
            recordings = recordings.display(),
        ),
    )
    .expect("config");
}

/// Runs baresip with the files in `dir` and extra arguments (`-e` commands); its output goes
/// to `dir/log` for the failure messages.
fn spawn_baresip(dir: &Path, args: &[&str]) -> tokio::process::Child {
    let log = std::fs::File::create(dir.join("log")).expect("log file");
    tokio::process::Command::new("baresip")
        .arg("-f")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run baresip ({error}): install it with scripts/install-test-deps \
                 (Debian package baresip-core)"
            )
        })
}

/// Anna logs in to Sales at extension 1001, the baresip configured in `dir` registers as her
/// phone, and she goes Available; returns her API, baresip and her event stream.
async fn anna_available_on_baresip(
    app: &TestApp,
    dir: &Path,
) -> (Api, tokio::process::Child, Events) {
    let anna = app.user("anna").await;
    let reply = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let baresip = spawn_baresip(dir, &[]);
    let mut registered = false;
    for _ in 0..100 {
        if anna.get("/api/v1/agents/me").await.body["agent"]["phone_registered"] == json!(true) {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    assert!(registered, "baresip registers as extension 1001:\n{log}");
    let reply = anna
        .put("/api/v1/agents/me/state", json!({"state": "available"}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let events = app.events(anna.token(), None).await;
    (anna, baresip, events)
}

/// The samples baresip's `sndfile` module recorded of what it heard.
fn recorded(recordings: &Path) -> Vec<f64> {
    std::fs::read_dir(recordings)
        .expect("recordings")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("-dec.wav"))
        .flat_map(|e| read_wav(&e.path()))
        .collect()
}

/// Issue 25 (RFC 3711, RFC 4568): a trunk and an agent's phone that talk to Sentral only over
/// SIP over TLS and SRTP. The customer is baresip calling over TLS with `mediaenc=srtp-mand`
/// (RTP/SAVP) through the `pstn` trunk, whose `srtp = "require"`; anna's phone is baresip
/// registered over TLS with `srtp-mand`, and anna's `srtp = "require"`. Each plays a tone and
/// records what it hears: each hears the other's, which only decryption both ways can give.
#[tokio::test]
async fn issue25_a_trunk_and_a_phone_talk_over_tls_and_srtp_only_and_hear_each_other() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let ca = TestCa::new("sentral-test-ca");
    let files = ca.issue(certificates.path(), &["127.0.0.1", "localhost"]);
    let ca_file = certificates.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("CA written");
    let mut config = demo_config();
    let org = &mut config.organisations[0];
    let anna_id = org.names.agents["anna"];
    org.trunks[0].srtp = SrtpPolicy::Require;
    for phone in &mut org.sip.extensions {
        if phone.agent == anna_id {
            phone.srtp = SrtpPolicy::Require;
        }
    }
    let app = spawn_with_sip_settings(config, |settings| {
        settings.tls_addr = Some("127.0.0.1:0".parse().expect("address"));
        settings.tls_files = Some(files);
    })
    .await;
    let tls = app.app.sip_tls_addr.expect("SIP over TLS listens");
    let tls_config = format!(
        "sip_transports tls\nsip_cafile {}\nmodule srtp.so\n",
        ca_file.display()
    );

    let phone_dir = tempfile::tempdir().expect("temp dir");
    let phone_recordings = phone_dir.path().join("rec");
    std::fs::create_dir(&phone_recordings).expect("recordings directory");
    let tone440 = phone_dir.path().join("tone440.wav");
    write_tone(&tone440, 440.0, 30);
    write_baresip_files(
        phone_dir.path(),
        &format!(
            "<sip:1001@{tls};transport=tls>;auth_user=1001;auth_pass=demo;answermode=auto;\
             regint=3600;audio_codecs=PCMU;mediaenc=srtp-mand"
        ),
        &tls_config,
        &tone440,
        &phone_recordings,
        "16000-16998",
    );
    let (_anna, mut phone, mut events) = anna_available_on_baresip(&app, phone_dir.path()).await;
    let phone_log = || std::fs::read_to_string(phone_dir.path().join("log")).unwrap_or_default();

    let customer_dir = tempfile::tempdir().expect("temp dir");
    let customer_recordings = customer_dir.path().join("rec");
    std::fs::create_dir(&customer_recordings).expect("recordings directory");
    let tone1000 = customer_dir.path().join("tone1000.wav");
    write_tone(&tone1000, 1000.0, 30);
    write_baresip_files(
        customer_dir.path(),
        "<sip:4791234567@127.0.0.1;transport=tls>;regint=0;audio_codecs=PCMU;mediaenc=srtp-mand",
        &tls_config,
        &tone1000,
        &customer_recordings,
        "17000-17998",
    );
    let dial = format!("/dial sip:{DN_SALES}@{tls};transport=tls");
    let mut customer = spawn_baresip(customer_dir.path(), &["-e", &dial]);
    let customer_log =
        || std::fs::read_to_string(customer_dir.path().join("log")).unwrap_or_default();
    let connected = tokio::time::timeout(Duration::from_secs(15), events.until("connected")).await;
    assert!(
        connected.is_ok(),
        "the call over TLS and SRTP reaches anna's phone\ncustomer:\n{}\nphone:\n{}",
        customer_log(),
        phone_log()
    );
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let _ = customer.kill().await;
    let _ = phone.kill().await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    for (who, recordings, hz, log) in [
        ("anna's phone", &phone_recordings, 1000.0, phone_log()),
        ("the customer", &customer_recordings, 440.0, customer_log()),
    ] {
        let samples = recorded(recordings);
        assert!(
            samples.len() > 8000,
            "{who} recorded what it heard: {} samples\n{log}",
            samples.len()
        );
        let last_second = &samples[samples.len() - 8000..];
        let level = goertzel(last_second, hz);
        assert!(
            level > 0.3,
            "{who} hears {hz} Hz through SRTP: {level}\n{log}"
        );
    }
}

/// Issue 25: where a trunk's `srtp = "require"`, a plain RTP offer is refused with 488 and a
/// reason that says what is needed.
#[tokio::test]
async fn issue25_a_plain_rtp_offer_is_refused_where_the_trunk_requires_srtp() {
    let mut config = demo_config();
    config.organisations[0].trunks[0].srtp = SrtpPolicy::Require;
    let app = spawn_with_sip_calls(config, None).await;
    let sip = app.app.sip_addr.expect("SIP listens");
    let customer = Softphone::new("4791234567", "127.0.0.1", sip, G711::Pcmu).await;
    let refusal = customer.call_for_response(DN_SALES).await;
    assert_eq!(refusal.status(), Some(488), "plain RTP over UDP is refused");
    let reason = refusal.header("Reason").unwrap_or_default().to_owned();
    assert!(reason.contains("SRTP is required"), "Reason: {reason}");
}
