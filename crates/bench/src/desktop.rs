//! Desktop benchmarks: cold start to the first painted conversation list, and memory (PSS of the
//! app and its WebKit processes) with 50 conversations and 10,000 messages in the cache, beside
//! the same memory figure for a bare Tauri window measured in the same run. Everything runs on
//! a private Xvfb display and session bus.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use confer_server::store::{SqliteStore, Store, WriteOp};
use serde_json::{Value, json};

const PASSWORD: &str = "bench-password";
/// After the first paint, time for the app to settle before its memory is read.
const SETTLE: Duration = Duration::from_secs(4);

/// A server data dir: alice, `peers` others, one conversation with each holding `per`
/// messages.
pub fn prepare(dir: &Path, peers: usize, per: usize) -> Result<()> {
    confer_server::admin::add_user(dir, "alice", Some("Alice Martin"), None, PASSWORD)?;
    let names: Vec<String> = (1..=peers).map(|i| format!("peer{i:02}")).collect();
    for n in &names {
        confer_server::admin::add_user(dir, n, None, None, PASSWORD)?;
    }
    let store = SqliteStore::open_dir(dir)?;
    let alice = store.user_by_name("alice")?.context("alice")?.id;
    for (i, name) in names.iter().enumerate() {
        // Each name is added above; the index only keys the client ids.
        let peer = store.user_by_name(name)?.context("peer")?.id;
        let opened = store.write_batch(vec![WriteOp::OpenDirect {
            user: alice,
            other: name.clone(),
        }])?;
        let conversation = match opened.into_iter().next().context("one result")??.outcome {
            confer_server::store::Outcome::Conversation(c) => c.info.id,
            other => bail!("open_direct: {other:?}"),
        };
        let ops = (0..per)
            .map(|m| WriteOp::SendMessage {
                user: if m % 3 == 0 { alice } else { peer },
                conversation,
                client_id: format!("bench-{i}-{m}"),
                text: format!(
                    "message {m} with {name}: the quick brown fox jumps over the lazy dog"
                ),
                reply_to: None,
            })
            .collect();
        for r in store.write_batch(ops)? {
            r?;
        }
    }
    Ok(())
}

/// `pid` and all its descendants.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // The parent pid is the second field after the parenthesised command name.
            let ppid = std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                });
            if let Some(ppid) = ppid {
                parents.push((p, ppid));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

/// Waits until `pid` has started WebKit's web process (the page is being shown).
fn wait_web_process(pid: u32, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = process_tree(pid).iter().any(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.starts_with("WebKitWebProces"))
        });
        if found {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("no WebKit web process after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Proportional set size of `pid` and each of its descendants, in KiB, by command name.
pub fn pss_tree_kib(pid: u32) -> Vec<(String, u64)> {
    process_tree(pid)
        .iter()
        .filter_map(|p| {
            let pss = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup"))
                .ok()?
                .lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())?;
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            Some((comm.trim().to_owned(), pss))
        })
        .collect()
}

fn total(tree: &[(String, u64)]) -> u64 {
    tree.iter().map(|(_, k)| k).sum()
}

fn breakdown(tree: &[(String, u64)]) -> Value {
    let mb = |kib: u64| (kib as f64 / 1024.0 * 10.0).round() / 10.0;
    Value::Object(
        tree.iter()
            .map(|(c, k)| (c.clone(), json!(mb(*k))))
            .collect(),
    )
}

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let (tx, lines) = mpsc::channel();
        let err = child.stderr.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self { child, lines })
    }

    fn wait_line(&self, needle: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Ok(line),
                Ok(_) => {}
                Err(_) => bail!("no {needle:?} within {timeout:?}"),
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sibling(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("exe dir")?;
    for candidate in [dir.join(name), dir.join("examples").join(name)] {
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    bail!(
        "{name} is missing beside {}: cargo build --release -p confer-bench -p confer-desktop \
         --bins --example bare",
        exe.display()
    )
}

/// Options of one run.
pub struct Params {
    /// Conversations.
    pub conversations: usize,
    /// Messages per conversation.
    pub messages_per: usize,
    /// Extra environment for both the app and the bare window (e.g. WebKit switches).
    pub env: Vec<(String, String)>,
}

/// Runs the desktop benchmark and returns its figures.
pub fn run(p: &Params) -> Result<Value> {
    let app = sibling("confer")?;
    let bare = sibling("bare")?;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let t = Instant::now();
    prepare(&data, p.conversations, p.messages_per)?;
    eprintln!(
        "prepared {} conversations x {} messages in {:?}",
        p.conversations,
        p.messages_per,
        t.elapsed()
    );
    let rt = tokio::runtime::Runtime::new()?;
    let server = rt.block_on(confer_testkit::TestServer::start_config(
        confer_server::Config {
            data_dir: data,
            ..Default::default()
        },
    ))?;
    let xvfb = confer_e2e::x11::Xvfb::start()?;
    let bus = confer_e2e::SessionBus::start()?;
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home)?;
    let env = |cmd: &mut Command| {
        cmd.env("DISPLAY", &xvfb.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("CONFER_PASSWORD", PASSWORD)
            .env("CONFER_CREDENTIALS", "file")
            .env("CONFER_LOG", "warn,confer=info")
            .env_remove("WAYLAND_DISPLAY")
            .envs(p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    };
    let profile = tmp.path().join("profile");
    let launch = || -> Result<(Running, f64)> {
        let mut cmd = Command::new(&app);
        cmd.args(["--server", &server.ws_url(), "--user", "alice", "--profile"])
            .arg(&profile);
        env(&mut cmd);
        let started = Instant::now();
        let running = Running::start(cmd)?;
        running.wait_line("first conversation list painted", Duration::from_secs(120))?;
        Ok((running, started.elapsed().as_secs_f64() * 1000.0))
    };

    // First launch: an empty profile, so the whole history syncs before the list shows.
    let (first, first_ms) = launch()?;
    drop(first);
    // Then the everyday start: the profile holds the cache and the token.
    let mut cold = Vec::new();
    let mut pss = Vec::new();
    for _ in 0..3 {
        let (running, ms) = launch()?;
        cold.push(ms);
        std::thread::sleep(SETTLE);
        pss.push(pss_tree_kib(running.child.id()));
    }
    let mut bare_pss = Vec::new();
    for _ in 0..3 {
        let mut cmd = Command::new(&bare);
        env(&mut cmd);
        let running = Running::start(cmd)?;
        wait_web_process(running.child.id(), Duration::from_secs(60))?;
        std::thread::sleep(SETTLE);
        bare_pss.push(pss_tree_kib(running.child.id()));
    }
    rt.block_on(server.stop())?;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mb = |kib: u64| (kib as f64 / 1024.0 * 10.0).round() / 10.0;
    let app_mb = median(&mut pss.iter().map(|t| mb(total(t))).collect());
    let bare_mb = median(&mut bare_pss.iter().map(|t| mb(total(t))).collect());
    Ok(json!({
        "bench": "desktop",
        "conversations": p.conversations,
        "messages": p.conversations * p.messages_per,
        "env": p.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        "first_launch_to_painted_list_ms": first_ms.round(),
        "cold_start_to_painted_list_ms": { "median": median(&mut cold.clone()).round(), "runs": cold.iter().map(|v| v.round()).collect::<Vec<_>>() },
        "app_pss_mb": {
            "median": app_mb,
            "runs": pss.iter().map(|t| mb(total(t))).collect::<Vec<_>>(),
            "last_by_process": breakdown(pss.last().map(Vec::as_slice).unwrap_or_default()),
        },
        "bare_window_pss_mb": {
            "median": bare_mb,
            "runs": bare_pss.iter().map(|t| mb(total(t))).collect::<Vec<_>>(),
            "last_by_process": breakdown(bare_pss.last().map(Vec::as_slice).unwrap_or_default()),
        },
        "app_over_bare": ((app_mb / bare_mb) * 100.0).round() / 100.0,
    }))
}
