//! Shared files over loopback: Confer's upload and download against `curl` with a plain
//! static file server (GET serves a file, PUT writes one, both streamed), and the
//! `confer-server` process's peak memory during the upload.
//!
//! Confer's upload includes what a user waits for: the transfer, the server's BLAKE3 of what
//! it received (which names the blob), and its commit of the file message.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use axum::{
    Router,
    body::Body,
    extract::{Path as UrlPath, State},
    http::StatusCode,
    routing::get,
};
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::process::{ServerProcess, memory_of};

const PW: &str = "bench password";

/// Writes `len` pseudo-random bytes (incompressible, like most shared files).
fn make_file(path: &Path, len: u64) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

/// The plain server: GET /{name} streams a file of `dir`, PUT /{name} writes one.
async fn plain_server(dir: PathBuf) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
    async fn get_file(
        State(dir): State<PathBuf>,
        UrlPath(name): UrlPath<String>,
    ) -> Result<axum::response::Response, StatusCode> {
        let file = tokio::fs::File::open(dir.join(name))
            .await
            .map_err(|_| StatusCode::NOT_FOUND)?;
        let len = file
            .metadata()
            .await
            .map_err(|_| StatusCode::NOT_FOUND)?
            .len();
        let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
            file,
            256 * 1024,
        ));
        Ok(axum::response::Response::builder()
            .header("content-length", len)
            .body(body)
            .expect("a response"))
    }
    async fn put_file(
        State(dir): State<PathBuf>,
        UrlPath(name): UrlPath<String>,
        body: Body,
    ) -> StatusCode {
        let Ok(file) = tokio::fs::File::create(dir.join(name)).await else {
            return StatusCode::INTERNAL_SERVER_ERROR;
        };
        let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                return StatusCode::BAD_REQUEST;
            };
            if out.write_all(&chunk).await.is_err() {
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
        if out.flush().await.is_err() {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        StatusCode::CREATED
    }
    let app = Router::new()
        .route("/{name}", get(get_file).put(put_file))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

/// Runs curl; returns the seconds it took.
fn curl(args: &[&str]) -> Result<f64> {
    let start = Instant::now();
    let status = Command::new("curl")
        .args(["-s", "-f", "--http1.1"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .context("running curl (cargo xtask installs it)")?;
    if !status.success() {
        bail!("curl {args:?} failed: {status}");
    }
    Ok(start.elapsed().as_secs_f64())
}

fn start_server(data: &Path, max_bytes: u64) -> Result<(ServerProcess, std::net::SocketAddr)> {
    ServerProcess::start(
        data,
        &["alice".to_owned(), "bob".to_owned()],
        PW,
        &["--max-file-bytes", &max_bytes.to_string()],
    )
}

/// Flushes every dirty page to the disk, so one phase's writeback does not slow the next.
fn sync_disks() -> Result<()> {
    let status = Command::new("sync").status().context("running sync")?;
    if !status.success() {
        bail!("sync failed: {status}");
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Makes the next phase start from the same memory as any other: the disks synced (so it does
/// not pay for the previous phase's writeback), then `len` bytes written to a scratch file in
/// `dir` and deleted. A virtual machine's host may take back memory the guest freed and give
/// it again only page by page when touched: on this VM one 1 GB write into the page cache took
/// from 0.27 s to 3.4 s depending on that alone (two `dd` in a row), and 0.27-0.37 s each
/// once warmed this way. Both contenders get the warmed memory right before their turn.
fn level(dir: &Path, len: u64) -> Result<()> {
    use std::io::Write;
    sync_disks()?;
    let scratch = dir.join("warm.bin");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&scratch)?);
    let block = vec![0u8; 1 << 20];
    let mut left = len + len / 10;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    drop(out);
    std::fs::remove_file(&scratch)?;
    Ok(())
}

/// Seconds of Confer's and curl's phase, run in the given order, each after [`level`].
async fn pair<C, K>(
    warm: (&Path, u64),
    confer_first: bool,
    confer: C,
    curl_phase: K,
) -> Result<(f64, f64)>
where
    C: AsyncFnOnce() -> Result<f64>,
    K: FnOnce() -> Result<f64> + Send + 'static,
{
    level(warm.0, warm.1)?;
    if confer_first {
        let c = confer().await?;
        level(warm.0, warm.1)?;
        let k = tokio::task::spawn_blocking(curl_phase).await??;
        Ok((c, k))
    } else {
        let k = tokio::task::spawn_blocking(curl_phase).await??;
        level(warm.0, warm.1)?;
        let c = confer().await?;
        Ok((c, k))
    }
}

/// One upload of the whole scenario through a fresh server; the seconds of each phase.
struct Run {
    up: (f64, f64),
    down_disk: (f64, f64),
    down_sink: (f64, f64),
    rss_before: f64,
    /// The peak (VmHWM) by the end of the upload.
    rss_after_upload: f64,
}

async fn run_once(
    dir: &Path,
    source: &Path,
    plain: std::net::SocketAddr,
    len: u64,
    confer_first: bool,
) -> Result<Run> {
    let data = dir.join("server");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let (server, addr) = start_server(&data, len + 1)?;
    let url = format!("ws://{addr}/v1/ws");
    let mut alice = confer_testkit::Client::login(&url, "alice", PW).await?;
    let conversation = match alice
        .request(confer_proto::Request::OpenDirect { user: "bob".into() })
        .await?
    {
        confer_proto::Response::Conversation { conversation } => conversation.info.id,
        r => bail!("{r:?}"),
    };
    let bob = confer_testkit::Client::login(&url, "bob", PW).await?;
    let (_, rss_before) = memory_of(server.pid()).context("no /proc")?;
    let alice_files =
        confer_files::FileClient::new(&url, alice.token.as_deref().context("token")?)?;
    let bob_files = confer_files::FileClient::new(&url, bob.token.as_deref().context("token")?)?;

    let upload_target = dir.join("plain").join("upload.bin");
    let _ = std::fs::remove_file(&upload_target);
    let mut shared = None;
    let up = {
        let src = source.to_string_lossy().into_owned();
        pair(
            (dir, len),
            confer_first,
            async || {
                let start = Instant::now();
                let state = alice_files.upload(conversation, source, None, None).await?;
                let secs = start.elapsed().as_secs_f64();
                shared = Some(state.file.context("not shared")?);
                Ok(secs)
            },
            move || curl(&["-T", &src, &format!("http://{plain}/upload.bin")]),
        )
        .await?
    };
    if std::fs::metadata(&upload_target)?.len() != len {
        bail!("curl's upload is incomplete");
    }
    std::fs::remove_file(&upload_target)?;
    let (rss_after_upload, _) = memory_of(server.pid()).context("no /proc")?;
    let file = shared.context("not shared")?;

    // Into a file (the page cache, as curl -o writes: neither syncs to the disk)...
    let copy = dir.join("confer-copy.bin");
    let curl_copy = dir.join("curl-copy.bin");
    let down_disk = {
        let out = curl_copy.to_string_lossy().into_owned();
        pair(
            (dir, len),
            !confer_first,
            async || {
                let out = std::fs::File::create(&copy)?;
                let start = Instant::now();
                let (got, _) = bob_files.download_to_file(&file.id, false, out).await?;
                let secs = start.elapsed().as_secs_f64();
                if got != len {
                    bail!("downloaded {got} bytes of {len}");
                }
                Ok(secs)
            },
            move || curl(&["-o", &out, &format!("http://{plain}/file.bin")]),
        )
        .await?
    };
    std::fs::remove_file(&copy)?;
    std::fs::remove_file(&curl_copy)?;
    // ...and into nothing, which leaves the transfer alone (the server, the client, loopback).
    let down_sink = pair(
        (dir, len),
        confer_first,
        async || {
            let mut out = tokio::io::sink();
            let start = Instant::now();
            let (got, _) = bob_files.download(&file.id, false, &mut out).await?;
            let secs = start.elapsed().as_secs_f64();
            if got != len {
                bail!("downloaded {got} bytes of {len}");
            }
            Ok(secs)
        },
        move || curl(&["-o", "/dev/null", &format!("http://{plain}/file.bin")]),
    )
    .await?;
    drop(server);
    Ok(Run {
        up,
        down_disk,
        down_sink,
        rss_before,
        rss_after_upload,
    })
}

/// Uploads and downloads a file of `mb` megabytes (10^6 bytes) both ways, `runs` times, each
/// run through a fresh server, Confer and curl taking turns to go first; JSON figures (medians
/// and every run).
pub async fn files(mb: u64, runs: usize) -> Result<serde_json::Value> {
    let len = mb * 1_000_000;
    let dir = tempfile::tempdir()?;
    let source = dir.path().join("source.bin");
    make_file(&source, len)?;
    let served = dir.path().join("plain");
    std::fs::create_dir_all(&served)?;
    std::fs::hard_link(&source, served.join("file.bin"))?;
    let (plain, task) = plain_server(served).await?;

    let mut all = Vec::new();
    for i in 0..runs.max(1) {
        all.push(run_once(dir.path(), &source, plain, len, i % 2 == 0).await?);
    }
    task.abort();

    let mbps = |secs: f64| len as f64 / 1e6 / secs;
    let figures = |pick: fn(&Run) -> (f64, f64)| {
        let confer: Vec<f64> = all.iter().map(|r| mbps(pick(r).0)).collect();
        let curl: Vec<f64> = all.iter().map(|r| mbps(pick(r).1)).collect();
        let ratios: Vec<f64> = confer.iter().zip(&curl).map(|(c, k)| c / k).collect();
        json!({
            "confer": median(&confer),
            "curl": median(&curl),
            "ratio": median(&ratios),
            "runs": { "confer": confer, "curl": curl, "ratio": ratios },
        })
    };
    let rss = |pick: fn(&Run) -> f64| all.iter().map(pick).fold(0.0, f64::max);
    Ok(json!({
        "scenario": format!("one {mb} MB file over loopback, {} runs (medians; each run a fresh confer-server process on SQLite; Confer and curl alternate going first; disks synced and the file's size in memory written and freed before each phase); Confer: FileClient upload (transfer + the server's BLAKE3) and download; curl --http1.1 against a plain streaming GET/PUT server", all.len()),
        "bytes": len,
        "upload_mb_per_s": figures(|r| r.up),
        "download_to_file_mb_per_s": figures(|r| r.down_disk),
        "download_to_sink_mb_per_s": figures(|r| r.down_sink),
        "server_rss_mib": { "before_upload_max": rss(|r| r.rss_before), "peak_by_end_of_upload_max": rss(|r| r.rss_after_upload) },
    }))
}
