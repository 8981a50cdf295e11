//! The video follows the receiver's feedback: on a wide path the bitrate climbs and the picture
//! goes to 1280x720; on a narrow one (a throttling relay between the two peers, standing in for
//! a slow link) the bitrate falls below what the path carries and the picture drops to 640x360,
//! and pictures keep coming.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use confer_media::{
    VideoSource,
    peer::{MediaIo, Peer, PeerOptions, PeerStats},
    synthetic::{NullSink, PatternCamera, ToneSource},
};
use tokio::{net::UdpSocket, time::Instant};

fn options(start_kbps: u32) -> PeerOptions {
    PeerOptions {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        video: true,
        video_bitrate_kbps: start_kbps,
        ..PeerOptions::default()
    }
}

/// The one host candidate's address in a description.
fn candidate(sdp: &str) -> SocketAddr {
    let line = sdp
        .lines()
        .find(|l| l.starts_with("a=candidate:"))
        .expect("a candidate");
    let f: Vec<&str> = line.split_whitespace().collect();
    format!("{}:{}", f[4], f[5]).parse().unwrap()
}

/// The description with its candidate moved to `to`.
fn moved(sdp: &str, to: SocketAddr) -> String {
    let from = candidate(sdp);
    sdp.replace(
        &format!(" {} {} typ", from.ip(), from.port()),
        &format!(" {} {} typ", to.ip(), to.port()),
    )
}

/// A relay between A and B that carries A's packets to B at `rate` bit/s at most, queueing up
/// to 100 ms and dropping beyond (a slow link's bottleneck); B's packets go back untouched. It
/// runs on a thread of its own, as a network would, so the peers' work cannot stall it.
struct Throttle {
    /// What B is told A's address is.
    for_b: SocketAddr,
    /// What A is told B's address is.
    for_a: SocketAddr,
    rate: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Throttle {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Throttle {
    fn start(a: SocketAddr, b: tokio::sync::oneshot::Receiver<SocketAddr>, rate: u64) -> Self {
        let rate = Arc::new(AtomicU64::new(rate));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let shared_rate = rate.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let a_side = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                let b_side = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                ready_tx
                    .send((a_side.local_addr().unwrap(), b_side.local_addr().unwrap()))
                    .unwrap();
                // B → A: untouched.
                let back = async {
                    let mut buf = vec![0u8; 65_536];
                    while let Some(n) = receive(&a_side, &mut buf).await {
                        let _ = b_side.send_to(&buf[..n], a).await;
                    }
                };
                // A → B: through the bottleneck.
                let (queue, mut queued) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(4096);
                let forth = async {
                    let mut buf = vec![0u8; 65_536];
                    let mut free_at = Instant::now();
                    while let Some(n) = receive(&b_side, &mut buf).await {
                        let now = Instant::now();
                        let bits = (n as u64 + 28) * 8;
                        let rate = shared_rate.load(Ordering::Relaxed) as f64;
                        let leave = free_at.max(now) + Duration::from_secs_f64(bits as f64 / rate);
                        if leave - now > Duration::from_millis(100) {
                            continue;
                        }
                        free_at = leave;
                        if queue.send((leave, buf[..n].to_vec())).await.is_err() {
                            return;
                        }
                    }
                };
                let out = async {
                    let Ok(b) = b.await else { return };
                    while let Some((leave, packet)) = queued.recv().await {
                        // A packet already due goes at once: a wake-up per packet on a busy
                        // machine would make the relay itself the bottleneck.
                        if leave > Instant::now() {
                            tokio::time::sleep_until(leave).await;
                        }
                        let _ = a_side.send_to(&packet, b).await;
                    }
                };
                tokio::select! {
                    _ = back => {}
                    _ = forth => {}
                    _ = out => {}
                    _ = stopped => {}
                }
            });
        });
        let (for_b, for_a) = ready.recv().unwrap();
        Self {
            for_b,
            for_a,
            rate,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// The next datagram's length; none once the socket fails. An ICMP "port unreachable" that an
/// earlier send provoked comes back as an error on the next receive: that one is skipped.
async fn receive(socket: &UdpSocket, buf: &mut [u8]) -> Option<usize> {
    loop {
        match socket.recv_from(buf).await {
            Ok((n, _)) => return Some(n),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
            Err(_) => return None,
        }
    }
}

/// A sends a 1280x720 test pattern to B (through `throttle` at `rate` bit/s when given).
async fn call(start_kbps: u32, rate: Option<u64>) -> (Peer, Peer, Option<Throttle>) {
    let a = Peer::new(options(start_kbps)).await.unwrap();
    let b = Peer::new(options(start_kbps)).await.unwrap();
    let offer = a.offer().await.unwrap();
    let (b_addr_tx, b_addr) = tokio::sync::oneshot::channel();
    let throttle = rate.map(|rate| Throttle::start(candidate(&offer), b_addr, rate));
    let offer = match &throttle {
        Some(t) => moved(&offer, t.for_b),
        None => offer,
    };
    let answer = b.answer(&offer).await.unwrap();
    let _ = b_addr_tx.send(candidate(&answer));
    let answer = match &throttle {
        Some(t) => moved(&answer, t.for_a),
        None => answer,
    };
    a.accept(&answer).await.unwrap();
    a.connected(Duration::from_secs(10)).await.unwrap();
    b.connected(Duration::from_secs(10)).await.unwrap();
    let io = |camera: bool| MediaIo {
        source: Box::new(ToneSource::new(440.0, 0.2).unwrap()),
        sink: Box::new(NullSink),
        camera: camera
            .then(|| Box::new(PatternCamera::new(1280, 720, 30).unwrap()) as Box<dyn VideoSource>),
        view: None,
    };
    let (ra, rb) = tokio::join!(a.start(io(true)), b.start(io(false)));
    ra.unwrap();
    rb.unwrap();
    (a, b, throttle)
}

/// Polls both sides' figures until `done` holds (bounded by `limit`).
async fn until(
    a: &Peer,
    b: &Peer,
    limit: Duration,
    what: &str,
    done: impl Fn(&PeerStats, &PeerStats) -> bool,
) -> (PeerStats, PeerStats) {
    let deadline = Instant::now() + limit;
    loop {
        let (sa, sb) = (a.stats().await, b.stats().await);
        if done(&sa, &sb) {
            return (sa, sb);
        }
        assert!(Instant::now() < deadline, "{what}: A {sa:?}\nB {sb:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_wide_path_the_picture_grows_to_720p() {
    let (a, b, _) = call(800, None).await;
    let (sa, _) = until(
        &a,
        &b,
        Duration::from_secs(20),
        "640x360 at the start",
        |_, sb| sb.video_received_size == Some((640, 360)),
    )
    .await;
    assert!(sa.video_kbps <= 1_000, "{sa:?}");
    let (sa, sb) = until(
        &a,
        &b,
        Duration::from_secs(40),
        "1280x720 later",
        |sa, sb| {
            sa.video_sent_size == Some((1280, 720)) && sb.video_received_size == Some((1280, 720))
        },
    )
    .await;
    println!(
        "720p after the estimate reached {} kbit/s: A {sa:?}\nB {sb:?}",
        sa.estimate_kbps
    );
    assert!(sa.video_kbps >= 1_200, "{sa:?}");
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_narrowing_path_the_bitrate_follows_and_the_picture_shrinks() {
    let (a, b, throttle) = call(1_500, Some(20_000_000)).await;
    let throttle = throttle.unwrap();
    until(
        &a,
        &b,
        Duration::from_secs(20),
        "720p on the wide path",
        |sa, sb| {
            sa.video_sent_size == Some((1280, 720)) && sb.video_received_size == Some((1280, 720))
        },
    )
    .await;
    // The link narrows to 500 kbit/s.
    throttle.rate.store(500_000, Ordering::Relaxed);
    let (sa, _) = until(
        &a,
        &b,
        Duration::from_secs(40),
        "the bitrate falls",
        |sa, _| sa.video_kbps <= 450 && sa.video_sent_size == Some((640, 360)),
    )
    .await;
    println!("after narrowing to 500 kbit/s: A {sa:?}");
    // Pictures still come, at the smaller size.
    let decoded = b.stats().await.video_frames_decoded;
    until(
        &a,
        &b,
        Duration::from_secs(10),
        "pictures keep coming",
        |_, sb| {
            sb.video_frames_decoded >= decoded + 30 && sb.video_received_size == Some((640, 360))
        },
    )
    .await;
    a.close().await.unwrap();
    b.close().await.unwrap();
}
