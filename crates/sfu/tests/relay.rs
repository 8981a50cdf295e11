//! Clients (Confer's own media peers) meeting through the SFU on loopback: each hears the
//! other in its room, and nobody outside it.

use std::{path::Path, time::Duration};

use anyhow::{Context, Result, ensure};
use confer_media::{
    AudioSink, SAMPLE_RATE,
    meter::goertzel,
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{NullSink, ToneSource, WavSink},
    wav::Wav,
};
use confer_sfu::{PeerId, Sfu};

/// How long the audio may take to flow.
const PATIENCE: Duration = Duration::from_secs(15);

async fn sfu() -> Result<(Sfu, tokio::task::JoinHandle<()>)> {
    Ok(Sfu::bind("127.0.0.1:0".parse()?).await?)
}

/// A client that offered, got the SFU's answer, and is connected.
async fn join(sfu: &Sfu, room: &str) -> Result<(Peer, PeerId)> {
    let peer = Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse()?],
        ..PeerOptions::default()
    })
    .await?;
    let (id, answer) = sfu.join(room, peer.offer().await?).await?;
    peer.accept(&answer).await?;
    peer.connected(Duration::from_secs(10)).await?;
    Ok((peer, id))
}

/// Starts a client saying a tone and playing what it hears into `sink`.
async fn speak(peer: &Peer, hz: f32, sink: Box<dyn AudioSink>) -> Result<()> {
    peer.start(MediaIo {
        source: Box::new(ToneSource::new(hz, 0.5)?),
        sink,
        camera: None,
        view: None,
    })
    .await?;
    Ok(())
}

/// The power at `want` and at `other` over the recording's second half (the first may start
/// before the other side is heard).
fn tones(path: &Path, want: f32, other: f32) -> Result<(f32, f32)> {
    let wav = Wav::read(path)?;
    ensure!(wav.sample_rate == SAMPLE_RATE, "{} Hz", wav.sample_rate);
    let tail = &wav.samples[wav.samples.len() / 2..];
    Ok((
        goertzel(tail, SAMPLE_RATE, want),
        goertzel(tail, SAMPLE_RATE, other),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_participant_hears_the_other() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let dir = tempfile::tempdir()?;
    let (a_rec, b_rec) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    let (a, a_id) = join(&sfu, "room").await?;
    let (b, b_id) = join(&sfu, "room").await?;
    speak(
        &a,
        440.0,
        Box::new(WavSink::create(a_rec.clone(), SAMPLE_RATE, 1)),
    )
    .await?;
    speak(
        &b,
        880.0,
        Box::new(WavSink::create(b_rec.clone(), SAMPLE_RATE, 1)),
    )
    .await?;

    // Until each has played a second of the other.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (sa, sb) = (a.stats().await, b.stats().await);
        if sa.packets_received >= 50 && sb.packets_received >= 50 {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "A {sa:?}\nB {sb:?}\nSFU {:?}",
            sfu.stats().await?
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sfu.stats().await?;
    for id in [a_id, b_id] {
        let peer = stats.peers.get(&id).context("a participant is missing")?;
        ensure!(peer.connected && peer.forwarded >= 50, "{stats:?}");
    }
    a.close().await?;
    b.close().await?;

    let (heard, own) = tones(&a_rec, 880.0, 440.0)?;
    ensure!(
        heard > 20.0 * own,
        "A hears 880 Hz: {heard} vs 440 Hz: {own}"
    );
    let (heard, own) = tones(&b_rec, 440.0, 880.0)?;
    ensure!(
        heard > 20.0 * own,
        "B hears 440 Hz: {heard} vs 880 Hz: {own}"
    );

    sfu.leave(a_id).await;
    sfu.leave(b_id).await;
    ensure!(sfu.stats().await?.peers.is_empty(), "both have left");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_room_hears_nothing() -> Result<()> {
    let (sfu, task) = sfu().await?;
    let (a, _) = join(&sfu, "room").await?;
    let (b, _) = join(&sfu, "room").await?;
    let (c, c_id) = join(&sfu, "elsewhere").await?;
    speak(&a, 440.0, Box::new(NullSink)).await?;
    speak(&b, 880.0, Box::new(NullSink)).await?;
    speak(&c, 660.0, Box::new(NullSink)).await?;

    // Until the room talks and the SFU has had plenty of C's audio to misdirect.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = sfu.stats().await?;
        let from_c = stats.peers.get(&c_id).map_or(0, |p| p.received);
        if b.stats().await.packets_received >= 50 && from_c >= 50 {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "{stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sfu.stats().await?;
    let to_c = stats.peers.get(&c_id).context("C is missing")?.forwarded;
    ensure!(to_c == 0, "the SFU sent C {to_c} packets: {stats:?}");
    let heard = c.stats().await.packets_received;
    ensure!(heard == 0, "C heard {heard} packets");

    for peer in [a, b, c] {
        peer.close().await?;
    }
    // Dropping the last handle ends the task.
    drop(sfu);
    tokio::time::timeout(Duration::from_secs(5), task).await??;
    Ok(())
}
