//! Client cache benchmarks: syncing a large conversation into an empty cache, opening its
//! first page from the cache, and searching it offline (the local full-text index). Each phase runs in its own process so that its peak memory
//! (VmHWM) is its own; the server is the real `confer-server` binary.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use confer_core::{Client, ClientConfig};
use confer_server::store::{SqliteStore, Store, WriteOp};
use serde_json::json;

const PASSWORD: &str = "bench-password";
const BATCH: usize = 5000;

/// Peak resident set of this process, in KiB (Linux; 0 elsewhere).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Phase 1: a server data dir with one conversation of `n` messages.
pub fn prepare(dir: &Path, n: usize) -> Result<()> {
    for user in ["alice", "bob"] {
        confer_server::admin::add_user(dir, user, None, None, PASSWORD)?;
    }
    let store = SqliteStore::open_dir(dir)?;
    let alice = store.user_by_name("alice")?.context("alice exists")?.id;
    let bob = store.user_by_name("bob")?.context("bob exists")?.id;
    store
        .write_batch(vec![WriteOp::OpenDirect {
            user: alice,
            other: "bob".into(),
        }])?
        .pop()
        .context("one")??;
    let mut written = 0;
    while written < n {
        let ops: Vec<WriteOp> = (written..(written + BATCH).min(n))
            .map(|i| WriteOp::SendMessage {
                user: if i % 2 == 0 { alice } else { bob },
                conversation: 1,
                client_id: format!("bench-{i}"),
                text: text_for(i),
                reply_to: None,
            })
            .collect();
        written += ops.len();
        for r in store.write_batch(ops)? {
            r?;
        }
    }
    Ok(())
}

/// Words the generated messages are made of, English and French, with accents: each message
/// draws a few, so that words range from rare to common as in a real history.
const WORDS: &[&str] = &[
    "the",
    "meeting",
    "meetings",
    "budget",
    "quarterly",
    "report",
    "deploy",
    "release",
    "review",
    "customer",
    "server",
    "tomorrow",
    "lunch",
    "coffee",
    "design",
    "draft",
    "invoice",
    "holiday",
    "la",
    "réunion",
    "réunions",
    "budget",
    "rapport",
    "trimestriel",
    "café",
    "déjeuner",
    "demain",
    "présentation",
    "équipe",
    "congés",
    "facture",
    "client",
    "serveur",
    "version",
    "été",
    "projet",
    "le",
    "de",
    "and",
    "for",
    "with",
    "pour",
    "avec",
    "des",
];

/// The text of generated message `i`: 4 to 15 words drawn by a fixed generator (the same run
/// every time), the message number at the end.
pub fn text_for(i: usize) -> String {
    let mut x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^= x >> 29;
        x
    };
    let n = 4 + (next() % 12) as usize;
    let mut words: Vec<&str> = (0..n)
        .map(|_| {
            // Squared: low indexes (the first words of the list) come up more often.
            let r = (next() % 1000) as usize;
            WORDS[r * r * WORDS.len() / 1_000_000]
        })
        .collect();
    let number = format!("#{i}");
    words.push(&number);
    words.join(" ")
}

fn config(url: &str, profile: &Path) -> ClientConfig {
    ClientConfig {
        servers: vec![url.into()],
        user: "alice".into(),
        password: Some(PASSWORD.into()),
        profile: profile.to_owned(),
        device: "bench".into(),
        connect_timeout: Duration::from_secs(10),
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    }
}

/// Phase 2: sync everything into an empty cache; prints the figures as JSON.
pub async fn sync(url: &str, profile: &Path, expect: usize) -> Result<serde_json::Value> {
    let start = Instant::now();
    let client = Client::open(config(url, profile), true)?;
    client.wait_synced(Duration::from_secs(900)).await?;
    let elapsed = start.elapsed();
    let conv = client.conversations().await?;
    let cached = client.history(conv[0].info.id, None, u32::MAX).await?.len();
    if cached != expect {
        bail!("cache holds {cached} messages, expected {expect}");
    }
    client.close().await;
    Ok(
        json!({ "sync_ms": elapsed.as_millis() as u64, "cached": cached, "peak_rss_kib": peak_rss_kib() }),
    )
}

/// Phase 3: open the cache offline and read the first page.
pub async fn open(profile: &Path) -> Result<serde_json::Value> {
    let start = Instant::now();
    let client = Client::open(config("ws://127.0.0.1:9", profile), false)?;
    let list = client.conversations().await?;
    let page = client.history(list[0].info.id, None, 75).await?;
    let first = start.elapsed();
    if page.len() != 75 {
        bail!("first page holds {} messages", page.len());
    }
    // Warm figure: the same page again, median of 20.
    let mut warm = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        client.history(list[0].info.id, None, 75).await?;
        warm.push(t.elapsed().as_micros() as u64);
    }
    warm.sort_unstable();
    Ok(json!({
        "first_page_ms": (first.as_micros() as f64 / 1000.0),
        "warm_page_us_median": warm[warm.len() / 2],
        "peak_rss_kib": peak_rss_kib(),
    }))
}

/// Queries of the search phase: common and rare words, accents typed or not, stems, prefixes,
/// two words, French and English, and one that matches nothing.
const QUERIES: &[&str] = &[
    "meeting",
    "meetings",
    "reunion",
    "réunions",
    "cafe",
    "quarterly report",
    "rapport trimestriel",
    "deploy",
    "présent",
    "equipe",
    "holiday",
    "congés",
    "invoice facture",
    "serv",
    "the",
    "xylophone",
];

/// Phase 4: search the cache offline, a page of 50 results per query, each query 10 times;
/// the latency of every search, and the hits of each query (which a broken index would zero).
pub async fn search(profile: &Path) -> Result<serde_json::Value> {
    let client = Client::open(config("ws://127.0.0.1:9", profile), false)?;
    let mut times = Vec::new();
    let mut hits = serde_json::Map::new();
    let mut each: Vec<Vec<f64>> = vec![Vec::new(); QUERIES.len()];
    for round in 0..10 {
        for (i, q) in QUERIES.iter().enumerate() {
            let t = Instant::now();
            let found = client.search_local(q, None, 50).await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            times.push(ms);
            each[i].push(ms);
            if round == 0 {
                hits.insert((*q).to_owned(), json!(found.len()));
            }
        }
    }
    // Each query's median: which kind of query is slow.
    let medians: serde_json::Map<String, serde_json::Value> = QUERIES
        .iter()
        .zip(&mut each)
        .map(|(q, t)| {
            t.sort_by(f64::total_cmp);
            (
                (*q).to_owned(),
                json!((t[t.len() / 2] * 10.0).round() / 10.0),
            )
        })
        .collect();
    for q in ["reunion", "cafe", "meeting", "quarterly report"] {
        if hits[q] == json!(0) {
            bail!("the search for {q:?} found nothing: the local index is broken");
        }
    }
    if hits["xylophone"] != json!(0) {
        bail!("a word no message holds was found");
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    Ok(json!({
        "searches": times.len(),
        "limit": 50,
        "ms": { "p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0) },
        "hits": hits,
        "median_ms_by_query": medians,
        "peak_rss_kib": peak_rss_kib(),
    }))
}

fn run_phase(args: &[&str]) -> Result<serde_json::Value> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("cache-phase")
        .args(args)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("phase {args:?} failed");
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Runs all phases against a `confer-server` process; returns the report.
pub fn run(messages: usize) -> Result<serde_json::Value> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let profile = tmp.path().join("profile");
    let t = Instant::now();
    run_phase(&[
        "prepare",
        data.to_str().context("utf-8 path")?,
        &messages.to_string(),
    ])?;
    eprintln!("prepared {messages} messages in {:?}", t.elapsed());

    let server_bin: PathBuf = std::env::current_exe()?.with_file_name("confer-server");
    if !server_bin.exists() {
        bail!(
            "{} is missing: cargo build --release -p confer-server",
            server_bin.display()
        );
    }
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut server = Command::new(&server_bin)
        .arg("--data")
        .arg(&data)
        .arg("--listen")
        .arg(addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            let _ = server.kill();
            bail!("confer-server did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("ws://{addr}");
    let result = (|| {
        let synced = run_phase(&[
            "sync",
            &url,
            profile.to_str().context("utf-8 path")?,
            &messages.to_string(),
        ])?;
        let _ = server.kill();
        let _ = server.wait();
        let opened = run_phase(&["open", profile.to_str().context("utf-8 path")?])?;
        let searched = run_phase(&["search", profile.to_str().context("utf-8 path")?])?;
        anyhow::Ok(json!({
            "bench": "client_cache",
            "messages": messages,
            "sync_into_empty_cache": synced,
            "open_first_page": opened,
            "search_offline": searched,
        }))
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_phases_sync_and_open_a_prepared_conversation() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("server");
        prepare(&data, 300).unwrap();
        let config = confer_server::Config {
            data_dir: data,
            ..Default::default()
        };
        let server = confer_testkit::TestServer::start_config(config)
            .await
            .unwrap();
        let profile = tmp.path().join("profile");
        let synced = sync(&server.ws_url(), &profile, 300).await.unwrap();
        assert_eq!(synced["cached"], 300);
        assert!(synced["peak_rss_kib"].as_u64().unwrap() > 0);
        server.stop().await.unwrap();
        let opened = open(&profile).await.unwrap();
        assert!(opened["first_page_ms"].as_f64().unwrap() > 0.0);
        let searched = search(&profile).await.unwrap();
        assert_eq!(searched["searches"], 10 * QUERIES.len());
        assert!(searched["hits"]["reunion"].as_u64().unwrap() > 0);
    }
}
