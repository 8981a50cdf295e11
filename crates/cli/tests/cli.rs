//! `confer-cli` as a process against `confer-server` as a process, on 127.0.0.1.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use confer_core::{Client, ClientConfig};

const CLI: &str = env!("CARGO_BIN_EXE_confer-cli");
const PW: &str = "correct horse";

/// `confer-cli`, in English whatever the machine's locale (the tests read its sentences).
fn cli_command() -> Command {
    let mut c = Command::new(CLI);
    c.env("CONFER_LANG", "en");
    c
}

fn server_bin() -> PathBuf {
    let bin = Path::new(CLI).with_file_name("confer-server");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// A confer-server process with its own data dir and a fixed address, so it can be killed and
/// started again where clients expect it.
struct ServerProc {
    data: tempfile::TempDir,
    addr: SocketAddr,
    child: Option<Child>,
    /// Flags for every start.
    args: Vec<String>,
}

impl ServerProc {
    fn start() -> Self {
        Self::start_with(&["alice", "bob"])
    }

    fn start_with(users: &[&str]) -> Self {
        Self::start_flags(users, &[])
    }

    fn start_flags(users: &[&str], args: &[&str]) -> Self {
        let data = tempfile::tempdir().unwrap();
        for user in users {
            let mut c = Command::new(server_bin())
                .arg("--data")
                .arg(data.path())
                .args(["user", "add", user, "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{PW}\n").as_bytes())
                .unwrap();
            assert!(c.wait().unwrap().success());
        }
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut s = Self {
            data,
            addr,
            child: None,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        };
        s.up();
        s
    }

    fn up(&mut self) {
        let child = Command::new(server_bin())
            .arg("--data")
            .arg(self.data.path())
            .arg("--listen")
            .arg(self.addr.to_string())
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(self.addr).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap(); // SIGKILL
            c.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

struct Profiles(tempfile::TempDir);

impl Profiles {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn cli(&self, server: &str, user: &str) -> Command {
        let mut c = cli_command();
        c.args(["--server", server, "--user", user, "--connect-timeout", "5"])
            .arg("--profile")
            .arg(self.0.path().join(user))
            .env("CONFER_PASSWORD", PW)
            .env("CONFER_CREDENTIALS", "file")
            .env_remove("CONFER_USER")
            .env_remove("CONFER_SERVER")
            .env_remove("CONFER_PROFILE");
        c
    }

    /// `follow --json` as `user` with `args`, once it says it follows (its events are on
    /// stdout).
    fn follow(&self, server: &str, user: &str, args: &[&str]) -> Child {
        let mut follow = self.cli(server, user);
        follow
            .args(["follow", "--json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut follower = follow.spawn().unwrap();
        let mut err = BufReader::new(follower.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(line.starts_with(&format!("following as {user}")), "{line}");
        // The rest of its stderr is read (and dropped) until it exits, so that it can still
        // write there.
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        follower
    }

    fn profile(&self, user: &str) -> PathBuf {
        self.0.path().join(user)
    }
}

fn ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(mut cmd: Command, code: i32) -> Output {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.trim_end().ends_with('.') && err.lines().count() == 1,
        "one plain sentence: {err:?}"
    );
    out
}

fn history_json(p: &Profiles, server: &str, user: &str, peer: &str) -> Vec<serde_json::Value> {
    let mut cmd = p.cli(server, user);
    cmd.args(["history", peer, "--json", "--limit", "1000"]);
    ok(cmd)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_commands_work_against_a_server_started_by_hand() {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();

    // Bob follows; Alice sends; Bob sees exactly that message as JSON.
    let follower = p.follow(&url, "bob", &["--count", "1", "--timeout", "30"]);

    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", "hello from the cli"]);
    let id = ok(send).trim().to_owned();
    assert_eq!(id.len(), 36, "a uuid message id: {id}");
    let out = follower.wait_with_output().unwrap();
    assert!(out.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let messages: Vec<_> = events.iter().filter(|e| e["event"] == "message").collect();
    assert_eq!(messages.len(), 1, "{events:?}");
    assert_eq!(
        (messages[0]["text"].as_str(), messages[0]["id"].as_str()),
        (Some("hello from the cli"), Some(&*id))
    );

    // The token stored by the first sign-in is reused: no password needed any more.
    let mut again = p.cli(&url, "alice");
    again
        .env_remove("CONFER_PASSWORD")
        .args(["history", "bob", "--json"]);
    let h: Vec<serde_json::Value> = ok(again)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(h.len(), 1);
    let token = std::fs::metadata(p.profile("alice").join("token")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(token.permissions().mode() & 0o777, 0o600);
    }
    for key in ["id", "conversation", "sender", "text", "sent_at", "state"] {
        assert!(!h[0][key].is_null(), "{key} missing in {}", h[0]);
    }
    // Bob's follower device received it: two grey ticks. Reading makes them blue.
    assert_eq!(h[0]["state"], "delivered");
    let mut read = p.cli(&url, "bob");
    read.args(["read", "alice"]);
    ok(read);
    assert_eq!(history_json(&p, &url, "alice", "bob")[0]["state"], "read");

    let mut status = p.cli(&url, "bob");
    status.args(["status", "dnd", "--message", "deep work"]);
    ok(status);
    let mut who = p.cli(&url, "alice");
    who.args(["who", "bo"]);
    let listed = ok(who);
    assert!(listed.starts_with("bob\tbob\t"), "{listed}");
    let mut who = p.cli(&url, "alice");
    who.args(["who", "--json"]);
    let entries: Vec<serde_json::Value> = ok(who)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);

    let mut privacy = p.cli(&url, "alice");
    privacy.args(["privacy", "on"]);
    ok(privacy);
    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", "quietly"]);
    ok(send);
    let mut read = p.cli(&url, "bob");
    read.args(["read", "alice"]);
    ok(read);
    let h = history_json(&p, &url, "alice", "bob");
    assert!(
        h.iter().all(|m| m["state"] == "sent"),
        "privacy shows only the server tick: {h:?}"
    );
}

#[test]
fn who_lists_every_page_and_online_only_those_shown_online() {
    let server = ServerProc::start();
    // 250 more users: three pages of the directory (100 each) for `who`.
    let people: Vec<(String, String)> = (0..250)
        .map(|i| (format!("p{i:03}"), format!("Person {i:03}")))
        .collect();
    confer_server::admin::add_users(server.data.path(), &people, PW).unwrap();
    let url = server.url();
    let p = Profiles::new();
    let mut who = p.cli(&url, "alice");
    who.args(["who", "--json"]);
    let names: Vec<String> = ok(who)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["user"]["name"].as_str().unwrap().to_owned()
        })
        .collect();
    // Display-name order: "alice", "bob", then the people.
    let mut expected = vec!["alice".to_owned(), "bob".to_owned()];
    expected.extend((0..250).map(|i| format!("p{i:03}")));
    assert_eq!(names, expected);
    // Bob stays online (a follower keeps his connection); alice's `who` is online while it
    // lists. Nobody else is.
    let mut bob = p.cli(&url, "bob");
    bob.args(["follow", "--timeout", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut bob = bob.spawn().unwrap();
    let mut line = String::new();
    // Said once the follower is online.
    BufReader::new(bob.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("following as bob"), "{line}");
    let mut who = p.cli(&url, "alice");
    who.args(["who", "--online"]);
    let listed = ok(who);
    let online: Vec<&str> = listed
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(online, ["alice", "bob"], "{listed}");
    bob.kill().unwrap();
    bob.wait().unwrap();
}

#[test]
fn aliases_are_administered_from_the_cli_and_written_to_like_users() {
    let server = ServerProc::start_with(&["alice", "bob", "walt"]);
    let url = server.url();
    let p = Profiles::new();
    let admin = |args: &[&str]| {
        let mut c = cli_command();
        c.arg("alias")
            .args(args)
            .arg("--data")
            .arg(server.data.path())
            .env_remove("CONFER_DATA")
            .env_remove("CONFER_DATABASE");
        c
    };
    ok(admin(&[
        "add",
        "support",
        "--display-name",
        "IT Support",
        "--member",
        "alice",
    ]));
    ok(admin(&["add-member", "support", "bob"]));
    let listed: serde_json::Value =
        serde_json::from_str(ok(admin(&["list", "--json"])).trim()).unwrap();
    assert_eq!(listed["members"], serde_json::json!(["alice", "bob"]));
    assert_eq!(listed["display_name"], "IT Support");
    // Refusals exit 5 with the reason; a missing store is a usage error.
    let out = fails(admin(&["add-member", "nope", "bob"]), 5);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no alias named"),
        "{out:?}"
    );
    let mut bare = cli_command();
    bare.args(["alias", "list"])
        .env_remove("CONFER_DATA")
        .env_remove("CONFER_DATABASE");
    fails(bare, 2);

    // Walt writes to the alias by name, like to a user; bob, a member, reads and answers;
    // walt sees the answer from the alias.
    let mut send = p.cli(&url, "walt");
    send.args(["send", "support", "The printer is on fire"]);
    ok(send);
    let mut walt_history = p.cli(&url, "walt");
    walt_history.args(["history", "support", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(ok(walt_history).lines().next().unwrap()).unwrap();
    let conversation = first["conversation"].to_string();
    let mut read = p.cli(&url, "bob");
    read.args(["history", &conversation]);
    assert!(ok(read).contains("The printer is on fire"));
    let mut answer = p.cli(&url, "bob");
    answer.args(["send", &conversation, "Evacuating"]);
    ok(answer);
    let mut again = p.cli(&url, "walt");
    again.args(["history", "support", "--json"]);
    let senders: Vec<String> = ok(again)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["sender"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(senders, ["walt", "support"]);
    ok(admin(&["remove", "support"]));
    assert!(ok(admin(&["list"])).is_empty());
}

#[test]
fn exit_codes_say_what_went_wrong() {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    // Usage errors: clap's own, and ours.
    let mut c = p.cli(&url, "alice");
    c.args(["status", "sleepy"]);
    assert_eq!(c.output().unwrap().status.code(), Some(2));
    let mut c = cli_command();
    c.args(["--server", &url, "who"]).env_remove("CONFER_USER");
    fails(c, 2);
    let mut c = p.cli(&url, "alice");
    c.args(["send", "bob", "   "]);
    fails(c, 2);
    // Authentication.
    let mut c = p.cli(&url, "bob");
    c.env("CONFER_PASSWORD", "wrong").args(["who"]);
    fails(c, 3);
    // Unreachable.
    let mut c = p.cli("ws://127.0.0.1:9", "alice");
    c.args(["who"]);
    fails(c, 4);
    // Refused by the server.
    let mut c = p.cli(&url, "alice");
    c.args(["send", "nobody", "hi"]);
    let out = fails(c, 5);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
    // --help documents the commands.
    let help = ok({
        let mut c = cli_command();
        c.arg("--help");
        c
    });
    for word in [
        "send",
        "history",
        "follow",
        "read",
        "status",
        "privacy",
        "who",
        "flush",
        "Exit codes",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}

#[test]
fn a_server_list_skips_the_servers_that_are_down() {
    let server = ServerProc::start();
    let url = server.url();
    // Bound, then released: connecting there is refused.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = format!("ws://{dead}");
    let p = Profiles::new();
    let mut send = p.cli(&format!("{dead}, {url}"), "alice");
    send.args(["send", "bob", "through the second"]);
    ok(send);
    let texts: Vec<String> = history_json(&p, &url, "bob", "alice")
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["through the second"]);
    // Every server down: unreachable, and the message names them all.
    let mut who = p.cli(&format!("{dead},ws://127.0.0.1:9"), "alice");
    who.args(["--connect-timeout", "1", "who"]);
    let out = fails(who, 4);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&dead) && err.contains("ws://127.0.0.1:9"),
        "{err}"
    );
    // No address at all is a usage error.
    let mut who = p.cli(" , ", "alice");
    who.arg("who");
    assert_eq!(who.output().unwrap().status.code(), Some(2));

    // The core's own sentences in French too: unreachable, a wrong password, bad input.
    let french = |server: &str, user: &str, args: &[&str], code: i32| -> String {
        let mut c = p.cli(server, user);
        c.env("CONFER_LANG", "fr").args(args);
        String::from_utf8_lossy(&fails(c, code).stderr).into_owned()
    };
    let err = french(&dead, "alice", &["--connect-timeout", "1", "who"], 4);
    assert!(err.contains("impossible de joindre"), "{err}");
    let mut wrong = p.cli(&url, "carol");
    wrong
        .env("CONFER_LANG", "fr")
        .env("CONFER_PASSWORD", "not the password")
        .arg("who");
    let err = String::from_utf8_lossy(&fails(wrong, 3).stderr).into_owned();
    // Worded by the core or by the server's refusal, in French either way.
    assert!(
        !err.trim().is_empty() && !err.contains("Wrong user name") && !err.contains("Sign-in"),
        "{err}"
    );
    let err = french(&url, "alice", &["edit", "nonsense!", "text"], 5);
    assert!(
        err.contains("Il n'y a pas de message nonsense! ici."),
        "{err}"
    );
    let err = french(&url, "alice", &["send", "bob", " "], 2);
    assert!(err.contains("Un message ne peut pas être vide."), "{err}");
}

#[test]
fn a_message_sent_while_the_server_is_down_waits_survives_restarts_and_arrives_once() {
    let mut server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", "first"]);
    ok(send);
    server.kill9();

    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", "while you were out", "--no-wait"]);
    ok(send);
    // Without --no-wait it waits, then says the server is unreachable; the message stays queued.
    let mut send = p.cli(&url, "alice");
    send.args(["--connect-timeout", "1", "send", "bob", "second try"]);
    fails(send, 4);
    // A new process (a client restart) still shows both pending, and the cache shows history.
    let h = history_json(&p, &url, "alice", "bob");
    let states: Vec<_> = h
        .iter()
        .map(|m| (m["text"].as_str().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("first", "sent"),
            ("while you were out", "pending"),
            ("second try", "pending")
        ]
    );

    server.up();
    let mut flush = p.cli(&url, "alice");
    flush.arg("flush");
    ok(flush);
    let mut flush = p.cli(&url, "alice");
    flush.arg("flush");
    ok(flush);
    let texts: Vec<String> = history_json(&p, &url, "bob", "alice")
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["first", "while you were out", "second try"]);
}

#[test]
fn messages_are_edited_deleted_reacted_answered_and_searched_from_the_cli() {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        ok(c).trim().to_owned()
    };
    let id = run("alice", &["send", "bob", "Lunch at noon?"]);
    let other = run("alice", &["send", "bob", "Budget meeting moved"]);
    assert_eq!(run("alice", &["edit", &id, "Lunch at one?"]), id);
    run("bob", &["react", &id, "👍"]);
    run("alice", &["react", &id, "👍"]);
    let answer = run("bob", &["reply", &id, "Works for me"]);
    run("alice", &["delete", &other]);
    let h = history_json(&p, &url, "bob", "alice");
    let by_id = |want: &str| h.iter().find(|m| m["id"] == want).unwrap().clone();
    let edited = by_id(&id);
    assert_eq!(edited["text"], "Lunch at one?");
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["reactions"][0]["emoji"], "👍");
    assert_eq!(edited["reactions"][0]["count"], 2);
    assert_eq!(
        edited["reactions"][0]["users"],
        serde_json::json!(["bob", "alice"])
    );
    let deleted = by_id(&other);
    assert_eq!(
        (deleted["deleted"].as_bool(), deleted["text"].as_str()),
        (Some(true), Some(""))
    );
    let reply = by_id(&answer);
    assert_eq!(reply["reply_to"], edited["seq"]);
    // Taking a reaction back.
    run("alice", &["react", &id, "👍", "--remove"]);
    let h = history_json(&p, &url, "alice", "bob");
    let now = h.iter().find(|m| m["id"] == id.as_str()).unwrap();
    assert_eq!(now["reactions"][0]["count"], 1);
    // Refusals: bob may not edit alice's message (5); a malformed reference is bad usage (2);
    // an unknown one is not found (5).
    let mut c = p.cli(&url, "bob");
    c.args(["edit", &id, "mine now"]);
    fails(c, 5);
    let mut c = p.cli(&url, "bob");
    c.args(["delete", &"x".repeat(80)]);
    fails(c, 2);
    let mut c = p.cli(&url, "bob");
    c.args(["react", "4242:1", "👍"]);
    fails(c, 5);
    let mut c = p.cli(&url, "bob");
    c.args(["react", &id, "not an emoji"]);
    fails(c, 5);
    // Search: the server's history, by word prefix, filtered by conversation, as JSON.
    let found: Vec<serde_json::Value> = run("bob", &["search", "lunc", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["text"], "Lunch at one?");
    assert_eq!(found[0]["edited"], true);
    assert!(
        run("bob", &["search", "budget"]).is_empty(),
        "deleted texts are not found"
    );
    let scoped = run("alice", &["search", "works", "--conversation", "bob"]);
    assert!(scoped.contains("bob: Works for me"), "{scoped}");

    // The local cache (`--local`): with the server gone, accents and case ignored, English
    // stems, deleted texts left out.
    run("alice", &["send", "bob", "Réunion des équipes jeudi"]);
    run("alice", &["send", "bob", "The meetings are recorded"]);
    assert_eq!(history_json(&p, &url, "bob", "alice").len(), 5);
    drop(server);
    let local = |query: &str| -> Vec<String> {
        run("bob", &["search", query, "--local", "--json"])
            .lines()
            .map(|l| {
                let m: serde_json::Value = serde_json::from_str(l).unwrap();
                m["text"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(local("LUNCH"), ["Lunch at one?"]);
    assert_eq!(local("reunion EQUIPE"), ["Réunion des équipes jeudi"]);
    assert_eq!(local("meeting"), ["The meetings are recorded"]);
    assert!(local("budget").is_empty(), "deleted texts are not found");
    assert!(
        local("noon").is_empty(),
        "an edit replaces the searched text"
    );
}

#[test]
fn message_commands_print_the_message_as_json() {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    let run = |user: &str, args: &[&str]| -> serde_json::Value {
        let mut c = p.cli(&url, user);
        c.args(args).arg("--json");
        let out = ok(c);
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
    };
    let sent = run("alice", &["send", "bob", "Lunch at noon?"]);
    let id = sent["id"].as_str().unwrap().to_owned();
    // Stored once the command returns (one grey tick at least), with its place in the chat.
    assert_ne!(sent["state"], "pending", "{sent}");
    assert!(sent["seq"].as_u64().is_some(), "{sent}");
    assert_eq!(sent["text"], "Lunch at noon?");
    let edited = run("alice", &["edit", &id, "Lunch at one?"]);
    assert_eq!(
        (
            edited["id"].as_str(),
            edited["text"].as_str(),
            edited["edited"].as_bool()
        ),
        (Some(id.as_str()), Some("Lunch at one?"), Some(true))
    );
    let reacted = run("bob", &["react", &id, "👍"]);
    assert_eq!(reacted["id"], id.as_str());
    assert_eq!(reacted["reactions"][0]["emoji"], "👍");
    assert_eq!(reacted["reactions"][0]["users"], serde_json::json!(["bob"]));
    let answer = run("bob", &["reply", &id, "Works for me"]);
    assert_eq!(answer["reply_to"], sent["seq"]);
    assert_eq!(answer["text"], "Works for me");
    assert_ne!(answer["id"], id.as_str());
    let deleted = run("alice", &["delete", &id]);
    assert_eq!(
        (
            deleted["id"].as_str(),
            deleted["deleted"].as_bool(),
            deleted["text"].as_str()
        ),
        (Some(id.as_str()), Some(true), Some(""))
    );
    // The answer outlives what it answered: still there, still pointing at it, for both.
    for (user, peer) in [("alice", "bob"), ("bob", "alice")] {
        let h = history_json(&p, &url, user, peer);
        let kept = h.iter().find(|m| m["id"] == answer["id"]).unwrap();
        assert_eq!(
            (kept["text"].as_str(), kept["deleted"].as_bool()),
            (Some("Works for me"), Some(false)),
            "{user}: {kept}"
        );
        assert_eq!(kept["reply_to"], sent["seq"], "{user}: {kept}");
    }
    // Without --json, delete and react print nothing and send prints the bare id.
    let mut c = p.cli(&url, "bob");
    c.args(["react", answer["id"].as_str().unwrap(), "🎉"]);
    assert_eq!(ok(c).trim(), "");
}

#[test]
fn an_edit_queued_while_the_server_is_down_changes_the_pending_message_in_place() {
    let mut server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    let mut c = p.cli(&url, "alice");
    c.args(["send", "bob", "online first"]);
    ok(c);
    server.kill9();
    let mut c = p.cli(&url, "alice");
    c.args(["send", "bob", "teh plan", "--no-wait"]);
    let id = ok(c).trim().to_owned();
    let mut c = p.cli(&url, "alice");
    c.args(["edit", &id, "the plan", "--no-wait"]);
    ok(c);
    server.up();
    let mut c = p.cli(&url, "alice");
    c.arg("flush");
    ok(c);
    let h = history_json(&p, &url, "bob", "alice");
    let got: Vec<_> = h
        .iter()
        .map(|m| (m["text"].as_str().unwrap(), m["edited"].as_bool().unwrap()))
        .collect();
    assert_eq!(got, [("online first", false), ("the plan", false)]);
}

/// Queues `n` messages into Alice's outbox without connecting.
async fn queue(p: &Profiles, url: &str, n: usize) -> u64 {
    let cfg = ClientConfig {
        servers: vec![url.into()],
        user: "alice".into(),
        password: None,
        profile: p.profile("alice"),
        device: "test".into(),
        connect_timeout: Duration::from_secs(5),
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    };
    let client = Client::open(cfg, false).unwrap();
    let conv = client.conversations().await.unwrap()[0].info.id;
    for i in 0..n {
        client.send(conv, &format!("burst {i:04}")).await.unwrap();
    }
    client.close().await;
    conv
}

fn assert_each_once_in_order(p: &Profiles, url: &str, n: usize) {
    let texts: Vec<String> = history_json(p, url, "bob", "alice")
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .filter(|t| t.starts_with("burst"))
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("burst {i:04}")).collect();
    if texts != expected {
        let first_bad = texts.iter().zip(&expected).position(|(a, b)| a != b);
        let unique: std::collections::BTreeSet<_> = texts.iter().collect();
        panic!(
            "expected {n} messages once each in order; got {} ({} distinct), first difference at {first_bad:?}",
            texts.len(),
            unique.len()
        );
    }
}

/// A server with Alice's conversation with Bob open, and `n` messages queued in her outbox.
async fn queued_burst(n: usize) -> (ServerProc, String, Profiles) {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", "start"]);
    ok(send);
    queue(&p, &url, n).await;
    (server, url, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_burst_loses_and_duplicates_nothing() {
    const N: usize = 1000;
    let (mut server, url, p) = queued_burst(N).await;
    // SIGKILL the server at a few points of the flush, restarting it each time.
    for delay_ms in [40, 120, 250] {
        let mut flush = p.cli(&url, "alice");
        flush
            .arg("flush")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut flusher = flush.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        server.kill9();
        let _ = flusher.kill();
        let _ = flusher.wait();
        server.up();
    }
    let stored_before_final = history_json(&p, &url, "bob", "alice").len() - 1;
    eprintln!("stored before the final flush: {stored_before_final} of {N}");
    let mut flush = p.cli(&url, "alice");
    flush.arg("flush");
    ok(flush);
    assert_each_once_in_order(&p, &url, N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_client_mid_flush_loses_and_duplicates_nothing() {
    const N: usize = 1000;
    let (_server, url, p) = queued_burst(N).await;
    // Kill the client at a few points of its flush, then let one finish.
    for delay_ms in [30, 60, 120] {
        let stored = history_json(&p, &url, "bob", "alice").len() - 1;
        eprintln!("stored before killing the client after {delay_ms} ms: {stored} of {N}");
        let mut flush = p.cli(&url, "alice");
        flush
            .arg("flush")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = flush.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut flush = p.cli(&url, "alice");
    flush.arg("flush");
    ok(flush);
    assert_each_once_in_order(&p, &url, N);
}

#[test]
fn group_commands_answer_in_json_and_refusals_exit_with_5() {
    let server = ServerProc::start_with(&["alice", "bob", "carol"]);
    let url = server.url();
    let p = Profiles::new();
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        c
    };
    let json = |out: String| -> serde_json::Value { serde_json::from_str(out.trim()).unwrap() };
    let created = json(ok(run(
        "alice",
        &["group", "create", "bob", "--name", "Ops", "--json"],
    )));
    assert_eq!(created["result"], "created");
    let group = created["conversation"].as_u64().unwrap().to_string();

    let invitations = ok(run("bob", &["group", "invitations", "--json"]));
    let first = json(invitations.lines().next().unwrap_or_default().to_owned());
    assert_eq!(
        (
            first["conversation"].to_string(),
            &first["inviter"],
            &first["name"]
        ),
        (
            group.clone(),
            &serde_json::json!("alice"),
            &serde_json::json!("Ops")
        )
    );
    // Not invited, or not joined yet: refused.
    fails(run("carol", &["group", "join", &group]), 5);
    fails(run("bob", &["send", &group, "too early"]), 5);

    let joined = json(ok(run("bob", &["group", "join", &group, "--json"])));
    assert_eq!(joined["result"], "joined");
    ok(run("bob", &["send", &group, "hello group"]));
    let seen: Vec<(String, String, String)> = history_json(&p, &url, "alice", &group)
        .iter()
        .map(|m| {
            (
                m["sender"].as_str().unwrap().to_owned(),
                m["kind"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("bob".into(), "joined".into(), String::new()),
            ("bob".into(), "text".into(), "hello group".into()),
        ]
    );

    ok(run("alice", &["group", "invite", &group, "carol"]));
    ok(run("carol", &["group", "decline", &group]));
    fails(run("carol", &["group", "join", &group]), 5);
    ok(run("bob", &["group", "leave", &group]));
    ok(run("alice", &["group", "leave", &group, "--json"]));
    // Gone for good: the last one out took it along.
    fails(run("alice", &["history", &group]), 5);
}

#[test]
fn room_commands_manage_roles_and_links_and_refuse_with_5() {
    let server = ServerProc::start_with(&["alice", "bob", "carol"]);
    let url = server.url();
    let p = Profiles::new();
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        c
    };
    let json = |out: String| -> serde_json::Value { serde_json::from_str(out.trim()).unwrap() };
    let created = json(ok(run(
        "alice",
        &["room", "create", "Weekly planning", "--json"],
    )));
    let room = created["conversation"].as_u64().unwrap().to_string();
    ok(run("alice", &["room", "add", &room, "bob"]));
    ok(run("alice", &["room", "add", &room, "carol"]));
    ok(run("alice", &["room", "promote", &room, "bob"]));
    let listed = json(ok(run("carol", &["room", "mine", "--json"])));
    assert_eq!(listed["name"], "Weekly planning");
    assert_eq!(listed["owner"], "alice");
    assert_eq!(listed["moderators"], serde_json::json!(["alice", "bob"]));

    let old = json(ok(run("bob", &["room", "link", &room, "--json"])))["link"]
        .as_str()
        .unwrap()
        .to_owned();
    let new = ok(run("bob", &["room", "rotate-link", &room]));
    assert_ne!(new.trim(), old);
    assert_eq!(
        ok(run("alice", &["room", "link", &room])).trim(),
        new.trim()
    );

    // Plain members hold none of the moderators' powers; only the owner deletes.
    fails(run("carol", &["room", "link", &room]), 5);
    fails(run("carol", &["room", "add", &room, "alice"]), 5);
    fails(run("bob", &["room", "delete", &room]), 5);
    fails(run("bob", &["room", "remove", &room, "alice"]), 5);
    fails(run("alice", &["room", "leave", &room]), 5);
    ok(run("bob", &["room", "mute-all", &room, "on"]));

    // Meetings: ongoing while someone is in, scheduled ones on the calendar, an .ics to share.
    ok(run("carol", &["meeting", "start", &room]));
    let scheduled = json(ok(run(
        "bob",
        &[
            "room",
            "schedule",
            &room,
            "--at",
            "2035-12-01T10:30:00+01:00",
            "--minutes",
            "45",
            "--title",
            "Sprint review",
            "--json",
        ],
    )));
    let meeting = scheduled["id"].as_u64().unwrap().to_string();
    fails(
        run(
            "bob",
            &[
                "room",
                "schedule",
                &room,
                "--at",
                "tomorrow",
                "--minutes",
                "5",
            ],
        ),
        2,
    );
    fails(
        run(
            "carol",
            &[
                "room",
                "schedule",
                &room,
                "--at",
                "2035-12-01T10:30:00Z",
                "--minutes",
                "5",
            ],
        ),
        5,
    );
    let listing: Vec<serde_json::Value> = ok(run("alice", &["room", "list", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listing.len(), 2, "{listing:?}");
    assert_eq!(
        (&listing[0]["state"], &listing[0]["participants"]),
        (&serde_json::json!("ongoing"), &serde_json::json!(["carol"]))
    );
    assert_eq!(
        (
            &listing[1]["state"],
            &listing[1]["title"],
            &listing[1]["minutes"]
        ),
        (
            &serde_json::json!("scheduled"),
            &serde_json::json!("Sprint review"),
            &serde_json::json!(45)
        )
    );
    let ics = ok(run("bob", &["room", "ics", &meeting]));
    assert!(ics.contains("DTSTART:20351201T093000Z\r\n"), "{ics}");
    assert!(
        ics.contains(&format!("URL:confer://join/{}", new.trim())),
        "{ics}"
    );
    fails(run("bob", &["room", "unschedule", &meeting]), 5);
    ok(run("alice", &["room", "unschedule", &meeting]));
    ok(run("carol", &["meeting", "leave", &room]));
    assert_eq!(ok(run("alice", &["room", "list"])), "");
    ok(run("carol", &["send", &room, "agenda?"]));
    ok(run("carol", &["room", "leave", &room]));
    ok(run("alice", &["room", "delete", &room, "--json"]));
    fails(run("bob", &["history", &room]), 5);
}

/// Reads the next JSON line a `guest join --stay` process prints, within a bounded wait.
fn next_json(lines: &std::sync::mpsc::Receiver<String>) -> serde_json::Value {
    let line = lines
        .recv_timeout(Duration::from_secs(15))
        .expect("the guest printed nothing in time");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

#[test]
fn guests_join_by_link_wait_in_the_lobby_and_are_admitted() {
    let server = ServerProc::start_with(&["alice", "bob", "erin"]);
    let url = server.url();
    let p = Profiles::new();
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        c
    };
    // A guest needs no account, no --user and no password.
    let guest = |args: &[&str]| {
        let mut c = cli_command();
        c.args(["--server", &url, "--connect-timeout", "5", "guest", "join"])
            .args(args)
            .env_remove("CONFER_USER")
            .env_remove("CONFER_PASSWORD");
        c
    };
    let json = |out: String| -> serde_json::Value { serde_json::from_str(out.trim()).unwrap() };
    let room = json(ok(run(
        "alice",
        &["room", "create", "Customer call", "--json"],
    )))["conversation"]
        .as_u64()
        .unwrap()
        .to_string();
    ok(run("alice", &["room", "add", &room, "bob"]));
    let link = format!(
        "confer://join/{}",
        ok(run("alice", &["room", "link", &room])).trim()
    );

    // No meeting yet: refused with 5; bad input with 2.
    fails(guest(&[&link, "--name", "Zoe"]), 5);
    fails(guest(&["not a link", "--name", "Zoe"]), 2);
    fails(run("erin", &["meeting", "join", &link]), 5);

    ok(run("alice", &["meeting", "start", &room]));
    // An internal guest: in the meeting, not in the room.
    let erin = json(ok(run("erin", &["meeting", "join", &link, "--json"])));
    assert_eq!(erin["role"], "guest");
    assert_eq!(
        erin["meeting"]["participants"],
        serde_json::json!(["alice"])
    );
    // A member joining by the link is a participant.
    let bob = json(ok(run("bob", &["meeting", "join", &link, "--json"])));
    assert_eq!(bob["role"], "member");

    // Without --stay the guest joins, prints its session and leaves.
    let once = json(ok(guest(&[&link, "--name", "Quick Quentin"])));
    assert_eq!(once["role"], "external_guest");
    assert_eq!(once["admitted"], true);
    assert_eq!(once["name"], "Quick Quentin");

    // With the lobby on, a staying guest waits until a moderator admits it.
    ok(run("alice", &["room", "lobby", &room, "on"]));
    let mut child = guest(&[&link, "--name", "Zoe from Acme", "--stay"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let waiting = next_json(&lines);
    assert_eq!(waiting["admitted"], false);
    assert!(waiting["meeting"].is_null());
    let id = waiting["guest"].as_u64().unwrap().to_string();

    let listed = json(ok(run("alice", &["room", "list", "--json"])));
    assert_eq!(listed["lobby"][0]["name"], "Zoe from Acme");
    assert_eq!(listed["guests"][0]["name"], "erin");
    // Only moderators admit.
    fails(run("bob", &["room", "admit", &room, &id]), 5);
    ok(run("alice", &["room", "admit", &room, &id]));
    let admitted = next_json(&lines);
    assert_eq!(admitted["admitted"], true);
    assert_eq!(
        admitted["meeting"]["participants"],
        serde_json::json!(["alice", "bob"])
    );
    let text = ok(run("alice", &["room", "list"]));
    assert!(
        text.contains("guests: erin (guest #")
            && text.contains(&format!("Zoe from Acme (guest #{id})")),
        "{text}"
    );

    // The meeting ends with its last member: the staying guest is told and exits by itself.
    ok(run("alice", &["meeting", "leave", &room]));
    ok(run("bob", &["meeting", "leave", &room]));
    // Alice leaving is a change of the session first (bob alone), then the end.
    let ended = (0..5)
        .map(|_| next_json(&lines))
        .find(|l| !l["ended"].is_null())
        .expect("the end of the guest's access");
    assert_eq!(ended["ended"], "access_ended");
    assert_eq!(
        ended["reason"],
        serde_json::json!({"reason": "meeting_ended"})
    );
    assert_eq!(ended["text"], "The meeting has ended.");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the guest did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    reader.join().unwrap();
}

#[test]
fn a_staying_guest_leaves_on_sigterm() {
    let server = ServerProc::start_with(&["alice"]);
    let url = server.url();
    let p = Profiles::new();
    let mut alice = p.cli(&url, "alice");
    alice.args(["room", "create", "Office hours"]);
    let room = ok(alice).trim().to_owned();
    let mut link = p.cli(&url, "alice");
    link.args(["room", "link", &room]);
    let link = ok(link).trim().to_owned();
    let mut start = p.cli(&url, "alice");
    start.args(["meeting", "start", &room]);
    ok(start);
    let mut child = cli_command()
        .args([
            "--server", &url, "guest", "join", &link, "--name", "Term", "--stay",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"admitted\":true"), "{first}");
    let listed = || {
        let mut c = p.cli(&url, "alice");
        c.args(["room", "list", "--json"]);
        ok(c)
    };
    assert!(listed().contains("\"Term\""));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        child.wait().unwrap().success(),
        "a guest leaving on SIGTERM exits 0"
    );
    // Gone from the meeting.
    assert!(!listed().contains("\"Term\""));
}

#[test]
fn the_keyring_fallback_is_said_once_per_profile_and_logs_carry_no_colour_codes() {
    let server = ServerProc::start();
    let url = server.url();
    let p = Profiles::new();
    // The keyring on, as by default. Where none works (containers, headless machines) the token
    // goes to the profile's file and the first sign-in says so; where one works, nothing is said.
    let sign_in = |log: Option<&str>| {
        let _ = std::fs::remove_file(p.profile("alice").join("token"));
        let mut cmd = p.cli(&url, "alice");
        cmd.env_remove("CONFER_CREDENTIALS").args(["who"]);
        if let Some(level) = log {
            cmd.env("CONFER_LOG", level);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    // Which sign-in first meets an unusable keyring depends on the machine (a session keyring
    // may take the first token and refuse the next): across sign-ins it is said once.
    let first = sign_in(None);
    let second = sign_in(None);
    let third = sign_in(None);
    let said = [&first, &second, &third]
        .iter()
        .map(|e| e.matches("keyring").count())
        .sum::<usize>();
    assert!(said <= 1, "said once: {first}{second}{third}");
    // Logs to a pipe (not a terminal) are plain text.
    let debug = sign_in(Some("debug"));
    assert!(!debug.is_empty(), "debug logs");
    for err in [&first, &second, &third, &debug] {
        assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
    }
}

/// Starts `confer-cli answer …` (its stderr piped) and returns once it says its device can
/// ring: a call placed after that reaches it.
fn ringable(mut answer: Command) -> Child {
    let mut child = answer.spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("waiting for a call") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "answer exited early");
    }
    // Whatever it logs later is drained, so that it never writes into a closed pipe.
    std::thread::spawn(move || err.lines().for_each(drop));
    child
}

/// A tone as a 48 kHz mono WAV file.
fn tone_file(path: &Path, frequency: f32, seconds: f32) {
    quiet_tone_file(path, frequency, seconds, 0.5);
}

/// Power at `want` over power at `other` in the second half of a recording.
fn tone_ratio(path: &Path, want: f32, other: f32) -> f32 {
    let wav = confer_media::wav::Wav::read(path).unwrap();
    let tail = &wav.samples[wav.samples.len() / 2..];
    let at = confer_media::meter::goertzel(tail, wav.sample_rate, want);
    let off = confer_media::meter::goertzel(tail, wav.sample_rate, other);
    at / off.max(f32::MIN_POSITIVE)
}

#[test]
fn a_video_call_between_two_clis_carries_each_sides_tone_and_pictures_both_ways() {
    let server = ServerProc::start();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    tone_file(&f("a.wav"), 440.0, 4.0);
    tone_file(&f("b.wav"), 880.0, 4.0);

    let mut answer = p.cli(&server.url(), "bob");
    answer
        .args([
            "answer",
            "--from",
            "alice",
            "--seconds",
            "10",
            "--json",
            "--video",
        ])
        .arg("--send-audio")
        .arg(f("b.wav"))
        .arg("--record")
        .arg(f("b-heard.wav"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let answer = ringable(answer);

    let mut call = p.cli(&server.url(), "alice");
    call.args(["call", "bob", "--seconds", "3", "--json", "--video"])
        .arg("--send-audio")
        .arg(f("a.wav"))
        .arg("--record")
        .arg(f("a-heard.wav"));
    let caller: serde_json::Value = serde_json::from_str(ok(call).trim()).unwrap();
    let out = answer.wait_with_output().unwrap();
    assert!(out.status.success());
    let callee: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();

    for (side, figures) in [("caller", &caller), ("callee", &callee)] {
        assert!(figures["setup_ms"].as_u64().is_some(), "{side}: {figures}");
        assert!(
            figures["packets_received"].as_u64().unwrap() >= 100,
            "{side}: {figures}"
        );
        assert!(
            figures["packets_sent"].as_u64().unwrap() >= 100,
            "{side}: {figures}"
        );
        assert_eq!(figures["candidate_type"], "host", "{side}: {figures}");
        // A video call: each side sends the test pattern and decodes the other's.
        assert!(
            figures["video_frames_decoded"].as_u64().unwrap() >= 30,
            "{side}: {figures}"
        );
    }
    // The caller hung up; the callee was told.
    assert_eq!(callee["ended_by_peer"], "hung_up");
    let ratio = tone_ratio(&f("a-heard.wav"), 880.0, 440.0);
    assert!(ratio > 20.0, "Alice hears Bob's 880 Hz: ratio {ratio}");
    let ratio = tone_ratio(&f("b-heard.wav"), 440.0, 880.0);
    assert!(ratio > 20.0, "Bob hears Alice's 440 Hz: ratio {ratio}");
    // Both timelines hold the completed call.
    for user in ["alice", "bob"] {
        let peer = if user == "alice" { "bob" } else { "alice" };
        let lines = history_json(&p, &server.url(), user, peer);
        let call = lines
            .iter()
            .find(|m| m["kind"]["call"].is_object())
            .unwrap_or_else(|| panic!("{user}: {lines:?}"));
        assert_eq!(call["kind"]["call"]["outcome"], "completed");
    }
}

#[test]
fn a_call_with_ice_relay_goes_through_the_servers_turn_relay() {
    let server = ServerProc::start();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    tone_file(&f("b.wav"), 880.0, 4.0);
    let mut answer = p.cli(&server.url(), "bob");
    answer
        .args(["answer", "--seconds", "10", "--json"])
        .arg("--send-audio")
        .arg(f("b.wav"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let answer = ringable(answer);
    let mut call = p.cli(&server.url(), "alice");
    call.args(["call", "bob", "--seconds", "2", "--json", "--ice", "relay"])
        .arg("--record")
        .arg(f("a-heard.wav"));
    let caller: serde_json::Value = serde_json::from_str(ok(call).trim()).unwrap();
    assert!(answer.wait_with_output().unwrap().status.success());
    assert_eq!(caller["candidate_type"], "relay", "{caller}");
    assert!(
        caller["packets_received"].as_u64().unwrap() >= 50,
        "{caller}"
    );
    let ratio = tone_ratio(&f("a-heard.wav"), 880.0, 440.0);
    assert!(
        ratio > 20.0,
        "through the relay Alice hears 880 Hz: ratio {ratio}"
    );
}

/// The id `confer-cli devices` gives the microphone whose id or name mentions `what`.
fn microphone_id(pulse: &confer_testkit::PulseServer, what: &str) -> String {
    device_id(pulse, "microphone", what)
}

#[test]
fn the_level_meter_reads_a_tone_played_into_a_real_pulseaudio_source() {
    let pulse = confer_testkit::PulseServer::start(&["ci_sink"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_file(&tone, 1_000.0, 20.0);
    let mic = microphone_id(&pulse, "ci_sink");
    let meter = || {
        let out = cli_command()
            .args(["meter", "--seconds", "1.5", "--json", "--microphone", &mic])
            .envs(pulse.env())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["peak_db"]
            .as_f64()
            .unwrap()
    };
    let quiet = meter();
    assert!(quiet < -60.0, "nothing plays: {quiet} dBFS");
    let mut player = pulse.play("ci_sink", &tone).unwrap();
    let loud = meter();
    let _ = player.kill();
    let _ = player.wait();
    // The tone's amplitude is 0.5 (-6 dBFS).
    assert!(loud > -12.0, "the tone plays: {loud} dBFS");
}

#[test]
fn a_call_carries_a_tone_from_a_real_pulseaudio_microphone() {
    let pulse = confer_testkit::PulseServer::start(&["alice_room"]).unwrap();
    let server = ServerProc::start();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_file(&tone, 440.0, 20.0);
    let heard = dir.path().join("bob-heard.wav");
    let mic = microphone_id(&pulse, "alice_room");

    let mut answer = p.cli(&server.url(), "bob");
    answer
        .args(["answer", "--from", "alice", "--seconds", "10"])
        .arg("--record")
        .arg(&heard)
        .envs(pulse.env())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut answer = ringable(answer);
    let mut player = pulse.play("alice_room", &tone).unwrap();
    let mut call = p.cli(&server.url(), "alice");
    call.args(["call", "bob", "--seconds", "3", "--microphone", &mic])
        .arg("--original-sound")
        .args(["--record", "/dev/null"])
        .envs(pulse.env());
    ok(call);
    let _ = player.kill();
    let _ = player.wait();
    assert!(answer.wait().unwrap().success());
    let ratio = tone_ratio(&heard, 440.0, 880.0);
    assert!(
        ratio > 20.0,
        "Bob hears the tone Alice's room plays: ratio {ratio}"
    );
    // Heard whole, not in bursts cut by silence.
    let gaps = silent_stretches(&heard);
    assert_eq!(gaps, 0, "silent 100 ms stretches in the second half");
}

/// 100 ms stretches of the recording's second half that are near silence.
fn silent_stretches(path: &Path) -> usize {
    let wav = confer_media::wav::Wav::read(path).unwrap();
    let tail = &wav.samples[wav.samples.len() / 2..];
    tail.chunks_exact(wav.sample_rate as usize / 10)
        .filter(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt() < 0.02)
        .count()
}

/// The id `confer-cli devices` gives the `kind` device whose id or name mentions `what`.
fn device_id(pulse: &confer_testkit::PulseServer, kind: &str, what: &str) -> String {
    let out = cli_command()
        .args(["devices", "--json"])
        .envs(pulse.env())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|d| {
            d["kind"] == kind
                && (d["id"].as_str().unwrap().contains(what)
                    || d["name"].as_str().unwrap().contains(what))
        })
        .unwrap_or_else(|| panic!("no {kind} for {what} in:\n{text}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_unplugged_microphone_and_speaker_give_way_to_the_default_mid_call() {
    // Two sound cards: the room (the default) hears 440 Hz, the headset 880 Hz.
    let pulse = confer_testkit::PulseServer::start(&["room", "headset"]).unwrap();
    let server = ServerProc::start();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let (low, high) = (dir.path().join("440.wav"), dir.path().join("880.wav"));
    tone_file(&low, 440.0, 40.0);
    tone_file(&high, 880.0, 40.0);
    let heard = dir.path().join("bob-heard.wav");
    let headset_mic = device_id(&pulse, "microphone", "headset");
    let headset_speaker = device_id(&pulse, "speaker", "headset");
    assert_ne!(headset_mic, headset_speaker);

    let mut answer = p.cli(&server.url(), "bob");
    answer
        .args(["answer", "--from", "alice", "--seconds", "30"])
        .arg("--record")
        .arg(&heard)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut answer = ringable(answer);
    let mut players = [
        pulse.play("room", &low).unwrap(),
        pulse.play("headset", &high).unwrap(),
    ];
    let mut call = p.cli(&server.url(), "alice");
    call.args([
        "call",
        "bob",
        "--seconds",
        "8",
        "--json",
        "--original-sound",
    ])
    .args(["--microphone", &headset_mic, "--speaker", &headset_speaker])
    .envs(pulse.env())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut call = call.spawn().unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let err = call.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |what: &str| loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no line with {what:?} from alice"));
        if line.contains(what) {
            return line;
        }
    };
    wait_for("call connected");
    // The headset is unplugged: its sink and the microphone that listens to it go together
    // (its player stops first, or the sound server would move it to the room).
    let _ = players[1].kill();
    let _ = players[1].wait();
    let modules = pulse.pactl(&["list", "short", "modules"]).unwrap();
    let modules = String::from_utf8(modules.stdout).unwrap();
    let headset = modules
        .lines()
        .find(|l| l.contains("sink_name=headset"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the headset's module")
        .to_owned();
    assert!(
        pulse
            .pactl(&["unload-module", &headset])
            .unwrap()
            .status
            .success()
    );
    let mut notices = [wait_for("was disconnected"), wait_for("was disconnected")];
    notices.sort();
    assert!(
        notices[0].starts_with("the microphone") && notices[0].contains("using"),
        "{notices:?}"
    );
    assert!(
        notices[1].starts_with("the speaker") && notices[1].contains("using"),
        "{notices:?}"
    );
    let out = call.wait_with_output().unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = report["device_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{report}");
    assert!(changes.iter().all(|c| c["now"].is_string()), "{report}");
    assert!(answer.wait().unwrap().success());
    for player in &mut players {
        let _ = player.kill();
        let _ = player.wait();
    }
    // After the headset went, Bob hears the room's microphone.
    let ratio = tone_ratio(&heard, 440.0, 880.0);
    assert!(
        ratio > 20.0,
        "Bob hears the room after the switch: ratio {ratio}"
    );
    assert_eq!(silent_stretches(&heard), 0, "the room is heard whole");
}

#[test]
fn plugging_a_device_in_and_out_shows_in_the_watched_device_list() {
    let pulse = confer_testkit::PulseServer::start(&["desk"]).unwrap();
    let mut watch = cli_command()
        .args(["devices", "--watch", "--json"])
        .envs(pulse.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let out = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(15))
            .expect("a device list")
    };
    let first = next();
    assert!(
        first.contains("desk") && !first.contains("headset"),
        "{first}"
    );
    let loaded = pulse
        .pactl(&["load-module", "module-null-sink", "sink_name=headset"])
        .unwrap();
    assert!(loaded.status.success());
    let plugged = Instant::now();
    let with = next();
    assert!(with.contains("headset"), "{with}");
    println!("the new device showed after {:?}", plugged.elapsed());
    let module = String::from_utf8(loaded.stdout).unwrap();
    assert!(
        pulse
            .pactl(&["unload-module", module.trim()])
            .unwrap()
            .status
            .success()
    );
    let without = next();
    assert!(!without.contains("headset"), "{without}");
    let _ = watch.kill();
    let _ = watch.wait();
}

#[test]
fn a_camera_that_is_not_there_is_refused_clearly_and_none_is_listed_without_one() {
    let out = cli_command().args(["devices", "--json"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let cameras: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|d| d["kind"] == "camera")
        .collect();
    // This machine has no camera: only the test pattern is offered.
    assert!(
        cameras.iter().all(|c| c["synthetic"] == true) && !cameras.is_empty(),
        "{text}"
    );
    let server = ServerProc::start();
    let p = Profiles::new();
    let mut call = p.cli(&server.url(), "alice");
    call.args([
        "call",
        "bob",
        "--video",
        "--camera",
        "camera:7",
        "--seconds",
        "1",
    ]);
    let out = fails(call, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("camera:7"), "{err}");
}

/// Writes `len` bytes of a seeded pseudo-random stream (xorshift), in blocks.
fn big_file(path: &Path, len: usize, seed: u64) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x = seed | 1;
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(block.len());
        out.write_all(&block[..n]).unwrap();
        left -= n;
    }
    out.flush().unwrap();
}

/// The one partial upload in the server's blob store: its id and the bytes it holds.
fn partial(server: &ServerProc) -> Option<(String, u64)> {
    let dir = server.data.path().join("files/partial");
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let len = e.metadata().ok()?.len();
        Some((e.file_name().to_string_lossy().into_owned(), len))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_upload_killed_midway_resumes_to_the_same_sha256() {
    const LEN: usize = 200 * 1000 * 1000;
    let server = ServerProc::start_flags(
        &["alice", "bob", "carol"],
        &["--max-file-bytes", "250000000"],
    );
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dataset.bin");
    big_file(&path, LEN, 42);
    let want = confer_files::sha256_of(&path).await.unwrap();

    // Paced at 50 MB/s (4 s for the whole file): killed once the server holds 40 MB.
    let mut upload = p.cli(&url, "alice");
    upload
        .args(["upload", "bob", "--json", "--limit-rate", "50M"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = upload.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (id, held) = loop {
        if let Some((id, held)) = partial(&server).filter(|(_, held)| *held >= 40_000_000) {
            break (id, held);
        }
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the upload ended before the kill: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(Instant::now() < deadline, "the upload never got going");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The kill landed mid-upload: the server holds part of the file, and shares nothing.
    let (_, after) = partial(&server).expect("the partial upload is kept");
    assert!(after >= held && after < LEN as u64, "held {after} of {LEN}");
    let mut files = p.cli(&url, "bob");
    files.args(["files", "alice", "--json"]);
    assert_eq!(ok(files).trim(), "", "nothing shared yet");

    // The same command again: the same upload, resumed, shared whole.
    let mut again = p.cli(&url, "alice");
    again.args(["upload", "bob", "--json"]).arg(&path);
    let state: serde_json::Value = serde_json::from_str(ok(again).trim()).unwrap();
    assert_eq!(state["id"], id.as_str(), "the interrupted upload, resumed");
    assert_eq!(state["offset"], LEN as u64);
    assert_eq!(state["file"]["size"], LEN as u64);
    assert!(partial(&server).is_none(), "the partial became the blob");

    // Bob downloads it; the bytes hash to the original's.
    let out = dir.path().join("copy.bin");
    let mut download = p.cli(&url, "bob");
    download.args(["download", &id, "-o"]).arg(&out);
    assert_eq!(ok(download).trim(), out.display().to_string());
    assert_eq!(confer_files::sha256_of(&out).await.unwrap(), want);
    std::fs::remove_file(&out).unwrap();
    // Without -o, into the current folder under its name, never replacing a file there (the
    // original is there already).
    for expected in ["dataset (1).bin", "dataset (2).bin"] {
        let mut download = p.cli(&url, "bob");
        download.current_dir(dir.path()).args(["download", &id]);
        let written = PathBuf::from(ok(download).trim());
        assert_eq!(written.file_name().unwrap(), expected);
    }
    assert_eq!(
        confer_files::sha256_of(&path).await.unwrap(),
        want,
        "the original is intact"
    );
    // The list, and the history's file message.
    let mut files = p.cli(&url, "bob");
    files.args(["files", "alice"]);
    let listed = ok(files);
    let fields: Vec<&str> = listed.trim().split('\t').collect();
    assert_eq!(
        &fields[..5],
        [
            id.as_str(),
            "dataset.bin",
            "200000000",
            "application/octet-stream",
            "alice"
        ]
    );
    let history = history_json(&p, &url, "bob", "alice");
    assert_eq!(history.last().unwrap()["kind"]["file"]["id"], id.as_str());
    // A non-member gets a clear refusal and exit code 5.
    let mut carol = p.cli(&url, "carol");
    carol.current_dir(dir.path()).args(["download", &id]);
    let refused = fails(carol, 5);
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "confer-cli: There is no such file, or you cannot see it."
    );
}

#[test]
fn link_cards_show_in_history_and_mail_history_sends_it_by_email() {
    let smtp = confer_testkit::SmtpServer::start().unwrap();
    let intranet = confer_testkit::WebServer::start([(
        "/minutes".to_owned(),
        confer_testkit::Page::ok(
            "text/html",
            "<title>Q3 minutes</title>\
             <meta name=\"description\" content=\"Who does what by Friday\">",
        ),
    )])
    .unwrap();
    let server = ServerProc::start_flags(
        &["alice", "bob"],
        &[
            "--smtp-url",
            &smtp.url(),
            "--smtp-from",
            "confer@example.com",
            "--link-preview-allow",
            "127.0.0.1",
        ],
    );
    let url = server.url();
    let p = Profiles::new();

    // Bob follows until the card of Alice's link arrives.
    let mut follower = p.follow(&url, "bob", &["--timeout", "60"]);
    let link = intranet.url("/minutes");
    let mut send = p.cli(&url, "alice");
    send.args(["send", "bob", &format!("Minutes: {link}")]);
    ok(send);
    let mut events = BufReader::new(follower.stdout.take().unwrap());
    let card = loop {
        let mut line = String::new();
        assert!(
            events.read_line(&mut line).unwrap() > 0,
            "follow ended without the card"
        );
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        if event["event"] == "changed" && !event["preview"].is_null() {
            break event["preview"].clone();
        }
    };
    follower.kill().unwrap();
    follower.wait().unwrap();
    assert_eq!(card["url"], link.as_str());
    assert_eq!(card["title"], "Q3 minutes");
    assert_eq!(card["description"], "Who does what by Friday");
    let history = history_json(&p, &url, "alice", "bob");
    assert_eq!(history[0]["preview"], card);
    let mut text = p.cli(&url, "alice");
    text.args(["history", "bob"]);
    assert!(
        ok(text).contains("🔗 Q3 minutes — Who does what by Friday"),
        "the card in the text history"
    );

    // Alice mails the history, in French; Bob sees that she did.
    let mut mail = p.cli(&url, "alice");
    mail.env("CONFER_LANG", "fr").args([
        "mail-history",
        "bob",
        "dana@example.com",
        "--utc-offset",
        "-300",
    ]);
    assert_eq!(
        ok(mail).trim(),
        "L'historique a été envoyé à dana@example.com."
    );
    let mails = smtp.mails().unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].envelope_to, ["dana@example.com"]);
    assert!(
        mails[0]
            .subject
            .starts_with("Historique de la conversation")
    );
    assert!(
        mails[0].body.contains(&format!(": Minutes: {link}"))
            && mails[0].body.contains("UTC-05:00"),
        "{}",
        mails[0].body
    );
    let history = history_json(&p, &url, "bob", "alice");
    let last = history.last().unwrap();
    assert_eq!(
        (last["sender"].as_str(), &last["kind"]),
        (
            Some("alice"),
            &serde_json::json!({"mailed": {"to": "dana@example.com"}})
        )
    );
    let mut text = p.cli(&url, "bob");
    text.args(["history", "alice"]);
    assert!(ok(text).contains("alice: sent the history to dana@example.com"));

    // Not an address: refused (exit 5), one sentence, nothing sent.
    let mut bad = p.cli(&url, "alice");
    bad.args(["mail-history", "bob", "dana"]);
    let out = fails(bad, 5);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("That is not an email address."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(smtp.mails().unwrap().len(), 1);
}

#[test]
fn mail_history_without_a_mail_server_is_refused_clearly() {
    let server = ServerProc::start();
    let p = Profiles::new();
    let mut mail = p.cli(&server.url(), "alice");
    mail.args(["mail-history", "bob", "dana@example.com"]);
    let out = fails(mail, 5);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("This server is not set up to send email."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tone as a 48 kHz mono WAV file, at `amplitude` of full scale.
fn quiet_tone_file(path: &Path, frequency: f32, seconds: f32, amplitude: f32) {
    use confer_media::AudioSource;
    let mut tone = confer_media::synthetic::ToneSource::new(frequency, amplitude).unwrap();
    let mut samples = vec![0.0; (48_000.0 * seconds) as usize];
    tone.read(&mut samples).unwrap();
    confer_media::wav::Wav {
        sample_rate: 48_000,
        channels: 1,
        samples,
    }
    .write(path)
    .unwrap();
}

/// A room `owner` (the first of `people`) creates with the others in it; its id.
fn room_of(p: &Profiles, url: &str, name: &str, people: &[&str]) -> String {
    let mut create = p.cli(url, people[0]);
    create.args(["room", "create", name, "--json"]);
    let created: serde_json::Value = serde_json::from_str(ok(create).trim()).unwrap();
    let room = created["conversation"].as_u64().unwrap().to_string();
    for who in &people[1..] {
        let mut add = p.cli(url, people[0]);
        add.args(["room", "add", &room, who]);
        ok(add);
    }
    room
}

/// The figures a `meeting join --json` printed, once it ended well.
fn figures_of(who: &str, child: std::process::Child) -> serde_json::Value {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{who}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap()
}

/// A `confer-sfu` process, killed when dropped.
struct SfuProc(Child);

impl Drop for SfuProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_server_drives_an_sfu_run_as_its_own_process() {
    let bin = Path::new(CLI).with_file_name("confer-sfu");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace",
        bin.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    std::fs::write(
        f("sfu.key"),
        "a shared secret of more than thirty-two bytes\n",
    )
    .unwrap();
    std::fs::write(
        f("wrong.key"),
        "another secret, also more than thirty-two bytes\n",
    )
    .unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string()
    };
    let control = free();
    let sfu = SfuProc(
        Command::new(&bin)
            .args(["--udp", "127.0.0.1:0", "--control", &control, "--key-file"])
            .arg(f("sfu.key"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&control).is_err() {
        assert!(Instant::now() < deadline, "confer-sfu did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A server with another key is turned away at start, clearly.
    let refused = Command::new(server_bin())
        .arg("--data")
        .arg(dir.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--sfu-control",
            &control,
            "--sfu-key-file",
        ])
        .arg(f("wrong.key"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("does not prove the grant key"),
        "{said}"
    );
    // One with the key drives it: the meeting's media goes through that process.
    let mut server = ServerProc::start_flags(
        &["alice", "bob"],
        &[
            "--sfu-control",
            &control,
            "--sfu-key-file",
            f("sfu.key").to_str().unwrap(),
            "--meeting-grace-secs",
            "1",
        ],
    );
    let url = server.url();
    let p = Profiles::new();
    let room = room_of(&p, &url, "Elsewhere", &["alice", "bob"]);
    let people = [("alice", 440.0), ("bob", 660.0)];
    let mut running = Vec::new();
    for (who, hz) in people {
        tone_file(&f(&format!("{who}.wav")), hz, 10.0);
        let mut join = p.cli(&url, who);
        join.args(["meeting", "join", &room, "--seconds", "6", "--json"])
            .arg("--send-audio")
            .arg(f(&format!("{who}.wav")))
            .arg("--record")
            .arg(f(&format!("{who}-heard.wav")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        running.push((who, join.spawn().unwrap()));
    }
    for (who, child) in running {
        let figures = figures_of(who, child);
        assert!(
            figures["packets_received"].as_u64().unwrap() >= 100,
            "{who}: {figures}"
        );
    }
    assert!(tone_ratio(&f("alice-heard.wav"), 660.0, 440.0) > 20.0);
    assert!(tone_ratio(&f("bob-heard.wav"), 440.0, 660.0) > 20.0);
    // Their processes hung up: the SFU process reports the connections lost over the control
    // connection, and after the grace period (1 s) both leave the meeting. Bounded: 40 s.
    let number: u64 = room.parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    while in_meeting(&p, &url, number, "alice") || in_meeting(&p, &url, number, "bob") {
        assert!(
            Instant::now() < deadline,
            "the SFU process's lost connections never took them out of the meeting"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Without that process, meetings have no media, and the server says why at start.
    drop(sfu);
    server.kill9();
    let restarted = Command::new(server_bin())
        .arg("--data")
        .arg(dir.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--sfu-control",
            &control,
            "--sfu-key-file",
        ])
        .arg(f("sfu.key"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&restarted.stderr);
    assert!(
        !restarted.status.success() && said.contains(&control),
        "{said}"
    );
}

#[test]
fn eight_participants_in_a_meeting_each_hear_the_seven_others_and_not_themselves() {
    let people = [
        ("alice", 330.0),
        ("bob", 470.0),
        ("carol", 610.0),
        ("dave", 790.0),
        ("erin", 930.0),
        ("frank", 1090.0),
        ("grace", 1270.0),
        ("heidi", 1430.0),
    ];
    let names: Vec<&str> = people.iter().map(|p| p.0).collect();
    let server = ServerProc::start_with(&names);
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let room = room_of(&p, &url, "All hands", &names);

    // Everyone at once, each saying its own tone (quiet enough that seven together do not
    // clip) for longer than they stay.
    let mut running = Vec::new();
    for (who, hz) in people {
        quiet_tone_file(&f(&format!("{who}.wav")), hz, 14.0, 0.12);
        let mut join = p.cli(&url, who);
        join.args(["meeting", "join", &room, "--seconds", "10", "--json"])
            .arg("--send-audio")
            .arg(f(&format!("{who}.wav")))
            .arg("--record")
            .arg(f(&format!("{who}-heard.wav")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        running.push((who, hz, join.spawn().unwrap()));
    }
    for (who, _, child) in running {
        let figures = figures_of(who, child);
        assert!(
            figures["packets_received"].as_u64().unwrap() >= 100,
            "{who}: {figures}"
        );
        assert_eq!(figures["closed_by_server"], false, "{who}: {figures}");
        // The figures say whom the packets came from, by name: the seven others.
        let mut heard: Vec<&str> = figures["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["audio_packets"].as_u64().unwrap() >= 50)
            .map(|p| p["name"].as_str().unwrap_or("(unnamed)"))
            .collect();
        heard.sort();
        let others: Vec<&str> = names.iter().copied().filter(|n| *n != who).collect();
        assert_eq!(heard, others, "{who}: {figures}");
    }
    for (who, hz) in people {
        let heard = f(&format!("{who}-heard.wav"));
        for (other, other_hz) in people.iter().filter(|p| p.0 != who) {
            let ratio = tone_ratio(&heard, *other_hz, hz);
            assert!(
                ratio > 20.0,
                "{who} hears {other} ({other_hz} Hz) over itself ({hz} Hz) by {ratio}"
            );
        }
    }
}

#[test]
fn three_participants_with_video_see_and_hear_each_other_by_name() {
    let names = ["alice", "bob", "carol"];
    let server = ServerProc::start_with(&names);
    let url = server.url();
    let p = Profiles::new();
    let room = room_of(&p, &url, "Stand-up", &names);
    let mut running = Vec::new();
    for who in names {
        let mut join = p.cli(&url, who);
        join.args([
            "meeting",
            "join",
            &room,
            "--video",
            "--seconds",
            "10",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        running.push((who, join.spawn().unwrap()));
    }
    for (who, child) in running {
        let figures = figures_of(who, child);
        assert!(
            figures["video_frames_sent"].as_u64().unwrap() >= 60,
            "{who}: {figures}"
        );
        // Pictures (15 a second, the first after at most one keyframe interval) and sound
        // from each of the two others, by name, and nothing from itself.
        let mut seen: Vec<&str> = figures["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["video_frames"].as_u64().unwrap() >= 30
                    && p["audio_packets"].as_u64().unwrap() >= 100
            })
            .map(|p| p["name"].as_str().unwrap_or("(unnamed)"))
            .collect();
        seen.sort();
        let others: Vec<&str> = names.iter().copied().filter(|n| *n != who).collect();
        assert_eq!(seen, others, "{who}: {figures}");
        assert_eq!(
            figures["participants"].as_array().unwrap().len(),
            2,
            "{who}: {figures}"
        );
    }
}

/// Whether `who` is in the meeting of `room`, as `room list --json` shows it to alice.
fn in_meeting(p: &Profiles, url: &str, room: u64, who: &str) -> bool {
    let mut list = p.cli(url, "alice");
    list.args(["room", "list", "--json"]);
    ok(list).lines().any(|line| {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        m["state"] == "ongoing"
            && m["conversation"] == room
            && m["participants"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p == who))
    })
}

#[test]
fn a_participant_whose_process_is_killed_leaves_the_meeting_after_the_grace_period() {
    let server = ServerProc::start_flags(&["alice", "bob"], &["--meeting-grace-secs", "1"]);
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let mut create = p.cli(&url, "alice");
    create.args(["room", "create", "Stand-up", "--json"]);
    let created: serde_json::Value = serde_json::from_str(ok(create).trim()).unwrap();
    let room = created["conversation"].as_u64().unwrap();
    let mut add = p.cli(&url, "alice");
    add.args(["room", "add", &room.to_string(), "bob"]);
    ok(add);
    let mut start = p.cli(&url, "alice");
    start.args(["meeting", "start", &room.to_string()]);
    ok(start);

    // Bob's sound joins for two minutes; he is killed once it is connected.
    let tone = dir.path().join("bob.wav");
    quiet_tone_file(&tone, 470.0, 2.0, 0.12);
    let mut join = p.cli(&url, "bob");
    join.args(["meeting", "join", &room.to_string(), "--seconds", "120"])
        .arg("--send-audio")
        .arg(&tone)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut bob = join.spawn().unwrap();
    let (tx, said) = std::sync::mpsc::channel();
    let stderr = bob.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = said
            .recv_timeout(Duration::from_secs(20))
            .expect("bob's sound never connected");
        if line == "meeting connected" {
            break;
        }
    }
    assert!(in_meeting(&p, &url, room, "bob"));
    bob.kill().unwrap();
    let status = bob.wait().unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed mid-meeting: {status}");
    }
    reader.join().unwrap();

    // No goodbye came: the SFU finds the connection lost when its checks go unanswered (about
    // 5 s), and after the grace period bob leaves the meeting. Bounded: 40 s.
    let deadline = Instant::now() + Duration::from_secs(40);
    while in_meeting(&p, &url, room, "bob") {
        assert!(Instant::now() < deadline, "bob is still in the meeting");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        in_meeting(&p, &url, room, "alice"),
        "the others stay in the meeting"
    );
}

#[test]
fn a_moderator_mutes_one_participant_from_the_cli_and_only_a_moderator_lifts_it() {
    let server = ServerProc::start_with(&["alice", "bob"]);
    let url = server.url();
    let p = Profiles::new();
    let mut create = p.cli(&url, "alice");
    create.args(["room", "create", "Stand-up", "--json"]);
    let created: serde_json::Value = serde_json::from_str(ok(create).trim()).unwrap();
    let room = created["conversation"].as_u64().unwrap().to_string();
    let mut add = p.cli(&url, "alice");
    add.args(["room", "add", &room, "bob"]);
    ok(add);
    for who in ["alice", "bob"] {
        let mut start = p.cli(&url, who);
        start.args(["meeting", "start", &room]);
        ok(start);
    }
    let muted = || -> serde_json::Value {
        let mut list = p.cli(&url, "bob");
        list.args(["room", "list", "--json"]);
        let line = ok(list).lines().next().unwrap().to_owned();
        let m: serde_json::Value = serde_json::from_str(&line).unwrap();
        m["muted"].clone()
    };
    let mut mute = p.cli(&url, "alice");
    // Typed in any case, as names are.
    mute.args(["room", "mute", &room, "Bob", "--json"]);
    let said: serde_json::Value = serde_json::from_str(ok(mute).trim()).unwrap();
    assert_eq!(said["result"], "muted");
    assert_eq!(muted(), serde_json::json!(["bob"]), "bob sees it");
    // Bob cannot lift it (refused: exit 5); alice can.
    let mut lift = p.cli(&url, "bob");
    lift.args(["room", "mute", &room, "bob", "--off"]);
    fails(lift, 5);
    let mut lift = p.cli(&url, "alice");
    lift.args(["room", "mute", &room, "bob", "--off"]);
    ok(lift);
    assert!(muted().is_null(), "lifted: {}", muted());
    // Nobody else is in the meeting to mute.
    let mut nobody = p.cli(&url, "alice");
    nobody.args(["room", "mute", &room, "carol"]);
    let out = fails(nobody, 5);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("carol is not in the meeting"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What ffprobe says of a media file: its duration in seconds and its streams' codecs.
fn probe(path: &Path) -> (f64, Vec<String>) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let duration = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    let mut codecs: Vec<String> = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_name"].as_str().unwrap().to_owned())
        .collect();
    codecs.sort();
    (duration, codecs)
}

#[test]
fn a_moderator_records_the_meeting_and_the_mix_is_shared_in_the_room() {
    let names = ["alice", "bob", "carol"];
    let server = ServerProc::start_flags(&names, &["--recording"]);
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let room = room_of(&p, &url, "Review", &names);
    // Alice (the owner, a moderator) and Bob each say a tone with their cameras on, for longer
    // than the test needs them.
    let mut running = Vec::new();
    for (who, hz) in [("alice", 440.0), ("bob", 660.0)] {
        tone_file(&f(&format!("{who}.wav")), hz, 40.0);
        let mut join = p.cli(&url, who);
        join.args(["meeting", "join", &room, "--video", "--seconds", "40"])
            .arg("--send-audio")
            .arg(f(&format!("{who}.wav")))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        running.push(join.spawn().unwrap());
    }
    let room_id: u64 = room.parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(in_meeting(&p, &url, room_id, "alice") && in_meeting(&p, &url, room_id, "bob")) {
        assert!(Instant::now() < deadline, "they never joined");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Only a moderator records.
    let mut record = p.cli(&url, "bob");
    record.args(["room", "record", &room, "on"]);
    fails(record, 5);
    let mut record = p.cli(&url, "alice");
    record.args(["room", "record", &room, "on", "--json"]);
    let said: serde_json::Value = serde_json::from_str(ok(record).trim()).unwrap();
    assert_eq!(said["result"], "recording");
    let started = Instant::now();
    // Everyone sees the mark, Carol too (a member outside the meeting).
    let mut list = p.cli(&url, "carol");
    list.args(["room", "list", "--json"]);
    let meeting: serde_json::Value =
        serde_json::from_str(ok(list).lines().next().unwrap()).unwrap();
    assert!(meeting["recording"].as_i64().is_some(), "{meeting}");
    let mut again = p.cli(&url, "alice");
    again.args(["room", "record", &room, "on"]);
    fails(again, 5);
    // Six seconds of the meeting: the span the recording must hold.
    std::thread::sleep(Duration::from_secs(6));
    let mut stop = p.cli(&url, "alice");
    stop.args(["room", "record", &room, "off"]);
    ok(stop);
    let span = started.elapsed().as_secs_f64();
    // The mix comes to the room as Alice's file (ffmpeg takes a few seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    let shared = loop {
        let mut files = p.cli(&url, "carol");
        files.args(["files", &room, "--json"]);
        let listed = ok(files);
        if let Some(line) = listed.lines().next() {
            break serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        assert!(Instant::now() < deadline, "the recording was never shared");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(shared["sender"], "alice", "{shared}");
    assert_eq!(shared["file"]["mime"], "video/webm", "{shared}");
    let name = shared["file"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("meeting-") && name.ends_with(".webm"),
        "{name}"
    );
    let out = f("mix.webm");
    let mut download = p.cli(&url, "carol");
    download
        .args(["download", shared["file"]["id"].as_str().unwrap(), "-o"])
        .arg(&out);
    ok(download);
    let (duration, codecs) = probe(&out);
    assert_eq!(codecs, ["opus", "vp8"], "one picture and one sound");
    assert!(
        (duration - span).abs() < 1.0,
        "the mix lasts {duration:.2} s; the recording ran {span:.2} s"
    );
    // Both voices are in the mix, over a tone nobody sent.
    let wav = f("mix.wav");
    let decoded = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-i"])
        .arg(&out)
        .args(["-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le"])
        .arg(&wav)
        .status()
        .unwrap();
    assert!(decoded.success());
    for hz in [440.0, 660.0] {
        let ratio = tone_ratio(&wav, hz, 880.0);
        assert!(ratio > 20.0, "{hz} Hz over silence by {ratio}");
    }
    // The tracks, as the SFU wrote them, stay under the data dir: each one's voice and picture.
    let recordings = server.data.path().join("recordings");
    let recording = std::fs::read_dir(&recordings)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(recording.join("recording.json")).unwrap()).unwrap();
    let mut tracks: Vec<String> = manifest["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["identity"].as_str().unwrap(),
                t["kind"].as_str().unwrap()
            )
        })
        .collect();
    tracks.sort();
    assert_eq!(
        tracks,
        ["alice audio", "alice video", "bob audio", "bob video"]
    );
    for track in manifest["tracks"].as_array().unwrap() {
        let (duration, codecs) = probe(&recording.join(track["file"].as_str().unwrap()));
        let want = if track["kind"] == "audio" {
            "opus"
        } else {
            "vp8"
        };
        assert_eq!(codecs, [want]);
        assert!(
            duration > 2.0 && duration < span + 1.0,
            "{track}: {duration}"
        );
    }
    for mut child in running {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn a_server_started_without_recording_refuses_to_record_clearly() {
    let server = ServerProc::start_with(&["alice"]);
    let url = server.url();
    let p = Profiles::new();
    let room = room_of(&p, &url, "Quiet", &["alice"]);
    let mut start = p.cli(&url, "alice");
    start.args(["meeting", "start", &room]);
    ok(start);
    let mut record = p.cli(&url, "alice");
    record.args(["room", "record", &room, "on"]);
    let out = fails(record, 5);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not record meetings"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// This machine's address on its default route, found without sending anything. Headless
/// Chromium offers WebRTC candidates on non-loopback interfaces only, so the SFU it meets must
/// listen on one; the packets still never leave the machine.
fn host_address() -> std::net::IpAddr {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    probe.connect("192.0.2.1:9").unwrap();
    probe.local_addr().unwrap().ip()
}

/// A headless Chromium process, killed when dropped.
struct Browser {
    child: std::process::Child,
    /// Its profile, removed after it.
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server for alice and bob that serves the guest page (the built UI) and whose SFU listens
/// where a browser reaches it (Chromium offers no loopback candidates).
fn server_for_browsers() -> ServerProc {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
    assert!(
        web.join("guest.html").exists(),
        "build the UI first (cargo xtask test does): {}",
        web.display()
    );
    let sfu = format!("{}:0", host_address());
    ServerProc::start_flags(
        &["alice", "bob"],
        &["--web-dir", web.to_str().unwrap(), "--sfu-listen", &sfu],
    )
}

/// Headless Chromium opening `url`, its microphone fed from `wav` (fake devices: nothing real
/// to capture here), playing what it receives without a click.
fn browser(url: &str, wav: &Path) -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            "--remote-debugging-port=0",
        ])
        .arg(format!(
            "--use-file-for-fake-audio-capture={}",
            wav.display()
        ))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium (cargo xtask test installs it)");
    Browser {
        child,
        _profile: profile,
    }
}

#[test]
fn a_browser_guest_waits_in_the_lobby_unheard_then_is_heard_once_admitted() {
    let server = server_for_browsers();
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        ok(c)
    };
    let created: serde_json::Value =
        serde_json::from_str(run("alice", &["room", "create", "Customer call", "--json"]).trim())
            .unwrap();
    let room = created["conversation"].as_u64().unwrap().to_string();
    run("alice", &["room", "add", &room, "bob"]);
    run("alice", &["room", "lobby", &room, "on"]);
    run("alice", &["meeting", "start", &room]);
    let token = run("alice", &["room", "link", &room]).trim().to_owned();

    // Carla opens the web link in her browser, her microphone saying 1 kHz.
    quiet_tone_file(&f("carla.wav"), 1000.0, 120.0, 0.3);
    quiet_tone_file(&f("bob.wav"), 470.0, 20.0, 0.12);
    // The same port serves the page over HTTP.
    let web_url = url.replacen("ws://", "http://", 1);
    let _carla = browser(
        &format!("{web_url}/join/{token}?name=Carla&auto=1"),
        &f("carla.wav"),
    );
    // She waits in the lobby.
    let listed = || -> serde_json::Value {
        serde_json::from_str(run("alice", &["room", "list", "--json"]).trim()).unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let carla = loop {
        let m = listed();
        if let Some(id) = m["lobby"]
            .as_array()
            .and_then(|l| l.iter().find(|g| g["name"] == "Carla"))
            .and_then(|g| g["id"].as_u64())
        {
            break id.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "carla never reached the lobby: {m}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // Bob is in the meeting meanwhile: nothing of hers reaches him.
    let hear = |seconds: &str, out: &Path| {
        run(
            "bob",
            &[
                "meeting",
                "join",
                &room,
                "--seconds",
                seconds,
                "--send-audio",
                f("bob.wav").to_str().unwrap(),
                "--record",
                out.to_str().unwrap(),
            ],
        );
    };
    hear("4", &f("before.wav"));
    let before = tone_ratio(&f("before.wav"), 1000.0, 1370.0);
    assert!(before < 5.0, "bob heard carla from the lobby: {before}");

    // Admitted, her browser connects its sound through the SFU: Bob hears her.
    run("alice", &["room", "admit", &room, &carla]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        hear("5", &f("after.wav"));
        let after = tone_ratio(&f("after.wav"), 1000.0, 1370.0);
        if after > 20.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bob never heard carla once she was admitted: {after}"
        );
    }
}

#[test]
fn a_browser_guests_camera_is_seen_by_name_by_a_member_who_joins_later() {
    let server = server_for_browsers();
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        ok(c)
    };
    let room = room_of(&p, &url, "Customer call", &["alice", "bob"]);
    run("alice", &["meeting", "start", &room]);
    let token = run("alice", &["room", "link", &room]).trim().to_owned();
    // Carla comes in from her browser with its (fake) camera on: no lobby here.
    quiet_tone_file(&f("carla.wav"), 1000.0, 120.0, 0.3);
    let web_url = url.replacen("ws://", "http://", 1);
    let _carla = browser(
        &format!("{web_url}/join/{token}?name=Carla&auto=1&camera=1"),
        &f("carla.wav"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m: serde_json::Value =
            serde_json::from_str(run("alice", &["room", "list", "--json"]).trim()).unwrap();
        if m["guests"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["name"] == "Carla"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "carla never came in: {m}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Bob joins once her pictures have been going for a while, so the keyframe that starts
    // them is long gone: he sees her only if the SFU asks her browser for another.
    std::thread::sleep(Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = run(
            "bob",
            &[
                "meeting",
                "join",
                &room,
                "--video",
                "--seconds",
                "5",
                "--json",
            ],
        );
        let figures: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let carla = figures["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Carla")
            .cloned();
        if carla.as_ref().is_some_and(|c| {
            c["video_frames"].as_u64().unwrap() >= 10 && c["audio_packets"].as_u64().unwrap() >= 50
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "bob never saw carla: {figures}");
    }
}

/// The size of the last picture `figures` (a `meeting join --json`) decoded of `name`.
fn picture_of(figures: &serde_json::Value, name: &str) -> Option<(u64, u64)> {
    let p = figures["participants"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)?;
    if p["video_frames"].as_u64()? < 10 {
        return None;
    }
    let size = p["video_size"].as_array()?;
    Some((size.first()?.as_u64()?, size.get(1)?.as_u64()?))
}

#[test]
fn a_browser_guests_camera_comes_in_two_layers_and_each_viewer_gets_the_one_its_tiles_fit() {
    let server = server_for_browsers();
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let cli = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        c
    };
    let room = room_of(&p, &url, "Customer call", &["alice", "bob"]);
    ok(cli("alice", &["meeting", "start", &room]));
    let token = ok(cli("alice", &["room", "link", &room])).trim().to_owned();
    // Carla's browser sends its (fake) 640x360 camera in two layers: 320x180 and 640x360.
    quiet_tone_file(&f("carla.wav"), 1000.0, 180.0, 0.3);
    let web_url = url.replacen("ws://", "http://", 1);
    let _carla = browser(
        &format!("{web_url}/join/{token}?name=Carla&auto=1&camera=1"),
        &f("carla.wav"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m: serde_json::Value =
            serde_json::from_str(ok(cli("alice", &["room", "list", "--json"])).trim()).unwrap();
        if m["guests"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["name"] == "Carla"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "carla never came in: {m}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let join = |user: &str| {
        cli(
            user,
            &[
                "meeting",
                "join",
                &room,
                "--video",
                "--seconds",
                "8",
                "--json",
            ],
        )
    };
    let figures = |out: &str| -> serde_json::Value {
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out:?}"))
    };
    // Bob alone with her: one tile fills his window, so he gets her full picture (once her
    // browser's bandwidth estimate allows the full layer: a few seconds).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let out = join("bob").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let seen = figures(&String::from_utf8_lossy(&out.stdout));
        if picture_of(&seen, "Carla") == Some((640, 360)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bob, with one tile, never got carla's full picture: {seen}"
        );
    }
    // Alice and Bob together, both with cameras: each shows two tiles, side by side, and gets
    // her half-size layer, while her browser still sends the full one (Bob had it just now).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let spawn = |user: &str| {
            let mut c = join(user);
            c.stdout(Stdio::piped()).stderr(Stdio::piped());
            c.spawn().unwrap()
        };
        let (a, b) = (spawn("alice"), spawn("bob"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
        let (a, b) = (
            figures(&String::from_utf8_lossy(&a.stdout)),
            figures(&String::from_utf8_lossy(&b.stdout)),
        );
        let (to_alice, to_bob) = (picture_of(&a, "Carla"), picture_of(&b, "Carla"));
        // Each saw the other too.
        let saw_each_other = picture_of(&a, "bob").is_some() && picture_of(&b, "alice").is_some();
        if saw_each_other && to_alice == Some((320, 180)) && to_bob == Some((320, 180)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "with two tiles each: alice got {to_alice:?}, bob {to_bob:?}: {a}\n{b}"
        );
    }
}

#[test]
fn a_cli_guest_with_sound_waits_in_the_lobby_then_hears_and_is_heard() {
    let server = ServerProc::start_with(&["alice", "bob"]);
    let url = server.url();
    let p = Profiles::new();
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str| dir.path().join(name);
    let run = |user: &str, args: &[&str]| {
        let mut c = p.cli(&url, user);
        c.args(args);
        ok(c)
    };
    let created: serde_json::Value =
        serde_json::from_str(run("alice", &["room", "create", "Customer call", "--json"]).trim())
            .unwrap();
    let room = created["conversation"].as_u64().unwrap().to_string();
    run("alice", &["room", "lobby", &room, "on"]);
    run("alice", &["meeting", "start", &room]);
    let link = run("alice", &["room", "link", &room]).trim().to_owned();
    quiet_tone_file(&f("zoe.wav"), 1000.0, 30.0, 0.2);
    quiet_tone_file(&f("alice.wav"), 470.0, 30.0, 0.2);

    let mut zoe = cli_command();
    zoe.args(["--server", &url, "--connect-timeout", "5", "guest", "join"])
        .args([&link, "--name", "Zoe", "--seconds", "8", "--json"])
        .arg("--send-audio")
        .arg(f("zoe.wav"))
        .arg("--record")
        .arg(f("zoe-heard.wav"))
        .env_remove("CONFER_USER")
        .env_remove("CONFER_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut zoe = zoe.spawn().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = zoe.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let waiting = next_json(&lines);
    assert_eq!(waiting["admitted"], false, "{waiting}");
    let id = waiting["guest"].as_u64().unwrap().to_string();
    run("alice", &["room", "admit", &room, &id]);
    // Alice speaks and records meanwhile.
    run(
        "alice",
        &[
            "meeting",
            "join",
            &room,
            "--seconds",
            "6",
            "--send-audio",
            f("alice.wav").to_str().unwrap(),
            "--record",
            f("alice-heard.wav").to_str().unwrap(),
        ],
    );
    let out = zoe.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    reader.join().unwrap();
    let last: Vec<serde_json::Value> = lines
        .try_iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    let figures = last.last().expect("the figures");
    assert!(
        figures["packets_received"].as_u64().unwrap() > 50,
        "{figures}"
    );
    let alice_hears_zoe = tone_ratio(&f("alice-heard.wav"), 1000.0, 1370.0);
    let zoe_hears_alice = tone_ratio(&f("zoe-heard.wav"), 470.0, 1370.0);
    assert!(alice_hears_zoe > 20.0, "alice hears zoe: {alice_hears_zoe}");
    assert!(zoe_hears_alice > 20.0, "zoe hears alice: {zoe_hears_alice}");
}
