//! The demo `cargo xtask run --server-only` starts (its library function), on a fresh directory
//! and a free loopback port, with the `confer-server` and `confer-cli` binaries of the target
//! directory (`cargo build --workspace --bins`, which `cargo xtask test` runs first).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use xtask::demo::{self, Demo, Options};

const WAIT: Duration = Duration::from_secs(20);

/// `target/debug`: this test runs from `target/debug/deps`.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    for bin in ["confer-server", "confer-cli"] {
        assert!(
            dir.join(bin).exists(),
            "{} is missing: cargo build --workspace --bins first (cargo xtask test does)",
            dir.join(bin).display()
        );
    }
    dir.to_owned()
}

fn free_listen() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string()
}

/// Runs `confer-cli` as `user` from a profile of the test's own, so what it prints comes from
/// the server, not from the demo's caches.
fn cli(demo: &Demo, checks: &Path, user: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(demo.cli_path())
        .args(["--server", demo.url(), "--user", user, "--profile"])
        .arg(checks.join(user))
        .args(args)
        .env("CONFER_PASSWORD", demo::PASSWORD)
        .env("CONFER_CREDENTIALS", "file")
        .stdin(Stdio::null())
        .output()?;
    ensure!(
        out.status.success(),
        "confer-cli {args:?} as {user}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

fn json_lines(text: &str) -> Result<Vec<Value>> {
    text.lines()
        .map(|l| serde_json::from_str(l).with_context(|| format!("not JSON: {l:?}")))
        .collect()
}

/// A shell running lines `cargo xtask run` printed, with no CONFER_* variable of ours.
fn shell(lines: &[String], cwd: &Path) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-e", "-c", &lines.join("\n")])
        .current_dir(cwd)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CONFER_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Lines a child prints on a stream, through a channel (so waits have deadlines).
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn by_title<'a>(list: &'a [Value], me: &str, title: &str) -> Result<&'a Value> {
    list.iter()
        .find(|c| {
            c["name"].as_str() == Some(title)
                || (c["kind"] == "direct"
                    && c["members"]
                        .as_array()
                        .is_some_and(|m| m.iter().any(|n| n == title) && m.iter().any(|n| n == me)))
        })
        .with_context(|| format!("no conversation {title:?} in {list:#?}"))
}

#[test]
fn the_demo_is_filled_once_and_the_printed_commands_play_bob() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let checks = dir.path().join("checks");
    let mut options = Options {
        bin: bin_dir(),
        // A space in the path: the printed commands must quote it.
        data: dir.path().join("confer demo"),
        listen: free_listen(),
        fresh: false,
    };
    let demo = Demo::start(&options)?;
    assert!(demo.seeded_now(), "a new directory is filled");

    // Display names and statuses; bob, carol and dave are online.
    let who = json_lines(&cli(&demo, &checks, "alice", &["who", "--json"])?)?;
    for (name, display, status, message) in [
        ("bob", "Bob Okafor", "online", "Shipping 2.4 today"),
        ("carol", "Carol Nguyen", "dnd", "Focus time until 3 pm"),
        ("dave", "Dave Kowalski", "away", "Back after lunch"),
    ] {
        let entry = who
            .iter()
            .find(|e| e["user"]["name"] == name)
            .with_context(|| format!("{name} in {who:#?}"))?;
        assert_eq!(entry["user"]["display_name"], display);
        assert_eq!(entry["presence"]["status"], status, "{entry}");
        assert_eq!(entry["presence"]["message"], message, "{entry}");
    }

    // Alice's conversations, newest first: carol (2 unread), the group (2 unread), bob (his
    // answer unread), dave; and the room.
    let list = json_lines(&cli(&demo, &checks, "alice", &["conversations", "--json"])?)?;
    let chats: Vec<&Value> = list.iter().filter(|c| c["kind"] != "room").collect();
    assert_eq!(chats.len(), 4, "{list:#?}");
    let carol = by_title(&list, "alice", "carol")?;
    let group = by_title(&list, "alice", "Release crew")?;
    let bob = by_title(&list, "alice", "bob")?;
    let dave = by_title(&list, "alice", "dave")?;
    for (c, unread) in [(carol, 2), (group, 2), (bob, 1), (dave, 0)] {
        assert_eq!(c["unread"], unread, "{c}");
    }
    let order: Vec<&Value> = chats.iter().map(|c| &c["conversation"]).collect();
    assert_eq!(
        order,
        [carol, group, bob, dave].map(|c| &c["conversation"]),
        "newest first"
    );
    assert_eq!(group["kind"], "group");
    let mut members: Vec<&str> = group["members"]
        .as_array()
        .context("members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["alice", "bob", "carol"]);

    // Bob read Alice's messages: two blue ticks.
    let with_bob = json_lines(&cli(
        &demo,
        &checks,
        "alice",
        &["history", "bob", "--json"],
    )?)?;
    let mine: Vec<&Value> = with_bob.iter().filter(|m| m["sender"] == "alice").collect();
    assert_eq!(mine.len(), 2, "{with_bob:#?}");
    assert!(mine.iter().all(|m| m["state"] == "read"), "{mine:#?}");
    // Bob reacted to Alice's question and answered it, his link fixed by an edit.
    assert_eq!(mine[1]["reactions"][0]["emoji"], "👍", "{mine:#?}");
    let answer = with_bob.last().context("bob's answer")?;
    assert_eq!(answer["sender"], "bob");
    assert_eq!(answer["edited"], true, "{answer}");
    assert_eq!(answer["reply_to"], mine[1]["seq"], "{answer}");

    // The room, with a meeting tomorrow and its link.
    let room = list
        .iter()
        .find(|c| c["kind"] == "room" && c["name"] == "Weekly planning")
        .with_context(|| format!("the room in {list:#?}"))?;
    let meetings = json_lines(&cli(&demo, &checks, "alice", &["room", "list", "--json"])?)?;
    let meeting = meetings
        .iter()
        .find(|m| m["state"] == "scheduled" && m["conversation"] == room["conversation"])
        .with_context(|| format!("a scheduled meeting in {meetings:#?}"))?;
    assert_eq!(meeting["title"], "Sprint planning");
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let starts = meeting["starts_at"].as_i64().context("starts_at")?;
    let hours = (starts - now) / 3_600_000;
    assert!((0..48).contains(&hours), "tomorrow, not in {hours} h");
    let id = room["conversation"].to_string();
    let link = cli(&demo, &checks, "alice", &["room", "link", &id])?;
    assert!(link.trim().len() > 20, "a link: {link:?}");

    // Favourites.
    let favourites = json_lines(&cli(
        &demo,
        &checks,
        "alice",
        &["favourite", "list", "--json"],
    )?)?;
    for name in ["bob", "carol"] {
        assert!(
            favourites
                .iter()
                .any(|f| f["kind"] == "favourite" && f["user"] == name),
            "{name} in {favourites:#?}"
        );
    }

    // The README shows the commands `cargo xtask run` prints, for the default target dir.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))?;
    for line in demo::play_commands(
        Path::new("target/debug/confer-cli"),
        Path::new("target/confer-demo/profiles/bob"),
        &format!("ws://{}", demo::DEFAULT_LISTEN),
    ) {
        assert!(readme.contains(&line), "the README lacks {line:?}");
    }

    // The printed commands work as they are, from anywhere: send and read as bob...
    let play = demo.play_commands();
    assert_eq!(play.len(), 4, "{play:#?}");
    let out = shell(&play[..3], dir.path()).output()?;
    assert!(
        out.status.success(),
        "{play:#?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains('\u{1b}'),
        "no colour codes"
    );
    let with_bob = json_lines(&cli(
        &demo,
        &checks,
        "alice",
        &["history", "bob", "--json"],
    )?)?;
    assert_eq!(
        with_bob.last().map(|m| &m["text"]),
        Some(&Value::from("Hi Alice, lunch today?"))
    );
    // ...and follow: Alice's answer shows up.
    let follow = [
        play[0].clone(),
        format!("exec {} --json --count 1", play[3]),
    ];
    let mut child = shell(&follow, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (stdout, stderr) = (
        lines_of(child.stdout.take().context("stdout")?),
        lines_of(child.stderr.take().context("stderr")?),
    );
    let follower = Killed(child);
    loop {
        let line = stderr
            .recv_timeout(WAIT)
            .context("follow never came online")?;
        if line.starts_with("following as bob") {
            break;
        }
    }
    cli(&demo, &checks, "alice", &["send", "bob", "Yes, 12:30!"])?;
    let event = loop {
        let line = stdout.recv_timeout(WAIT).context("no message event")?;
        let event: Value = serde_json::from_str(&line)?;
        if event["event"] == "message" {
            break event;
        }
    };
    assert_eq!(event["text"], "Yes, 12:30!");
    drop(follower);

    // Started again, the demo is as it was left; --fresh starts over.
    drop(demo);
    let demo = Demo::start(&options)?;
    assert!(!demo.seeded_now(), "filled only when new");
    let with_bob = cli(&demo, &checks, "alice", &["history", "bob", "--json"])?;
    assert!(with_bob.contains("Hi Alice, lunch today?"));
    drop(demo);
    options.fresh = true;
    let demo = Demo::start(&options)?;
    assert!(demo.seeded_now(), "--fresh fills it again");
    let fresh = dir.path().join("checks-fresh");
    let with_bob = json_lines(&cli(&demo, &fresh, "alice", &["history", "bob", "--json"])?)?;
    assert_eq!(with_bob.len(), 4, "{with_bob:#?}");
    Ok(())
}
