//! One participant's connection to the SFU: the answer to its offer, and the rewriting that
//! turns the other participants' packets into this connection's own outgoing tracks.
//!
//! Those tracks are slots: the client offers one audio m-line for its microphone and one more
//! for each participant it can hear at once, and the same for video (its camera's line and one
//! per tile it can show); the SFU answers each with a track of its own. A publisher takes a
//! free slot of the kind when first heard (or seen) and keeps it while it is; a slot freed goes
//! to the next. Nobody renegotiates when people come and go, which is what lets a browser and a
//! CLI meet through the same SFU with nothing but one offer and one answer.
//!
//! Every forwarded packet names its publisher in its CSRC list (the grant's `source`), so a
//! client knows whose voice or picture each of its lines carries now.
//!
//! A camera may come in several simulcast layers (browsers send them when offered; the answer
//! accepts them). Each video line then carries the one layer that fits the subscriber: the
//! tiles it shows share its window, so a picture shown in a grid of N columns gets the largest
//! layer no wider than 1/N of the publisher's widest, one layer lower per step of loss its
//! receiver reports. Layers switch at a keyframe of the new one, the line staying one stream.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Instant};

use bytes::BytesMut;
use rand::distr::{Alphanumeric, SampleString};
use rtc::{
    ice::{mdns::MulticastDnsMode, tcp_type::TcpType},
    interceptor::Registry,
    media_stream::MediaStreamTrack,
    peer_connection::{
        RTCPeerConnection, RTCPeerConnectionBuilder,
        configuration::{
            interceptor_registry::register_default_interceptors,
            media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8, MediaEngine},
            setting_engine::SettingEngineBuilder,
        },
        event::RTCPeerConnectionEvent,
        message::{RTCMessage, TaggedRTCMessage},
        sdp::RTCSessionDescription,
        state::RTCPeerConnectionState,
        transport::{
            CandidateConfig, CandidateHostConfig, RTCDtlsRole, RTCIceCandidate, RTCIceCandidateInit,
        },
    },
    rtp,
    rtp_transceiver::{
        RTCRtpSenderId,
        rtp_sender::{
            RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters,
            RTCRtpEncodingParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
        },
    },
    sansio::Protocol,
    shared::{TaggedBytesMut, TransportContext, TransportProtocol},
};
use tracing::debug;

use crate::{Error, PeerId, PeerStats, router::Via};

/// Opus's RTP clock, whatever the sampling rate.
const OPUS_CLOCK: u32 = 48_000;

/// VP8's RTP clock.
pub(crate) const VIDEO_CLOCK: u32 = 90_000;

/// The least time between two keyframe requests to one publisher: several subscribers whose
/// lines it takes at once ask it once, and a keyframe takes a few frames to arrive anyway.
const KEYFRAME_REQUEST_GAP: std::time::Duration = std::time::Duration::from_millis(300);

/// The payload type VP8 is registered under (webrtc-rs's and browsers' usual one); an offer
/// that numbers it otherwise is answered with its own number.
const VP8_PAYLOAD_TYPE: u8 = 96;

/// The most audio m-lines an offer may have (the microphone and the slots): more would only
/// cost SRTP contexts nobody fills, since a meeting's own limit is far below.
pub const MAX_AUDIO_LINES: usize = 33;

/// The most video m-lines an offer may have: the camera's and one per tile of the largest
/// grid (9); beyond that, who is seen is chosen, not added.
pub const MAX_VIDEO_LINES: usize = 10;

/// What a slot or a packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Audio,
    Video,
}

/// One of the connection's outgoing tracks, and whose audio or video it carries now.
struct Slot {
    kind: MediaKind,
    sender: RTCRtpSenderId,
    ssrc: u32,
    payload_type: u8,
    source: Option<PeerId>,
    /// When it was last given to a publisher.
    given_at: Option<Instant>,
    /// The stream (SSRC: the simulcast layer) a video slot forwards now. None after it was
    /// given to another publisher: it forwards nothing until a keyframe, since the
    /// subscriber's decoder could make nothing of the frames in between; likewise a switch to
    /// another layer happens at a keyframe of it.
    layer: Option<u32>,
    continuity: Continuity,
}

/// One stream of a publisher's camera as received: a simulcast layer, or its only one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layer {
    pub(crate) ssrc: u32,
    /// Its pictures' width, from its last keyframe (0 until one came).
    pub(crate) width: u16,
    last: Instant,
}

/// A layer not heard of for this long is gone (a browser stops its top layer when its
/// bandwidth falls short).
const LAYER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// At or above this fraction of loss (of 256, RFC 3550) in a subscriber's report on its video,
/// its lines step one layer down; 10 %.
const LOSSY: u8 = 26;

/// A step down lasts at least this long after the last lossy report before it is undone.
const LOSS_HOLD: std::time::Duration = std::time::Duration::from_secs(8);

/// The most steps down (three layers is what browsers send).
const MAX_STEPS_DOWN: u8 = 2;

/// How many layers down a subscriber's lines go for the loss it reports: a step per lossy
/// report (a burst of reports on one loss counts once), undone one by one once reports have
/// been clean for [`LOSS_HOLD`].
#[derive(Debug, Default)]
struct LossSteps {
    steps: u8,
    /// When a lossy report last came (or the last step was undone).
    lossy_at: Option<Instant>,
}

impl LossSteps {
    fn lossy(&mut self, now: Instant) {
        if self
            .lossy_at
            .is_none_or(|at| now.saturating_duration_since(at) >= LOSS_HOLD / 4)
        {
            self.steps = (self.steps + 1).min(MAX_STEPS_DOWN);
        }
        self.lossy_at = Some(now);
    }

    fn tick(&mut self, now: Instant) {
        if self
            .lossy_at
            .is_some_and(|at| now.saturating_duration_since(at) > LOSS_HOLD)
        {
            self.steps = self.steps.saturating_sub(1);
            self.lossy_at = (self.steps > 0).then_some(now);
        }
    }
}

/// The layer (SSRC) a subscriber gets of a publisher whose layers are `layers` (ascending by
/// width), when it shows `tiles` tiles and its reports took it `down` steps down: a grid of N
/// columns (the square root of the tiles, rounded up) shows each tile at 1/N of the window,
/// which the widest layer is meant to fill.
pub(crate) fn pick_layer(layers: &[(u32, u16)], tiles: usize, down: u8) -> Option<u32> {
    let widest = layers.last()?.1;
    let columns = (1..).find(|c: &usize| c * c >= tiles.max(1)).unwrap_or(1);
    let fits = widest / u16::try_from(columns).unwrap_or(u16::MAX);
    let best = layers.iter().rposition(|l| l.1 <= fits).unwrap_or(0);
    Some(layers[best.saturating_sub(usize::from(down))].0)
}

/// A VP8 keyframe's picture size, from the first packet of the frame (RFC 6386 9.1: after the
/// 3-byte frame tag, the start code 9d 01 2a, then width and height in 14 bits each).
pub(crate) fn vp8_keyframe_size(payload: &[u8]) -> Option<(u16, u16)> {
    if !vp8_keyframe_starts(payload) {
        return None;
    }
    let at = vp8_descriptor_len(payload)?;
    let frame = payload.get(at..at + 10)?;
    if frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let width = u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff;
    let height = u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff;
    Some((width, height))
}

/// A packet received from a participant, with the room it is for and what it carries.
pub(crate) type Received = (PeerId, Arc<str>, MediaKind, rtp::Packet);

/// Opus as the client registers it (webrtc-rs's defaults), so the answer keeps the offer's
/// payload type and parameters.
fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: OPUS_CLOCK,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// VP8 as the client registers it, with the feedback the SFU answers (NACK, picture loss).
fn vp8() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: VIDEO_CLOCK,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![
            RTCPFeedback {
                typ: "nack".to_owned(),
                parameter: String::new(),
            },
            RTCPFeedback {
                typ: "nack".to_owned(),
                parameter: "pli".to_owned(),
            },
        ],
    }
}

/// The payload types an offer gives Opus and VP8 (`a=rtpmap:PT NAME/CLOCK`): how the SFU
/// tells a participant's audio from its video as packets come.
fn payload_types(sdp: &str) -> (Vec<u8>, Vec<u8>) {
    let (mut audio, mut video) = (Vec::new(), Vec::new());
    for line in sdp.lines() {
        let Some(map) = line.trim().strip_prefix("a=rtpmap:") else {
            continue;
        };
        let Some((pt, codec)) = map.split_once(' ') else {
            continue;
        };
        let Ok(pt) = pt.parse::<u8>() else { continue };
        let name = codec.split('/').next().unwrap_or_default();
        if name.eq_ignore_ascii_case("opus") {
            audio.push(pt);
        } else if name.eq_ignore_ascii_case("VP8") {
            video.push(pt);
        }
    }
    (audio, video)
}

/// The header extension in which browsers tell the level of each audio packet (RFC 6464).
pub(crate) const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/// The id an offer gave the audio level extension, if it offered it.
fn audio_level_id(sdp: &str) -> Option<u8> {
    sdp.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("a=extmap:")?;
        let (id, uri) = rest.split_once(' ')?;
        // "N" or "N/direction".
        let id = id.split('/').next()?.parse().ok()?;
        (uri.split_whitespace().next()? == AUDIO_LEVEL_URI).then_some(id)
    })
}

/// At or above this level (RFC 6464: -dBov, 0 the loudest, 127 silence) a packet is speech.
const SPEECH_DBOV: u8 = 45;

/// Without a level extension, an Opus packet this long or longer carries sound worth hearing:
/// the encoder spends a few bytes on silence and tens on a voice (a heuristic, for clients that
/// send no levels, Confer's own among them).
const SPEECH_BYTES: usize = 30;

/// So many loud packets in a row (20 ms each) make someone a speaker: a cough or a click does
/// not take a tile.
const SPEECH_RUN: u32 = 10;

/// Someone who spoke this recently is speaking.
pub(crate) const SPEAKING: std::time::Duration = std::time::Duration::from_millis(1500);

/// A line stays with whoever got it at least this long before a speaker takes it over, so
/// that two people talking over each other do not make it flicker.
const MIN_HOLD: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether an RTP payload of VP8 begins a keyframe (RFC 7741: the descriptor's S bit set and
/// partition 0, then a payload header whose P bit is clear).
pub(crate) fn vp8_keyframe_starts(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let start = first & 0x10 != 0 && first & 0x07 == 0;
    start
        && vp8_descriptor_len(payload)
            .and_then(|at| payload.get(at))
            .is_some_and(|header| header & 0x01 == 0)
}

/// The length of a VP8 payload descriptor (RFC 7741 4.2), if the payload holds one.
fn vp8_descriptor_len(payload: &[u8]) -> Option<usize> {
    let first = *payload.first()?;
    let mut at = 1;
    if first & 0x80 != 0 {
        let ext = *payload.get(1)?;
        at = 2;
        if ext & 0x80 != 0 {
            // A picture id of 7 bits, or 15 when its top bit says so.
            at += if payload.get(at).is_some_and(|b| b & 0x80 != 0) {
                2
            } else {
                1
            };
        }
        if ext & 0x40 != 0 {
            at += 1;
        }
        if ext & 0x30 != 0 {
            at += 1;
        }
    }
    Some(at)
}

pub(crate) struct SfuPeer {
    pub(crate) id: PeerId,
    pub(crate) room: Arc<str>,
    pub(crate) identity: Arc<str>,
    /// From the grant: its audio goes to the others.
    pub(crate) publish_audio: bool,
    /// From the grant: its video goes to the others.
    pub(crate) publish_video: bool,
    /// From the grant: the CSRC its forwarded packets carry (0: none).
    pub(crate) source: u32,
    /// From the grant: the others' audio goes to it.
    pub(crate) subscribe: bool,
    /// From the grant: a moderator, whom mute-for-all leaves alone.
    pub(crate) moderator: bool,
    /// Muted by a moderator (alone, not by mute-for-all).
    pub(crate) muted: bool,
    /// Its packets sent on to others (one per subscriber).
    pub(crate) relayed: u64,
    /// This side's ICE ufrag: the first half of the USERNAME of the client's STUN requests.
    ufrag: String,
    pc: RTCPeerConnection,
    slots: Vec<Slot>,
    /// The payload types its offer gave Opus and VP8.
    audio_types: Vec<u8>,
    video_types: Vec<u8>,
    /// The track its camera arrives on (what a keyframe request goes by).
    video_track: Option<String>,
    /// Its camera's streams as received, ascending by width (one, or a simulcast's layers).
    layers: Vec<Layer>,
    /// When a keyframe was last asked of each of its streams.
    keyframe_asked: HashMap<u32, Instant>,
    /// Publishers (and their layers) whose pictures one of its video lines now waits for a
    /// keyframe of: the router asks them (browsers send keyframes only when asked).
    pub(crate) keyframes_wanted: Vec<(PeerId, u32)>,
    /// Steps down its video lines take because its reports say it loses packets.
    loss: LossSteps,
    /// Reception reports on its video lines it sent.
    reports: u64,
    state: RTCPeerConnectionState,
    /// Its loss was reported (see `Router::report_lost`); cleared when it comes back.
    pub(crate) lost_reported: bool,
    received: u64,
    forwarded: u64,
    /// Keyframe requests sent to it.
    keyframes_asked: u64,
    /// What it last sent came over TCP.
    over_tcp: bool,
    /// The id its offer gave the audio level extension.
    audio_level_id: Option<u8>,
    /// Loud audio packets in a row.
    loud_run: u32,
    /// When it last spoke (a run of loud packets), for handing lines to whoever speaks.
    pub(crate) last_spoke: Option<Instant>,
}

impl SfuPeer {
    /// Answers a client's offer; returns the connection and the answer's SDP, which holds the
    /// SFU's one candidate (`local`) and ends gathering (clients expect whole descriptions).
    pub(crate) fn answer(
        id: PeerId,
        grant: crate::Grant,
        offer: String,
        local: SocketAddr,
        tcp: Option<SocketAddr>,
        now: Instant,
    ) -> Result<(Self, String), Error> {
        let bad_offer = |e: rtc::shared::error::Error| Error::BadOffer(e.to_string());
        let offer = RTCSessionDescription::offer(offer).map_err(bad_offer)?;

        let mut media = MediaEngine::default();
        media.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus(),
                payload_type: 111,
            },
            RtpCodecKind::Audio,
        )?;
        media.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: vp8(),
                payload_type: VP8_PAYLOAD_TYPE,
            },
            RtpCodecKind::Video,
        )?;
        // NACK, receiver-side TWCC (the client's congestion control estimates its uplink from
        // the SFU's feedback) and RTCP reports.
        // Levels in the audio packets, when the client sends them (browsers do), say who speaks.
        media.register_header_extension(
            RTCRtpHeaderExtensionCapability {
                uri: AUDIO_LEVEL_URI.to_owned(),
            },
            RtpCodecKind::Audio,
            None,
        )?;
        let registry = register_default_interceptors(Registry::new(), &mut media)?.with(
            rtc::interceptor::Slot::from(crate::reports::SLOT),
            crate::reports::ReceptionReports::default(),
        );
        // Our own ufrag, rather than a generated one, because the router needs it to route
        // the client's STUN before any of it reaches this connection.
        let ufrag = Alphanumeric.sample_string(&mut rand::rng(), 16);
        let settings = SettingEngineBuilder::new()
            .with_ice_credentials(
                ufrag.clone(),
                Alphanumeric.sample_string(&mut rand::rng(), 32),
            )
            // Clients advertise plain addresses (their mDNS is off too), and resolving .local
            // names would need a socket on 5353.
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            // Passive: the SFU speaks DTLS only in reply to a client that has reached it, so
            // the handshake always runs on the address the router learnt from that client.
            .with_answering_dtls_role(RTCDtlsRole::Server)
            .build();
        let mut pc = RTCPeerConnectionBuilder::new()
            .with_media_engine(media)
            .with_setting_engine(settings)
            .with_interceptor_registry(registry)
            .build(now)?;

        // One track per m-line of the offer, added before the answer so that each is answered
        // with one: the first of each kind (the client's microphone or camera, sendrecv) and
        // every slot (recvonly) get a track the others reach this client on, without
        // renegotiation.
        let count = |kind: &str| {
            offer
                .sdp
                .lines()
                .filter(|l| l.starts_with(&format!("m={kind}")))
                .count()
        };
        let (audio_lines, video_lines) = (count("audio"), count("video"));
        if audio_lines == 0 || audio_lines > MAX_AUDIO_LINES {
            return Err(Error::BadOffer(format!(
                "{audio_lines} audio m-lines (1 to {MAX_AUDIO_LINES})"
            )));
        }
        if video_lines > MAX_VIDEO_LINES {
            return Err(Error::BadOffer(format!(
                "{video_lines} video m-lines (at most {MAX_VIDEO_LINES})"
            )));
        }
        let (audio_types, video_types) = payload_types(&offer.sdp);
        let offer_sdp = offer.sdp.clone();
        let mut outs = Vec::with_capacity(audio_lines + video_lines);
        let lines = std::iter::repeat_n(MediaKind::Audio, audio_lines)
            .chain(std::iter::repeat_n(MediaKind::Video, video_lines));
        for (n, kind) in lines.enumerate() {
            let ssrc = rand::random::<u32>();
            let (name, rtc_kind, codec) = match kind {
                MediaKind::Audio => ("audio", RtpCodecKind::Audio, opus()),
                MediaKind::Video => ("video", RtpCodecKind::Video, vp8()),
            };
            let track_id = format!("sfu-{name}-{}-{n}", id.0);
            let sender = pc.add_track(MediaStreamTrack::new(
                "confer-sfu".to_owned(),
                track_id.clone(),
                track_id,
                rtc_kind,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec,
                    ..Default::default()
                }],
            ))?;
            outs.push((kind, sender, ssrc));
        }
        pc.set_remote_description(now, offer).map_err(bad_offer)?;

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
        // The TCP fallback: passive, the client connects (RFC 6544).
        if let Some(tcp) = tcp {
            let host = CandidateHostConfig {
                base_config: CandidateConfig {
                    network: "tcp".to_owned(),
                    address: tcp.ip().to_string(),
                    port: tcp.port(),
                    component: 1,
                    ..Default::default()
                },
                tcp_type: TcpType::Passive,
            }
            .new_candidate_host()?;
            pc.add_local_candidate(RTCIceCandidate::from(&host).to_json()?)?;
        }
        pc.add_local_candidate(RTCIceCandidateInit::default())?;

        let answer = pc.create_answer(None)?;
        pc.set_local_description(now, answer)?;
        let sdp = pc
            .local_description()
            .ok_or_else(|| Error::Rtc("no local description after answering".to_owned()))?
            .sdp;
        let mut slots = Vec::with_capacity(outs.len());
        for (kind, sender, ssrc) in outs {
            let mime = match kind {
                MediaKind::Audio => MIME_TYPE_OPUS,
                MediaKind::Video => MIME_TYPE_VP8,
            };
            let payload_type = pc
                .rtp_sender(sender)
                .and_then(|mut sender| {
                    sender
                        .get_parameters()
                        .rtp_parameters
                        .codecs
                        .iter()
                        .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(mime))
                        .map(|c| c.payload_type)
                })
                .ok_or_else(|| {
                    Error::BadOffer(format!("no {mime} the SFU can send on one of the lines"))
                })?;
            slots.push(Slot {
                kind,
                sender,
                ssrc,
                payload_type,
                source: None,
                given_at: None,
                layer: None,
                continuity: Continuity::default(),
            });
        }

        let peer = Self {
            id,
            room: grant.room.into(),
            identity: grant.identity.into(),
            publish_audio: grant.publish_audio,
            publish_video: grant.publish_video,
            source: grant.source,
            subscribe: grant.subscribe,
            moderator: grant.moderate,
            muted: false,
            relayed: 0,
            ufrag,
            pc,
            slots,
            audio_types,
            video_types,
            video_track: None,
            layers: Vec::new(),
            keyframe_asked: HashMap::new(),
            keyframes_wanted: Vec::new(),
            loss: LossSteps::default(),
            reports: 0,
            state: RTCPeerConnectionState::New,
            lost_reported: false,
            received: 0,
            forwarded: 0,
            keyframes_asked: 0,
            over_tcp: false,
            audio_level_id: audio_level_id(&offer_sdp),
            loud_run: 0,
            last_spoke: None,
        };
        Ok((peer, sdp))
    }

    pub(crate) fn ufrag(&self) -> &str {
        &self.ufrag
    }

    /// Feeds a datagram the router attributed to this connection. `local` must be the
    /// advertised candidate's address (of the transport it came by): the ICE agent drops what
    /// arrives on any other.
    pub(crate) fn input(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        data: &[u8],
        via: Via,
    ) {
        self.over_tcp = via == Via::Tcp;
        let datagram = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: local,
                peer_addr: from,
                ecn: None,
                transport_protocol: match via {
                    Via::Udp => TransportProtocol::UDP,
                    Via::Tcp => TransportProtocol::TCP,
                },
            },
            message: BytesMut::from(data),
        };
        if let Err(e) = self.pc.handle_read(datagram) {
            debug!(peer = self.id.0, error = %e, "datagram refused");
        }
    }

    pub(crate) fn poll_timeout(&mut self) -> Option<Instant> {
        self.pc.poll_timeout()
    }

    pub(crate) fn timeout(&mut self, now: Instant) {
        if self.pc.poll_timeout().is_some_and(|due| due <= now)
            && let Err(e) = self.pc.handle_timeout(now)
        {
            debug!(peer = self.id.0, error = %e, "timer");
        }
    }

    /// Takes in state changes and the reports of its receiver, and queues the participant's
    /// RTP for forwarding.
    pub(crate) fn poll(&mut self, now: Instant, received: &mut Vec<Received>) {
        while let Some(event) = self.pc.poll_event() {
            if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) = event {
                debug!(peer = self.id.0, %state, "connection state");
                self.state = state;
            }
        }
        while let Some(TaggedRTCMessage { message, .. }) = self.pc.poll_read() {
            let (track, packet) = match message {
                RTCMessage::RtpPacket(track, packet) => (track, packet),
                // Its reports on what the SFU sends it (`reports` lets only those through):
                // loss steps its video down. RTCP is not relayed: a subscriber's request for a
                // keyframe is answered by the publisher's next periodic one.
                RTCMessage::RtcpPacket(_, packets) => {
                    self.take_reports(now, &packets);
                    continue;
                }
                _ => continue,
            };
            let pt = packet.header.payload_type;
            let kind = if self.audio_types.contains(&pt) {
                MediaKind::Audio
            } else if self.video_types.contains(&pt) {
                if self.video_track.as_ref() != Some(&track) {
                    self.video_track = Some(track);
                }
                // Pictures the grant keeps from the others need no layers (nor keyframes).
                if self.publish_video {
                    self.take_layer(now, &packet);
                }
                MediaKind::Video
            } else {
                continue;
            };
            self.received += 1;
            received.push((self.id, self.room.clone(), kind, packet));
        }
        if self
            .layers
            .iter()
            .any(|l| now.saturating_duration_since(l.last) > LAYER_TIMEOUT)
        {
            self.layers
                .retain(|l| now.saturating_duration_since(l.last) <= LAYER_TIMEOUT);
        }
        self.loss.tick(now);
    }

    /// Notes the stream (layer) a video packet came on, and its width when it starts a
    /// keyframe. A new stream is asked for a keyframe at once: its width decides who gets it.
    fn take_layer(&mut self, now: Instant, packet: &rtp::Packet) {
        let ssrc = packet.header.ssrc;
        let at = match self.layers.iter().position(|l| l.ssrc == ssrc) {
            Some(at) => at,
            None => {
                self.layers.insert(
                    0,
                    Layer {
                        ssrc,
                        width: 0,
                        last: now,
                    },
                );
                self.request_keyframe(now, Some(ssrc));
                0
            }
        };
        self.layers[at].last = now;
        if let Some((width, _)) = vp8_keyframe_size(&packet.payload)
            && self.layers[at].width != width
        {
            self.layers[at].width = width;
            self.layers.sort_by_key(|l| l.width);
        }
    }

    /// Its camera's streams now, ascending by width: (SSRC, width).
    pub(crate) fn layers(&self) -> Vec<(u32, u16)> {
        self.layers.iter().map(|l| (l.ssrc, l.width)).collect()
    }

    /// A lossy report on any of its video lines takes them a step down.
    fn take_reports(&mut self, now: Instant, packets: &[Box<dyn rtc::rtcp::Packet>]) {
        use rtc::rtcp::{
            receiver_report::ReceiverReport, reception_report::ReceptionReport,
            sender_report::SenderReport,
        };
        let video = |r: &ReceptionReport| {
            self.slots
                .iter()
                .any(|s| s.kind == MediaKind::Video && s.ssrc == r.ssrc)
        };
        let mut lossy = false;
        for packet in packets {
            let any = packet.as_any();
            let reports = if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
                &rr.reports
            } else if let Some(sr) = any.downcast_ref::<SenderReport>() {
                &sr.reports
            } else {
                continue;
            };
            self.reports += reports.iter().filter(|r| video(r)).count() as u64;
            lossy |= reports.iter().any(|r| video(r) && r.fraction_lost >= LOSSY);
        }
        if lossy {
            self.loss.lossy(now);
        }
    }

    /// Takes note of one of its audio packets (one forwarded: a silenced participant does not
    /// speak here): a run of loud ones makes it a speaker now.
    pub(crate) fn hear(&mut self, now: Instant, packet: &rtp::Packet) {
        let loud = match self
            .audio_level_id
            .and_then(|id| packet.header.get_extension(id))
        {
            Some(level) => level.first().is_some_and(|b| b & 0x7f <= SPEECH_DBOV),
            None => packet.payload.len() >= SPEECH_BYTES,
        };
        self.loud_run = if loud { self.loud_run + 1 } else { 0 };
        if self.loud_run >= SPEECH_RUN {
            self.last_spoke = Some(now);
        }
    }

    /// A line of `kind` for a publisher who speaks while every such line carries someone: the
    /// one whose holder spoke least recently (and not now), if it has been theirs for
    /// [`MIN_HOLD`]. Beyond the lines a client offered, the speakers are heard and seen.
    fn line_for_speaker(
        &self,
        now: Instant,
        kind: MediaKind,
        from: PeerId,
        spoke: &HashMap<PeerId, Instant>,
    ) -> Option<usize> {
        let speaking = |id: &PeerId| {
            spoke
                .get(id)
                .is_some_and(|at| now.saturating_duration_since(*at) < SPEAKING)
        };
        if !speaking(&from) {
            return None;
        }
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == kind)
            .filter(|(_, s)| {
                s.given_at
                    .is_none_or(|at| now.saturating_duration_since(at) >= MIN_HOLD)
            })
            .filter_map(|(n, s)| s.source.map(|holder| (n, holder)))
            .filter(|(_, holder)| !speaking(holder))
            .min_by_key(|(_, holder)| spoke.get(holder).copied())
            .map(|(n, _)| n)
    }

    /// Sends `from`'s packet on the slot of its kind it holds on this connection, or on a free
    /// one, or on one a speaker takes over (see `line_for_speaker`); otherwise it is dropped.
    /// `source` is the publisher's CSRC; `spoke`, when each participant last spoke; `layers`,
    /// the publisher's camera streams (see `layers`). Whether it was sent.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn forward(
        &mut self,
        now: Instant,
        from: PeerId,
        source: u32,
        kind: MediaKind,
        mut packet: rtp::Packet,
        spoke: &HashMap<PeerId, Instant>,
        layers: &[(u32, u16)],
    ) -> bool {
        // Until DTLS is done there are no SRTP keys: write_rtp would refuse the packet, after
        // the interceptors had counted it as sent. The subscriber hears from the first packet
        // after it connects, as in any live call joined late.
        if self.state != RTCPeerConnectionState::Connected {
            return false;
        }
        let held = self
            .slots
            .iter()
            .position(|s| s.kind == kind && s.source == Some(from));
        let free = || {
            self.slots
                .iter()
                .position(|s| s.kind == kind && s.source.is_none())
        };
        let Some(n) = held
            .or_else(free)
            .or_else(|| self.line_for_speaker(now, kind, from, spoke))
        else {
            return false;
        };
        let tiles = if kind == MediaKind::Video {
            let others = self
                .slots
                .iter()
                .filter(|s| s.kind == MediaKind::Video && s.source.is_some())
                .count();
            // The line it is about to take counts too, unless it carried someone already.
            others + usize::from(self.slots[n].source.is_none())
        } else {
            0
        };
        let steps_down = self.loss.steps;
        let slot = &mut self.slots[n];
        if held.is_none() {
            slot.source = Some(from);
            slot.given_at = Some(now);
            slot.layer = None;
            if kind == MediaKind::Audio {
                slot.continuity.switch(&packet.header, now, OPUS_CLOCK);
            }
        }
        if kind == MediaKind::Video {
            let ssrc = packet.header.ssrc;
            // A publisher heard of before its first packet was noted: whatever comes.
            let target = pick_layer(layers, tiles, steps_down).unwrap_or(ssrc);
            if slot.layer != Some(target) {
                if ssrc == target && vp8_keyframe_starts(&packet.payload) {
                    slot.layer = Some(target);
                    slot.continuity.switch(&packet.header, now, VIDEO_CLOCK);
                } else {
                    if ssrc == target && !self.keyframes_wanted.contains(&(from, target)) {
                        self.keyframes_wanted.push((from, target));
                    }
                    // Until then the layer it had goes on, if any.
                    if slot.layer != Some(ssrc) {
                        return false;
                    }
                }
            } else if ssrc != target {
                return false;
            }
        }
        let slot = &mut self.slots[n];
        slot.continuity.rewrite(&mut packet.header, now);
        // The sender refuses any SSRC but its track's and any payload type not negotiated on
        // this leg; the two legs may number codecs differently.
        packet.header.ssrc = slot.ssrc;
        packet.header.payload_type = slot.payload_type;
        // Who this is, for the subscriber (RFC 3550's contributing source, as a mixer would).
        packet.header.csrc = if source == 0 { vec![] } else { vec![source] };
        // Extension ids are per leg too (the publisher's TWCC or mid ids mean nothing, or
        // something else, here), and the sender refuses ids it did not negotiate.
        packet.header.extension = false;
        packet.header.extensions.clear();
        packet.header.extensions_padding = 0;
        let Some(mut sender) = self.pc.rtp_sender(slot.sender) else {
            return false;
        };
        match sender.write_rtp(now, packet) {
            Ok(()) => {
                self.forwarded += 1;
                true
            }
            Err(e) => {
                debug!(peer = self.id.0, error = %e, "forwarding");
                false
            }
        }
    }

    /// Asks this publisher for a keyframe of one of its camera's streams, or of each (RTCP
    /// picture loss indication), unless that stream was asked within [`KEYFRAME_REQUEST_GAP`];
    /// nothing before it sent video.
    pub(crate) fn request_keyframe(&mut self, now: Instant, ssrc: Option<u32>) {
        let Some(track) = self.video_track.clone() else {
            return;
        };
        let streams: Vec<u32> = match ssrc {
            Some(ssrc) => vec![ssrc],
            None => self.layers.iter().map(|l| l.ssrc).collect(),
        };
        let streams: Vec<u32> = streams
            .into_iter()
            .filter(|s| {
                self.keyframe_asked
                    .get(s)
                    .is_none_or(|at| now.saturating_duration_since(*at) >= KEYFRAME_REQUEST_GAP)
            })
            .collect();
        if streams.is_empty() {
            return;
        }
        let receivers: Vec<_> = self.pc.get_receivers().collect();
        let Some(id) = receivers.into_iter().find(|&id| {
            self.pc
                .rtp_receiver(id)
                .is_some_and(|r| *r.track().track_id() == track)
        }) else {
            return;
        };
        let plis: Vec<Box<dyn rtc::rtcp::Packet>> = streams
            .iter()
            .map(|&media_ssrc| {
                Box::new(
                    rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication {
                        sender_ssrc: 0,
                        media_ssrc,
                    },
                ) as Box<dyn rtc::rtcp::Packet>
            })
            .collect();
        if let Some(mut receiver) = self.pc.rtp_receiver(id) {
            match receiver.write_rtcp(now, plis) {
                Ok(()) => {
                    for s in streams {
                        self.keyframe_asked.insert(s, now);
                        self.keyframes_asked += 1;
                    }
                    // Streams gone long ago are not kept.
                    if self.keyframe_asked.len() > 16 {
                        let live: Vec<u32> = self.layers.iter().map(|l| l.ssrc).collect();
                        self.keyframe_asked.retain(|s, _| live.contains(s));
                    }
                }
                Err(e) => debug!(peer = self.id.0, error = %e, "asking for a keyframe"),
            }
        }
    }

    /// Frees the slots `gone` held (of one kind, or all), for the next publisher heard.
    pub(crate) fn release(&mut self, gone: PeerId, kind: Option<MediaKind>) {
        for slot in &mut self.slots {
            if slot.source == Some(gone) && kind.is_none_or(|k| k == slot.kind) {
                slot.source = None;
            }
        }
    }

    /// Who is heard (or seen) on each slot of a kind now (the first is the microphone's or
    /// camera's line, which carries someone too: a client that offered one line hears one
    /// other).
    pub(crate) fn slots(&self, kind: MediaKind) -> Vec<Option<PeerId>> {
        self.slots
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.source)
            .collect()
    }

    pub(crate) fn poll_write(&mut self) -> Option<TaggedBytesMut> {
        self.pc.poll_write()
    }

    /// Queues the DTLS close_notify (sent by the next `poll_write`s), so the client hangs up
    /// at once instead of waiting for its consent checks to time out.
    pub(crate) fn close(&mut self) {
        if let Err(e) = self.pc.close() {
            debug!(peer = self.id.0, error = %e, "closing");
        }
    }

    /// The client stopped answering (ICE's consent checks went unanswered: disconnected, which
    /// may still come back) or the connection is over.
    pub(crate) fn is_lost(&self) -> bool {
        matches!(
            self.state,
            RTCPeerConnectionState::Disconnected
                | RTCPeerConnectionState::Failed
                | RTCPeerConnectionState::Closed
        )
    }

    /// Failed and closed connections never come back.
    pub(crate) fn is_dead(&self) -> bool {
        matches!(
            self.state,
            RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
        )
    }

    pub(crate) fn stats(&self) -> PeerStats {
        PeerStats {
            room: self.room.to_string(),
            identity: self.identity.to_string(),
            relayed: self.relayed,
            // What the router knows (mute-for-all is per room): it fills this in.
            muted: self.muted,
            connected: self.state == RTCPeerConnectionState::Connected,
            received: self.received,
            forwarded: self.forwarded,
            keyframes_asked: self.keyframes_asked,
            // Identities are the router's to give.
            hearing: Vec::new(),
            seeing: Vec::new(),
            over_tcp: self.over_tcp,
            layers: self.layers(),
            seeing_layers: self
                .slots
                .iter()
                .filter(|s| s.kind == MediaKind::Video)
                .map(|s| s.layer.filter(|_| s.source.is_some()))
                .collect(),
            video_reports: self.reports,
            steps_down: self.loss.steps,
        }
    }
}

/// Keeps the outgoing track one RTP stream when its publisher changes: the client's jitter
/// buffer and SRTP replay window take sequence numbers and timestamps that only move on.
#[derive(Default)]
pub(crate) struct Continuity {
    seq_offset: u16,
    ts_offset: u32,
    /// The last sequence number and timestamp sent, and when.
    last: Option<(u16, u32, Instant)>,
}

impl Continuity {
    /// Numbers the new publisher's packets on from the last one sent, its timestamps on by
    /// the time that passed since (at `clock` units a second).
    pub(crate) fn switch(&mut self, first: &rtp::Header, now: Instant, clock: u32) {
        if let Some((seq, ts, at)) = self.last {
            // RTP timestamps wrap anyway, and so may a gap of days.
            let gap =
                (now.saturating_duration_since(at).as_millis() as u32).wrapping_mul(clock / 1000);
            self.seq_offset = seq.wrapping_add(1).wrapping_sub(first.sequence_number);
            self.ts_offset = ts.wrapping_add(gap.max(1)).wrapping_sub(first.timestamp);
        }
    }

    pub(crate) fn rewrite(&mut self, header: &mut rtp::Header, now: Instant) {
        header.sequence_number = header.sequence_number.wrapping_add(self.seq_offset);
        header.timestamp = header.timestamp.wrapping_add(self.ts_offset);
        self.last = Some((header.sequence_number, header.timestamp, now));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn header(sequence_number: u16, timestamp: u32) -> rtp::Header {
        rtp::Header {
            sequence_number,
            timestamp,
            ..Default::default()
        }
    }

    #[test]
    fn a_new_publisher_continues_the_stream() {
        let start = Instant::now();
        let mut c = Continuity::default();
        let mut h = header(65_535, 1000);
        c.switch(&h, start, OPUS_CLOCK);
        c.rewrite(&mut h, start);
        assert_eq!((h.sequence_number, h.timestamp), (65_535, 1000));

        let later = start + Duration::from_millis(100);
        let mut h = header(7, 4_000_000_000);
        c.switch(&h, later, OPUS_CLOCK);
        c.rewrite(&mut h, later);
        assert_eq!((h.sequence_number, h.timestamp), (0, 1000 + 4800));
        let mut next = header(8, 4_000_000_960);
        c.rewrite(&mut next, later);
        assert_eq!(
            (next.sequence_number, next.timestamp),
            (1, 1000 + 4800 + 960)
        );
    }

    #[test]
    fn keyframes_are_told_from_the_vp8_descriptor() {
        // Start of partition 0, no extension, then a payload header with P clear: a keyframe.
        assert!(vp8_keyframe_starts(&[0x10, 0x00, 0x9d]));
        // The same with P set: an interframe.
        assert!(!vp8_keyframe_starts(&[0x10, 0x01, 0x9d]));
        // Not the start of a partition: the middle of a frame.
        assert!(!vp8_keyframe_starts(&[0x00, 0x00, 0x9d]));
        // Extended, with a 15-bit picture id (as webrtc-rs and browsers send).
        assert!(vp8_keyframe_starts(&[0x90, 0x80, 0x81, 0x23, 0x00]));
        assert!(!vp8_keyframe_starts(&[0x90, 0x80, 0x81, 0x23, 0x01]));
        // A 7-bit picture id, a TL0PICIDX and a TID byte.
        assert!(vp8_keyframe_starts(&[0x90, 0xe0, 0x05, 0x07, 0x40, 0x00]));
        // Cut short.
        assert!(!vp8_keyframe_starts(&[0x90, 0x80]));
        assert!(!vp8_keyframe_starts(&[]));
    }

    #[test]
    fn each_subscriber_gets_the_layer_that_fits_its_tiles_and_its_loss() {
        // Three layers, as a browser sends them from 1280x720.
        let three = [(1, 320), (2, 640), (3, 1280)];
        // One tile fills the window: the widest.
        assert_eq!(pick_layer(&three, 1, 0), Some(3));
        assert_eq!(pick_layer(&three, 0, 0), Some(3));
        // Two to four tiles, two columns: half as wide.
        assert_eq!(pick_layer(&three, 2, 0), Some(2));
        assert_eq!(pick_layer(&three, 4, 0), Some(2));
        // Five to nine, three columns: a third, so the narrowest that is no wider.
        assert_eq!(pick_layer(&three, 5, 0), Some(1));
        assert_eq!(pick_layer(&three, 9, 0), Some(1));
        // Loss takes it a step down per step, never below the narrowest.
        assert_eq!(pick_layer(&three, 1, 1), Some(2));
        assert_eq!(pick_layer(&three, 2, 1), Some(1));
        assert_eq!(pick_layer(&three, 1, 2), Some(1));
        assert_eq!(pick_layer(&three, 9, 2), Some(1));
        // Two layers from 640x360.
        let two = [(7, 320), (8, 640)];
        assert_eq!(pick_layer(&two, 1, 0), Some(8));
        assert_eq!(pick_layer(&two, 2, 0), Some(7));
        // A single stream is what everyone gets; none known, nothing to pick.
        assert_eq!(pick_layer(&[(5, 640)], 9, 2), Some(5));
        assert_eq!(pick_layer(&[], 1, 0), None);
        // Layers whose width is not known yet (no keyframe) count as the narrowest.
        assert_eq!(pick_layer(&[(4, 0), (8, 640)], 1, 0), Some(8));
    }

    #[test]
    fn loss_steps_down_once_per_burst_and_back_up_after_clean_reports() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut loss = LossSteps::default();
        loss.tick(at(0));
        assert_eq!(loss.steps, 0);
        loss.lossy(at(0));
        // Reports of the same burst: still one step.
        loss.lossy(at(500));
        loss.lossy(at(1000));
        assert_eq!(loss.steps, 1);
        // Loss that goes on: another step, and no more than the most.
        for ms in [3000, 6000, 9000, 12_000] {
            loss.lossy(at(ms));
        }
        assert_eq!(loss.steps, MAX_STEPS_DOWN);
        // Clean for the hold: one step back up, then the other a hold later.
        loss.tick(at(12_000 + 8000));
        assert_eq!(loss.steps, 2);
        loss.tick(at(12_000 + 8001));
        assert_eq!(loss.steps, 1);
        loss.tick(at(12_000 + 12_000));
        assert_eq!(loss.steps, 1);
        loss.tick(at(12_000 + 16_002));
        assert_eq!(loss.steps, 0);
        assert_eq!(loss.lossy_at, None);
    }

    #[test]
    fn a_keyframe_tells_its_picture_size() {
        // A descriptor with a 15-bit picture id, then the frame tag (P clear), the start code,
        // 640 and 360 in 14 bits (the top two, the scaling, set here and ignored).
        let payload = [
            0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x42, 0x68, 0x41,
        ];
        assert_eq!(vp8_keyframe_size(&payload), Some((640, 360)));
        // Not a keyframe, a broken start code, or cut short: no size.
        let mut inter = payload;
        inter[4] |= 0x01;
        assert_eq!(vp8_keyframe_size(&inter), None);
        let mut broken = payload;
        broken[7] = 0x9c;
        assert_eq!(vp8_keyframe_size(&broken), None);
        assert_eq!(vp8_keyframe_size(&payload[..12]), None);
    }

    #[test]
    fn an_offer_names_the_audio_level_extension_s_id_if_it_has_one() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
                   a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
                   a=extmap:1/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n";
        assert_eq!(audio_level_id(sdp), Some(1));
        assert_eq!(
            audio_level_id("v=0\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"),
            None
        );
    }

    #[test]
    fn an_offer_names_its_audio_and_video_payload_types() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n\
                   m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\n\
                   a=rtpmap:97 rtx/90000\r\n";
        assert_eq!(payload_types(sdp), (vec![111], vec![96]));
    }
}
