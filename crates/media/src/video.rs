//! The video path of a call: camera → I420 → VP8 → RTP at the camera's frame rate, and RTP →
//! whole VP8 frames → I420 → the view. Frames are counted on both sides for the call's figures.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use confer_vpx::{Decoder, Encoder};
use rtc::{
    media::{Sample, io::sample_builder::SampleBuilder},
    rtp::codec::vp8::Vp8Packet,
};
use tokio::sync::watch;
use webrtc::media_stream::{
    track_local::static_sample::TrackLocalStaticSample,
    track_remote::{TrackRemote, TrackRemoteEvent},
};

use crate::{Frame, MediaError, VideoSink, VideoSource};

/// Default send size and bitrate: 640x360 at 30 fps fits a LAN and a laptop's CPU.
pub const DEFAULT_BITRATE_KBPS: u32 = 800;

/// Video frame counters of a call.
#[derive(Debug, Default)]
pub struct VideoCounters {
    /// Frames encoded and sent.
    pub sent: AtomicU64,
    /// Whole frames received.
    pub received: AtomicU64,
    /// Frames decoded into pictures.
    pub decoded: AtomicU64,
    /// The camera is off: black frames go out.
    pub camera_off: std::sync::atomic::AtomicBool,
}

fn vpx(e: confer_vpx::VpxError) -> MediaError {
    MediaError::Codec(e.to_string())
}

/// Sends the camera at its frame rate until `stop`.
pub(crate) async fn send_video(
    mut camera: Box<dyn VideoSource>,
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
    bitrate_kbps: u32,
    counters: Arc<VideoCounters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let fps = camera.frame_rate().clamp(1, 60);
    let period = Duration::from_secs(1) / fps;
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut encoder: Option<Encoder> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return Ok(()),
        }
        let mut frame = camera.next_frame()?;
        if counters.camera_off.load(Ordering::Relaxed) {
            frame = Frame::black(frame.width, frame.height)?;
        }
        // A new size (another camera, another resolution) starts a new encoder.
        if encoder.as_ref().map(Encoder::size) != Some((frame.width, frame.height)) {
            encoder =
                Some(Encoder::new(frame.width, frame.height, fps, bitrate_kbps).map_err(vpx)?);
        }
        let enc = encoder.as_mut().expect("just made");
        // A 640x360 frame takes a few milliseconds at the real-time preset: short enough to
        // stay on this task, which owns nothing else.
        for p in enc.encode(&frame.data, false).map_err(vpx)? {
            let sample = Sample {
                data: p.data.into(),
                duration: period,
                ..Sample::new(Instant::now())
            };
            if let Err(e) = track
                .sample_writer(ssrc, payload_type)
                .write_sample(&sample)
                .await
            {
                tracing::debug!(error = %e, "video send stopped");
                return Ok(());
            }
            counters.sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Receives, reassembles and decodes the other side's video into `sink` until `stop`.
pub(crate) async fn receive_video(
    track: Arc<dyn TrackRemote>,
    mut sink: Box<dyn VideoSink>,
    counters: Arc<VideoCounters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let mut builder = SampleBuilder::new(256, Vp8Packet::default(), 90_000)
        .with_max_time_delay(Duration::from_millis(500));
    let mut decoder = Decoder::new().map_err(vpx)?;
    loop {
        let event = tokio::select! {
            e = track.poll() => e,
            _ = stop.changed() => return Ok(()),
        };
        match event {
            Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                builder.push(Instant::now(), packet);
                while let Some(sample) = builder.pop(Instant::now()) {
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    match decoder.decode(&sample.data) {
                        Ok(Some(picture)) => {
                            counters.decoded.fetch_add(1, Ordering::Relaxed);
                            sink.frame(&Frame {
                                width: picture.width,
                                height: picture.height,
                                data: picture.i420,
                                pts_us: 0,
                            })?;
                        }
                        Ok(None) => {}
                        // A frame that references a lost one: the next keyframe (every few
                        // seconds) repairs the picture.
                        Err(e) => tracing::debug!(error = %e, "a video frame did not decode"),
                    }
                }
            }
            Some(_) => {}
            None => return Ok(()),
        }
    }
}
