//! The send-side bandwidth estimate of a call (Google Congestion Control over transport-wide
//! feedback from the receiver), and what the video sender makes of it: a bitrate for the encoder
//! and a picture size.
//!
//! The estimator runs inside the connection's interceptor chain, which owns it; this module
//! wraps it so that each new figure is also published where the video sender can read it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use rtc::interceptor::{BandwidthEstimator, EstimatorStats, PacketReport};

/// The latest estimate, shared by the estimator and the senders, and how far behind the path
/// is: audio packets handed to the connection that the other side has not reported yet.
///
/// The pacer sends at the estimate and queues the rest without bound, and says nothing of its
/// queue. The audio tells instead: one packet every 20 ms, each reported once (arrived or lost)
/// by the receiver's feedback, so the packets not reported yet are the queue, the path and the
/// feedback's own delay, in 20 ms steps — counted in packets, which both ends agree on.
#[derive(Debug, Clone)]
pub struct Estimate(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    bps: AtomicU64,
    audio_ssrc: u32,
    audio_handed: AtomicU64,
    audio_reported: AtomicU64,
}

impl Estimate {
    fn new(bps: f64, audio_ssrc: u32) -> Self {
        Self(Arc::new(Shared {
            bps: AtomicU64::new(bps.to_bits()),
            audio_ssrc,
            audio_handed: AtomicU64::new(0),
            audio_reported: AtomicU64::new(0),
        }))
    }

    /// Bits per second the path is judged to carry now.
    pub fn bps(&self) -> f64 {
        f64::from_bits(self.0.bps.load(Ordering::Relaxed))
    }

    fn set(&self, bps: f64) {
        self.0.bps.store(bps.to_bits(), Ordering::Relaxed);
    }

    /// One audio packet handed to the connection.
    pub(crate) fn audio_sent(&self) {
        self.0.audio_handed.fetch_add(1, Ordering::Relaxed);
    }

    /// Audio packets sent and not reported yet by the other side.
    pub fn audio_unreported(&self) -> u64 {
        let handed = self.0.audio_handed.load(Ordering::Relaxed);
        handed.saturating_sub(self.0.audio_reported.load(Ordering::Relaxed))
    }
}

/// An estimator that publishes its figure after each of the two calls that can move it
/// (`target_bitrate` takes `&self`, so it cannot).
pub(crate) struct Published<E> {
    inner: E,
    estimate: Estimate,
}

impl<E: BandwidthEstimator> Published<E> {
    pub(crate) fn new(inner: E, audio_ssrc: u32) -> (Self, Estimate) {
        let estimate = Estimate::new(inner.target_bitrate(), audio_ssrc);
        (
            Self {
                inner,
                estimate: estimate.clone(),
            },
            estimate,
        )
    }
}

impl<E: BandwidthEstimator> BandwidthEstimator for Published<E> {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        let audio = reports
            .iter()
            .filter(|r| r.ssrc == self.estimate.0.audio_ssrc)
            .count();
        self.estimate
            .0
            .audio_reported
            .fetch_add(audio as u64, Ordering::Relaxed);
        self.inner.on_reports(now, reports);
        self.estimate.set(self.inner.target_bitrate());
    }

    fn target_bitrate(&self) -> f64 {
        self.inner.target_bitrate()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.inner.handle_timeout(now);
        self.estimate.set(self.inner.target_bitrate());
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }

    fn stats(&self) -> EstimatorStats {
        self.inner.stats()
    }
}

/// Below this video bitrate a 1280x720 picture is not worth sending: it goes at 640x360.
pub const HD_FROM_KBPS: u32 = 1_200;
/// Once at 1280x720, the picture drops back only below this (no flapping around one figure).
pub const HD_UNTIL_KBPS: u32 = 900;
/// The least a video encoder is given: below it the picture is not worth having.
pub const MIN_VIDEO_KBPS: u32 = 150;

/// Share of the estimate the encoders aim for. The pacer sends at exactly the estimate and
/// queues the rest, so aiming at all of it would let packet headers and the encoder's overshoot
/// (a keyframe, a scene change) build a queue that only grows: the call's delay with it.
pub const HEADROOM: f64 = 0.85;

/// What the video sender aims for, from the estimate: what is left of its share once the audio
/// is served, within `MIN_VIDEO_KBPS..=max_kbps`.
pub fn video_kbps(estimate_bps: f64, audio_bps: u32, max_kbps: u32) -> u32 {
    let left = (estimate_bps * HEADROOM - f64::from(audio_bps)).max(0.0) / 1000.0;
    (left as u32).clamp(MIN_VIDEO_KBPS, max_kbps.max(MIN_VIDEO_KBPS))
}

/// The size to send a camera's `width`x`height` picture at, given the video bitrate and the
/// size sent so far: 1280x720 (or the camera's size when smaller) on a path that carries it,
/// else 640x360; never larger than the camera, and the aspect kept.
pub fn send_size(camera: (u32, u32), kbps: u32, current: Option<(u32, u32)>) -> (u32, u32) {
    let (w, h) = camera;
    let hd_now = current.is_some_and(|(_, ch)| ch > 360);
    let hd = if hd_now {
        kbps >= HD_UNTIL_KBPS
    } else {
        kbps >= HD_FROM_KBPS
    };
    let max_h = if hd { 720 } else { 360 };
    if h <= max_h {
        return (w & !1, h & !1);
    }
    let scaled_w = (u64::from(w) * u64::from(max_h) / u64::from(h)) as u32;
    (scaled_w & !1, max_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_is_served_first_and_the_video_stays_in_bounds() {
        assert_eq!(video_kbps(1_240_000.0, 32_000, 2_500), 1_022);
        assert_eq!(video_kbps(50_000.0, 32_000, 2_500), MIN_VIDEO_KBPS);
        assert_eq!(video_kbps(9e9, 32_000, 2_500), 2_500);
    }

    #[test]
    fn the_picture_grows_on_a_wide_path_and_shrinks_on_a_narrow_one() {
        let cam = (1280, 720);
        assert_eq!(send_size(cam, 800, None), (640, 360));
        assert_eq!(send_size(cam, 1_300, None), (1280, 720));
        // Between the two thresholds it stays where it is.
        assert_eq!(send_size(cam, 1_000, Some((1280, 720))), (1280, 720));
        assert_eq!(send_size(cam, 1_000, Some((640, 360))), (640, 360));
        assert_eq!(send_size(cam, 600, Some((1280, 720))), (640, 360));
        // A small camera is sent as it is; a wide one keeps its shape.
        assert_eq!(send_size((320, 240), 2_000, None), (320, 240));
        assert_eq!(send_size((1920, 1080), 2_000, None), (1280, 720));
        assert_eq!(send_size((1920, 800), 500, None), (864, 360));
    }
}
