//! Two peers in one process over loopback: each sends a tone, each records what it hears, and
//! each recording holds the other's tone.

use std::time::Duration;

use std::sync::{Arc, Mutex};

use confer_media::{
    Frame, MediaError, SAMPLE_RATE, VideoSink,
    meter::goertzel,
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{NullSink, PatternCamera, ToneSource, WavSink},
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

/// Two peers, A offering, connected on loopback.
async fn connected(a: PeerOptions, b: PeerOptions) -> (Peer, Peer) {
    let (a, b) = (Peer::new(a).await.unwrap(), Peer::new(b).await.unwrap());
    let offer = a.offer().await.unwrap();
    let answer = b.answer(&offer).await.unwrap();
    a.accept(&answer).await.unwrap();
    a.connected(Duration::from_secs(10)).await.unwrap();
    b.connected(Duration::from_secs(10)).await.unwrap();
    (a, b)
}

#[tokio::test]
async fn each_side_hears_the_other_sides_tone() {
    let dir = tempfile::tempdir().unwrap();
    let (a_rec, b_rec) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    let (a, b) = connected(loopback(), loopback()).await;

    let a_start = a.start(MediaIo {
        source: Box::new(ToneSource::new(440.0, 0.5).unwrap()),
        sink: Box::new(WavSink::create(a_rec.clone(), SAMPLE_RATE, 1)),
        camera: None,
        view: None,
    });
    let b_start = b.start(MediaIo {
        source: Box::new(ToneSource::new(880.0, 0.5).unwrap()),
        sink: Box::new(WavSink::create(b_rec.clone(), SAMPLE_RATE, 1)),
        camera: None,
        view: None,
    });
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

/// Keeps the pattern counter of every frame it is shown, with when.
type Seen = Vec<(std::time::Instant, Option<u32>)>;

#[derive(Clone, Default)]
struct Counters(Arc<Mutex<Seen>>);

impl VideoSink for Counters {
    fn frame(&mut self, frame: &Frame) -> Result<(), MediaError> {
        self.0
            .lock()
            .unwrap()
            .push((std::time::Instant::now(), PatternCamera::counter(frame)));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_frames_arrive_decoded_and_never_freeze() {
    let options = PeerOptions {
        video: true,
        ..loopback()
    };
    let (a, b) = connected(options.clone(), options).await;
    let seen = Counters::default();
    let io = |camera: bool, view: Option<Counters>| MediaIo {
        source: Box::new(ToneSource::new(440.0, 0.2).unwrap()),
        sink: Box::new(NullSink),
        camera: camera.then(|| {
            Box::new(PatternCamera::new(640, 360, 30).unwrap())
                as Box<dyn confer_media::VideoSource>
        }),
        view: view.map(|v| Box::new(v) as Box<dyn VideoSink>),
    };
    let (ra, rb) = tokio::join!(
        a.start(io(true, None)),
        b.start(io(false, Some(seen.clone())))
    );
    ra.unwrap();
    rb.unwrap();
    // Six seconds of pictures (bounded: the loop ends at the deadline whatever comes).
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sa = a.close().await.unwrap();
    let sb = b.close().await.unwrap();
    assert!(sa.video_frames_sent >= 120, "{sa:?}");
    assert!(sb.video_frames_decoded >= 100, "{sb:?}");
    let frames = seen.0.lock().unwrap().clone();
    let counters: Vec<u32> = frames.iter().filter_map(|(_, c)| *c).collect();
    assert!(
        counters.len() * 10 >= frames.len() * 9,
        "the counter reads on most frames: {} of {}",
        counters.len(),
        frames.len()
    );
    assert!(
        counters.windows(2).all(|w| w[1] > w[0]),
        "frames come in order, none repeated"
    );
    // No frozen picture: after the first second, every half second brings a new frame.
    let first = frames[0].0;
    let mut t = first + Duration::from_secs(1);
    while t + Duration::from_millis(500) < frames.last().unwrap().0 {
        let fresh = frames
            .iter()
            .any(|(at, _)| *at >= t && *at < t + Duration::from_millis(500));
        assert!(fresh, "no frame between {:?} and +500 ms", t - first);
        t += Duration::from_millis(500);
    }
}

#[tokio::test]
async fn a_microphone_and_speaker_chosen_mid_call_are_used_from_then_on() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.wav"), dir.path().join("second.wav"));
    let (a, b) = connected(loopback(), loopback()).await;
    let (ra, rb) = tokio::join!(
        a.start(MediaIo {
            source: Box::new(ToneSource::new(440.0, 0.5).unwrap()),
            sink: Box::new(NullSink),
            camera: None,
            view: None,
        }),
        b.start(MediaIo {
            source: Box::new(ToneSource::new(660.0, 0.5).unwrap()),
            sink: Box::new(WavSink::create(first.clone(), SAMPLE_RATE, 1)),
            camera: None,
            view: None,
        })
    );
    ra.unwrap();
    rb.unwrap();
    let heard = |n: u64| {
        let b = &b;
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
            while b.stats().await.packets_received < n {
                assert!(tokio::time::Instant::now() < deadline, "B hears nothing");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    heard(50).await;
    // A picks another microphone; B another speaker (the first one's file is completed).
    a.use_microphone(Box::new(ToneSource::new(880.0, 0.5).unwrap()))
        .unwrap();
    b.use_speaker(Box::new(WavSink::create(second.clone(), SAMPLE_RATE, 1)))
        .unwrap();
    heard(150).await;
    a.close().await.unwrap();
    b.close().await.unwrap();
    let (at, off) = tone_ratio(&first, 440.0, 880.0);
    assert!(
        at > 20.0 * off,
        "the first speaker heard the first microphone"
    );
    let (at, off) = tone_ratio(&second, 880.0, 440.0);
    assert!(
        at > 20.0 * off,
        "the second speaker hears the second microphone"
    );
}

/// A's room: what A's speaker plays comes back into A's microphone, a quarter as loud, while
/// A keeps quiet (the near end's voice is checked in `tests/processing.rs`). A live
/// microphone, as a real one is.
#[derive(Clone)]
struct Room(Arc<Mutex<std::collections::VecDeque<f32>>>);

impl confer_media::AudioSink for Room {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        let mut echo = self.0.lock().unwrap();
        echo.extend(samples.iter().map(|s| s * 0.25));
        Ok(())
    }
    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

impl confer_media::AudioSource for Room {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        let mut echo = self.0.lock().unwrap();
        for o in out.iter_mut() {
            *o = echo.pop_front().unwrap_or(0.0);
        }
        Ok(out.len())
    }
    fn live(&self) -> bool {
        true
    }
}

/// B talks: broadband bursts (1.5 s on, 0.5 s off), as a voice is, unlike a tone.
struct Chatter {
    state: u64,
    at: usize,
}

impl confer_media::AudioSource for Chatter {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        for o in out.iter_mut() {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let noise = (self.state >> 40) as f32 / (1u64 << 23) as f32 * 2.0 - 1.0;
            let talking = self.at % 96_000 < 72_000;
            *o = if talking { noise * 0.3 } else { 0.0 };
            self.at += 1;
        }
        Ok(out.len())
    }
}

/// How loud B's own talk comes back to B, in B's recording after four seconds (the canceller
/// has converged), in the middle of B's bursts.
async fn echo_heard_by_b(cleaning: Option<confer_media::processing::Cleaning>) -> f32 {
    let dir = tempfile::tempdir().unwrap();
    let b_rec = dir.path().join("b.wav");
    let (a, b) = connected(
        PeerOptions {
            cleaning,
            ..loopback()
        },
        loopback(),
    )
    .await;
    // The speaker's and the microphone's buffers: 40 ms from playing to hearing.
    let room = Room(Arc::default());
    let (ra, rb) = tokio::join!(
        a.start(MediaIo {
            source: Box::new(room.clone()),
            sink: Box::new(room),
            camera: None,
            view: None,
        }),
        b.start(MediaIo {
            source: Box::new(Chatter { state: 7, at: 0 }),
            sink: Box::new(WavSink::create(b_rec.clone(), SAMPLE_RATE, 1)),
            camera: None,
            view: None,
        })
    );
    ra.unwrap();
    rb.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while b.stats().await.packets_received < 600 {
        assert!(tokio::time::Instant::now() < deadline, "B hears nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.close().await.unwrap();
    b.close().await.unwrap();
    let wav = Wav::read(&b_rec).unwrap();
    let second = SAMPLE_RATE as usize;
    // B's bursts come back a few hundred milliseconds late: their middle is safely inside.
    let own: Vec<f32> = wav
        .samples
        .chunks_exact(2 * second)
        .skip(2)
        .flat_map(|cycle| cycle[second / 2..second * 6 / 5].to_vec())
        .collect();
    assert!(own.len() >= second, "a long enough recording");
    (own.iter().map(|s| s * s).sum::<f32>() / own.len() as f32).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_side_does_not_hear_itself_through_a_live_microphone() {
    let echo_only = confer_media::processing::Cleaning {
        echo: true,
        noise: false,
    };
    let echo_raw = echo_heard_by_b(None).await;
    let echo = echo_heard_by_b(Some(echo_only)).await;
    let lowered = 20.0 * (echo_raw / echo.max(f32::MIN_POSITIVE)).log10();
    println!(
        "B hears itself at {echo_raw:.4} RMS uncancelled, {echo:.4} cancelled ({lowered:.1} dB less)"
    );
    assert!(echo_raw > 0.02, "the room does echo: {echo_raw}");
    assert!(
        lowered > 20.0,
        "B's echo is lowered by {lowered:.1} dB only"
    );
}
