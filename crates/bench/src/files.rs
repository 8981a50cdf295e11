//! Shared files over loopback: Confer's upload and download against `curl` with a plain
//! static file server (GET serves a file, PUT writes one, both streamed), and the
//! `confer-server` process's peak memory during the upload.
//!
//! Confer's upload includes what a user waits for: the client's SHA-256 of the file, the
//! transfer, and the server's check of the hash and its commit of the file message.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
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

/// A process's peak and current resident memory (VmHWM, VmRSS), in MiB.
fn memory_of(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// A `confer-server` process (the binary beside this one) on a fresh data directory.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(data: &Path, max_bytes: u64) -> Result<(ServerProcess, std::net::SocketAddr)> {
    let bin = std::env::current_exe()?.with_file_name("confer-server");
    if !bin.exists() {
        bail!(
            "{} is missing: build the workspace's binaries",
            bin.display()
        );
    }
    for user in ["alice", "bob"] {
        let mut add = Command::new(&bin)
            .arg("--data")
            .arg(data)
            .args(["user", "add", user, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        use std::io::Write;
        add.stdin
            .take()
            .context("stdin")?
            .write_all(format!("{PW}\n").as_bytes())?;
        if !add.wait()?.success() {
            bail!("adding {user} failed");
        }
    }
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let child = Command::new(&bin)
        .arg("--data")
        .arg(data)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--max-file-bytes")
        .arg(max_bytes.to_string())
        .arg("--no-turn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = ServerProcess(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            bail!("confer-server did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((server, addr))
}

/// Uploads and downloads a file of `mb` megabytes (10^6 bytes) both ways; JSON figures.
pub async fn files(mb: u64) -> Result<serde_json::Value> {
    let len = mb * 1_000_000;
    let dir = tempfile::tempdir()?;
    let source = dir.path().join("source.bin");
    make_file(&source, len)?;
    let mbps = |secs: f64| len as f64 / 1e6 / secs;

    // Confer: a server process, alice shares the file with bob, bob downloads it.
    let data = dir.path().join("server");
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
    let (_, rss_before) = memory_of(server.0.id()).context("no /proc")?;
    let alice_files =
        confer_files::FileClient::new(&url, alice.token.as_deref().context("token")?)?;
    let start = Instant::now();
    let state = alice_files
        .upload(conversation, &source, None, None)
        .await?;
    let confer_up = start.elapsed().as_secs_f64();
    let (peak_during_upload, _) = memory_of(server.0.id()).context("no /proc")?;
    let file = state.file.context("not shared")?;
    let bob_files = confer_files::FileClient::new(&url, bob.token.as_deref().context("token")?)?;
    let copy = dir.path().join("confer-copy.bin");
    let mut out = tokio::fs::File::create(&copy).await?;
    let start = Instant::now();
    // Into the page cache, as curl -o writes (neither syncs to the disk).
    let (got, _) = bob_files.download(&file.id, false, &mut out).await?;
    let confer_down = start.elapsed().as_secs_f64();
    if got != len {
        bail!("downloaded {got} bytes of {len}");
    }
    drop(server);

    // curl and the plain server.
    let served = dir.path().join("plain");
    std::fs::create_dir_all(&served)?;
    std::fs::copy(&source, served.join("file.bin"))?;
    let (plain, task) = plain_server(served.clone()).await?;
    let curl_down = {
        let out = dir.path().join("curl-copy.bin");
        let out = out.to_string_lossy().into_owned();
        tokio::task::spawn_blocking(move || {
            curl(&["-o", &out, &format!("http://{plain}/file.bin")])
        })
        .await??
    };
    let curl_up = {
        let src = source.to_string_lossy().into_owned();
        tokio::task::spawn_blocking(move || {
            curl(&["-T", &src, &format!("http://{plain}/upload.bin")])
        })
        .await??
    };
    task.abort();
    if std::fs::metadata(served.join("upload.bin"))?.len() != len {
        bail!("curl's upload is incomplete");
    }
    Ok(json!({
        "scenario": format!("one {mb} MB file over loopback; Confer: confer-server process (SQLite), FileClient upload (client SHA-256 + transfer + server check) and download; curl --http1.1 against a plain streaming GET/PUT server"),
        "bytes": len,
        "upload_mb_per_s": { "confer": mbps(confer_up), "curl": mbps(curl_up), "ratio": curl_up / confer_up },
        "download_mb_per_s": { "confer": mbps(confer_down), "curl": mbps(curl_down), "ratio": curl_down / confer_down },
        "server_rss_mib": { "before_upload": rss_before, "peak_by_end_of_upload": peak_during_upload },
    }))
}
