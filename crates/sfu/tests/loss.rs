//! A subscriber whose network loses much of what the SFU sends it is given narrower layers:
//! its client's reception reports say so, and the SFU steps its video lines down, and back up
//! once they are clean (the step itself and the layer it picks are unit-tested in `peer`).
//!
//! The loss is real, on loopback: the SFU advertises 127.0.0.2, where a UDP relay passes
//! everything on to the SFU on 127.0.0.1 and drops every other RTP packet on its way to one
//! of the clients. The clients are Confer's own media peers.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use anyhow::{Result, ensure};
use confer_media::{
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{NullSink, PatternCamera, ToneSource},
};
use confer_sfu::{Grant, GrantKey, PeerId, Sfu, SfuOptions};
use tokio::{net::UdpSocket, task::JoinSet};

const SECRET: &[u8; 32] = b"the tests' grant key, 32 bytes.!";

/// Whether a datagram is RTP (not STUN, DTLS or RTCP: the connection must come up, and the
/// reports must get back).
fn is_rtp(datagram: &[u8]) -> bool {
    match datagram {
        [first, second, ..] => (128..=191).contains(first) && !(72..=76).contains(&(second & 0x7f)),
        _ => false,
    }
}

/// Relays datagrams between clients and the SFU: `front` is where clients send (the SFU's
/// advertised address), `sfu` where it listens. Each client gets a socket of its own toward
/// the SFU; for the `lossy`-th client to come (from 0), every other RTP packet from the SFU is
/// dropped. Runs until dropped (its tasks are its own).
async fn relay(front: SocketAddr, sfu: SocketAddr, lossy: usize) -> Result<JoinSet<()>> {
    let front = Arc::new(UdpSocket::bind(front).await?);
    let mut tasks = JoinSet::new();
    let accepting = front.clone();
    tasks.spawn(async move {
        let mut backs: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
        let mut inner = JoinSet::new();
        let mut buf = vec![0u8; 2048];
        while let Ok((n, client)) = accepting.recv_from(&mut buf).await {
            let back = match backs.get(&client) {
                Some(back) => back.clone(),
                None => {
                    let Ok(back) = UdpSocket::bind("127.0.0.1:0").await else {
                        return;
                    };
                    let back = Arc::new(back);
                    let drop_every_other = backs.len() == lossy;
                    backs.insert(client, back.clone());
                    let (from_sfu, to_client) = (back.clone(), accepting.clone());
                    inner.spawn(async move {
                        let mut buf = vec![0u8; 2048];
                        let mut rtp = 0u64;
                        while let Ok(n) = from_sfu.recv(&mut buf).await {
                            if is_rtp(&buf[..n]) {
                                rtp += 1;
                                if drop_every_other && rtp.is_multiple_of(2) {
                                    continue;
                                }
                            }
                            let _ = to_client.send_to(&buf[..n], client).await;
                        }
                    });
                    back
                }
            };
            let _ = back.send_to(&buf[..n], sfu).await;
        }
    });
    Ok(tasks)
}

/// A client with a camera line and a line to see one other, sending pictures and a tone.
async fn join(sfu: &Sfu, who: &str, source: u32) -> Result<(Peer, PeerId)> {
    let peer = Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse()?],
        video: true,
        video_slots: 1,
        ..PeerOptions::default()
    })
    .await?;
    let grant = Grant {
        source,
        ..Grant::participant("room", who, std::time::SystemTime::now())
    };
    let (id, answer) = sfu
        .join(&GrantKey::new(SECRET)?.sign(&grant), peer.offer().await?)
        .await?;
    peer.accept(&answer).await?;
    peer.connected(Duration::from_secs(10)).await?;
    peer.start(MediaIo {
        source: Box::new(ToneSource::new(440.0, 0.3)?),
        sink: Box::new(NullSink),
        camera: Some(Box::new(PatternCamera::new(320, 180, 15)?)),
        view: None,
    })
    .await?;
    Ok((peer, id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_loses_packets_is_stepped_down_and_one_that_does_not_is_not() -> Result<()>
{
    let advertised: IpAddr = "127.0.0.2".parse()?;
    let (sfu, _task) = Sfu::start(
        SfuOptions {
            udp: "127.0.0.1:0".parse()?,
            tcp: None,
            public_ip: Some(advertised),
        },
        GrantKey::new(SECRET)?,
        None,
    )
    .await?;
    let front = sfu.local_addr();
    let _relay = relay(
        front,
        SocketAddr::new("127.0.0.1".parse()?, front.port()),
        1,
    )
    .await?;
    // Ann comes first (her path is clean), then Ben (his loses every other RTP packet).
    let (ann, ann_id) = join(&sfu, "ann", 11).await?;
    let (ben, ben_id) = join(&sfu, "ben", 22).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stats = sfu.stats().await?;
        let (a, b) = (&stats.peers[&ann_id], &stats.peers[&ben_id]);
        if b.steps_down >= 1 && a.video_reports >= 3 {
            ensure!(
                a.steps_down == 0,
                "ann's clean path was stepped down: {a:?}"
            );
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "ben's loss never stepped him down: {b:?}\nann: {a:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ann.close().await?;
    ben.close().await?;
    Ok(())
}
