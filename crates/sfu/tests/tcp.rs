//! The SFU's TCP fallback: a client that cannot use UDP at all (its only candidate is an
//! active TCP one, as a browser's is behind a network that blocks UDP) reaches the SFU over
//! TCP, and its voice reaches a client on UDP and back.
//!
//! The TCP client is a sans-I/O peer on `rtc` (the SFU's own stack), which can offer only TCP
//! candidates; the UDP one is Confer's own media peer.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, ensure};
use bytes::{Bytes, BytesMut};
use confer_media::{
    SAMPLE_RATE,
    audio::{FRAME_SAMPLES, OpusEncoder},
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{NullSink, ToneSource},
};
use confer_sfu::{Grant, GrantKey, Sfu, SfuOptions};
use rtc::{
    ice::{mdns::MulticastDnsMode, network_type::NetworkType, tcp_type::TcpType},
    interceptor::Registry,
    media_stream::MediaStreamTrack,
    peer_connection::{
        RTCPeerConnectionBuilder,
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
    rtp_transceiver::rtp_sender::{
        RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
        RtpCodecKind,
    },
    sansio::Protocol,
    shared::{TaggedBytesMut, TransportContext, TransportProtocol},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const SECRET: &[u8; 32] = b"the tests' grant key, 32 bytes.!";

fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: SAMPLE_RATE,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// A second of 440 Hz as Opus packets.
fn tone_packets() -> Result<Vec<Bytes>> {
    let mut encoder = OpusEncoder::new(32_000)?;
    (0..50)
        .map(|n| {
            let frame: Vec<f32> = (0..FRAME_SAMPLES)
                .map(|i| {
                    let t = (n * FRAME_SAMPLES + i) as f32 / SAMPLE_RATE as f32;
                    0.3 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                })
                .collect();
            Ok(Bytes::from(encoder.encode(&frame)?))
        })
        .collect()
}

/// What the TCP client saw.
#[derive(Debug, Default)]
struct Seen {
    connected: bool,
    sent: u64,
    received: u64,
}

/// Runs a client whose only candidate is active TCP against the SFU until it has sent and
/// received `want` packets (or `patience` runs out): one TCP connection to the SFU's passive
/// candidate carries everything, framed by length (RFC 4571).
async fn tcp_client(sfu: &Sfu, grant: &str, want: u64, patience: Duration) -> Result<Seen> {
    let now = Instant::now();
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
        // No UDP here: the SFU's UDP candidate is not even tried.
        .with_network_types(vec![NetworkType::Tcp4])
        .build();
    let mut pc = RTCPeerConnectionBuilder::new()
        .with_media_engine(media)
        .with_setting_engine(settings)
        .with_interceptor_registry(registry)
        .build(now)?;
    let ssrc = rand::random::<u32>();
    let mic = pc.add_track(MediaStreamTrack::new(
        "tcp".to_owned(),
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
    // A line to hear the other on.
    pc.add_transceiver_from_kind(RtpCodecKind::Audio, None)?;
    let offer = pc.create_offer(None)?;
    pc.set_local_description(now, offer)?;
    // Active: port 9 by convention, the connection's own port is the system's choice.
    let local: SocketAddr = "127.0.0.1:9".parse()?;
    let host = CandidateHostConfig {
        base_config: CandidateConfig {
            network: "tcp".to_owned(),
            address: local.ip().to_string(),
            port: local.port(),
            component: 1,
            ..Default::default()
        },
        tcp_type: TcpType::Active,
    }
    .new_candidate_host()?;
    pc.add_local_candidate(RTCIceCandidate::from(&host).to_json()?)?;
    pc.add_local_candidate(RTCIceCandidateInit::default())?;
    let sdp = pc.local_description().context("offered")?.sdp;
    let (_, answer) = sfu.join(grant, sdp).await?;
    pc.set_remote_description(Instant::now(), RTCSessionDescription::answer(answer)?)?;

    let tcp_addr = sfu.tcp_addr().context("the SFU has a TCP fallback")?;
    let stream = TcpStream::connect(tcp_addr).await?;
    stream.set_nodelay(true)?;
    let (mut reader, mut writer) = stream.into_split();
    // Frames read whole on a task of their own (a read cut short would lose a frame's half).
    let (frames_tx, mut frames) = tokio::sync::mpsc::channel::<Vec<u8>>(256);
    let reading = tokio::spawn(async move {
        let mut len = [0u8; 2];
        while reader.read_exact(&mut len).await.is_ok() {
            let mut frame = vec![0; usize::from(u16::from_be_bytes(len))];
            if reader.read_exact(&mut frame).await.is_err() || frames_tx.send(frame).await.is_err()
            {
                break;
            }
        }
    });

    let packets = tone_packets()?;
    let mut seen = Seen::default();
    let mut payload_type = 111;
    let (mut seq, mut timestamp) = (rand::random::<u16>(), rand::random::<u32>());
    let mut next_packet = Instant::now();
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline && (seen.sent < want || seen.received < want) {
        while let Some(out) = pc.poll_write() {
            ensure!(
                out.transport.transport_protocol == TransportProtocol::TCP,
                "sent over {:?}",
                out.transport.transport_protocol
            );
            let mut framed = (out.message.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&out.message);
            writer.write_all(&framed).await?;
        }
        while let Some(event) = pc.poll_event() {
            if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) = event {
                seen.connected = state == RTCPeerConnectionState::Connected;
                if seen.connected {
                    // The answer decides Opus's number on this leg.
                    payload_type = pc
                        .rtp_sender(mic)
                        .and_then(|mut s| {
                            s.get_parameters()
                                .rtp_parameters
                                .codecs
                                .iter()
                                .find(|c| {
                                    c.rtp_codec.mime_type.eq_ignore_ascii_case(MIME_TYPE_OPUS)
                                })
                                .map(|c| c.payload_type)
                        })
                        .unwrap_or(111);
                }
            }
        }
        while let Some(TaggedRTCMessage { message, .. }) = pc.poll_read() {
            if let RTCMessage::RtpPacket(..) = message {
                seen.received += 1;
            }
        }
        let timer = pc
            .poll_timeout()
            .map_or(next_packet, |t| t.min(next_packet));
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                pc.handle_read(TaggedBytesMut {
                    now: Instant::now(),
                    transport: TransportContext {
                        local_addr: local,
                        peer_addr: tcp_addr,
                        ecn: None,
                        transport_protocol: TransportProtocol::TCP,
                    },
                    message: BytesMut::from(&frame[..]),
                })?;
            }
            () = tokio::time::sleep_until(timer.into()) => {
                let now = Instant::now();
                if now >= next_packet {
                    if seen.connected {
                        let packet = rtp::Packet {
                            header: rtp::Header {
                                version: 2,
                                payload_type,
                                sequence_number: seq,
                                timestamp,
                                ssrc,
                                ..Default::default()
                            },
                            payload: packets[seen.sent as usize % packets.len()].clone(),
                        };
                        if let Some(mut sender) = pc.rtp_sender(mic)
                            && sender.write_rtp(now, packet).is_ok()
                        {
                            seen.sent += 1;
                        }
                        seq = seq.wrapping_add(1);
                        timestamp = timestamp.wrapping_add(FRAME_SAMPLES as u32);
                    }
                    next_packet += Duration::from_millis(20);
                }
                if pc.poll_timeout().is_some_and(|due| due <= now) {
                    pc.handle_timeout(now)?;
                }
            }
        }
    }
    let _ = pc.close();
    while let Some(out) = pc.poll_write() {
        let mut framed = (out.message.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&out.message);
        let _ = writer.write_all(&framed).await;
    }
    reading.abort();
    Ok(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_udp_meets_the_others_over_the_tcp_fallback() -> Result<()> {
    let options = SfuOptions {
        tcp: Some("127.0.0.1:0".parse()?),
        ..SfuOptions::udp("127.0.0.1:0".parse()?)
    };
    let (sfu, _task) = Sfu::start(options, GrantKey::new(SECRET)?, None).await?;
    let key = GrantKey::new(SECRET)?;
    let grant = |who: &str, source: u32| Grant {
        source,
        ..Grant::participant("room", who, std::time::SystemTime::now())
    };
    // Ann is on UDP, with Confer's own peer, saying 660 Hz.
    let ann = Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse()?],
        audio_slots: 1,
        ..PeerOptions::default()
    })
    .await?;
    let (_, answer) = sfu
        .join(&key.sign(&grant("ann", 1)), ann.offer().await?)
        .await?;
    ann.accept(&answer).await?;
    ann.connected(Duration::from_secs(10)).await?;
    ann.start(MediaIo {
        source: Box::new(ToneSource::new(660.0, 0.3)?),
        sink: Box::new(NullSink),
        camera: None,
        view: None,
    })
    .await?;
    // Tom has no UDP.
    let seen = tcp_client(
        &sfu,
        &key.sign(&grant("tom", 2)),
        100,
        Duration::from_secs(30),
    )
    .await?;
    ensure!(seen.connected, "tom never connected: {seen:?}");
    ensure!(
        seen.sent >= 100 && seen.received >= 100,
        "tom over TCP: {seen:?}"
    );
    // The SFU says so, and Ann heard Tom by his source.
    let stats = sfu.stats().await?;
    let tom = stats
        .peers
        .values()
        .find(|p| p.identity == "tom")
        .context("tom's connection")?;
    // The client stops once it has sent 100: its last packets may still have been on their
    // way when it let go of its socket.
    ensure!(tom.over_tcp && tom.received >= 90, "{tom:?}");
    let annes = stats
        .peers
        .values()
        .find(|p| p.identity == "ann")
        .context("ann's connection")?;
    ensure!(!annes.over_tcp, "ann came over UDP: {annes:?}");
    let heard = ann
        .stats()
        .await
        .sources
        .iter()
        .find(|s| s.source == 2)
        .map_or(0, |s| s.audio_packets);
    ensure!(heard >= 80, "ann heard {heard} of tom's packets");
    ann.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_to_every_interface_the_sfu_advertises_its_public_address() -> Result<()> {
    let key = GrantKey::new(SECRET)?;
    // Without a public address it could name no candidate.
    let refused = Sfu::start(
        SfuOptions::udp("0.0.0.0:0".parse()?),
        GrantKey::new(SECRET)?,
        None,
    )
    .await;
    ensure!(refused.is_err(), "an unspecified address was taken");
    let options = SfuOptions {
        public_ip: Some("127.0.0.1".parse()?),
        tcp: Some("0.0.0.0:0".parse()?),
        ..SfuOptions::udp("0.0.0.0:0".parse()?)
    };
    let (sfu, _task) = Sfu::start(options, GrantKey::new(SECRET)?, None).await?;
    ensure!(sfu.local_addr().ip().is_loopback(), "{}", sfu.local_addr());
    ensure!(
        sfu.tcp_addr().is_some_and(|a| a.ip().is_loopback()),
        "{:?}",
        sfu.tcp_addr()
    );
    let mut peers = Vec::new();
    for (who, source) in [("ann", 1), ("ben", 2)] {
        let peer = Peer::new(PeerOptions {
            bind: vec!["127.0.0.1:0".parse()?],
            ..PeerOptions::default()
        })
        .await?;
        let grant = Grant {
            source,
            ..Grant::participant("room", who, std::time::SystemTime::now())
        };
        let (_, answer) = sfu.join(&key.sign(&grant), peer.offer().await?).await?;
        ensure!(
            answer.contains(&format!("127.0.0.1 {} typ host", sfu.local_addr().port())),
            "{answer}"
        );
        peer.accept(&answer).await?;
        peer.connected(Duration::from_secs(10)).await?;
        peer.start(MediaIo {
            source: Box::new(ToneSource::new(440.0, 0.3)?),
            sink: Box::new(NullSink),
            camera: None,
            view: None,
        })
        .await?;
        peers.push(peer);
    }
    // They hear each other through the socket bound to every interface.
    let deadline = Instant::now() + Duration::from_secs(15);
    while peers[0].stats().await.packets_received < 50
        || peers[1].stats().await.packets_received < 50
    {
        ensure!(Instant::now() < deadline, "no media");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for peer in peers {
        peer.close().await?;
    }
    Ok(())
}
