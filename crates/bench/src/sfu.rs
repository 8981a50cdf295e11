//! `confer-bench sfu`: meetings of 8, 16 and 32 participants through the SFU of a
//! `confer-server` process on loopback.
//!
//! - Participants are synthetic: each is a sans-I/O WebRTC peer (`rtc`, the SFU's own stack)
//!   that joins the way the app does (a user in the room's meeting asks the server for the
//!   SFU's answer to its offer, with the grant the meeting rules mint), sends one real Opus
//!   packet (a tone, encoded once) every 20 ms, and counts what it receives without decoding
//!   it. That keeps the clients cheap enough that the server, not the load generator, is what
//!   two cores measure.
//! - Forwarded streams: one publisher heard by one subscriber (every participant hears every
//!   other, so N × (N − 1) are due). Counted from the packets that reached the participants
//!   in the measured window, as 50 packets a second each.
//! - Per core: forwarded streams divided by the server process's CPU use in that window (its
//!   user and system time over the wall time; every thread, the SFU's and the rest).
//! - Join time: a real client (`Client::join_meeting_media`, the app's path: offer, grant,
//!   answer, ICE and DTLS, jitter buffer, decoder) joins the running meeting; from its offer
//!   to the first remote audio it plays.

use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};
use bytes::{Bytes, BytesMut};
use confer_core::call::CallMedia;
use confer_media::{
    SAMPLE_RATE,
    audio::{FRAME_SAMPLES, OpusEncoder},
    synthetic::{NullSink, ToneSource},
};
use rtc::{
    ice::mdns::MulticastDnsMode,
    interceptor::Registry,
    media_stream::MediaStreamTrack,
    peer_connection::{
        RTCPeerConnection, RTCPeerConnectionBuilder,
        configuration::{
            interceptor_registry::register_default_interceptors,
            media_engine::{MIME_TYPE_OPUS, MediaEngine},
            setting_engine::SettingEngineBuilder,
        },
        event::RTCPeerConnectionEvent,
        message::{RTCMessage, TaggedRTCMessage},
        sdp::RTCSessionDescription,
        state::RTCPeerConnectionState,
        transport::{CandidateConfig, CandidateHostConfig, RTCIceCandidate, RTCIceCandidateInit},
    },
    rtp,
    rtp_transceiver::{
        RTCRtpSenderId,
        rtp_sender::{
            RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
            RtpCodecKind,
        },
    },
    sansio::Protocol,
    shared::{TaggedBytesMut, TransportContext, TransportProtocol},
};
use serde_json::json;
use tokio::{net::UdpSocket, sync::watch, task::JoinSet};

use crate::{
    calls::sign_in,
    process::{ServerProcess, cpu_seconds, memory_of},
};

const PASSWORD: &str = "bench password";
/// One Opus packet every 20 ms.
const PACKET_INTERVAL: Duration = Duration::from_millis(20);
const PACKETS_PER_SECOND: f64 = 50.0;
/// How long every participant may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Parameters.
pub struct SfuParams {
    /// Meeting sizes, one meeting (and one fresh server process) each.
    pub sizes: Vec<usize>,
    /// Seconds measured in each meeting, after everyone is heard.
    pub seconds: u64,
    /// Joins of the real client timed in each meeting.
    pub joins: usize,
}

/// What a synthetic participant has done, read by the benchmark while it runs.
#[derive(Default)]
struct Counters {
    connected: AtomicBool,
    failed: AtomicBool,
    sent: AtomicU64,
    received: AtomicU64,
}

fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: SAMPLE_RATE,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// A second of a tone as Opus packets, played in a loop by every participant (the SFU only
/// forwards them; the real client that joins decodes them).
fn tone_packets() -> Result<Arc<Vec<Bytes>>> {
    let mut encoder = OpusEncoder::new(32_000)?;
    let mut packets = Vec::with_capacity(50);
    for n in 0..50 {
        let frame: Vec<f32> = (0..FRAME_SAMPLES)
            .map(|i| {
                let t = (n * FRAME_SAMPLES + i) as f32 / SAMPLE_RATE as f32;
                0.2 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
            })
            .collect();
        packets.push(Bytes::from(encoder.encode(&frame)?));
    }
    Ok(Arc::new(packets))
}

/// One synthetic participant: its connection, socket and microphone track.
struct Synthetic {
    pc: RTCPeerConnection,
    socket: UdpSocket,
    local: SocketAddr,
    mic: RTCRtpSenderId,
    ssrc: u32,
    payload_type: u8,
    packets: Arc<Vec<Bytes>>,
    counters: Arc<Counters>,
}

impl Synthetic {
    /// A participant that offers its microphone and `lines` audio lines in all (each carries
    /// one other participant, the microphone's too); returns it and its offer.
    async fn offer(lines: usize, packets: Arc<Vec<Bytes>>) -> Result<(Self, String)> {
        let now = Instant::now();
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let local = socket.local_addr()?;
        let mut media = MediaEngine::default();
        media.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus(),
                payload_type: 111,
            },
            RtpCodecKind::Audio,
        )?;
        let registry = register_default_interceptors(Registry::new(), &mut media)?;
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .build();
        let mut pc = RTCPeerConnectionBuilder::new()
            .with_media_engine(media)
            .with_setting_engine(settings)
            .with_interceptor_registry(registry)
            .build(now)?;
        let ssrc = rand::random::<u32>();
        let mic = pc.add_track(MediaStreamTrack::new(
            "bench".to_owned(),
            "mic".to_owned(),
            "mic".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: opus(),
                ..Default::default()
            }],
        ))?;
        for _ in 1..lines {
            // Receive-only, the default for a transceiver made from a kind.
            pc.add_transceiver_from_kind(RtpCodecKind::Audio, None)?;
        }
        let offer = pc.create_offer(None)?;
        pc.set_local_description(now, offer)?;
        let host = CandidateHostConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: local.ip().to_string(),
                port: local.port(),
                component: 1,
                ..Default::default()
            },
            ..Default::default()
        }
        .new_candidate_host()?;
        pc.add_local_candidate(RTCIceCandidate::from(&host).to_json()?)?;
        pc.add_local_candidate(RTCIceCandidateInit::default())?;
        let sdp = pc
            .local_description()
            .context("no local description after offering")?
            .sdp;
        Ok((
            Self {
                pc,
                socket,
                local,
                mic,
                ssrc,
                payload_type: 111,
                packets,
                counters: Arc::default(),
            },
            sdp,
        ))
    }

    fn accept(&mut self, answer: String) -> Result<()> {
        self.pc
            .set_remote_description(Instant::now(), RTCSessionDescription::answer(answer)?)?;
        // The answer decides Opus's number on this leg.
        self.payload_type = self
            .pc
            .rtp_sender(self.mic)
            .and_then(|mut sender| {
                sender
                    .get_parameters()
                    .rtp_parameters
                    .codecs
                    .iter()
                    .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(MIME_TYPE_OPUS))
                    .map(|c| c.payload_type)
            })
            .context("the answer has no Opus")?;
        Ok(())
    }

    /// Runs the connection until `stop`: answers the SFU, sends a packet every 20 ms once
    /// connected, counts what arrives.
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut buf = vec![0u8; 2048];
        let mut next_packet = Instant::now();
        let mut seq: u16 = rand::random();
        let mut timestamp: u32 = rand::random();
        let mut n = 0usize;
        let mut connected = false;
        loop {
            while let Some(out) = self.pc.poll_write() {
                let _ = self
                    .socket
                    .send_to(&out.message, out.transport.peer_addr)
                    .await;
            }
            while let Some(event) = self.pc.poll_event() {
                if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) = event {
                    connected = state == RTCPeerConnectionState::Connected;
                    self.counters.connected.store(connected, Ordering::Relaxed);
                    if matches!(
                        state,
                        RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
                    ) {
                        self.counters.failed.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
            while let Some(TaggedRTCMessage { message, .. }) = self.pc.poll_read() {
                if let RTCMessage::RtpPacket(..) = message {
                    self.counters.received.fetch_add(1, Ordering::Relaxed);
                }
            }
            let timer = self
                .pc
                .poll_timeout()
                .map_or(next_packet, |t| t.min(next_packet));
            tokio::select! {
                _ = stop.changed() => {
                    let _ = self.pc.close();
                    while let Some(out) = self.pc.poll_write() {
                        let _ = self.socket.send_to(&out.message, out.transport.peer_addr).await;
                    }
                    return;
                }
                got = self.socket.recv_from(&mut buf) => {
                    let Ok((len, from)) = got else { continue };
                    let datagram = TaggedBytesMut {
                        now: Instant::now(),
                        transport: TransportContext {
                            local_addr: self.local,
                            peer_addr: from,
                            ecn: None,
                            transport_protocol: TransportProtocol::UDP,
                        },
                        message: BytesMut::from(&buf[..len]),
                    };
                    let _ = self.pc.handle_read(datagram);
                }
                _ = tokio::time::sleep_until(timer.into()) => {
                    let now = Instant::now();
                    if now >= next_packet {
                        if connected {
                            self.send(now, seq, timestamp, n);
                            seq = seq.wrapping_add(1);
                            timestamp = timestamp.wrapping_add(FRAME_SAMPLES as u32);
                            n += 1;
                        }
                        next_packet += PACKET_INTERVAL;
                        // A participant that fell far behind (a starved task) skips ahead
                        // rather than bursting.
                        if next_packet + PACKET_INTERVAL * 5 < now {
                            next_packet = now + PACKET_INTERVAL;
                        }
                    }
                    if self.pc.poll_timeout().is_some_and(|due| due <= now) {
                        let _ = self.pc.handle_timeout(now);
                    }
                }
            }
        }
    }

    fn send(&mut self, now: Instant, seq: u16, timestamp: u32, n: usize) {
        let packet = rtp::Packet {
            header: rtp::Header {
                version: 2,
                payload_type: self.payload_type,
                sequence_number: seq,
                timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: self.packets[n % self.packets.len()].clone(),
        };
        if let Some(mut sender) = self.pc.rtp_sender(self.mic)
            && sender.write_rtp(now, packet).is_ok()
        {
            self.counters.sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn user(n: usize) -> String {
    format!("p{n:02}")
}

const JOINER: &str = "joiner";

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// One meeting of `size` synthetic participants on a fresh server process.
async fn meeting(
    data: &Path,
    size: usize,
    seconds: u64,
    joins: usize,
) -> Result<serde_json::Value> {
    let (server, addr) = ServerProcess::start(data, &[], PASSWORD, &[])?;
    let url = format!("http://{addr}");
    let profiles = tempfile::tempdir()?;
    let (_, rss_idle) = memory_of(server.pid()).context("no /proc")?;

    let mut clients = Vec::with_capacity(size);
    for n in 0..size {
        clients.push(sign_in(&url, &user(n), PASSWORD, profiles.path()).await?);
    }
    let joiner = sign_in(&url, JOINER, PASSWORD, profiles.path()).await?;
    let room = clients[0]
        .create_room(&format!("Bench {size}"))
        .await
        .context("creating the room")?;
    for n in 1..size {
        clients[0].add_room_member(room, &user(n)).await?;
    }
    clients[0].add_room_member(room, JOINER).await?;
    for c in &clients {
        c.start_meeting(room).await.context("joining the meeting")?;
    }
    joiner.start_meeting(room).await?;

    let packets = tone_packets()?;
    let (stop_tx, stop) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut counters = Vec::with_capacity(size);
    let offering = Instant::now();
    for c in &clients {
        // Lines enough to hear every other participant (the microphone's line hears one).
        let (mut peer, offer) = Synthetic::offer((size - 1).max(1), packets.clone()).await?;
        let answer = c.meeting_media_answer(room, offer).await?;
        peer.accept(answer)?;
        counters.push(peer.counters.clone());
        tasks.spawn(peer.run(stop.clone()));
    }
    // Everyone connected and hearing someone.
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        if counters.iter().any(|c| c.failed.load(Ordering::Relaxed)) {
            bail!("a participant's connection failed");
        }
        if counters
            .iter()
            .all(|c| c.connected.load(Ordering::Relaxed) && c.received.load(Ordering::Relaxed) > 0)
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("the {size} participants did not all connect within {CONNECT_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all_connected_s = offering.elapsed().as_secs_f64();
    // A moment for every slot to fill, then the measured window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let total = |f: fn(&Counters) -> u64| counters.iter().map(|c| f(c)).sum::<u64>();
    let received = |c: &Counters| c.received.load(Ordering::Relaxed);
    let sent = |c: &Counters| c.sent.load(Ordering::Relaxed);
    let (cpu0, recv0, sent0, t0) = (
        cpu_seconds(server.pid()).context("no /proc")?,
        total(received),
        total(sent),
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, recv1, sent1, t1) = (
        cpu_seconds(server.pid()).context("no /proc")?,
        total(received),
        total(sent),
        Instant::now(),
    );
    let (rss_peak, rss) = memory_of(server.pid()).context("no /proc")?;
    let wall = (t1 - t0).as_secs_f64();
    let cores = (cpu1 - cpu0) / wall;
    let forwarded_pps = (recv1 - recv0) as f64 / wall;
    let streams = forwarded_pps / PACKETS_PER_SECOND;
    let due = (size * (size - 1)) as f64;
    let sent_pps = (sent1 - sent0) as f64 / wall;
    let delivered = if sent1 > sent0 {
        (recv1 - recv0) as f64 / ((sent1 - sent0) as f64 * (size - 1) as f64)
    } else {
        0.0
    };

    // The real client joins the running meeting, `joins` times.
    let mut join_ms = Vec::with_capacity(joins);
    for _ in 0..joins {
        let media = CallMedia {
            source: Box::new(ToneSource::new(660.0, 0.2)?),
            sink: Box::new(NullSink),
            camera: None,
            view: None,
            relay_only: false,
            original_sound: false,
        };
        let active = joiner
            .join_meeting_media(room, media, confer_core::meeting::MAX_HEARD)
            .await
            .context("the real client joining")?;
        // Until it plays someone (bounded), then hang up and go again.
        let until = Instant::now() + Duration::from_secs(20);
        while active.stats().await.first_audio.is_none() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let report = active.finish().await?;
        join_ms.push(
            report
                .join_ms
                .ok_or_else(|| anyhow!("the real client heard nothing within 20 s"))?
                as f64,
        );
    }
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    drop(server);

    Ok(json!({
        "participants": size,
        "streams_due": due,
        "forwarded_streams": (streams * 10.0).round() / 10.0,
        "forwarded_packets_per_s": forwarded_pps.round(),
        "sent_packets_per_s": sent_pps.round(),
        "delivered_share": (delivered * 1000.0).round() / 1000.0,
        "server_cpu_cores": (cores * 1000.0).round() / 1000.0,
        "streams_per_core": if cores > 0.0 { (streams / cores).round() } else { f64::INFINITY },
        "server_rss_idle_mib": (rss_idle * 10.0).round() / 10.0,
        "server_rss_mib": (rss * 10.0).round() / 10.0,
        "server_rss_peak_mib": (rss_peak * 10.0).round() / 10.0,
        "all_connected_s": (all_connected_s * 100.0).round() / 100.0,
        "join_ms_median": median(&mut join_ms),
        "join_ms": join_ms,
        "measured_s": (wall * 10.0).round() / 10.0,
    }))
}

/// Runs the meetings and returns their figures.
pub async fn sfu(params: SfuParams) -> Result<serde_json::Value> {
    let largest = params.sizes.iter().copied().max().context("no sizes")?;
    if params.sizes.iter().any(|&s| !(2..=32).contains(&s)) {
        bail!("--sizes are 2 to 32 participants (the SFU's audio lines)");
    }
    if !(1..=600).contains(&params.seconds) || !(1..=100).contains(&params.joins) {
        bail!("--seconds is 1 to 600 and --joins 1 to 100");
    }
    let data = tempfile::tempdir()?;
    // Every user once, before the first server starts on the data directory.
    let mut users: Vec<String> = (0..largest).map(user).collect();
    users.push(JOINER.to_owned());
    drop(ServerProcess::start(data.path(), &users, PASSWORD, &[])?);
    let mut meetings = Vec::new();
    for &size in &params.sizes {
        meetings.push(meeting(data.path(), size, params.seconds, params.joins).await?);
    }
    Ok(json!({
        "benchmark": "sfu",
        "scenario": format!(
            "one meeting per size on a fresh confer-server process (SQLite, loopback); synthetic participants (rtc peers, one real Opus packet every 20 ms each, received packets counted, not decoded) all hear each other; {}s measured after everyone is heard; then a real client (confer-core, decoding) joins {} times; server CPU is the process's user+system time over the window; {} cores on this machine",
            params.seconds,
            params.joins,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        ),
        "meetings": meetings,
    }))
}
