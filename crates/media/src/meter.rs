//! The microphone level meter of the device test (and, later, of the call view's "who is
//! speaking"): levels over 20 ms windows, in dBFS.

/// Quietest level reported: silence reads as this, not as minus infinity.
pub const FLOOR_DB: f32 = -90.0;

/// One window's level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Loudest sample, dBFS (0 is full scale).
    pub peak_db: f32,
    /// Root mean square, dBFS.
    pub rms_db: f32,
}

/// Measures interleaved samples in windows of 20 ms, whatever the size of the buffers fed.
pub struct LevelMeter {
    window: usize,
    count: usize,
    peak: f32,
    sum_squares: f64,
}

fn db(amplitude: f64) -> f32 {
    if amplitude <= 0.0 {
        return FLOOR_DB;
    }
    ((20.0 * amplitude.log10()) as f32).clamp(FLOOR_DB, 0.0)
}

impl LevelMeter {
    /// A meter for `channels` interleaved channels at `sample_rate` (20 ms windows).
    pub fn new(sample_rate: u32, channels: u16) -> Self {
        Self {
            window: (sample_rate as usize / 50 * usize::from(channels.max(1))).max(1),
            count: 0,
            peak: 0.0,
            sum_squares: 0.0,
        }
    }

    /// Feeds samples; returns the level of every window they completed, oldest first.
    pub fn feed(&mut self, samples: &[f32]) -> Vec<Level> {
        let mut out = Vec::new();
        for &s in samples {
            // A sample out of range (or not a number) counts as full scale: the meter shows
            // clipping instead of hiding it.
            let a = if s.is_finite() { s.abs().min(1.0) } else { 1.0 };
            self.peak = self.peak.max(a);
            self.sum_squares += f64::from(a) * f64::from(a);
            self.count += 1;
            if self.count == self.window {
                out.push(Level {
                    peak_db: db(f64::from(self.peak)),
                    rms_db: db((self.sum_squares / self.count as f64).sqrt()),
                });
                self.count = 0;
                self.peak = 0.0;
                self.sum_squares = 0.0;
            }
        }
        out
    }
}

/// The power of one frequency in a block of samples (the Goertzel algorithm): how tests and
/// the level display tell a tone from silence or from another tone without a full FFT.
pub fn goertzel(samples: &[f32], sample_rate: u32, frequency: f32) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let w = 2.0 * std::f32::consts::PI * frequency / sample_rate as f32;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in samples {
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    power / (samples.len() as f32 * samples.len() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AudioSource, SAMPLE_RATE, synthetic::ToneSource};

    #[test]
    fn a_tone_reads_its_level_and_silence_the_floor() {
        let mut meter = LevelMeter::new(SAMPLE_RATE, 1);
        let mut tone = ToneSource::new(440.0, 0.5).unwrap();
        // Fed in odd-sized buffers: windows still close every 20 ms.
        let mut levels = Vec::new();
        for _ in 0..10 {
            let mut buf = vec![0.0; 700];
            tone.read(&mut buf).unwrap();
            levels.extend(meter.feed(&buf));
        }
        assert_eq!(levels.len(), 7_000 / 960);
        for l in &levels {
            // Peak of 0.5 is -6 dBFS; a sine's RMS is 3 dB below its peak.
            assert!((l.peak_db + 6.02).abs() < 0.1, "{l:?}");
            assert!((l.rms_db + 9.03).abs() < 0.2, "{l:?}");
        }
        // The window the tone left open closes with silence in it; the next is silence alone.
        let after = meter.feed(&[0.0; 960 * 2]);
        assert_eq!(after.len(), 2);
        assert!(after[0].peak_db > FLOOR_DB);
        assert_eq!((after[1].peak_db, after[1].rms_db), (FLOOR_DB, FLOOR_DB));
        let clipped = LevelMeter::new(SAMPLE_RATE, 2).feed(&[f32::NAN; 1_920]);
        assert_eq!(clipped[0].peak_db, 0.0);
    }
}
