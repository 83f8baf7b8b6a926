//! A call's audio through the mixer: hold music (R14), a three-party conference (R23), a leg
//! that falls silent, and a µ-law customer bridged to an A-law phone over RTP.

use sentral_media::{
    CallMixer, FRAME_SAMPLES, Frame, G711, MixLeg, MusicOnHold, Received, RtpSession,
    RtpSessionConfig, SILENCE,
};

/// A frame of a pure tone, continuing from frame `index` of the same tone.
fn tone(hz: f64, amplitude: f64, index: usize) -> Frame {
    let mut frame = SILENCE;
    for (n, sample) in frame.iter_mut().enumerate() {
        let t = (index * FRAME_SAMPLES + n) as f64 / 8_000.0;
        *sample = (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
    }
    frame
}

/// Root mean square level in dB relative to full scale.
fn level_dbfs(samples: &[i16]) -> f64 {
    let power: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
    let rms = (power / samples.len() as f64).sqrt();
    20.0 * (rms.max(1e-9) / 32_768.0).log10()
}

fn three_legs(mixer: &mut CallMixer) -> [MixLeg; 3] {
    [(); 3].map(|()| mixer.add_leg().unwrap())
}

#[test]
fn r14_hold_plays_music_not_silence() {
    // Goal: a customer put on hold hears music, also once encoded for the phone, and the
    // agent no longer hears the customer. Method: bridge customer and agent, hold the
    // customer, run 3 seconds of ticks with both talking, and measure what each hears.
    let mut mixer = CallMixer::new();
    let customer = mixer.add_leg().unwrap();
    let agent = mixer.add_leg().unwrap();
    mixer.bridge(customer, agent).unwrap();
    mixer.hold(customer).unwrap();
    let mut music = MusicOnHold::new();
    let mut music_frame = SILENCE;
    let (mut customer_hears, mut agent_hears) = (Vec::new(), Vec::new());
    let mut n_music_frames_loud = 0;
    for index in 0..150 {
        mixer
            .push_frame(customer, &tone(300.0, 8_000.0, index))
            .unwrap();
        mixer
            .push_frame(agent, &tone(700.0, 8_000.0, index))
            .unwrap();
        music.next_frame(&mut music_frame);
        mixer.tick(&music_frame);
        let heard = mixer.output(customer).unwrap();
        assert_eq!(
            heard, &music_frame,
            "the held customer hears exactly the music"
        );
        let mut encoded = [0; FRAME_SAMPLES];
        G711::Pcmu.encode(heard, &mut encoded);
        let mut decoded = SILENCE;
        G711::Pcmu.decode(&encoded, &mut decoded);
        n_music_frames_loud += usize::from(level_dbfs(&decoded) > -40.0);
        customer_hears.extend_from_slice(heard);
        agent_hears.extend_from_slice(mixer.output(agent).unwrap());
    }
    let music_level = level_dbfs(&customer_hears);
    assert!(
        music_level > -30.0 && music_level < -6.0,
        "music at {music_level:.1} dBFS"
    );
    assert!(
        n_music_frames_loud >= 150 * 3 / 5,
        "{n_music_frames_loud} of 150 frames audible"
    );
    assert!(
        agent_hears.iter().all(|&s| s == 0),
        "the agent hears nothing from the held customer"
    );

    // Resuming bridges them again: the music stops and they hear each other.
    mixer.bridge(customer, agent).unwrap();
    mixer.push_frame(agent, &tone(700.0, 8_000.0, 0)).unwrap();
    mixer.tick(&music_frame);
    assert_eq!(mixer.output(customer).unwrap(), &tone(700.0, 8_000.0, 0));
}

#[test]
fn r23_conference_each_party_hears_the_other_two() {
    // Method: each party sends its own tone; each must hear exactly the sum of the two others
    // and nothing of its own voice (no echo of itself).
    let mut mixer = CallMixer::new();
    let legs = three_legs(&mut mixer);
    mixer.conference(&legs).unwrap();
    let hz = [300.0, 500.0, 900.0];
    for index in 0..10 {
        let sent: Vec<Frame> = hz.iter().map(|&f| tone(f, 5_000.0, index)).collect();
        for (leg, frame) in legs.iter().zip(&sent) {
            mixer.push_frame(*leg, frame).unwrap();
        }
        mixer.tick(&SILENCE);
        for (me, leg) in legs.iter().enumerate() {
            let heard = mixer.output(*leg).unwrap();
            for (n, &sample) in heard.iter().enumerate() {
                let others: i32 = (0..3)
                    .filter(|&other| other != me)
                    .map(|other| i32::from(sent[other][n]))
                    .sum();
                assert_eq!(i32::from(sample), others, "party {me} at sample {n}");
            }
        }
    }
}

#[test]
fn a_party_that_sends_nothing_contributes_silence_and_stalls_no_one() {
    // Goal: a slow or lost leg never holds up the call: the others hear each other on every
    // tick. Method: the third party sends only every third tick.
    let mut mixer = CallMixer::new();
    let legs = three_legs(&mut mixer);
    mixer.conference(&legs).unwrap();
    for index in 0..30 {
        mixer
            .push_frame(legs[0], &tone(300.0, 5_000.0, index))
            .unwrap();
        mixer
            .push_frame(legs[1], &tone(500.0, 5_000.0, index))
            .unwrap();
        let slow_sent = index % 3 == 0;
        if slow_sent {
            mixer
                .push_frame(legs[2], &tone(900.0, 5_000.0, index))
                .unwrap();
        }
        mixer.tick(&SILENCE);
        let expected = if slow_sent {
            sum(&tone(500.0, 5_000.0, index), &tone(900.0, 5_000.0, index))
        } else {
            tone(500.0, 5_000.0, index)
        };
        assert_eq!(mixer.output(legs[0]).unwrap(), &expected, "tick {index}");
        assert_eq!(
            mixer.output(legs[2]).unwrap(),
            &sum(&tone(300.0, 5_000.0, index), &tone(500.0, 5_000.0, index))
        );
    }
}

#[test]
fn a_ulaw_customer_and_an_alaw_phone_hear_each_other_through_transcoding() {
    // Method: RTP packets both ways through two sessions and a bridge; what each side decodes
    // is the other's audio within G.711's quantisation error.
    let mut mixer = CallMixer::new();
    let customer = mixer.add_leg().unwrap();
    let phone = mixer.add_leg().unwrap();
    mixer.bridge(customer, phone).unwrap();
    let config = |ssrc| RtpSessionConfig {
        ssrc,
        first_sequence_number: 100,
        first_timestamp: 0,
    };
    let (mut customer_side, mut phone_side) =
        (RtpSession::new(config(1)), RtpSession::new(config(2)));
    let (mut customer_leg, mut phone_leg) =
        (RtpSession::new(config(3)), RtpSession::new(config(4)));
    let mut datagram = [0; 200];
    for index in 0..20 {
        let customer_says = tone(400.0, 10_000.0, index);
        let phone_says = tone(1_000.0, 10_000.0, index);
        for (sender, receiver, leg, codec, says) in [
            (
                &mut customer_side,
                &mut customer_leg,
                customer,
                G711::Pcmu,
                &customer_says,
            ),
            (
                &mut phone_side,
                &mut phone_leg,
                phone,
                G711::Pcma,
                &phone_says,
            ),
        ] {
            let len = sender.write_frame(codec, says, &mut datagram).unwrap();
            let Received::Packet {
                header,
                payload,
                in_order: true,
            } = receiver.receive(&datagram[..len])
            else {
                panic!("packet {index} refused");
            };
            assert_eq!(G711::from_payload_type(header.payload_type), Some(codec));
            mixer.push_encoded(leg, codec, payload).unwrap();
        }
        mixer.tick(&SILENCE);
        for (leg, session, codec, expected) in [
            (customer, &mut customer_leg, G711::Pcmu, &phone_says),
            (phone, &mut phone_leg, G711::Pcma, &customer_says),
        ] {
            let len = session
                .write_frame(codec, mixer.output(leg).unwrap(), &mut datagram)
                .unwrap();
            let mut heard = SILENCE;
            codec.decode(&datagram[12..len], &mut heard);
            for (&h, &e) in heard.iter().zip(expected) {
                // Two G.711 roundings of samples below 10,000 (steps of 512 there), each of
                // about half a step.
                assert!((i32::from(h) - i32::from(e)).abs() <= 512, "{h} vs {e}");
            }
        }
    }
    assert_eq!(customer_leg.stats().n_received, 20);
    assert_eq!(phone_leg.stats().n_lost, 0);
}

fn sum(a: &Frame, b: &Frame) -> Frame {
    let mut frame = SILENCE;
    for ((out, &x), &y) in frame.iter_mut().zip(a).zip(b) {
        *out = x + y;
    }
    frame
}
