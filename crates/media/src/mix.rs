//! One call's relay and mixer: who hears whom, tick by tick, in linear PCM.
//!
//! Each leg of the call pushes the frames it receives; every 20 ms the driver calls
//! [`CallMixer::tick`], and each leg's output is then the frame to send it: the other party
//! (bridge), the sum of the others (conference), music (hold) or silence. A leg that sent
//! nothing this tick contributes silence, so a slow or lost leg never holds up the others.
//!
//! Each leg keeps at most [`FRAMES_QUEUED_MAX`] frames received since the last tick, not only
//! the last one: a phone's 20 ms and ours drift and jitter against each other, so two packets
//! often land in one tick and none in the next; keeping both plays both, at the cost of at most
//! one frame (20 ms) of added delay. When the queue is full the oldest frame is dropped, so the
//! delay never grows.
//!
//! A leg that hears exactly one other leg (a bridge) can be sent that leg's payload untouched
//! ([`CallMixer::passthrough`]) when it arrived in the same codec this tick and was pushed
//! as received: G.711 decoding is not one-to-one (µ-law 0x7F, −0, decodes to the same 0 as
//! 0xFF, and 0 encodes as 0xFF), so re-encoding would change a few codes of a same-codec
//! call; relayed untouched, a bridged same-codec call with no processing is bit-exact (R1).
//!
//! The topology operations follow the engine's telephony commands (`Bridge`, `Conference`,
//! `Hold`): each one says what the legs it names hear, and takes those legs out of every other
//! leg's hearing.

use crate::{FRAME_SAMPLES, Frame, G711, SILENCE};

/// The most legs one call's mixer holds (a customer, agents, consulted parties).
pub const LEGS_MAX: usize = 8;

/// The most frames a leg keeps between two ticks (see the module's documentation).
pub const FRAMES_QUEUED_MAX: usize = 2;

/// A leg of a [`CallMixer`]: a handle given by [`CallMixer::add_leg`].
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct MixLeg(u8);

/// The relay and mixer of one call.
#[derive(Clone, Debug, Default)]
pub struct CallMixer {
    /// Indexed by [`MixLeg`]; `None` for a slot whose leg was removed.
    legs: Vec<Option<LegMix>>,
}

/// Why a mixer operation was refused.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MixError {
    /// The call already has [`LEGS_MAX`] legs.
    #[error("a call mixes at most {LEGS_MAX} legs")]
    TooManyLegs,
    /// The leg is not (or no longer) in this mixer.
    #[error("leg {0:?} is not in this call's mixer")]
    UnknownLeg(MixLeg),
    /// A leg cannot be bridged to itself.
    #[error("leg {0:?} cannot be bridged to itself")]
    SameLeg(MixLeg),
    /// An encoded frame must hold one 20 ms frame.
    #[error("a payload of {0} bytes is not one 20 ms G.711 frame of 160")]
    FrameLength(usize),
}

impl CallMixer {
    /// A mixer with no legs.
    pub fn new() -> Self {
        CallMixer::default()
    }

    /// Adds a leg that hears nothing and is heard by no one until a topology operation names it.
    pub fn add_leg(&mut self) -> Result<MixLeg, MixError> {
        let slot = match self.legs.iter().position(Option::is_none) {
            Some(free) => free,
            None if self.legs.len() < LEGS_MAX => {
                self.legs.push(None);
                self.legs.len() - 1
            }
            None => return Err(MixError::TooManyLegs),
        };
        self.legs[slot] = Some(LegMix::new());
        Ok(MixLeg(slot as u8))
    }

    /// Removes a leg (it hung up); no one hears it any more. Its handle may be given again.
    pub fn remove_leg(&mut self, leg: MixLeg) -> Result<(), MixError> {
        self.leg_mut(leg)?;
        self.legs[usize::from(leg.0)] = None;
        self.stop_hearing(bit(leg));
        Ok(())
    }

    /// Queues the frame `leg` sent, for the next tick.
    pub fn push_frame(&mut self, leg: MixLeg, frame: &Frame) -> Result<(), MixError> {
        let slot = self.leg_mut(leg)?.queue_slot();
        slot.frame = *frame;
        slot.codec = None;
        Ok(())
    }

    /// Decodes and queues the G.711 frame `leg` sent, for the next tick.
    pub fn push_encoded(
        &mut self,
        leg: MixLeg,
        codec: G711,
        payload: &[u8],
    ) -> Result<(), MixError> {
        if payload.len() != FRAME_SAMPLES {
            return Err(MixError::FrameLength(payload.len()));
        }
        let slot = self.leg_mut(leg)?.queue_slot();
        codec.decode(payload, &mut slot.frame);
        slot.payload.copy_from_slice(payload);
        slot.codec = Some(codec);
        Ok(())
    }

    /// Connects `a` and `b` to each other only: each hears the other, and no other leg hears
    /// either of them. Takes both off hold.
    pub fn bridge(&mut self, a: MixLeg, b: MixLeg) -> Result<(), MixError> {
        if a == b {
            return Err(MixError::SameLeg(a));
        }
        self.connect(&[a, b])
    }

    /// Mixes `legs` together: each hears the sum of the others, and no other leg hears any of
    /// them. Takes them off hold.
    pub fn conference(&mut self, legs: &[MixLeg]) -> Result<(), MixError> {
        self.connect(legs)
    }

    /// Plays music on hold to `leg`, detached from the others: no other leg hears it.
    pub fn hold(&mut self, leg: MixLeg) -> Result<(), MixError> {
        let mix = self.leg_mut(leg)?;
        mix.hears = 0;
        mix.hears_music = true;
        self.stop_hearing(bit(leg));
        Ok(())
    }

    /// Detaches `leg`: it hears silence and no other leg hears it.
    pub fn detach(&mut self, leg: MixLeg) -> Result<(), MixError> {
        let mix = self.leg_mut(leg)?;
        mix.hears = 0;
        mix.hears_music = false;
        self.stop_hearing(bit(leg));
        Ok(())
    }

    /// Moves the call on by one 20 ms frame: takes each leg's oldest queued frame (or silence)
    /// and computes every leg's output; legs on hold hear `music`.
    pub fn tick(&mut self, music: &Frame) {
        for mix in self.legs.iter_mut().flatten() {
            mix.take_frame();
        }
        for index in 0..self.legs.len() {
            let Some(mix) = &self.legs[index] else {
                continue;
            };
            let output = if mix.hears_music {
                *music
            } else {
                self.sum_of(mix.hears)
            };
            if let Some(mix) = &mut self.legs[index] {
                mix.output = output;
            }
        }
    }

    /// What `leg` hears this tick: the frame to encode and send it.
    pub fn output(&self, leg: MixLeg) -> Result<&Frame, MixError> {
        self.legs
            .get(usize::from(leg.0))
            .and_then(Option::as_ref)
            .map(|mix| &mix.output)
            .ok_or(MixError::UnknownLeg(leg))
    }

    /// What `leg` sent this tick (silence if nothing): the frame the others hear from it.
    pub fn input(&self, leg: MixLeg) -> Result<&Frame, MixError> {
        self.legs
            .get(usize::from(leg.0))
            .and_then(Option::as_ref)
            .map(|mix| &mix.current.frame)
            .ok_or(MixError::UnknownLeg(leg))
    }

    /// The payload to send `leg` untouched instead of encoding [`CallMixer::output`], if there
    /// is one: `leg` hears exactly one other leg (a bridge, not music), and that leg's frame
    /// this tick arrived as a `codec` payload through [`CallMixer::push_encoded`]. The
    /// output decoded from it is the same audio, so either may be sent; this one is bit-exact.
    pub fn passthrough(&self, leg: MixLeg, codec: G711) -> Option<&[u8; FRAME_SAMPLES]> {
        let mix = self.legs.get(usize::from(leg.0))?.as_ref()?;
        if mix.hears_music || mix.hears.count_ones() != 1 {
            return None;
        }
        let source = self
            .legs
            .get(mix.hears.trailing_zeros() as usize)?
            .as_ref()?;
        (source.current.codec == Some(codec)).then_some(&source.current.payload)
    }

    /// Frames of `leg` dropped because it sent more than [`FRAMES_QUEUED_MAX`] in one tick.
    pub fn n_frames_dropped(&self, leg: MixLeg) -> Result<u64, MixError> {
        self.legs
            .get(usize::from(leg.0))
            .and_then(Option::as_ref)
            .map(|mix| mix.n_frames_dropped)
            .ok_or(MixError::UnknownLeg(leg))
    }

    /// Makes each of `legs` hear all the others, and no leg outside hear any of them.
    fn connect(&mut self, legs: &[MixLeg]) -> Result<(), MixError> {
        let mut group = 0;
        for &leg in legs {
            self.leg_mut(leg)?;
            group |= bit(leg);
        }
        self.stop_hearing(group);
        for &leg in legs {
            let mix = self.leg_mut(leg)?;
            mix.hears = group & !bit(leg);
            mix.hears_music = false;
        }
        Ok(())
    }

    /// Takes the legs in `group` out of every leg's hearing.
    fn stop_hearing(&mut self, group: u32) {
        for mix in self.legs.iter_mut().flatten() {
            mix.hears &= !group;
        }
    }

    /// The saturated sum of this tick's frames from the legs in `group`.
    fn sum_of(&self, group: u32) -> Frame {
        let mut sum = [0i32; FRAME_SAMPLES];
        let heard = self
            .legs
            .iter()
            .enumerate()
            .filter(|(index, _)| group & (1 << index) != 0)
            .filter_map(|(_, mix)| mix.as_ref());
        for mix in heard {
            for (total, &sample) in sum.iter_mut().zip(&mix.current.frame) {
                *total += i32::from(sample);
            }
        }
        let mut frame = SILENCE;
        for (sample, &total) in frame.iter_mut().zip(&sum) {
            // Saturate the total rather than each partial sum, so the order of legs is moot.
            *sample = total.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
        frame
    }

    fn leg_mut(&mut self, leg: MixLeg) -> Result<&mut LegMix, MixError> {
        self.legs
            .get_mut(usize::from(leg.0))
            .and_then(Option::as_mut)
            .ok_or(MixError::UnknownLeg(leg))
    }
}

/// One leg's place in the mix.
#[derive(Clone, Debug)]
struct LegMix {
    /// Frames received since the last tick, oldest first.
    queued: [Queued; FRAMES_QUEUED_MAX],
    /// How many of `queued` hold frames.
    n_queued: usize,
    /// What this leg contributes this tick.
    current: Queued,
    /// What this leg hears this tick.
    output: Frame,
    /// The legs this leg hears, one bit per [`MixLeg`].
    hears: u32,
    /// This leg hears music on hold instead of any leg.
    hears_music: bool,
    /// Frames dropped because the queue was full.
    n_frames_dropped: u64,
}

/// A frame a leg sent, and its payload when it came encoded and untouched.
#[derive(Clone, Debug)]
struct Queued {
    /// The decoded (or pushed) audio.
    frame: Frame,
    /// The codec of `payload`; `None` when the frame was pushed decoded (or is silence).
    codec: Option<G711>,
    /// The payload as received, when `codec` is set.
    payload: [u8; FRAME_SAMPLES],
}

impl Queued {
    const SILENCE: Queued = Queued {
        frame: SILENCE,
        codec: None,
        payload: [0; FRAME_SAMPLES],
    };
}

impl LegMix {
    fn new() -> Self {
        LegMix {
            queued: [Queued::SILENCE; FRAMES_QUEUED_MAX],
            n_queued: 0,
            current: Queued::SILENCE,
            output: SILENCE,
            hears: 0,
            hears_music: false,
            n_frames_dropped: 0,
        }
    }

    /// The queue slot for a new frame, dropping the oldest frame if the queue is full.
    fn queue_slot(&mut self) -> &mut Queued {
        if self.n_queued == FRAMES_QUEUED_MAX {
            self.queued.rotate_left(1);
            self.n_queued -= 1;
            self.n_frames_dropped += 1;
        }
        self.n_queued += 1;
        &mut self.queued[self.n_queued - 1]
    }

    /// Makes the oldest queued frame (or silence) this tick's contribution.
    fn take_frame(&mut self) {
        if self.n_queued == 0 {
            self.current.frame = SILENCE;
            self.current.codec = None;
        } else {
            self.current = self.queued[0].clone();
            self.queued.rotate_left(1);
            self.n_queued -= 1;
        }
    }
}

fn bit(leg: MixLeg) -> u32 {
    1 << leg.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(value: i16) -> Frame {
        [value; FRAME_SAMPLES]
    }

    #[test]
    fn a_bridge_relays_each_leg_to_the_other_and_silence_for_a_leg_that_sent_nothing() {
        let mut mixer = CallMixer::new();
        let a = mixer.add_leg().unwrap();
        let b = mixer.add_leg().unwrap();
        mixer.bridge(a, b).unwrap();
        mixer.push_frame(a, &frame(100)).unwrap();
        mixer.tick(&frame(7));
        assert_eq!(mixer.output(b), Ok(&frame(100)));
        assert_eq!(mixer.output(a), Ok(&SILENCE), "b sent nothing");
    }

    #[test]
    fn two_frames_in_one_tick_are_both_played_and_a_third_drops_the_oldest() {
        let mut mixer = CallMixer::new();
        let a = mixer.add_leg().unwrap();
        let b = mixer.add_leg().unwrap();
        mixer.bridge(a, b).unwrap();
        for value in [1, 2, 3] {
            mixer.push_frame(a, &frame(value)).unwrap();
        }
        let mut heard = Vec::new();
        for _ in 0..3 {
            mixer.tick(&SILENCE);
            heard.push(mixer.output(b).unwrap()[0]);
        }
        assert_eq!(heard, [2, 3, 0]);
        assert_eq!(mixer.n_frames_dropped(a), Ok(1));
    }

    #[test]
    fn bridging_takes_both_legs_out_of_an_earlier_conference() {
        let mut mixer = CallMixer::new();
        let legs: Vec<MixLeg> = (0..3).map(|_| mixer.add_leg().unwrap()).collect();
        mixer.conference(&legs).unwrap();
        mixer.bridge(legs[0], legs[1]).unwrap();
        for (leg, value) in legs.iter().zip([1, 10, 100]) {
            mixer.push_frame(*leg, &frame(value)).unwrap();
        }
        mixer.tick(&SILENCE);
        assert_eq!(mixer.output(legs[0]), Ok(&frame(10)));
        assert_eq!(mixer.output(legs[1]), Ok(&frame(1)));
        assert_eq!(mixer.output(legs[2]), Ok(&SILENCE));
    }

    #[test]
    fn a_conference_saturates_instead_of_wrapping() {
        let mut mixer = CallMixer::new();
        let legs: Vec<MixLeg> = (0..3).map(|_| mixer.add_leg().unwrap()).collect();
        mixer.conference(&legs).unwrap();
        mixer.push_frame(legs[0], &frame(i16::MAX)).unwrap();
        mixer.push_frame(legs[1], &frame(30_000)).unwrap();
        mixer.push_frame(legs[2], &frame(-30_000)).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(mixer.output(legs[2]), Ok(&frame(i16::MAX)));
        assert_eq!(mixer.output(legs[1]), Ok(&frame(2_767)));
        assert_eq!(mixer.output(legs[0]), Ok(&SILENCE));
    }

    #[test]
    fn legs_are_limited_and_removed_legs_are_unknown_and_unheard() {
        let mut mixer = CallMixer::new();
        let legs: Vec<MixLeg> = (0..LEGS_MAX).map(|_| mixer.add_leg().unwrap()).collect();
        assert_eq!(mixer.add_leg(), Err(MixError::TooManyLegs));
        mixer.conference(&legs).unwrap();
        mixer.remove_leg(legs[3]).unwrap();
        assert_eq!(
            mixer.push_frame(legs[3], &SILENCE),
            Err(MixError::UnknownLeg(legs[3]))
        );
        assert_eq!(mixer.output(legs[3]), Err(MixError::UnknownLeg(legs[3])));
        assert_eq!(
            mixer.bridge(legs[0], legs[0]),
            Err(MixError::SameLeg(legs[0]))
        );
        let again = mixer.add_leg().unwrap();
        assert_eq!(again, legs[3], "the free slot is reused");
        mixer.push_frame(again, &frame(5)).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(
            mixer.output(legs[0]),
            Ok(&SILENCE),
            "a new leg is heard by no one"
        );
    }

    #[test]
    fn r1_a_bridge_passes_a_same_codec_payload_untouched_even_minus_zero() {
        let mut mixer = CallMixer::new();
        let a = mixer.add_leg().unwrap();
        let b = mixer.add_leg().unwrap();
        let c = mixer.add_leg().unwrap();
        mixer.bridge(a, b).unwrap();
        // µ-law 0x7F is −0: decoded and encoded again it would become 0xFF.
        let payload: [u8; FRAME_SAMPLES] = std::array::from_fn(|n| [0x7F, 0x00, 0x80, 0x35][n % 4]);
        mixer.push_encoded(a, G711::Pcmu, &payload).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(mixer.passthrough(b, G711::Pcmu), Some(&payload));
        let mut reencoded = [0u8; FRAME_SAMPLES];
        G711::Pcmu.encode(mixer.output(b).unwrap(), &mut reencoded);
        assert_ne!(
            reencoded, payload,
            "re-encoding is not bit-exact, hence the passthrough"
        );
        assert_eq!(
            mixer.passthrough(b, G711::Pcma),
            None,
            "another codec is transcoded"
        );
        assert_eq!(mixer.passthrough(a, G711::Pcmu), None, "b sent nothing");
        // A processed (pushed) frame, music and a conference are never passed through.
        mixer.push_frame(a, &frame(5)).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(mixer.passthrough(b, G711::Pcmu), None);
        mixer.push_encoded(a, G711::Pcmu, &payload).unwrap();
        mixer.hold(b).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(mixer.passthrough(b, G711::Pcmu), None);
        mixer.conference(&[a, b, c]).unwrap();
        mixer.push_encoded(a, G711::Pcmu, &payload).unwrap();
        mixer.tick(&SILENCE);
        assert_eq!(mixer.passthrough(b, G711::Pcmu), None);
    }

    #[test]
    fn an_encoded_frame_must_be_20_ms() {
        let mut mixer = CallMixer::new();
        let a = mixer.add_leg().unwrap();
        assert_eq!(
            mixer.push_encoded(a, G711::Pcmu, &[0xFF; 80]),
            Err(MixError::FrameLength(80))
        );
    }
}
