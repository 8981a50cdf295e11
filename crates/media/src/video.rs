//! The video path of a call: camera → I420 → VP8 → RTP at the camera's frame rate, and RTP →
//! whole VP8 frames → I420 → the view. Frames are counted on both sides for the call's figures.

use std::{
    sync::{
        Arc, Mutex,
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

use crate::{
    Frame, MediaError, VideoSink, VideoSource,
    congestion::{Estimate, send_size, video_kbps},
};

/// Starting video bitrate: 640x360 at 30 fps fits it; the estimate then moves it.
pub const DEFAULT_BITRATE_KBPS: u32 = 800;
/// The most a call's video is given: 1280x720 at 30 fps looks good at it.
pub const MAX_BITRATE_KBPS: u32 = 2_500;
/// How often the encoder's bitrate and size follow the estimate.
const ADAPT_EVERY: Duration = Duration::from_millis(500);
/// Audio packets (20 ms each) sent and not yet reported by the other side beyond which the path
/// is behind and camera frames are skipped: 300 ms, above a LAN's feedback delay.
const MAX_UNREPORTED_AUDIO: u64 = 15;

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
    /// The size sent last (`width << 32 | height`; 0 before the first frame).
    pub sent_size: AtomicU64,
    /// The size received last (same packing).
    pub received_size: AtomicU64,
    /// The encoder's bitrate now, kbit/s.
    pub target_kbps: AtomicU64,
    /// Camera frames skipped because the path was behind.
    pub skipped: AtomicU64,
    /// Keyframes asked for by the other side (RTCP PLI or FIR).
    pub keyframes_requested: AtomicU64,
}

/// `width << 32 | height`, for the size counters.
fn pack(width: u32, height: u32) -> u64 {
    u64::from(width) << 32 | u64::from(height)
}

/// The size a size counter holds, if any.
pub fn unpack(size: u64) -> Option<(u32, u32)> {
    (size != 0).then_some(((size >> 32) as u32, size as u32))
}

/// Scales an I420 frame to `width`x`height` (even), bilinear on each plane: a camera larger
/// than what the path carries is sent smaller rather than at a bitrate that smears it.
pub fn scale(frame: Frame, width: u32, height: u32) -> Frame {
    // The common case, a camera sent at its own size, costs no copy.
    if (frame.width, frame.height) == (width, height) {
        return frame;
    }
    let (sw, sh) = (frame.width as usize, frame.height as usize);
    let (dw, dh) = (width as usize, height as usize);
    let mut data = vec![0u8; Frame::i420_len(width, height)];
    let (src_y, src_uv) = frame.data.split_at(sw * sh);
    let (src_u, src_v) = src_uv.split_at((sw / 2) * (sh / 2));
    let (dst_y, dst_uv) = data.split_at_mut(dw * dh);
    let (dst_u, dst_v) = dst_uv.split_at_mut((dw / 2) * (dh / 2));
    scale_plane(src_y, sw, sh, dst_y, dw, dh);
    scale_plane(src_u, sw / 2, sh / 2, dst_u, dw / 2, dh / 2);
    scale_plane(src_v, sw / 2, sh / 2, dst_v, dw / 2, dh / 2);
    Frame {
        width,
        height,
        data,
        pts_us: frame.pts_us,
    }
}

fn scale_plane(src: &[u8], sw: usize, sh: usize, dst: &mut [u8], dw: usize, dh: usize) {
    // Sample centres mapped from the destination back to the source (fixed point, 1/256).
    let fx = (sw << 8) / dw.max(1);
    let fy = (sh << 8) / dh.max(1);
    for y in 0..dh {
        let sy = ((y * fy + fy / 2).saturating_sub(128)).min((sh - 1) << 8);
        let (y0, wy) = (sy >> 8, sy & 0xff);
        let y1 = (y0 + 1).min(sh - 1);
        for x in 0..dw {
            let sx = ((x * fx + fx / 2).saturating_sub(128)).min((sw - 1) << 8);
            let (x0, wx) = (sx >> 8, sx & 0xff);
            let x1 = (x0 + 1).min(sw - 1);
            let p = |xx: usize, yy: usize| src[yy * sw + xx] as usize;
            let top = p(x0, y0) * (256 - wx) + p(x1, y0) * wx;
            let bottom = p(x0, y1) * (256 - wx) + p(x1, y1) * wx;
            dst[y * dw + x] = ((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16) as u8;
        }
    }
}

/// How a call's video is sent.
pub(crate) struct VideoSend {
    pub track: Arc<TrackLocalStaticSample>,
    pub ssrc: u32,
    pub payload_type: u8,
    /// Where the bitrate starts, kbit/s.
    pub start_kbps: u32,
    /// The most it goes to, kbit/s.
    pub max_kbps: u32,
    /// The send-side estimate to follow (none: the start bitrate throughout).
    pub estimate: Option<Estimate>,
    /// What the audio takes of the estimate, bit/s.
    pub audio_bps: u32,
    pub counters: Arc<VideoCounters>,
    /// Another camera, chosen mid-call: taken at the next frame.
    pub next_camera: Arc<Mutex<Option<Box<dyn VideoSource>>>>,
    /// Where a camera unplugged mid-call is told.
    pub notices: tokio::sync::broadcast::Sender<crate::peer::DeviceNotice>,
}

/// Aborts a task when dropped: the task lives as long as its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn vpx(e: confer_vpx::VpxError) -> MediaError {
    MediaError::Codec(e.to_string())
}

/// Sends the camera at its frame rate until `stop`; every second the encoder's bitrate and the
/// picture's size follow the estimate (so a narrow path gets a smaller, sharper picture rather
/// than a backlog).
pub(crate) async fn send_video(
    mut camera: Box<dyn VideoSource>,
    send: VideoSend,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let counters = send.counters.clone();
    // Keyframe requests come as the track's events (see `keyframes`): a task of this pump's
    // own raises a flag the next frame reads; it ends with the pump.
    let wanted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let requests = {
        let (track, wanted, counters) = (send.track.clone(), wanted.clone(), counters.clone());
        AbortOnDrop(tokio::spawn(async move {
            use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
            while let Some(event) = track.poll().await {
                let TrackLocalEvent::OnRtcpPacket(packets) = event else {
                    continue;
                };
                if packets
                    .iter()
                    .any(|p| crate::keyframes::asks_for_keyframe(p.as_ref()))
                {
                    counters.keyframes_requested.fetch_add(1, Ordering::Relaxed);
                    wanted.store(true, Ordering::Relaxed);
                }
            }
        }))
    };
    let _requests = requests;
    let mut fps = camera.frame_rate().clamp(1, 60);
    let mut period = Duration::from_secs(1) / fps;
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut encoder: Option<Encoder> = None;
    let mut kbps = send.start_kbps.clamp(1, send.max_kbps.max(1));
    let mut adapted = Instant::now();
    counters
        .target_kbps
        .store(u64::from(kbps), Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return Ok(()),
        }
        let swapped = send
            .next_camera
            .lock()
            .expect("camera slot poisoned")
            .take();
        if let Some(next) = swapped {
            camera = next;
            if camera.frame_rate().clamp(1, 60) != fps {
                fps = camera.frame_rate().clamp(1, 60);
                period = Duration::from_secs(1) / fps;
                tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                encoder = None;
            }
        }
        if let Some(estimate) = &send.estimate
            && adapted.elapsed() >= ADAPT_EVERY
        {
            adapted = Instant::now();
            let next = video_kbps(estimate.bps(), send.audio_bps, send.max_kbps);
            if next != kbps {
                kbps = next;
                counters
                    .target_kbps
                    .store(u64::from(kbps), Ordering::Relaxed);
                if let Some(enc) = encoder.as_mut() {
                    enc.set_bitrate(kbps).map_err(vpx)?;
                }
            }
        }
        let captured = match camera.next_frame() {
            Err(MediaError::DeviceLost { device }) => {
                // Unplugged: the system's first camera takes over, else black pictures (the
                // other side sees the camera off), and the call says so.
                let fallback =
                    tokio::task::spawn_blocking(|| crate::camera::open_camera(None)).await;
                let now = match fallback {
                    Ok(Ok(c)) => {
                        let name = c.name().to_owned();
                        camera = Box::new(c);
                        Some(name)
                    }
                    _ => {
                        camera = Box::new(Black(Frame::black(640, 360)?));
                        None
                    }
                };
                let _ = send.notices.send(crate::peer::DeviceNotice {
                    kind: crate::DeviceKind::Camera,
                    lost: device,
                    now,
                });
                continue;
            }
            r => r?,
        };
        // The pacer sends at the estimate and queues the rest without bound: an encoder that
        // kept going when the estimate fell would fill the queue with seconds of stale pictures
        // and hold the sound behind them. While the path is behind, frames are skipped instead
        // (WebRTC's encoder pushback), and the queue drains.
        if send
            .estimate
            .as_ref()
            .is_some_and(|e| e.audio_unreported() > MAX_UNREPORTED_AUDIO)
        {
            counters.skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let size = send_size(
            (captured.width, captured.height),
            kbps,
            encoder.as_ref().map(Encoder::size),
        );
        let mut frame = scale(captured, size.0, size.1);
        if counters.camera_off.load(Ordering::Relaxed) {
            frame = Frame::black(frame.width, frame.height)?;
        }
        // A new size (another camera, another resolution) starts a new encoder, whose first
        // frame is a keyframe the receiver's decoder restarts on.
        if encoder.as_ref().map(Encoder::size) != Some((frame.width, frame.height)) {
            encoder = Some(Encoder::new(frame.width, frame.height, fps, kbps).map_err(vpx)?);
        }
        let enc = encoder.as_mut().expect("just made");
        // A 640x360 frame takes a few milliseconds at the real-time preset, 1280x720 about four
        // times that: short enough to stay on this task, which owns nothing else.
        let keyframe = wanted.swap(false, Ordering::Relaxed);
        for p in enc.encode(&frame.data, keyframe).map_err(vpx)? {
            let sample = Sample {
                data: p.data.into(),
                duration: period,
                ..Sample::new(Instant::now())
            };
            if let Err(e) = send
                .track
                .sample_writer(send.ssrc, send.payload_type)
                .write_sample(&sample)
                .await
            {
                tracing::debug!(error = %e, "video send stopped");
                return Ok(());
            }
            counters.sent.fetch_add(1, Ordering::Relaxed);
            counters
                .sent_size
                .store(pack(frame.width, frame.height), Ordering::Relaxed);
        }
    }
}

/// No camera left: black pictures.
struct Black(Frame);

impl VideoSource for Black {
    fn next_frame(&mut self) -> Result<Frame, MediaError> {
        Ok(self.0.clone())
    }

    fn frame_rate(&self) -> u32 {
        30
    }
}

/// Receives, reassembles and decodes the other side's video (the `tile`th line to carry
/// someone, in a meeting) into `sink` until `stop`.
pub(crate) async fn receive_video(
    track: Arc<dyn TrackRemote>,
    tile: usize,
    mut sink: Box<dyn VideoSink>,
    counters: Arc<VideoCounters>,
    sources: Arc<crate::sources::Sources>,
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
                // Whose picture the track carries: the packet's CSRC (an SFU hands a line to
                // another publisher only at a keyframe, so a frame's packets all name the same).
                let source = crate::sources::source_of(&packet.header);
                builder.push(Instant::now(), packet);
                while let Some(sample) = builder.pop(Instant::now()) {
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    match decoder.decode(&sample.data) {
                        Ok(Some(picture)) => {
                            counters.decoded.fetch_add(1, Ordering::Relaxed);
                            counters
                                .received_size
                                .store(pack(picture.width, picture.height), Ordering::Relaxed);
                            sources.video_frame(source, (picture.width, picture.height), tile);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_halves_a_frame_and_keeps_its_picture() {
        let mut frame = Frame::black(8, 4).unwrap();
        // Left half white, right half black, in luma.
        for y in 0..4 {
            for x in 0..4 {
                frame.data[y * 8 + x] = 235;
            }
        }
        let half = scale(frame.clone(), 4, 2);
        assert_eq!(half.data.len(), Frame::i420_len(4, 2));
        assert_eq!(&half.data[..4], &[235, 235, 16, 16]);
        assert_eq!(&half.data[4..8], &[235, 235, 16, 16]);
        assert!(
            half.data[8..].iter().all(|&c| c == 128),
            "chroma stays grey"
        );
        assert_eq!(scale(frame.clone(), 8, 4), frame);
    }

    #[test]
    fn sizes_pack_and_unpack() {
        assert_eq!(unpack(pack(1280, 720)), Some((1280, 720)));
        assert_eq!(unpack(0), None);
    }
}
