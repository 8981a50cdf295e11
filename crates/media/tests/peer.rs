//! Two peers in one process over loopback: each sends a tone, each records what it hears, and
//! each recording holds the other's tone.

use std::time::Duration;

use confer_media::{
    SAMPLE_RATE,
    meter::goertzel,
    peer::{Peer, PeerOptions},
    synthetic::{ToneSource, WavSink},
    wav::Wav,
};

fn loopback() -> PeerOptions {
    PeerOptions {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        ..PeerOptions::default()
    }
}

/// The power at `want` against the power at `other`, over the recording's second half.
fn tone_ratio(path: &std::path::Path, want: f32, other: f32) -> (f32, f32) {
    let wav = Wav::read(path).unwrap();
    assert_eq!(wav.sample_rate, SAMPLE_RATE);
    let tail = &wav.samples[wav.samples.len() / 2..];
    (
        goertzel(tail, SAMPLE_RATE, want),
        goertzel(tail, SAMPLE_RATE, other),
    )
}

#[tokio::test]
async fn each_side_hears_the_other_sides_tone() {
    let dir = tempfile::tempdir().unwrap();
    let (a_rec, b_rec) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    let a = Peer::new(loopback()).await.unwrap();
    let b = Peer::new(loopback()).await.unwrap();
    let offer = a.offer().await.unwrap();
    let answer = b.answer(&offer).await.unwrap();
    a.accept(&answer).await.unwrap();
    a.connected(Duration::from_secs(10)).await.unwrap();
    b.connected(Duration::from_secs(10)).await.unwrap();

    let a_start = a.start(
        Box::new(ToneSource::new(440.0, 0.5).unwrap()),
        Box::new(WavSink::create(a_rec.clone(), SAMPLE_RATE, 1)),
    );
    let b_start = b.start(
        Box::new(ToneSource::new(880.0, 0.5).unwrap()),
        Box::new(WavSink::create(b_rec.clone(), SAMPLE_RATE, 1)),
    );
    let (ra, rb) = tokio::join!(a_start, b_start);
    ra.unwrap();
    rb.unwrap();
    // Wait (bounded) until each side has played a second of the other's audio.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (sa, sb) = (a.stats().await, b.stats().await);
        if sa.packets_received >= 50 && sb.packets_received >= 50 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{sa:?} {sb:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sa = a.close().await.unwrap();
    let sb = b.close().await.unwrap();
    assert_eq!(sa.candidate_type.as_deref(), Some("host"), "{sa:?}");
    assert!(sa.first_audio.is_some() && sb.first_audio.is_some());

    let (at, off) = tone_ratio(&a_rec, 880.0, 440.0);
    assert!(at > 20.0 * off, "A hears 880 Hz: {at} vs 440 Hz: {off}");
    let (at, off) = tone_ratio(&b_rec, 440.0, 880.0);
    assert!(at > 20.0 * off, "B hears 440 Hz: {at} vs 880 Hz: {off}");
}

#[tokio::test]
async fn garbage_sdp_is_refused_clearly() {
    let b = Peer::new(loopback()).await.unwrap();
    let err = b.answer("v=0\r\nthis is not sdp").await.unwrap_err();
    assert!(matches!(err, confer_media::MediaError::Peer(_)), "{err:?}");
    let a = Peer::new(loopback()).await.unwrap();
    a.offer().await.unwrap();
    assert!(a.accept("hello").await.is_err());
}
