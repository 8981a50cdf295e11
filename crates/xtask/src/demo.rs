//! The demo `cargo xtask run` starts: a `confer-server` process with four accounts, filled the
//! way people would fill it, by `confer-cli` processes (statuses, 1:1 chats with unread messages
//! and read ticks, a group of three, a Virtual Room with a meeting tomorrow, favourites), and
//! the other accounts kept online by `confer-cli follow` processes while it runs.
//!
//! Everything lives in one directory: `server/` (the server's data), `profiles/USER` (the demo
//! users' command-line profiles, tokens in files), `online/USER` (the profiles of the processes
//! that keep them online), `app/` (the app's profile), `server.log`. It is filled only when it is
//! new (no `seeded` marker); [`Options::fresh`] starts over.

use std::{
    io::{BufRead, BufReader},
    net::{TcpListener, TcpStream, ToSocketAddrs},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// Every demo account's password.
pub const PASSWORD: &str = "confer-demo";

/// The accounts: name, display name, status and its message.
pub const USERS: &[(&str, &str, &str, &str)] = &[
    ("alice", "Alice Martin", "available", "Happy to help"),
    ("bob", "Bob Okafor", "available", "Shipping 2.4 today"),
    ("carol", "Carol Nguyen", "dnd", "Focus time until 3 pm"),
    ("dave", "Dave Kowalski", "away", "Back after lunch"),
];

/// The address `cargo xtask run` serves on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7300";

/// Who the demo keeps online (alice is the app, or whoever signs in as her).
const ONLINE: &[&str] = &["bob", "carol", "dave"];

/// Written once the demo is filled: its presence means "not new".
const SEEDED: &str = "seeded";

/// What the demo keeps in its directory (removed when it starts over).
const OWNED: &[&str] = &["server", "profiles", "online", "app", "server.log", SEEDED];

/// How long the server and the online processes get to come up.
const STARTUP: Duration = Duration::from_secs(30);

/// Where and how to run the demo.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory holding `confer-server` and `confer-cli` (`$CARGO_TARGET_DIR/debug`).
    pub bin: PathBuf,
    /// The demo's directory.
    pub data: PathBuf,
    /// `host:port` to serve on.
    pub listen: String,
    /// Delete what an earlier run left and fill the demo again.
    pub fresh: bool,
}

/// A running demo: the server and the processes keeping bob, carol and dave online, stopped on
/// drop.
pub struct Demo {
    server: Option<Child>,
    online: Vec<Child>,
    url: String,
    data: PathBuf,
    bin: PathBuf,
    seeded: bool,
}

impl Demo {
    /// Starts the server on `options.listen` (fills the demo first when its directory is new)
    /// and returns once the server answers and the other demo users are online.
    pub fn start(options: &Options) -> Result<Self> {
        for name in ["confer-server", "confer-cli"] {
            let path = options.bin.join(name);
            if !path.exists() {
                bail!(
                    "{} is missing: cargo build -p confer-server -p confer-cli",
                    path.display()
                );
            }
        }
        let data = &options.data;
        let marker = data.join(SEEDED);
        if options.fresh && data.exists() {
            std::fs::remove_dir_all(data)
                .with_context(|| format!("cannot remove {}", data.display()))?;
        }
        let new = !marker.exists();
        if new {
            // An unfinished run: start over (only what the demo owns).
            for name in OWNED {
                let path = data.join(name);
                if path.is_dir() {
                    std::fs::remove_dir_all(&path)?;
                } else if path.exists() {
                    std::fs::remove_file(&path)?;
                }
            }
        }
        std::fs::create_dir_all(data.join("server"))
            .with_context(|| format!("cannot create {}", data.display()))?;
        if TcpListener::bind(&options.listen).is_err() {
            bail!(
                "{} is taken: is another demo running? (`cargo xtask run --listen ADDR` picks \
                 another address)",
                options.listen
            );
        }
        let mut demo = Self {
            server: None,
            online: Vec::new(),
            url: format!("ws://{}", options.listen),
            data: data.clone(),
            bin: options.bin.clone(),
            seeded: false,
        };
        if new {
            for (name, display, _, _) in USERS {
                demo.add_user(name, display)?;
            }
        }
        demo.serve(&options.listen)?;
        if new {
            demo.seed()?;
            std::fs::write(&marker, "filled by cargo xtask run; --fresh starts over\n")?;
            demo.seeded = true;
        }
        for user in ONLINE {
            demo.keep_online(user)?;
        }
        Ok(demo)
    }

    /// The server's WebSocket address (`ws://host:port`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The demo's directory.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// The server's data directory.
    pub fn server_data(&self) -> PathBuf {
        self.data.join("server")
    }

    /// Whether this start filled the demo (it was new).
    pub fn seeded_now(&self) -> bool {
        self.seeded
    }

    /// The `confer-cli` binary.
    pub fn cli_path(&self) -> PathBuf {
        self.bin.join("confer-cli")
    }

    /// A demo user's command-line profile.
    pub fn profile(&self, user: &str) -> PathBuf {
        self.data.join("profiles").join(user)
    }

    /// The desktop app's profile (alice's).
    pub fn app_profile(&self) -> PathBuf {
        self.data.join("app")
    }

    /// The commands that play bob from a terminal, with this demo's paths.
    pub fn play_commands(&self) -> Vec<String> {
        play_commands(&self.cli_path(), &self.profile("bob"), &self.url)
    }

    /// Runs `confer-cli` as a demo user with their profile; returns its standard output.
    pub fn cli(&self, user: &str, args: &[&str]) -> Result<String> {
        let out = self
            .cli_command(user, &self.profile(user))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("cannot run confer-cli")?;
        if !out.status.success() {
            bail!(
                "confer-cli {} as {user} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Waits until the server exits (Ctrl-C stops it and everything else).
    pub fn wait(mut self) -> Result<()> {
        let status = self.server.take().expect("server").wait()?;
        if !status.success() {
            bail!("confer-server exited with {status}");
        }
        Ok(())
    }

    fn cli_command(&self, user: &str, profile: &Path) -> Command {
        let mut cmd = Command::new(self.cli_path());
        cmd.args(["--server", &self.url, "--user", user, "--profile"])
            .arg(profile)
            .env("CONFER_PASSWORD", PASSWORD)
            // Tokens stay in the demo's directory, out of the user's keyring.
            .env("CONFER_CREDENTIALS", "file")
            .env("NO_COLOR", "1")
            .env_remove("CONFER_USER")
            .env_remove("CONFER_SERVER")
            .env_remove("CONFER_PROFILE")
            .env_remove("CONFER_LOG");
        cmd
    }

    fn add_user(&self, name: &str, display: &str) -> Result<()> {
        use std::io::Write;
        let mut child = Command::new(self.bin.join("confer-server"))
            .arg("--data")
            .arg(self.server_data())
            .args(["user", "add", name, "--display-name", display])
            .args([
                "--email",
                &format!("{name}@example.com"),
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot run confer-server")?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(format!("{PASSWORD}\n").as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "cannot create the demo user {name}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Starts the server and waits until it accepts connections.
    fn serve(&mut self, listen: &str) -> Result<()> {
        let log = std::fs::File::create(self.data.join("server.log"))?;
        let mut command = Command::new(self.bin.join("confer-server"));
        // Guests from a browser get the built UI's guest page at /join/TOKEN.
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
        if web.join("guest.html").exists() {
            command.arg("--web-dir").arg(web);
        }
        let child = command
            .arg("--data")
            .arg(self.server_data())
            .args(["--listen", listen])
            // Moderators can record the demo's meetings (mixed with ffmpeg, installed with the
            // server's backends).
            .arg("--recording")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start confer-server")?;
        let server = self.server.insert(child);
        let addrs: Vec<_> = listen
            .to_socket_addrs()
            .with_context(|| format!("{listen} is not an address"))?
            .collect();
        let deadline = Instant::now() + STARTUP;
        while !addrs
            .iter()
            .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(1)).is_ok())
        {
            if let Some(status) = server.try_wait()? {
                bail!(
                    "confer-server exited ({status}): {}",
                    std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!("confer-server does not answer on {listen} after {STARTUP:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Fills the demo through `confer-cli`, as people would.
    fn seed(&self) -> Result<()> {
        for (user, _, status, message) in USERS {
            self.cli(user, &["status", status, "--message", message])?;
        }
        // The oldest chat: Dave welcomed Alice; her answer reached his devices, unread so far.
        self.cli(
            "dave",
            &[
                "send",
                "alice",
                "Welcome to Confer, Alice! Ping me if anything looks off.",
            ],
        )?;
        self.cli("alice", &["read", "dave"])?;
        self.cli("alice", &["send", "dave", "Thanks Dave, will do."])?;
        // Bob read Alice's answers: two blue ticks.
        self.cli(
            "bob",
            &[
                "send",
                "alice",
                "Morning Alice! The 2.4 release notes are in the wiki.",
            ],
        )?;
        self.cli("alice", &["read", "bob"])?;
        self.cli(
            "alice",
            &["send", "bob", "Great, I'll read them before the stand-up."],
        )?;
        let ask = self.cli(
            "alice",
            &["send", "bob", "Could you add the migration steps?"],
        )?;
        self.cli("bob", &["react", ask.trim(), "👍"])?;
        // Bob answers it, then fixes his link: an answer with a quote, an edited message.
        let done = self.cli(
            "bob",
            &[
                "reply",
                ask.trim(),
                "Done, see https://wiki.example.com/release/2.4#migratoin",
            ],
        )?;
        self.cli(
            "bob",
            &[
                "edit",
                done.trim(),
                "Done, see https://wiki.example.com/release/2.4#migration",
            ],
        )?;
        self.cli("bob", &["read", "alice"])?;
        // A group of three with two messages Alice has not read.
        let group = conversation_id(&self.cli(
            "bob",
            &[
                "group",
                "create",
                "alice",
                "carol",
                "--name",
                "Release crew",
                "--json",
            ],
        )?)?;
        self.cli("alice", &["group", "join", &group])?;
        self.cli("carol", &["group", "join", &group])?;
        let tagged = self.cli(
            "bob",
            &["send", &group, "2.4 is tagged. Release at **4 pm**?"],
        )?;
        let signed = self.cli(
            "carol",
            &[
                "reply",
                tagged.trim(),
                "QA signed it off this morning, go for it. @alice can you post the notes?",
            ],
        )?;
        self.cli("bob", &["react", signed.trim(), "🎉"])?;
        // The newest: Carol, two unread.
        self.cli("carol", &["send", "alice", "Lunch at 12:30?"])?;
        self.cli(
            "carol",
            &["send", "alice", "The new place on Rue Cler has a terrace."],
        )?;
        // Alice's Virtual Room, Bob moderates, a meeting tomorrow.
        let room =
            conversation_id(&self.cli("alice", &["room", "create", "Weekly planning", "--json"])?)?;
        for member in ["bob", "carol", "dave"] {
            self.cli("alice", &["room", "add", &room, member])?;
        }
        self.cli("alice", &["room", "promote", &room, "bob"])?;
        self.cli(
            "alice",
            &[
                "room",
                "schedule",
                &room,
                "--at",
                &tomorrow_at_ten(),
                "--minutes",
                "45",
                "--title",
                "Sprint planning",
            ],
        )?;
        for favourite in ["bob", "carol"] {
            self.cli("alice", &["favourite", "add", favourite])?;
        }
        Ok(())
    }

    /// Starts `confer-cli follow` as `user` and waits until it is online.
    fn keep_online(&mut self, user: &str) -> Result<()> {
        let mut child = self
            .cli_command(user, &self.data.join("online").join(user))
            .arg("follow")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot run confer-cli")?;
        let stderr = child.stderr.take().expect("piped");
        self.online.push(child);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                let online = line.starts_with("following as");
                if tx.send(line).is_err() || online {
                    break;
                }
            }
            // Keep reading so the process never blocks on a full pipe.
            for _ in lines {}
        });
        let deadline = Instant::now() + STARTUP;
        let mut said = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with("following as") => return Ok(()),
                Ok(line) => said.push(line),
                Err(_) => bail!(
                    "confer-cli follow as {user} did not come online: {}",
                    said.join("\n")
                ),
            }
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        for mut child in self.online.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut server) = self.server.take() {
            // SIGTERM: the server closes its connections and exits; SIGKILL if it does not.
            let _ = Command::new("kill")
                .args(["-TERM", &server.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = server.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// The commands that play bob against the demo: an `export` line, then send, read and follow.
pub fn play_commands(cli: &Path, profile: &Path, url: &str) -> Vec<String> {
    let cli = quoted(&cli.display().to_string());
    vec![
        format!(
            "export CONFER_SERVER={url} CONFER_USER=bob CONFER_PASSWORD={PASSWORD} CONFER_PROFILE={}",
            quoted(&profile.display().to_string())
        ),
        format!("{cli} send alice \"Hi Alice, lunch today?\""),
        format!("{cli} read alice"),
        format!("{cli} follow"),
    ]
}

/// `text` as one shell word.
fn quoted(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The `conversation` of a `--json` answer, as an argument.
fn conversation_id(json: &str) -> Result<String> {
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).with_context(|| format!("not JSON: {json:?}"))?;
    value["conversation"]
        .as_u64()
        .map(|id| id.to_string())
        .with_context(|| format!("no conversation in {json:?}"))
}

/// Tomorrow at 10:00 local time (RFC 3339), or at 10:00 UTC where `date` cannot tell.
fn tomorrow_at_ten() -> String {
    let local = Command::new("date")
        .args(["-d", "tomorrow", "+%Y-%m-%dT10:00:00%:z"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| s.len() == 25);
    local.unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (y, m, d) = civil_from_days((now / 86_400 + 1) as i64);
        format!("{y:04}-{m:02}-{d:02}T10:00:00Z")
    })
}

/// The date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_shell_words() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(quoted("/a/b-c"), "/a/b-c");
        assert_eq!(quoted("/a b/it's"), r"'/a b/it'\''s'");
        let t = tomorrow_at_ten();
        assert!(t.contains("T10:00:00"), "{t}");
    }
}
