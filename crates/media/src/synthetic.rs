//! Synthetic devices: a tone or a WAV file as a microphone, a WAV file as a speaker, a moving
//! test pattern as a camera. They stand in for hardware behind the same traits, for users
//! without it and for tests (the build machines have no camera and none can be emulated).

use std::path::PathBuf;

use crate::{
    AudioSink, AudioSource, Frame, MediaError, SAMPLE_RATE, VideoSource,
    device::{DeviceInfo, DeviceKind},
    wav::Wav,
};

/// The synthetic devices every machine offers, as the device dialog lists them.
pub fn devices() -> Vec<DeviceInfo> {
    let info = |id: &str, name: &str, kind| DeviceInfo {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
        synthetic: true,
    };
    vec![
        info(
            "synthetic:tone",
            "Test tone (440 Hz)",
            DeviceKind::Microphone,
        ),
        info("synthetic:pattern", "Test pattern", DeviceKind::Camera),
    ]
}

/// A sine tone, mono at 48 kHz: a microphone that always "speaks".
pub struct ToneSource {
    frequency: f32,
    amplitude: f32,
    phase: f32,
}

impl ToneSource {
    /// A tone of `frequency` Hz (20 to 20,000) at `amplitude` (0 to 1).
    pub fn new(frequency: f32, amplitude: f32) -> Result<Self, MediaError> {
        if !(20.0..=20_000.0).contains(&frequency) || !(0.0..=1.0).contains(&amplitude) {
            return Err(MediaError::Invalid(format!(
                "a tone is 20 to 20,000 Hz at an amplitude of 0 to 1, not {frequency} Hz at \
                 {amplitude}"
            )));
        }
        Ok(Self {
            frequency,
            amplitude,
            phase: 0.0,
        })
    }
}

impl AudioSource for ToneSource {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn channels(&self) -> u16 {
        1
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        let step = std::f32::consts::TAU * self.frequency / SAMPLE_RATE as f32;
        for s in out.iter_mut() {
            *s = self.phase.sin() * self.amplitude;
            // Kept within one turn so that precision does not drift over a long call.
            self.phase = (self.phase + step) % std::f32::consts::TAU;
        }
        Ok(out.len())
    }
}

/// A WAV file as a microphone: its sound once, or over and over.
pub struct WavSource {
    wav: Wav,
    at: usize,
    looped: bool,
}

impl WavSource {
    /// Opens the file (refused with the reason when it is not a usable WAV file).
    pub fn open(path: &std::path::Path, looped: bool) -> Result<Self, MediaError> {
        let wav = Wav::read(path)?;
        if wav.samples.is_empty() && looped {
            return Err(MediaError::BadWav("no sound to loop".into()));
        }
        Ok(Self { wav, at: 0, looped })
    }
}

impl AudioSource for WavSource {
    fn sample_rate(&self) -> u32 {
        self.wav.sample_rate
    }

    fn channels(&self) -> u16 {
        self.wav.channels
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        let mut written = 0;
        while written < out.len() {
            if self.at == self.wav.samples.len() {
                if !self.looped {
                    break;
                }
                self.at = 0;
            }
            let n = (out.len() - written).min(self.wav.samples.len() - self.at);
            out[written..written + n].copy_from_slice(&self.wav.samples[self.at..self.at + n]);
            written += n;
            self.at += n;
        }
        Ok(written)
    }
}

/// A WAV file as a speaker: what is played is recorded, and written out by `finish`.
pub struct WavSink {
    path: PathBuf,
    wav: Wav,
}

impl WavSink {
    /// Records to `path` at the given format.
    pub fn create(path: PathBuf, sample_rate: u32, channels: u16) -> Self {
        Self {
            path,
            wav: Wav {
                sample_rate,
                channels,
                samples: Vec::new(),
            },
        }
    }
}

impl AudioSink for WavSink {
    fn sample_rate(&self) -> u32 {
        self.wav.sample_rate
    }

    fn channels(&self) -> u16 {
        self.wav.channels
    }

    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        self.wav.samples.extend_from_slice(samples);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        self.wav.write(&self.path)
    }
}

/// Rows at the top of a pattern frame that carry its number.
const COUNTER_ROWS: u32 = 16;
/// Bits of the number.
const COUNTER_BITS: u32 = 32;

/// A moving test pattern that carries a frame counter: a camera for machines without one. Bars
/// scroll a few pixels per frame; the top rows hold the frame's number as 32 black or white
/// blocks, readable after lossy coding ([`PatternCamera::counter`]), so a test can tell which
/// frame arrived and whether any was lost or repeated. Frames come as fast as asked: the
/// pipeline paces them.
pub struct PatternCamera {
    width: u32,
    height: u32,
    fps: u32,
    number: u32,
}

impl PatternCamera {
    /// A camera of `width` x `height` (even, at least 64 wide) at `fps` frames per second.
    pub fn new(width: u32, height: u32, fps: u32) -> Result<Self, MediaError> {
        Frame::black(width, height)?;
        if width < 64 || height < COUNTER_ROWS * 2 || !(1..=60).contains(&fps) {
            return Err(MediaError::Invalid(format!(
                "a test pattern is at least 64x32 at 1 to 60 frames per second, not \
                 {width}x{height} at {fps}"
            )));
        }
        Ok(Self {
            width,
            height,
            fps,
            number: 0,
        })
    }

    /// The number a pattern frame carries, if it is one.
    pub fn counter(frame: &Frame) -> Option<u32> {
        let w = frame.width;
        if w < 64 || frame.height < COUNTER_ROWS * 2 {
            return None;
        }
        let block = w / COUNTER_BITS;
        let row = (COUNTER_ROWS / 2) as usize * w as usize;
        let mut n = 0u32;
        for bit in 0..COUNTER_BITS {
            let x = (bit * block + block / 2) as usize;
            let luma = *frame.data.get(row + x)?;
            n = (n << 1) | u32::from(luma >= 128);
        }
        Some(n)
    }
}

impl VideoSource for PatternCamera {
    fn frame_rate(&self) -> u32 {
        self.fps
    }

    fn next_frame(&mut self) -> Result<Frame, MediaError> {
        let mut frame = Frame::black(self.width, self.height)?;
        let (w, h) = (self.width as usize, self.height as usize);
        let shift = self.number as usize * 4;
        let block = (self.width / COUNTER_BITS) as usize;
        for y in 0..h {
            for x in 0..w {
                frame.data[y * w + x] = if y < COUNTER_ROWS as usize {
                    let bit = (x / block).min(COUNTER_BITS as usize - 1);
                    if self.number >> (COUNTER_BITS as usize - 1 - bit) & 1 == 1 {
                        235
                    } else {
                        16
                    }
                } else {
                    // Eight grey levels in bars 32 pixels wide, scrolling.
                    (16 + ((x + shift) / 32 % 8) * 27) as u8
                };
            }
        }
        // A colour that changes over time, so chroma is exercised too.
        let chroma = w * h;
        let quarter = (w / 2) * (h / 2);
        frame.data[chroma..chroma + quarter].fill(((self.number * 3) % 256) as u8);
        frame.pts_us = u64::from(self.number) * 1_000_000 / u64::from(self.fps);
        self.number = self.number.wrapping_add(1);
        Ok(frame)
    }
}

/// A speaker that plays nothing: for calls whose sound nobody listens to (a script's).
pub struct NullSink;

impl AudioSink for NullSink {
    fn sample_rate(&self) -> u32 {
        crate::SAMPLE_RATE
    }

    fn channels(&self) -> u16 {
        1
    }

    fn write(&mut self, _: &[f32]) -> Result<(), MediaError> {
        Ok(())
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tone_has_its_frequency_and_amplitude() {
        let mut tone = ToneSource::new(440.0, 0.5).unwrap();
        let mut one_second = vec![0.0; SAMPLE_RATE as usize];
        assert_eq!(tone.read(&mut one_second).unwrap(), one_second.len());
        // Two sign changes per period.
        let crossings = one_second
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((878..=882).contains(&crossings), "{crossings}");
        let peak = one_second.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((0.49..=0.5).contains(&peak), "{peak}");
        assert!(ToneSource::new(5.0, 0.5).is_err());
        assert!(ToneSource::new(440.0, 2.0).is_err());
    }

    #[test]
    fn a_wav_microphone_plays_its_file_once_or_looped_and_a_wav_speaker_records() {
        let dir = tempfile::tempdir().unwrap();
        let heard = dir.path().join("heard.wav");
        let mut speaker = WavSink::create(heard.clone(), SAMPLE_RATE, 1);
        let mut tone = ToneSource::new(1_000.0, 0.8).unwrap();
        let mut buf = vec![0.0; 480];
        for _ in 0..10 {
            tone.read(&mut buf).unwrap();
            speaker.write(&buf).unwrap();
        }
        speaker.finish().unwrap();

        let mut once = WavSource::open(&heard, false).unwrap();
        let mut all = vec![0.0; 6_000];
        assert_eq!(once.read(&mut all).unwrap(), 4_800);
        assert_eq!(once.read(&mut all).unwrap(), 0);
        let mut looped = WavSource::open(&heard, true).unwrap();
        assert_eq!(looped.read(&mut all).unwrap(), 6_000);
        assert!((all[4_800] - all[0]).abs() < 1e-6, "starts over");
        // Not a WAV file: refused with the reason.
        std::fs::write(dir.path().join("bad.wav"), b"not sound").unwrap();
        assert!(matches!(
            WavSource::open(&dir.path().join("bad.wav"), true),
            Err(MediaError::BadWav(_))
        ));
    }

    #[test]
    fn pattern_frames_carry_their_number_and_move() {
        let mut camera = PatternCamera::new(640, 360, 30).unwrap();
        let frames: Vec<Frame> = (0..3).map(|_| camera.next_frame().unwrap()).collect();
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.data.len(), Frame::i420_len(640, 360));
            assert_eq!(PatternCamera::counter(f), Some(i as u32));
        }
        assert_eq!(frames[2].pts_us, 66_666);
        assert_ne!(frames[0].data, frames[1].data, "the pattern moves");
        // The counter survives noise short of flipping a block.
        let mut noisy = frames[2].clone();
        for (i, p) in noisy.data.iter_mut().enumerate() {
            *p = p.saturating_add((i % 40) as u8);
        }
        assert_eq!(PatternCamera::counter(&noisy), Some(2));
        for (w, h, fps) in [(63, 360, 30), (640, 361, 30), (640, 360, 0), (8192, 64, 30)] {
            assert!(PatternCamera::new(w, h, fps).is_err(), "{w}x{h}@{fps}");
        }
    }
}
