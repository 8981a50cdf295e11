//! One participant's connection to the SFU: the answer to its offer, and the rewriting that
//! turns the other participants' packets into this connection's own outgoing tracks.
//!
//! Those tracks are slots: the client offers one audio m-line for its microphone and one more
//! for each participant it can hear at once, and the SFU answers each with a track of its own.
//! A publisher takes a free slot when first heard and keeps it while it is heard; a slot freed
//! goes to the next. Nobody renegotiates when people come and go, which is what lets a browser
//! and a CLI meet through the same SFU with nothing but one offer and one answer.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use bytes::BytesMut;
use rand::distr::{Alphanumeric, SampleString};
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
        transport::{
            CandidateConfig, CandidateHostConfig, RTCDtlsRole, RTCIceCandidate, RTCIceCandidateInit,
        },
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
use tracing::debug;

use crate::{Error, PeerId, PeerStats};

/// Opus's RTP clock, whatever the sampling rate.
const OPUS_CLOCK: u32 = 48_000;

/// The most audio m-lines an offer may have (the microphone and the slots): more would only
/// cost SRTP contexts nobody fills, since a meeting's own limit is far below.
pub const MAX_AUDIO_LINES: usize = 33;

/// One of the connection's outgoing audio tracks, and whose audio it carries now.
struct Slot {
    sender: RTCRtpSenderId,
    ssrc: u32,
    payload_type: u8,
    source: Option<PeerId>,
    continuity: Continuity,
}

/// A packet received from a participant, with the room it is for.
pub(crate) type Received = (PeerId, Arc<str>, rtp::Packet);

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

pub(crate) struct SfuPeer {
    pub(crate) id: PeerId,
    pub(crate) room: Arc<str>,
    pub(crate) identity: Arc<str>,
    /// From the grant: its audio goes to the others.
    pub(crate) publish_audio: bool,
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
    state: RTCPeerConnectionState,
    /// Its loss was reported (see `Router::report_lost`); cleared when it comes back.
    pub(crate) lost_reported: bool,
    received: u64,
    forwarded: u64,
}

impl SfuPeer {
    /// Answers a client's offer; returns the connection and the answer's SDP, which holds the
    /// SFU's one candidate (`local`) and ends gathering (clients expect whole descriptions).
    pub(crate) fn answer(
        id: PeerId,
        grant: crate::Grant,
        offer: String,
        local: SocketAddr,
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
        // NACK, receiver-side TWCC (the client's congestion control estimates its uplink from
        // the SFU's feedback) and RTCP reports.
        let registry = register_default_interceptors(Registry::new(), &mut media)?;
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

        // One track per audio m-line of the offer, added before the answer so that each is
        // answered with one: the first (the client's microphone, sendrecv) and every slot
        // (recvonly) get a track the others reach this client on, without renegotiation.
        let lines = offer
            .sdp
            .lines()
            .filter(|l| l.starts_with("m=audio"))
            .count();
        if lines == 0 || lines > MAX_AUDIO_LINES {
            return Err(Error::BadOffer(format!(
                "{lines} audio m-lines (1 to {MAX_AUDIO_LINES})"
            )));
        }
        let mut outs = Vec::with_capacity(lines);
        for n in 0..lines {
            let ssrc = rand::random::<u32>();
            let track_id = format!("sfu-audio-{}-{n}", id.0);
            let sender = pc.add_track(MediaStreamTrack::new(
                "confer-sfu".to_owned(),
                track_id.clone(),
                track_id,
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
            outs.push((sender, ssrc));
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
        pc.add_local_candidate(RTCIceCandidateInit::default())?;

        let answer = pc.create_answer(None)?;
        pc.set_local_description(now, answer)?;
        let sdp = pc
            .local_description()
            .ok_or_else(|| Error::Rtc("no local description after answering".to_owned()))?
            .sdp;
        let mut slots = Vec::with_capacity(outs.len());
        for (sender, ssrc) in outs {
            let payload_type = pc
                .rtp_sender(sender)
                .and_then(|mut sender| {
                    sender
                        .get_parameters()
                        .rtp_parameters
                        .codecs
                        .iter()
                        .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(MIME_TYPE_OPUS))
                        .map(|c| c.payload_type)
                })
                .ok_or_else(|| Error::BadOffer("no Opus audio the SFU can send on".to_owned()))?;
            slots.push(Slot {
                sender,
                ssrc,
                payload_type,
                source: None,
                continuity: Continuity::default(),
            });
        }

        let peer = Self {
            id,
            room: grant.room.into(),
            identity: grant.identity.into(),
            publish_audio: grant.publish_audio,
            subscribe: grant.subscribe,
            moderator: grant.moderate,
            muted: false,
            relayed: 0,
            ufrag,
            pc,
            slots,
            state: RTCPeerConnectionState::New,
            lost_reported: false,
            received: 0,
            forwarded: 0,
        };
        Ok((peer, sdp))
    }

    pub(crate) fn ufrag(&self) -> &str {
        &self.ufrag
    }

    /// Feeds a datagram the router attributed to this connection. `local` must be the
    /// advertised candidate's address: the ICE agent drops what arrives on any other.
    pub(crate) fn input(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        let datagram = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: local,
                peer_addr: from,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
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

    /// Takes in state changes, and queues the participant's RTP for forwarding.
    pub(crate) fn poll(&mut self, received: &mut Vec<Received>) {
        while let Some(event) = self.pc.poll_event() {
            if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) = event {
                debug!(peer = self.id.0, %state, "connection state");
                self.state = state;
            }
        }
        while let Some(TaggedRTCMessage { message, .. }) = self.pc.poll_read() {
            // RTCP (reports about the SFU's track) needs no relaying for audio; relaying
            // picture loss upstream comes with video.
            if let RTCMessage::RtpPacket(_track, packet) = message {
                self.received += 1;
                received.push((self.id, self.room.clone(), packet));
            }
        }
    }

    /// Sends `from`'s packet on the slot it holds on this connection, or on a free one; with
    /// every slot taken by others it is dropped. Whether it was sent.
    pub(crate) fn forward(&mut self, now: Instant, from: PeerId, mut packet: rtp::Packet) -> bool {
        // Until DTLS is done there are no SRTP keys: write_rtp would refuse the packet, after
        // the interceptors had counted it as sent. The subscriber hears from the first packet
        // after it connects, as in any live call joined late.
        if self.state != RTCPeerConnectionState::Connected {
            return false;
        }
        let held = self.slots.iter().position(|s| s.source == Some(from));
        let Some(n) = held.or_else(|| self.slots.iter().position(|s| s.source.is_none())) else {
            return false;
        };
        let slot = &mut self.slots[n];
        if held.is_none() {
            slot.source = Some(from);
            slot.continuity.switch(&packet.header, now);
        }
        slot.continuity.rewrite(&mut packet.header, now);
        // The sender refuses any SSRC but its track's and any payload type not negotiated on
        // this leg; the two legs may number Opus differently.
        packet.header.ssrc = slot.ssrc;
        packet.header.payload_type = slot.payload_type;
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

    /// Frees the slot `gone` held, for the next publisher heard.
    pub(crate) fn release(&mut self, gone: PeerId) {
        for slot in &mut self.slots {
            if slot.source == Some(gone) {
                slot.source = None;
            }
        }
    }

    /// Who is heard on each slot now (the first is the microphone's line, which carries
    /// someone too: a client that offered one line hears one other).
    pub(crate) fn slots(&self) -> Vec<Option<PeerId>> {
        self.slots.iter().map(|s| s.source).collect()
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
            // Identities are the router's to give.
            hearing: Vec::new(),
        }
    }
}

/// Keeps the outgoing track one RTP stream when its publisher changes: the client's jitter
/// buffer and SRTP replay window take sequence numbers and timestamps that only move on.
#[derive(Default)]
struct Continuity {
    seq_offset: u16,
    ts_offset: u32,
    /// The last sequence number and timestamp sent, and when.
    last: Option<(u16, u32, Instant)>,
}

impl Continuity {
    /// Numbers the new publisher's packets on from the last one sent, its timestamps on by
    /// the time that passed since.
    fn switch(&mut self, first: &rtp::Header, now: Instant) {
        if let Some((seq, ts, at)) = self.last {
            // RTP timestamps wrap anyway, and so may a gap of days.
            let gap = (now.saturating_duration_since(at).as_millis() as u32)
                .wrapping_mul(OPUS_CLOCK / 1000);
            self.seq_offset = seq.wrapping_add(1).wrapping_sub(first.sequence_number);
            self.ts_offset = ts.wrapping_add(gap.max(1)).wrapping_sub(first.timestamp);
        }
    }

    fn rewrite(&mut self, header: &mut rtp::Header, now: Instant) {
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
        c.switch(&h, start);
        c.rewrite(&mut h, start);
        assert_eq!((h.sequence_number, h.timestamp), (65_535, 1000));

        let later = start + Duration::from_millis(100);
        let mut h = header(7, 4_000_000_000);
        c.switch(&h, later);
        c.rewrite(&mut h, later);
        assert_eq!((h.sequence_number, h.timestamp), (0, 1000 + 4800));
        let mut next = header(8, 4_000_000_960);
        c.rewrite(&mut next, later);
        assert_eq!(
            (next.sequence_number, next.timestamp),
            (1, 1000 + 4800 + 960)
        );
    }
}
