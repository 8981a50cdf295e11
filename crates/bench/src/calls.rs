//! `confer-bench calls`: 1:1 calls between two clients of an in-process server on loopback.
//!
//! - Set-up: from the caller's offer to its first decoded remote audio frame, over `calls`
//!   calls (each placed, answered, talked a moment, hung up).
//! - Mouth to ear: the caller's microphone stays silent, then starts a tone at a known instant;
//!   the callee's speaker notes when the tone's energy arrives. The time between is what a
//!   listener would hear as delay (capture pacing, encoding, network, jitter buffer, decode).
//! - Glass to glass: the caller's camera (the test pattern) notes when it made each numbered
//!   frame; the callee's view reads each picture's number and subtracts.
//! - CPU and memory: one video call of `seconds` at 640x360, 30 fps; CPU time of the process
//!   (both sides and the server) per side, as a share of one core; resident memory idle and
//!   in the call.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use confer_core::{Client, ClientConfig, call::CallMedia};
use confer_media::{
    AudioSink, AudioSource, Frame, MediaError, SAMPLE_RATE, VideoSink, VideoSource,
    synthetic::{NullSink, PatternCamera, ToneSource},
};
use confer_testkit::TestServer;

const PASSWORD: &str = "bench-password";

/// Parameters.
pub struct CallParams {
    /// Calls for the set-up figures.
    pub calls: usize,
    /// Seconds of the video call for CPU, memory and glass-to-glass.
    pub seconds: u64,
}

/// A microphone that is silent until armed, then plays a tone; notes when the tone started.
struct Click {
    tone: ToneSource,
    armed: Arc<Mutex<Option<Instant>>>,
    started: Arc<Mutex<Option<Instant>>>,
}

impl AudioSource for Click {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        if self.armed.lock().unwrap().is_some() {
            let mut started = self.started.lock().unwrap();
            started.get_or_insert_with(Instant::now);
            self.tone.read(out)
        } else {
            out.fill(0.0);
            Ok(out.len())
        }
    }
}

/// A speaker that notes when sound first arrives.
struct Ear {
    heard: Arc<Mutex<Option<Instant>>>,
}

impl AudioSink for Ear {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        if samples.iter().any(|s| s.abs() > 0.1) {
            self.heard.lock().unwrap().get_or_insert_with(Instant::now);
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

/// The test pattern, noting when each numbered frame was made.
struct TimedCamera {
    pattern: PatternCamera,
    made: Arc<Mutex<HashMap<u32, Instant>>>,
}

impl VideoSource for TimedCamera {
    fn next_frame(&mut self) -> Result<Frame, MediaError> {
        let frame = self.pattern.next_frame()?;
        if let Some(n) = PatternCamera::counter(&frame) {
            self.made.lock().unwrap().insert(n, Instant::now());
        }
        Ok(frame)
    }
    fn frame_rate(&self) -> u32 {
        self.pattern.frame_rate()
    }
}

/// A view that reads each picture's number and notes the delay since it was made.
struct TimedView {
    made: Arc<Mutex<HashMap<u32, Instant>>>,
    delays: Arc<Mutex<Vec<f64>>>,
}

impl VideoSink for TimedView {
    fn frame(&mut self, frame: &Frame) -> Result<(), MediaError> {
        if let Some(n) = PatternCamera::counter(frame)
            && let Some(at) = self.made.lock().unwrap().get(&n)
        {
            self.delays
                .lock()
                .unwrap()
                .push(at.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(())
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// CPU seconds the process has used (user and system).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(f64::NAN);
    ticks / 100.0
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// A signed-in, synced client of `user` (password `password`) with its profile under `dir`.
pub(crate) async fn sign_in(
    url: &str,
    user: &str,
    password: &str,
    dir: &std::path::Path,
) -> Result<Arc<Client>> {
    let c = Client::open(
        ClientConfig {
            servers: vec![url.into()],
            user: user.into(),
            password: Some(password.into()),
            profile: dir.join(user),
            device: "bench".into(),
            connect_timeout: Duration::from_secs(10),
            use_keyring: false,
            heartbeat: confer_core::connection::HEARTBEAT,
        },
        true,
    )?;
    c.wait_synced(Duration::from_secs(30)).await?;
    Ok(Arc::new(c))
}

fn quiet_media(
    camera: Option<Box<dyn VideoSource>>,
    view: Option<Box<dyn VideoSink>>,
) -> CallMedia {
    CallMedia {
        source: Box::new(ToneSource::new(440.0, 0.3).expect("tone")),
        sink: Box::new(NullSink),
        camera,
        view,
        relay_only: false,
        original_sound: false,
    }
}

/// One call: Bob answers what rings; returns the caller's call and the callee's.
async fn connect(
    alice: &Arc<Client>,
    bob: &Arc<Client>,
    conversation: u64,
    video: bool,
    caller: CallMedia,
    callee: CallMedia,
) -> Result<(confer_core::call::ActiveCall, confer_core::call::ActiveCall)> {
    let b = bob.clone();
    // Bob listens before Alice rings.
    let mut events = bob.subscribe_calls();
    let answer = tokio::spawn(async move {
        let ringing =
            Client::ringing_on(&mut events, Some("alice"), Duration::from_secs(20)).await?;
        b.accept(ringing, callee).await
    });
    let a = alice.call(conversation, video, caller).await?;
    let b = answer.await.context("the answering task")??;
    Ok((a, b))
}

/// Runs the benchmark; returns the JSON report.
pub async fn run(p: CallParams) -> Result<serde_json::Value> {
    let server = TestServer::start().await?;
    server.add_users(
        &[
            ("alice".to_owned(), "Alice".to_owned()),
            ("bob".to_owned(), "Bob".to_owned()),
        ],
        PASSWORD,
    )?;
    let dir = tempfile::tempdir()?;
    let alice = sign_in(&server.ws_url(), "alice", PASSWORD, dir.path()).await?;
    let bob = sign_in(&server.ws_url(), "bob", PASSWORD, dir.path()).await?;
    let conversation = alice.direct_conversation("bob").await?;
    let idle_rss = rss_mib();

    // Set-up and mouth to ear, audio calls.
    let mut setups = Vec::new();
    let mut mouth_to_ear = Vec::new();
    for _ in 0..p.calls {
        let armed = Arc::new(Mutex::new(None));
        let started = Arc::new(Mutex::new(None));
        let heard = Arc::new(Mutex::new(None));
        let caller = CallMedia {
            source: Box::new(Click {
                tone: ToneSource::new(1_000.0, 0.5)?,
                armed: armed.clone(),
                started: started.clone(),
            }),
            ..quiet_media(None, None)
        };
        let callee = CallMedia {
            sink: Box::new(Ear {
                heard: heard.clone(),
            }),
            source: Box::new(NullSource),
            ..quiet_media(None, None)
        };
        let (mut a, mut b) = connect(&alice, &bob, conversation, false, caller, callee).await?;
        // Let the jitter buffer settle, then speak.
        a.talk(Duration::from_millis(300)).await;
        *armed.lock().unwrap() = Some(Instant::now());
        let deadline = Instant::now() + Duration::from_secs(5);
        while heard.lock().unwrap().is_none() && Instant::now() < deadline {
            b.talk(Duration::from_millis(5)).await;
        }
        let (s, h) = (*started.lock().unwrap(), *heard.lock().unwrap());
        if let (Some(s), Some(h)) = (s, h) {
            mouth_to_ear.push(h.saturating_duration_since(s).as_secs_f64() * 1000.0);
        }
        let report = a.finish(&alice).await?;
        let _ = b.finish(&bob).await;
        if let Some(ms) = report.setup_ms {
            setups.push(ms as f64);
        }
    }
    setups.sort_by(f64::total_cmp);
    mouth_to_ear.sort_by(f64::total_cmp);

    // One video call: glass to glass, CPU, memory.
    let made = Arc::new(Mutex::new(HashMap::new()));
    let delays = Arc::new(Mutex::new(Vec::new()));
    let camera = |made: &Arc<Mutex<HashMap<u32, Instant>>>| -> Result<Box<dyn VideoSource>> {
        Ok(Box::new(TimedCamera {
            pattern: PatternCamera::new(640, 360, 30)?,
            made: made.clone(),
        }))
    };
    let bob_made = Arc::new(Mutex::new(HashMap::new()));
    let caller = quiet_media(
        Some(camera(&made)?),
        Some(Box::new(TimedView {
            made: bob_made.clone(),
            delays: Arc::new(Mutex::new(Vec::new())),
        })),
    );
    let callee = quiet_media(
        Some(camera(&bob_made)?),
        Some(Box::new(TimedView {
            made: made.clone(),
            delays: delays.clone(),
        })),
    );
    let (mut a, b) = connect(&alice, &bob, conversation, true, caller, callee).await?;
    let cpu_before = cpu_seconds();
    let wall = Instant::now();
    a.talk(Duration::from_secs(p.seconds)).await;
    let cpu = (cpu_seconds() - cpu_before) / wall.elapsed().as_secs_f64();
    let call_rss = rss_mib();
    let stats = b.stats().await;
    let sent_by_caller = a.stats().await.video_frames_sent;
    let _ = a.finish(&alice).await;
    let _ = b.finish(&bob).await;
    let mut g2g = delays.lock().unwrap().clone();
    g2g.sort_by(f64::total_cmp);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    Ok(serde_json::json!({
        "calls": p.calls,
        "setup_ms": { "p50": round(percentile(&setups, 0.5)), "p99": round(percentile(&setups, 0.99)), "n": setups.len() },
        "mouth_to_ear_ms": { "p50": round(percentile(&mouth_to_ear, 0.5)), "p99": round(percentile(&mouth_to_ear, 0.99)), "n": mouth_to_ear.len() },
        "glass_to_glass_ms": { "p50": round(percentile(&g2g, 0.5)), "p99": round(percentile(&g2g, 0.99)), "n": g2g.len() },
        "video_call": {
            "seconds": p.seconds,
            "size": "640x360",
            "fps": 30,
            "frames_sent_by_caller": sent_by_caller,
            "frames_received_by_callee": stats.video_frames_received,
            "frames_decoded_by_callee": stats.video_frames_decoded,
            "cpu_per_side_pct_of_one_core": round(cpu * 100.0 / 2.0),
            "note": "CPU of the whole process (both sides and the server) halved",
        },
        "rss_mib": { "idle": round(idle_rss), "in_video_call": round(call_rss) },
    }))
}

/// A silent microphone (the callee says nothing in the mouth-to-ear runs).
struct NullSource;

impl AudioSource for NullSource {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }
    fn channels(&self) -> u16 {
        1
    }
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        out.fill(0.0);
        Ok(out.len())
    }
}
