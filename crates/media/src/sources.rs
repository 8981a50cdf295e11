//! Who is heard and seen in a meeting. The SFU forwards everyone on a few lines that change
//! hands as people come and go, and names each packet's publisher in its CSRC list (a number
//! the app derives from who they are); these counters tally what arrived from each and how
//! loud each was lately, which is what per-participant figures and the speaking highlight need.
//! A 1:1 call's packets name nobody (CSRC 0) and are tallied under 0.

use std::{
    collections::BTreeMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// A decoded frame louder than this (RMS, full scale 1.0; about -40 dBFS) is speech, not the
/// encoder's comfort noise or a quiet room.
const SPEAKING_RMS: f32 = 0.01;

/// How long someone still counts as speaking after their last loud frame: the pauses between
/// words do not make the highlight blink.
const SPEAKING_HOLD: Duration = Duration::from_millis(500);

/// One publisher's media as received here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStats {
    /// The CSRC the SFU put on its packets (0: none, a 1:1 call).
    pub source: u32,
    /// Audio packets received from it.
    pub audio_packets: u64,
    /// How loud it was lately: the RMS of its decoded frames, smoothed (full scale 1.0).
    pub level: f32,
    /// It spoke within the last half second.
    pub speaking: bool,
    /// Its video frames decoded.
    pub video_frames: u64,
    /// The size of its last picture.
    pub video_size: Option<(u32, u32)>,
    /// The video line (tile) its pictures arrive on now, in the order lines first carried
    /// someone.
    pub tile: Option<usize>,
}

#[derive(Default)]
struct Entry {
    stats: SourceStats,
    last_loud: Option<Instant>,
}

/// The tallies, shared by the audio player and the video receivers of one connection.
#[derive(Default)]
pub struct Sources(Mutex<BTreeMap<u32, Entry>>);

impl Sources {
    fn with(&self, source: u32, f: impl FnOnce(&mut Entry)) {
        let mut all = self.0.lock().expect("sources poisoned");
        f(all.entry(source).or_default());
    }

    /// An audio packet from `source` arrived.
    pub(crate) fn audio_packet(&self, source: u32) {
        self.with(source, |e| e.stats.audio_packets += 1);
    }

    /// A frame of `source`'s audio was decoded (concealment is not counted: it says nothing
    /// of how loud they are).
    pub(crate) fn audio_frame(&self, source: u32, frame: &[f32], now: Instant) {
        let rms = if frame.is_empty() {
            0.0
        } else {
            (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt()
        };
        self.with(source, |e| {
            e.stats.level = 0.7 * e.stats.level + 0.3 * rms;
            if rms > SPEAKING_RMS {
                e.last_loud = Some(now);
            }
        });
    }

    /// A picture of `source`'s was decoded, from the video line `tile` (which nobody else
    /// holds from now on).
    pub(crate) fn video_frame(&self, source: u32, size: (u32, u32), tile: usize) {
        let mut all = self.0.lock().expect("sources poisoned");
        if all.get(&source).and_then(|e| e.stats.tile) != Some(tile) {
            for entry in all.values_mut() {
                if entry.stats.tile == Some(tile) {
                    entry.stats.tile = None;
                }
            }
        }
        let entry = all.entry(source).or_default();
        entry.stats.video_frames += 1;
        entry.stats.video_size = Some(size);
        entry.stats.tile = Some(tile);
    }

    /// Every publisher received from so far, by source, as of `now`.
    pub fn snapshot(&self, now: Instant) -> Vec<SourceStats> {
        let all = self.0.lock().expect("sources poisoned");
        all.iter()
            .map(|(&source, e)| SourceStats {
                source,
                speaking: e
                    .last_loud
                    .is_some_and(|t| now.saturating_duration_since(t) < SPEAKING_HOLD),
                ..e.stats.clone()
            })
            .collect()
    }
}

/// The publisher a packet names (the SFU puts exactly one CSRC), or 0.
pub(crate) fn source_of(header: &rtc::rtp::Header) -> u32 {
    header.csrc.first().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_is_tallied_and_speaks_only_while_loud() {
        let sources = Sources::default();
        let start = Instant::now();
        sources.audio_packet(7);
        sources.audio_packet(7);
        sources.audio_frame(7, &[0.5; 960], start);
        sources.audio_frame(9, &[0.0; 960], start);
        sources.video_frame(9, (640, 360), 0);
        let now = sources.snapshot(start + Duration::from_millis(100));
        assert_eq!(now.len(), 2);
        assert_eq!((now[0].source, now[0].audio_packets), (7, 2));
        assert!(now[0].speaking && now[0].level > 0.1, "{now:?}");
        assert!(!now[1].speaking && now[1].level == 0.0, "{now:?}");
        assert_eq!(
            (now[1].video_frames, now[1].video_size),
            (1, Some((640, 360)))
        );
        assert_eq!(now[1].tile, Some(0));
        let later = sources.snapshot(start + Duration::from_secs(1));
        assert!(!later[0].speaking, "the highlight ends after the hold");
        // The line passes to someone else: only they are on it now.
        sources.video_frame(7, (320, 180), 0);
        let after = sources.snapshot(start);
        assert_eq!((after[0].tile, after[1].tile), (Some(0), None));
    }
}
