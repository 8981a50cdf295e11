//! One side of a 1:1 call's media: a WebRTC peer connection (webrtc-rs 0.21, DTLS-SRTP always)
//! carrying Opus audio, the tasks that pump it (capture → encode → send every 20 ms; receive →
//! jitter buffer → decode → play), and the figures a call reports at its end.
//!
//! Signalling is not here: the caller hands over session descriptions it got through the
//! server. Descriptions are exchanged whole, after candidate gathering (no trickle), which on
//! host and relay candidates takes milliseconds and keeps the protocol to one offer and one
//! answer.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rtc::{
    ice::mdns::MulticastDnsMode,
    media::Sample,
    media_stream::MediaStreamTrack,
    peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8},
    rtp::extension::audio_level_extension::AudioLevelExtension,
    rtp_transceiver::rtp_sender::{
        RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters,
        RTCRtpHeaderExtensionCapability, RtpCodecKind,
    },
};
use tokio::sync::{broadcast, mpsc, watch};
use webrtc::{
    media_stream::{
        track_local::{TrackLocal, static_sample::TrackLocalStaticSample},
        track_remote::{TrackRemote, TrackRemoteEvent},
    },
    peer_connection::{
        CongestionFeedback, MediaEngine, PeerConnection, PeerConnectionBuilder,
        PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceGatheringState, RTCIceServer,
        RTCIceTransportPolicy, RTCPeerConnectionState, RTCSessionDescription, RTCStatsReportEntry,
        Registry, SettingEngineBuilder, StatsSelector, configure_congestion_control,
        configure_rtcp_reports,
    },
};

use crate::{
    AudioSink, AudioSource, DeviceKind, MediaError, VideoSink, VideoSource,
    audio::{FRAME_SAMPLES, FrameReader, FrameWriter, OpusDecoder, OpusEncoder},
    congestion::{Estimate, HEADROOM, MIN_VIDEO_KBPS, Published},
    hardware,
    jitter::{JitterBuffer, Playout},
    processing::{Cleaning, Processor},
    sources::{SourceStats, Sources, source_of},
    video::{VideoCounters, VideoSend, receive_video, send_video, unpack},
};

/// A STUN or TURN server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceServer {
    /// `turn:host:port?transport=udp`, …
    pub urls: Vec<String>,
    /// TURN user name.
    pub username: String,
    /// TURN password.
    pub credential: String,
}

/// How to set a peer up.
#[derive(Debug, Clone)]
pub struct PeerOptions {
    /// Relays and STUN servers.
    pub ice_servers: Vec<IceServer>,
    /// Only relayed candidates (to go through the TURN relay even when a direct path exists).
    pub relay_only: bool,
    /// Local addresses to gather host candidates on. `0.0.0.0:0` stands for every interface
    /// but loopback, so loopback is listed on its own.
    pub bind: Vec<SocketAddr>,
    /// Opus bitrate, bits per second.
    pub audio_bitrate: i32,
    /// Negotiate video (a video call): both sides then have a video track.
    pub video: bool,
    /// VP8 bitrate to start from, kilobits per second (the estimate moves it).
    pub video_bitrate_kbps: u32,
    /// The most the video is given, kilobits per second.
    pub video_max_kbps: u32,
    /// What a live microphone is cleaned of (none: sent as captured).
    pub cleaning: Option<Cleaning>,
    /// Audio lines offered to receive only, beside the microphone's: a meeting's SFU fills
    /// each with another participant (none in a 1:1 call, where the other side answers the
    /// microphone's line with its own). Everything heard is mixed into one sink.
    pub audio_slots: usize,
    /// Video lines offered to receive only, beside the camera's (when `video`): a meeting's SFU
    /// fills each with another participant's camera.
    pub video_slots: usize,
}

impl Default for PeerOptions {
    fn default() -> Self {
        Self {
            ice_servers: Vec::new(),
            relay_only: false,
            bind: vec![
                SocketAddr::from(([127, 0, 0, 1], 0)),
                SocketAddr::from(([0, 0, 0, 0], 0)),
            ],
            audio_bitrate: 32_000,
            video: false,
            video_bitrate_kbps: crate::video::DEFAULT_BITRATE_KBPS,
            video_max_kbps: crate::video::MAX_BITRATE_KBPS,
            cleaning: Some(Cleaning::default()),
            audio_slots: 0,
            video_slots: 0,
        }
    }
}

/// Figures about a call's media.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerStats {
    /// Audio packets sent.
    pub packets_sent: u64,
    /// Audio packets received.
    pub packets_received: u64,
    /// Audio frames missing at playout (concealed).
    pub packets_lost: u64,
    /// Interarrival jitter of received audio, milliseconds.
    pub jitter_ms: f64,
    /// Round trip on the selected candidate pair, milliseconds.
    pub rtt_ms: f64,
    /// The type of the local candidate in use: `host`, `srflx`, `prflx` or `relay`.
    pub candidate_type: Option<String>,
    /// When the first remote audio frame was decoded.
    pub first_audio: Option<Instant>,
    /// Video frames sent.
    pub video_frames_sent: u64,
    /// Keyframes the other side asked for (RTCP PLI or FIR), each answered with the next
    /// frame.
    pub keyframes_requested: u64,
    /// Whole video frames received.
    pub video_frames_received: u64,
    /// Video frames decoded.
    pub video_frames_decoded: u64,
    /// The picture size sent last.
    pub video_sent_size: Option<(u32, u32)>,
    /// The picture size received last.
    pub video_received_size: Option<(u32, u32)>,
    /// The video encoder's bitrate now, kbit/s.
    pub video_kbps: u32,
    /// The send-side bandwidth estimate, kbit/s.
    pub estimate_kbps: u32,
    /// What came from each publisher, in a meeting (see [`crate::sources`]).
    pub sources: Vec<SourceStats>,
}

/// A device that went away during a call, and what took its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceNotice {
    /// Microphone, speaker or camera.
    pub kind: DeviceKind,
    /// The name of the device that went away.
    pub lost: String,
    /// The name of the system default now used instead (none: there was none to use, so the
    /// call goes on with silence).
    pub now: Option<String>,
}

/// Devices chosen mid-call, each taken by its pump at its next frame.
#[derive(Default)]
struct NextDevices {
    microphone: Mutex<Option<FrameReader>>,
    speaker: Mutex<Option<FrameWriter>>,
    camera: Arc<Mutex<Option<Box<dyn VideoSource>>>>,
}

/// What a call's media flows between: this side's microphone and camera, and where the other
/// side's sound and pictures go.
pub struct MediaIo {
    /// What this side says.
    pub source: Box<dyn AudioSource>,
    /// Where the other side's sound goes.
    pub sink: Box<dyn AudioSink>,
    /// This side's camera, in a video call (none: this side sends no pictures).
    pub camera: Option<Box<dyn VideoSource>>,
    /// Where the other side's pictures go (none: they are counted and dropped).
    pub view: Option<Box<dyn VideoSink>>,
}

#[derive(Default)]
struct Counters {
    /// The microphone is muted: silence goes out instead.
    muted: std::sync::atomic::AtomicBool,
    sent: AtomicU64,
    received: AtomicU64,
    lost: AtomicU64,
    /// Jitter estimate (RFC 3550), in RTP units (1/48000 s), times 16.
    jitter_x16: AtomicU64,
    first_audio: Mutex<Option<Instant>>,
}

/// Event handler: forwards what the connection says into channels (holding no reference to
/// the connection, which owns the handler).
struct Events {
    gathered: mpsc::Sender<()>,
    state: watch::Sender<RTCPeerConnectionState>,
    tracks: mpsc::Sender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Events {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.try_send(());
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        // Full only if more tracks came than the offer had lines, or the call ended.
        if self.tracks.try_send(track).is_err() {
            tracing::warn!("a track came with no room for it: its line stays silent");
        }
    }
}

/// One side of a call.
pub struct Peer {
    pc: Arc<dyn PeerConnection>,
    audio: Arc<TrackLocalStaticSample>,
    audio_ssrc: u32,
    audio_sender: Arc<dyn webrtc::rtp_transceiver::RtpSender>,
    /// The video track, its SSRC and sender, in a video call.
    video: Option<(
        Arc<TrackLocalStaticSample>,
        u32,
        Arc<dyn webrtc::rtp_transceiver::RtpSender>,
    )>,
    video_counters: Arc<VideoCounters>,
    sources: Arc<Sources>,
    video_bitrate: u32,
    video_max: u32,
    estimate: Estimate,
    next: Arc<NextDevices>,
    notices: broadcast::Sender<DeviceNotice>,
    /// Echo cancellation and noise suppression, fed by both directions.
    processor: Option<Processor>,
    gathered: tokio::sync::Mutex<mpsc::Receiver<()>>,
    state: watch::Receiver<RTCPeerConnectionState>,
    tracks: tokio::sync::Mutex<Option<mpsc::Receiver<Arc<dyn TrackRemote>>>>,
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    /// The pump tasks, owned here and awaited by `close`.
    tasks: Mutex<Vec<tokio::task::JoinHandle<Result<(), MediaError>>>>,
    bitrate: i32,
}

fn peer_error(what: &str) -> impl Fn(rtc::shared::error::Error) -> MediaError + '_ {
    move |e| MediaError::Peer(format!("{what}: {e}"))
}

/// The RTP header extension that carries each audio packet's level (RFC 6464).
const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/// A frame at or above this level (−dBov) is marked as voice.
const VOICE_DBOV: u8 = 45;

/// A frame's level as RFC 6464 words it: its RMS in −dBov, 0 the loudest, 127 silence.
fn dbov(frame: &[f32]) -> u8 {
    if frame.is_empty() {
        return 127;
    }
    let rms = (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt();
    if rms <= 0.0 {
        return 127;
    }
    (-20.0 * rms.log10()).round().clamp(0.0, 127.0) as u8
}

/// How long gathering and connecting may take.
const GATHER_TIMEOUT: Duration = Duration::from_secs(10);

impl Peer {
    /// A peer with its outgoing audio track, not negotiated yet.
    pub async fn new(options: PeerOptions) -> Result<Self, MediaError> {
        let mut media = MediaEngine::default();
        media
            .register_default_codecs()
            .map_err(peer_error("codecs"))?;
        // Each audio packet says how loud it is (RFC 6464): a meeting's SFU hands lines to
        // whoever speaks by it.
        media
            .register_header_extension(
                RTCRtpHeaderExtensionCapability {
                    uri: AUDIO_LEVEL_URI.to_owned(),
                },
                RtpCodecKind::Audio,
                None,
            )
            .map_err(peer_error("audio level extension"))?;
        // Send-side congestion control (GCC over transport-wide feedback from the other side,
        // with its pacer), then NACK and receiver and sender reports.
        // The estimate a video bitrate stands for: the audio's and the headroom's shares on top.
        let audio = f64::from(options.audio_bitrate.max(0));
        let path_bps = |video_kbps: u32| (f64::from(video_kbps) * 1000.0 + audio) / HEADROOM;
        // A random SSRC (without one nothing would be sent), chosen first: the estimator counts
        // the audio's reports.
        let audio_ssrc = rand::random::<u32>();
        let (estimator, estimate) = Published::new(
            rtc::interceptor::Gcc::new(
                path_bps(options.video_bitrate_kbps),
                path_bps(MIN_VIDEO_KBPS),
                path_bps(options.video_max_kbps),
            ),
            audio_ssrc,
        );
        let registry = configure_congestion_control(
            Registry::new(),
            estimator,
            CongestionFeedback::Twcc,
            &mut media,
        )
        .map_err(peer_error("congestion control"))?;
        let registry = configure_rtcp_reports(with_bounded_nack(registry, &mut media)).with(
            rtc::interceptor::Slot::from(crate::keyframes::SLOT),
            crate::keyframes::KeyframeRequests::default(),
        );
        let config = RTCConfigurationBuilder::new()
            .with_ice_servers(
                options
                    .ice_servers
                    .iter()
                    .map(|s| RTCIceServer {
                        urls: s.urls.clone(),
                        username: s.username.clone(),
                        credential: s.credential.clone(),
                    })
                    .collect(),
            )
            .with_ice_transport_policy(if options.relay_only {
                RTCIceTransportPolicy::Relay
            } else {
                RTCIceTransportPolicy::All
            })
            .build();
        // No mDNS: candidates are plain addresses (and no socket on port 5353 is needed).
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .build();
        let (gathered_tx, gathered) = mpsc::channel(1);
        let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
        // Room for a track per line the offer will have (the microphone's and camera's, and
        // the slots): in a meeting joined late, every line fills at once, before `start`
        // drains them, and a track that did not fit would never be heard.
        let lines = 2 + options.audio_slots + options.video_slots;
        let (tracks_tx, tracks) = mpsc::channel(lines);
        let pc = PeerConnectionBuilder::new()
            .with_configuration(config)
            .with_media_engine(media)
            .with_setting_engine(settings)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(Events {
                gathered: gathered_tx,
                state: state_tx,
                tracks: tracks_tx,
            }))
            .with_udp_addrs(options.bind.clone())
            .build()
            .await
            .map_err(peer_error("creating the connection"))?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let audio = local_track(
            "audio",
            RtpCodecKind::Audio,
            MIME_TYPE_OPUS,
            48_000,
            2,
            audio_ssrc,
        )?;
        let audio_sender = pc
            .add_track(audio.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(peer_error("adding the audio track"))?;
        let video = if options.video {
            let ssrc = rand::random::<u32>();
            let track = local_track("video", RtpCodecKind::Video, MIME_TYPE_VP8, 90_000, 0, ssrc)?;
            let sender = pc
                .add_track(track.clone() as Arc<dyn TrackLocal>)
                .await
                .map_err(peer_error("adding the video track"))?;
            Some((track, ssrc, sender))
        } else {
            None
        };
        let receive_only = [
            (RtpCodecKind::Audio, options.audio_slots),
            (RtpCodecKind::Video, options.video_slots),
        ];
        for (kind, lines) in receive_only {
            for _ in 0..lines {
                pc.add_transceiver_from_kind(
                    kind,
                    Some(webrtc::rtp_transceiver::RTCRtpTransceiverInit {
                        direction: webrtc::rtp_transceiver::RTCRtpTransceiverDirection::Recvonly,
                        streams: Vec::new(),
                        send_encodings: Vec::new(),
                    }),
                )
                .await
                .map_err(peer_error("adding a line to receive on"))?;
            }
        }
        Ok(Self {
            pc,
            audio,
            audio_ssrc,
            audio_sender,
            video,
            video_counters: Arc::default(),
            sources: Arc::default(),
            video_bitrate: options.video_bitrate_kbps,
            video_max: options.video_max_kbps,
            estimate,
            next: Arc::default(),
            notices: broadcast::channel(8).0,
            processor: options.cleaning.map(Processor::new),
            gathered: tokio::sync::Mutex::new(gathered),
            state,
            tracks: tokio::sync::Mutex::new(Some(tracks)),
            counters: Arc::default(),
            stop: watch::channel(false).0,
            tasks: Mutex::new(Vec::new()),
            bitrate: options.audio_bitrate,
        })
    }

    /// The local description once every candidate is gathered.
    async fn gathered_description(&self) -> Result<String, MediaError> {
        tokio::time::timeout(GATHER_TIMEOUT, self.gathered.lock().await.recv())
            .await
            .map_err(|_| MediaError::Timeout("gathering ICE candidates"))?;
        self.pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .ok_or_else(|| MediaError::Peer("no local description".into()))
    }

    /// The caller's side: an offer with every candidate in it.
    pub async fn offer(&self) -> Result<String, MediaError> {
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(peer_error("creating the offer"))?;
        self.pc
            .set_local_description(offer)
            .await
            .map_err(peer_error("setting the offer"))?;
        self.gathered_description().await
    }

    /// The callee's side: takes the caller's offer, returns the answer.
    pub async fn answer(&self, offer: &str) -> Result<String, MediaError> {
        let offer = RTCSessionDescription::offer(offer.to_owned())
            .map_err(peer_error("the offer is not a session description"))?;
        self.pc
            .set_remote_description(offer)
            .await
            .map_err(peer_error("the offer was refused"))?;
        let answer = self
            .pc
            .create_answer(None)
            .await
            .map_err(peer_error("creating the answer"))?;
        self.pc
            .set_local_description(answer)
            .await
            .map_err(peer_error("setting the answer"))?;
        self.gathered_description().await
    }

    /// The caller's side: takes the callee's answer.
    pub async fn accept(&self, answer: &str) -> Result<(), MediaError> {
        let answer = RTCSessionDescription::answer(answer.to_owned())
            .map_err(peer_error("the answer is not a session description"))?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(peer_error("the answer was refused"))
    }

    /// Waits until the connection is up (ICE and DTLS done).
    pub async fn connected(&self, timeout: Duration) -> Result<(), MediaError> {
        let mut state = self.state.clone();
        let wait = state.wait_for(|s| {
            matches!(
                s,
                RTCPeerConnectionState::Connected
                    | RTCPeerConnectionState::Failed
                    | RTCPeerConnectionState::Closed
            )
        });
        let s = *tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| MediaError::Timeout("connecting"))?
            .map_err(|_| MediaError::Peer("the connection went away".into()))?;
        match s {
            RTCPeerConnectionState::Connected => Ok(()),
            other => Err(MediaError::Peer(format!("the connection {other}"))),
        }
    }

    /// Until the connection is down (the other side said goodbye, or it failed) or `within`
    /// passes; true when it went down.
    pub async fn closed_within(&self, within: Duration) -> bool {
        let mut state = self.state.clone();
        let down = state.wait_for(|s| {
            matches!(
                s,
                RTCPeerConnectionState::Closed
                    | RTCPeerConnectionState::Failed
                    | RTCPeerConnectionState::Disconnected
            )
        });
        matches!(tokio::time::timeout(within, down).await, Ok(Ok(_)))
    }

    /// Whether the connection failed or closed since it was up.
    pub fn state(&self) -> watch::Receiver<RTCPeerConnectionState> {
        self.state.clone()
    }

    /// Starts sending this side's sound (and pictures) and playing the other side's.
    pub async fn start(&self, io: MediaIo) -> Result<(), MediaError> {
        let reader = FrameReader::new(io.source)?;
        let writer = FrameWriter::new(io.sink)?;
        let audio_pt = payload_type(&self.audio_sender).await?;
        let mut started = vec![tokio::spawn(send_audio(
            reader,
            OpusEncoder::new(self.bitrate)?,
            AudioSend {
                processor: self.processor.clone(),
                estimate: self.estimate.clone(),
                track: self.audio.clone(),
                ssrc: self.audio_ssrc,
                payload_type: audio_pt,
                counters: self.counters.clone(),
                next: self.next.clone(),
                notices: self.notices.clone(),
            },
            self.stop.subscribe(),
        ))];
        if let (Some((track, ssrc, sender)), Some(camera)) = (&self.video, io.camera) {
            let pt = payload_type(sender).await?;
            started.push(tokio::spawn(send_video(
                camera,
                VideoSend {
                    track: track.clone(),
                    ssrc: *ssrc,
                    payload_type: pt,
                    start_kbps: self.video_bitrate,
                    max_kbps: self.video_max,
                    estimate: Some(self.estimate.clone()),
                    audio_bps: self.bitrate.max(0) as u32,
                    counters: self.video_counters.clone(),
                    next_camera: self.next.camera.clone(),
                    notices: self.notices.clone(),
                },
                self.stop.subscribe(),
            )));
        }
        // The other side's tracks, as they come (a track that carries nothing yet may never
        // show up): each gets its receiver.
        let tracks = self
            .tracks
            .lock()
            .await
            .take()
            .ok_or_else(|| MediaError::Peer("the call's media started already".into()))?;
        started.push(tokio::spawn(receive_tracks(
            tracks,
            writer,
            io.view,
            Receivers {
                processor: self.processor.clone(),
                counters: self.counters.clone(),
                video_counters: self.video_counters.clone(),
                sources: self.sources.clone(),
                next: self.next.clone(),
                notices: self.notices.clone(),
            },
            self.stop.subscribe(),
        )));
        self.tasks.lock().expect("tasks poisoned").extend(started);
        Ok(())
    }

    /// Mutes or unmutes this side's microphone (silence is sent while muted, so the other
    /// side's jitter buffer and the connection's checks carry on).
    pub fn set_muted(&self, muted: bool) {
        self.counters.muted.store(muted, Ordering::Relaxed);
    }

    /// Turns this side's camera off (black frames: the other side sees the picture stop) or on.
    pub fn set_camera_off(&self, off: bool) {
        self.video_counters.camera_off.store(off, Ordering::Relaxed);
    }

    /// Speaks into another microphone from the next frame on (the old one is closed).
    pub fn use_microphone(&self, source: Box<dyn AudioSource>) -> Result<(), MediaError> {
        let reader = FrameReader::new(source)?;
        *self.next.microphone.lock().expect("poisoned") = Some(reader);
        Ok(())
    }

    /// Plays the other side on another speaker from the next frame on.
    pub fn use_speaker(&self, sink: Box<dyn AudioSink>) -> Result<(), MediaError> {
        let writer = FrameWriter::new(sink)?;
        *self.next.speaker.lock().expect("poisoned") = Some(writer);
        Ok(())
    }

    /// Sends another camera from the next frame on (a video call only).
    pub fn use_camera(&self, camera: Box<dyn VideoSource>) {
        *self.next.camera.lock().expect("poisoned") = Some(camera);
    }

    /// Devices that go away during the call, and what replaced them.
    pub fn device_notices(&self) -> broadcast::Receiver<DeviceNotice> {
        self.notices.subscribe()
    }

    /// Figures so far.
    pub async fn stats(&self) -> PeerStats {
        let c = &self.counters;
        let mut stats = PeerStats {
            packets_sent: c.sent.load(Ordering::Relaxed),
            packets_received: c.received.load(Ordering::Relaxed),
            packets_lost: c.lost.load(Ordering::Relaxed),
            jitter_ms: c.jitter_x16.load(Ordering::Relaxed) as f64 / 16.0 / 48.0,
            first_audio: *c.first_audio.lock().expect("poisoned"),
            video_frames_sent: self.video_counters.sent.load(Ordering::Relaxed),
            keyframes_requested: self
                .video_counters
                .keyframes_requested
                .load(Ordering::Relaxed),
            video_frames_received: self.video_counters.received.load(Ordering::Relaxed),
            video_frames_decoded: self.video_counters.decoded.load(Ordering::Relaxed),
            video_sent_size: unpack(self.video_counters.sent_size.load(Ordering::Relaxed)),
            video_received_size: unpack(self.video_counters.received_size.load(Ordering::Relaxed)),
            video_kbps: self.video_counters.target_kbps.load(Ordering::Relaxed) as u32,
            estimate_kbps: (self.estimate.bps() / 1000.0) as u32,
            sources: self.sources.snapshot(Instant::now()),
            ..PeerStats::default()
        };
        let report = self.pc.get_stats(Instant::now(), StatsSelector::None).await;
        let selected = report
            .transport()
            .map(|t| t.selected_candidate_pair_id.clone());
        let pair = report
            .candidate_pairs()
            .find(|p| Some(&p.stats.id) == selected.as_ref())
            .or_else(|| report.candidate_pairs().find(|p| p.nominated));
        if let Some(pair) = pair {
            stats.rtt_ms = pair.current_round_trip_time * 1000.0;
            // 0.21.1 files local candidates under a prefixed id the pair does not use.
            let id = format!("RTCLocalIceCandidate_{}", pair.local_candidate_id);
            let local = report
                .get(&pair.local_candidate_id)
                .or_else(|| report.get(&id));
            if let Some(RTCStatsReportEntry::LocalCandidate(c)) = local {
                stats.candidate_type = Some(c.candidate_type.to_string().to_lowercase());
            }
        }
        stats
    }

    /// Stops the pumps (the sink is finished: a recording gets its header), closes the
    /// connection, and returns the final figures.
    pub async fn close(&self) -> Result<PeerStats, MediaError> {
        let stats = self.stats().await;
        self.stop.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks poisoned"));
        let mut result = Ok(());
        for task in tasks {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e),
                Err(e) => result = Err(MediaError::Peer(format!("a media task failed: {e}"))),
            }
        }
        self.pc.close().await.map_err(peer_error("closing"))?;
        result.map(|()| stats)
    }
}

/// Retransmission of lost video packets on request (NACK), as the default set registers it but
/// asking at most twice per packet. Unbounded, a receiver asks every 100 ms for a packet still
/// stuck in the sender's pacer queue, each answer joins that queue, and on a narrow path the
/// queue fills with retransmissions that hold everything else back.
fn with_bounded_nack(registry: Registry, media: &mut MediaEngine) -> Registry {
    use rtc::{
        interceptor::{NackGeneratorBuilder, NackResponderBuilder, Slot},
        rtp_transceiver::rtp_sender::{RTCPFeedback, TYPE_RTCP_FB_NACK},
    };
    for parameter in ["", "pli"] {
        media.register_feedback(
            RTCPFeedback {
                typ: TYPE_RTCP_FB_NACK.to_owned(),
                parameter: parameter.to_owned(),
            },
            RtpCodecKind::Video,
        );
    }
    registry
        .with(Slot::NackResponder, NackResponderBuilder::new().build())
        .with(
            Slot::NackGenerator,
            NackGeneratorBuilder::new()
                .with_max_nacks_per_packet(2)
                .build(),
        )
}

/// A local track of one codec and SSRC.
fn local_track(
    id: &str,
    kind: RtpCodecKind,
    mime: &str,
    clock_rate: u32,
    channels: u16,
    ssrc: u32,
) -> Result<Arc<TrackLocalStaticSample>, MediaError> {
    let track = TrackLocalStaticSample::new(
        Instant::now(),
        MediaStreamTrack::new(
            "confer".to_owned(),
            id.to_owned(),
            id.to_owned(),
            kind,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: RTCRtpCodec {
                    mime_type: mime.to_owned(),
                    clock_rate,
                    channels,
                    sdp_fmtp_line: String::new(),
                    rtcp_feedback: vec![],
                },
                ..Default::default()
            }],
        ),
    )
    .map_err(peer_error("creating a track"))?;
    Ok(Arc::new(track))
}

/// The payload type negotiated for a sender's codec.
async fn payload_type(
    sender: &Arc<dyn webrtc::rtp_transceiver::RtpSender>,
) -> Result<u8, MediaError> {
    sender
        .get_parameters()
        .await
        .map_err(peer_error("reading the negotiated codec"))?
        .rtp_parameters
        .codecs
        .first()
        .map(|c| c.payload_type)
        .ok_or_else(|| MediaError::Peer("no codec was negotiated".into()))
}

/// Starts a receiver for each of the other side's tracks as it shows up; stops them all, and
/// reports the first failure, when the call's media stops.
async fn receive_tracks(
    mut tracks: mpsc::Receiver<Arc<dyn TrackRemote>>,
    writer: FrameWriter,
    view: Option<Box<dyn VideoSink>>,
    shared: Receivers,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let Receivers {
        processor,
        counters,
        video_counters,
        sources,
        next,
        notices,
    } = shared;
    let (mut writer, mut view) = (Some(writer), view);
    let mut video_lines = 0;
    let mut receivers = Vec::new();
    // Every audio track goes to one player that mixes them (a call has one; a meeting one per
    // slot of the SFU's).
    let mut to_player: Option<mpsc::Sender<Arc<dyn TrackRemote>>> = None;
    loop {
        let track = tokio::select! {
            t = tracks.recv() => t,
            _ = stop.changed() => None,
        };
        let Some(track) = track else {
            break;
        };
        match track.kind().await {
            RtpCodecKind::Audio => {
                if let Some(writer) = writer.take() {
                    let (tx, rx) = mpsc::channel(8);
                    receivers.push(tokio::spawn(receive_audio(
                        rx,
                        writer,
                        Playback {
                            processor: processor.clone(),
                            counters: counters.clone(),
                            sources: sources.clone(),
                            next: next.clone(),
                            notices: notices.clone(),
                        },
                        stop.clone(),
                    )));
                    to_player = Some(tx);
                }
                if let Some(player) = &to_player {
                    // The player gone means the call is ending.
                    let _ = player.send(track).await;
                }
            }
            RtpCodecKind::Video => {
                let tile = video_lines;
                video_lines += 1;
                let sink = match view.as_mut().and_then(|v| v.tile(tile)) {
                    Some(sink) => sink,
                    None => view.take().unwrap_or_else(|| Box::new(DropFrames)),
                };
                receivers.push(tokio::spawn(receive_video(
                    track,
                    tile,
                    sink,
                    video_counters.clone(),
                    sources.clone(),
                    stop.clone(),
                )));
            }
            _ => {}
        }
    }
    // No more tracks: the player ends with the last one it has.
    drop(to_player);
    // A recording whose track never came still gets its file.
    if let Some(mut writer) = writer {
        writer.finish()?;
    }
    let mut result = Ok(());
    for r in receivers {
        match r.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => result = Err(e),
            Err(e) => result = Err(MediaError::Peer(format!("a media task failed: {e}"))),
        }
    }
    result
}

/// A view nobody looks at: pictures are decoded (and counted) but not kept.
struct DropFrames;

impl VideoSink for DropFrames {
    fn frame(&mut self, _: &crate::Frame) -> Result<(), MediaError> {
        Ok(())
    }
}

/// What the audio sender needs besides its source and encoder.
struct AudioSend {
    processor: Option<Processor>,
    estimate: Estimate,
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
    counters: Arc<Counters>,
    next: Arc<NextDevices>,
    notices: broadcast::Sender<DeviceNotice>,
}

/// What the receivers share.
struct Receivers {
    processor: Option<Processor>,
    counters: Arc<Counters>,
    video_counters: Arc<VideoCounters>,
    sources: Arc<Sources>,
    next: Arc<NextDevices>,
    notices: broadcast::Sender<DeviceNotice>,
}

/// What the audio player needs besides its track, writer and decoder.
struct Playback {
    processor: Option<Processor>,
    counters: Arc<Counters>,
    sources: Arc<Sources>,
    next: Arc<NextDevices>,
    notices: broadcast::Sender<DeviceNotice>,
}

/// Opens a system default device off the async threads (the sound server is asked) and wraps
/// it for the pumps, with its name; none when there is none.
async fn fallback<D, W>(
    open: impl FnOnce() -> Result<D, MediaError> + Send + 'static,
    name: impl FnOnce(&D) -> String,
    wrap: impl FnOnce(D) -> Result<W, MediaError>,
) -> (Option<W>, Option<String>)
where
    D: Send + 'static,
{
    match tokio::task::spawn_blocking(open).await {
        Ok(Ok(device)) => {
            let label = name(&device);
            match wrap(device) {
                Ok(wrapped) => (Some(wrapped), Some(label)),
                Err(_) => (None, None),
            }
        }
        _ => (None, None),
    }
}

/// The system default microphone, read as frames.
async fn fallback_microphone() -> (Option<FrameReader>, Option<String>) {
    fallback(
        || hardware::open_microphone(None),
        |m| m.name().to_owned(),
        |m| FrameReader::new(Box::new(m)),
    )
    .await
}

/// The system default speaker, written as frames.
async fn fallback_speaker() -> (Option<FrameWriter>, Option<String>) {
    fallback(
        || hardware::open_speaker(None),
        |s| s.name().to_owned(),
        |s| FrameWriter::new(Box::new(s)),
    )
    .await
}

/// Every 20 ms: one frame from the source, encoded, sent. A source that ends sends silence
/// (a file played once leaves the line open, quiet).
async fn send_audio(
    mut reader: FrameReader,
    mut encoder: OpusEncoder,
    send: AudioSend,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let AudioSend {
        processor,
        estimate,
        track,
        ssrc,
        payload_type,
        counters,
        next,
        notices,
    } = send;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let silence = vec![0.0; FRAME_SAMPLES];
    let mut ended = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return Ok(()),
        }
        if let Some(chosen) = next.microphone.lock().expect("poisoned").take() {
            reader = chosen;
            ended = false;
        }
        let frame = if ended {
            None
        } else {
            match reader.next_frame() {
                Ok(Some(frame)) => Some(frame),
                Ok(None) => {
                    ended = true;
                    None
                }
                Err(MediaError::DeviceLost { device }) => {
                    // Unplugged mid-call: the system default takes over (or silence, when
                    // there is none), and the call says so.
                    let (fallback, now) = fallback_microphone().await;
                    let _ = notices.send(DeviceNotice {
                        kind: DeviceKind::Microphone,
                        lost: device,
                        now,
                    });
                    match fallback {
                        Some(r) => reader = r,
                        None => ended = true,
                    }
                    None
                }
                Err(e) => return Err(e),
            }
        };
        let mut frame = frame;
        if let (Some(p), Some(f)) = (&processor, frame.as_mut())
            && reader.live()
        {
            p.capture(f)?;
        }
        let muted = counters.muted.load(Ordering::Relaxed);
        let speech = frame.as_deref().filter(|_| !muted);
        let level = dbov(speech.unwrap_or(&silence));
        let packet = encoder.encode(speech.unwrap_or(&silence))?;
        let sample = Sample {
            data: packet.into(),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        match track
            .sample_writer(ssrc, payload_type)
            .with_audio_level(AudioLevelExtension {
                level,
                voice: level <= VOICE_DBOV,
            })
            .write_sample(&sample)
            .await
        {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                estimate.audio_sent();
            }
            // The connection closed under us: the call is ending.
            Err(e) => {
                tracing::debug!(error = %e, "audio send stopped");
                return Ok(());
            }
        }
    }
}

/// One remote audio track as the player holds it.
struct Input {
    buffer: JitterBuffer,
    decoder: OpusDecoder,
    /// The last packet's RTP timestamp and arrival, in RTP units, for the jitter figure.
    transit: Option<(i64, f64)>,
    jitter: f64,
    /// Whose voice the track carried last (its packets' CSRC; 0 in a call).
    source: u32,
}

/// What a track's reader hands the player: its index and a packet's sequence number,
/// timestamp, payload and source, or none when the track ended.
type Arrival = (usize, Option<(u16, u32, Vec<u8>, u32)>);

/// Reads one remote track's packets for the player until it ends or the call stops.
async fn read_track(
    track: Arc<dyn TrackRemote>,
    index: usize,
    player: mpsc::Sender<Arrival>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            event = track.poll() => match event {
                Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                    let h = &packet.header;
                    let arrival = (index, Some((h.sequence_number, h.timestamp, packet.payload.to_vec(), source_of(h))));
                    if player.send(arrival).await.is_err() {
                        return;
                    }
                }
                Some(_) => {}
                None => break,
            },
            _ = stop.changed() => return,
        }
    }
    let _ = player.send((index, None)).await;
}

/// The other side's audio: one track in a call, one per slot of the SFU in a meeting. Each
/// track's packets go into a jitter buffer of its own as they come; every 20 ms one frame of
/// each is decoded (or concealed), they are summed, and the sum is played.
async fn receive_audio(
    mut tracks: mpsc::Receiver<Arc<dyn TrackRemote>>,
    mut writer: FrameWriter,
    playback: Playback,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let Playback {
        processor,
        counters,
        sources,
        next,
        notices,
    } = playback;
    let (arrivals_tx, mut arrivals) = mpsc::channel::<Arrival>(256);
    let mut inputs: Vec<Input> = Vec::new();
    // The readers, owned here: they stop with the call, and are aborted if this ends first.
    let mut readers = tokio::task::JoinSet::new();
    let (mut more_tracks, mut live) = (true, 0usize);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    loop {
        tokio::select! {
            track = tracks.recv(), if more_tracks => match track {
                Some(track) => {
                    readers.spawn(read_track(track, inputs.len(), arrivals_tx.clone(), stop.clone()));
                    inputs.push(Input {
                        // Two frames (40 ms) of depth: enough for loopback and a LAN; the
                        // jitter figure tells when a deeper one would help.
                        buffer: JitterBuffer::new(2),
                        decoder: OpusDecoder::new()?,
                        transit: None,
                        jitter: 0.0,
                        source: 0,
                    });
                    live += 1;
                }
                None => {
                    more_tracks = false;
                    if live == 0 {
                        break;
                    }
                }
            },
            Some((index, arrival)) = arrivals.recv() => {
                let Some(input) = inputs.get_mut(index) else { continue };
                let Some((seq, timestamp, payload, source)) = arrival else {
                    live -= 1;
                    if live == 0 && !more_tracks {
                        break;
                    }
                    continue;
                };
                // RFC 3550 interarrival jitter, in RTP units.
                let arrival = start.elapsed().as_secs_f64() * 48_000.0;
                let ts = i64::from(timestamp);
                if let Some((prev_ts, prev_arrival)) = input.transit {
                    let d = (arrival - prev_arrival) - (ts - prev_ts) as f64;
                    input.jitter += (d.abs() - input.jitter) / 16.0;
                    let worst = inputs.iter().map(|i| i.jitter).fold(0.0, f64::max);
                    counters.jitter_x16.store((worst * 16.0) as u64, Ordering::Relaxed);
                }
                let input = &mut inputs[index];
                input.transit = Some((ts, arrival));
                input.source = source;
                sources.audio_packet(source);
                input.buffer.push(seq, payload);
                counters.received.store(inputs.iter().map(|i| i.buffer.received).sum(), Ordering::Relaxed);
            }
            _ = tick.tick() => {
                if let Some(chosen) = next.speaker.lock().expect("poisoned").take() {
                    let mut old = std::mem::replace(&mut writer, chosen);
                    old.finish()?;
                }
                let mut frame: Option<Vec<f32>> = None;
                let now = Instant::now();
                for input in &mut inputs {
                    let decoded = match input.buffer.pop() {
                        Playout::Idle => continue,
                        Playout::Packet(p) => match input.decoder.decode(&p) {
                            Ok(f) => {
                                sources.audio_frame(input.source, &f, now);
                                f
                            }
                            Err(_) => input.decoder.conceal(None),
                        },
                        Playout::Missing { next } => input.decoder.conceal(next.as_deref()),
                    };
                    match &mut frame {
                        None => frame = Some(decoded),
                        Some(sum) => {
                            for (s, d) in sum.iter_mut().zip(&decoded) {
                                *s += d;
                            }
                        }
                    }
                }
                // Several voices at once may add up past full scale.
                if inputs.len() > 1 && let Some(sum) = &mut frame {
                    for s in sum.iter_mut() {
                        *s = s.clamp(-1.0, 1.0);
                    }
                }
                counters.lost.store(inputs.iter().map(|i| i.buffer.lost).sum(), Ordering::Relaxed);
                if let Some(frame) = frame {
                    {
                        let mut first = counters.first_audio.lock().expect("poisoned");
                        if first.is_none() {
                            *first = Some(Instant::now());
                        }
                    }
                    // The echo canceller hears what the speaker plays.
                    if let Some(p) = &processor {
                        p.render(&frame)?;
                    }
                    match writer.write(&frame) {
                        Ok(()) => {}
                        Err(MediaError::DeviceLost { device }) => {
                            let (fallback, now) = fallback_speaker().await;
                            let _ = notices.send(DeviceNotice {
                                kind: DeviceKind::Speaker,
                                lost: device,
                                now,
                            });
                            // No speaker left: the other side is not heard until one is chosen.
                            writer = match fallback {
                                Some(w) => w,
                                None => FrameWriter::new(Box::new(crate::synthetic::NullSink))?,
                            };
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::dbov;

    #[test]
    fn levels_are_minus_dbov_from_loudest_to_silence() {
        assert_eq!(dbov(&[]), 127);
        assert_eq!(dbov(&[0.0; 960]), 127);
        assert_eq!(dbov(&[1.0; 960]), 0);
        // A half-scale square wave: -6 dBov.
        let square: Vec<f32> = (0..960)
            .map(|i| if i % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        assert_eq!(dbov(&square), 6);
        // Far below anything audible still reads as a level, not silence.
        assert_eq!(dbov(&[1e-5; 960]), 100);
    }
}
