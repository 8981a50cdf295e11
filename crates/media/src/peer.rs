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
    peer_connection::configuration::media_engine::MIME_TYPE_OPUS,
    rtp_transceiver::rtp_sender::{
        RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
    },
};
use tokio::sync::{mpsc, watch};
use webrtc::{
    media_stream::{
        track_local::{TrackLocal, static_sample::TrackLocalStaticSample},
        track_remote::{TrackRemote, TrackRemoteEvent},
    },
    peer_connection::{
        MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
        RTCConfigurationBuilder, RTCIceGatheringState, RTCIceServer, RTCIceTransportPolicy,
        RTCPeerConnectionState, RTCSessionDescription, RTCStatsReportEntry, Registry,
        SettingEngineBuilder, StatsSelector, register_default_interceptors,
    },
};

use crate::{
    AudioSink, AudioSource, MediaError,
    audio::{FRAME_SAMPLES, FrameReader, FrameWriter, OpusDecoder, OpusEncoder},
    jitter::{JitterBuffer, Playout},
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
}

#[derive(Default)]
struct Counters {
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
        let _ = self.tracks.try_send(track);
    }
}

/// One side of a call.
pub struct Peer {
    pc: Arc<dyn PeerConnection>,
    audio: Arc<TrackLocalStaticSample>,
    audio_ssrc: u32,
    audio_sender: Arc<dyn webrtc::rtp_transceiver::RtpSender>,
    gathered: tokio::sync::Mutex<mpsc::Receiver<()>>,
    state: watch::Receiver<RTCPeerConnectionState>,
    tracks: tokio::sync::Mutex<mpsc::Receiver<Arc<dyn TrackRemote>>>,
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    /// The pump tasks, owned here and awaited by `close`.
    tasks: Mutex<Vec<tokio::task::JoinHandle<Result<(), MediaError>>>>,
    bitrate: i32,
}

fn peer_error(what: &str) -> impl Fn(rtc::shared::error::Error) -> MediaError + '_ {
    move |e| MediaError::Peer(format!("{what}: {e}"))
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
        // Receiver and sender reports, NACK and transport-wide congestion feedback.
        let registry = register_default_interceptors(Registry::new(), &mut media)
            .map_err(peer_error("interceptors"))?;
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
        let (tracks_tx, tracks) = mpsc::channel(4);
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
        let audio_ssrc = rand::random::<u32>();
        let audio = Arc::new(
            TrackLocalStaticSample::new(
                Instant::now(),
                MediaStreamTrack::new(
                    "confer".to_owned(),
                    "audio".to_owned(),
                    "microphone".to_owned(),
                    RtpCodecKind::Audio,
                    vec![RTCRtpEncodingParameters {
                        rtp_coding_parameters: RTCRtpCodingParameters {
                            ssrc: Some(audio_ssrc),
                            ..Default::default()
                        },
                        codec: RTCRtpCodec {
                            mime_type: MIME_TYPE_OPUS.to_owned(),
                            clock_rate: 48_000,
                            channels: 2,
                            sdp_fmtp_line: String::new(),
                            rtcp_feedback: vec![],
                        },
                        ..Default::default()
                    }],
                ),
            )
            .map_err(peer_error("audio track"))?,
        );
        let audio_sender = pc
            .add_track(audio.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(peer_error("adding the audio track"))?;
        Ok(Self {
            pc,
            audio,
            audio_ssrc,
            audio_sender,
            gathered: tokio::sync::Mutex::new(gathered),
            state,
            tracks: tokio::sync::Mutex::new(tracks),
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

    /// Whether the connection failed or closed since it was up.
    pub fn state(&self) -> watch::Receiver<RTCPeerConnectionState> {
        self.state.clone()
    }

    /// Starts sending `source` and playing what arrives into `sink`.
    pub async fn start(
        &self,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
    ) -> Result<(), MediaError> {
        let reader = FrameReader::new(source)?;
        let writer = FrameWriter::new(sink)?;
        let payload_type = self
            .audio_sender
            .get_parameters()
            .await
            .map_err(peer_error("reading the negotiated codec"))?
            .rtp_parameters
            .codecs
            .first()
            .map(|c| c.payload_type)
            .ok_or_else(|| MediaError::Peer("no audio codec was negotiated".into()))?;
        let send = tokio::spawn(send_audio(
            reader,
            OpusEncoder::new(self.bitrate)?,
            self.audio.clone(),
            self.audio_ssrc,
            payload_type,
            self.counters.clone(),
            self.stop.subscribe(),
        ));
        let track = {
            let mut tracks = self.tracks.lock().await;
            tokio::time::timeout(GATHER_TIMEOUT, tracks.recv())
                .await
                .map_err(|_| MediaError::Timeout("the remote audio track"))?
                .ok_or_else(|| MediaError::Peer("no remote track".into()))?
        };
        let receive = tokio::spawn(receive_audio(
            track,
            writer,
            OpusDecoder::new()?,
            self.counters.clone(),
            self.stop.subscribe(),
        ));
        let mut tasks = self.tasks.lock().expect("tasks poisoned");
        tasks.push(send);
        tasks.push(receive);
        Ok(())
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

/// Every 20 ms: one frame from the source, encoded, sent. A source that ends sends silence
/// (a file played once leaves the line open, quiet).
async fn send_audio(
    mut reader: FrameReader,
    mut encoder: OpusEncoder,
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let silence = vec![0.0; FRAME_SAMPLES];
    let mut ended = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return Ok(()),
        }
        let frame = if ended { None } else { reader.next_frame()? };
        ended |= frame.is_none();
        let packet = encoder.encode(frame.as_deref().unwrap_or(&silence))?;
        let sample = Sample {
            data: packet.into(),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        match track
            .sample_writer(ssrc, payload_type)
            .write_sample(&sample)
            .await
        {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            // The connection closed under us: the call is ending.
            Err(e) => {
                tracing::debug!(error = %e, "audio send stopped");
                return Ok(());
            }
        }
    }
}

/// Packets into the jitter buffer as they come; one frame out of it every 20 ms, decoded (or
/// concealed) and played.
async fn receive_audio(
    track: Arc<dyn TrackRemote>,
    mut writer: FrameWriter,
    mut decoder: OpusDecoder,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), MediaError> {
    // Two frames (40 ms) of depth: enough for loopback and a LAN; the jitter figure tells when
    // a deeper one would help.
    let mut buffer = JitterBuffer::new(2);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut transit: Option<(i64, f64)> = None;
    let start = Instant::now();
    let mut jitter = 0.0f64;
    loop {
        tokio::select! {
            event = track.poll() => match event {
                Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                    // RFC 3550 interarrival jitter, in RTP units.
                    let arrival = start.elapsed().as_secs_f64() * 48_000.0;
                    let ts = i64::from(packet.header.timestamp);
                    if let Some((prev_ts, prev_arrival)) = transit {
                        let d = (arrival - prev_arrival) - (ts - prev_ts) as f64;
                        jitter += (d.abs() - jitter) / 16.0;
                        counters.jitter_x16.store((jitter * 16.0) as u64, Ordering::Relaxed);
                    }
                    transit = Some((ts, arrival));
                    buffer.push(packet.header.sequence_number, packet.payload.to_vec());
                    counters.received.store(buffer.received, Ordering::Relaxed);
                }
                Some(_) => {}
                None => break,
            },
            _ = tick.tick() => {
                let frame = match buffer.pop() {
                    Playout::Idle => None,
                    Playout::Packet(p) => match decoder.decode(&p) {
                        Ok(f) => Some(f),
                        Err(_) => Some(decoder.conceal(None)),
                    },
                    Playout::Missing { next } => Some(decoder.conceal(next.as_deref())),
                };
                counters.lost.store(buffer.lost, Ordering::Relaxed);
                if let Some(frame) = frame {
                    {
                        let mut first = counters.first_audio.lock().expect("poisoned");
                        if first.is_none() {
                            *first = Some(Instant::now());
                        }
                    }
                    writer.write(&frame)?;
                }
            }
            _ = stop.changed() => break,
        }
    }
    writer.finish()
}
