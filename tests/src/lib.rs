//! End-to-end harness for the desktop app.
//!
//! Each [`Desktop`] is a private world: an Xvfb display, a session D-Bus with a notification
//! server on it, a real `confer-server` (in-process, on 127.0.0.1), tauri-driver (which starts
//! WebKitWebDriver, which starts the real `confer` binary signed in from the command line), and
//! `confer-cli` processes playing the other users. Nothing is faked.
//!
//! The binaries come from the cargo target directory: `cargo xtask test` (or
//! `cargo test --workspace`) builds them first, with the UI embedded.

pub mod notifications;
pub mod webdriver;
pub mod x11;

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use confer_testkit::TestServer;

pub use notifications::NotificationServer;
pub use webdriver::{Session, keys};

/// Every account's password.
pub const PASSWORD: &str = "e2e-password";

/// How long the UI gets to show something.
pub const UI_WAIT: Duration = Duration::from_secs(15);

/// The cargo target profile directory holding the binaries (`target/debug`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    // target/debug/deps/desktop-HASH → target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_owned()
}

fn binary(name: &str) -> Result<PathBuf> {
    let path = bin_dir().join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build the workspace first (`cargo xtask test` does)",
            path.display()
        );
    }
    Ok(path)
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_port(port: u16, what: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("{what} is not listening on {port} after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A child process killed (with its process group) on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // tauri-driver's children (WebKitWebDriver, the app) share its process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private session bus, stopped on drop.
pub struct SessionBus {
    _daemon: Proc,
    /// Its address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
}

impl SessionBus {
    /// Starts a bus daemon.
    pub fn start() -> Result<Self> {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start dbus-daemon (apt-get install dbus)")?;
        let mut address = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut address)?;
        let address = address.trim().to_owned();
        if address.is_empty() {
            bail!("dbus-daemon printed no address");
        }
        Ok(Self {
            _daemon: Proc(child),
            address,
        })
    }
}

use std::os::unix::process::CommandExt;

/// One private desktop with a server and users.
pub struct Desktop {
    // Dropped in this order: the app before the display, the bus and the server.
    driver: Option<Proc>,
    /// The notification server on the app's session bus.
    pub notifications: NotificationServer,
    bus: SessionBus,
    /// The display the app runs on.
    pub xvfb: x11::Xvfb,
    /// The chat server.
    pub server: TestServer,
    runtime: tokio::runtime::Runtime,
    /// A sound server for the app and the command-line clients, when a test wants one.
    pulse: Option<confer_testkit::PulseServer>,
    dir: tempfile::TempDir,
}

impl Desktop {
    /// Starts the display, the bus, the notification server and a chat server with `users`.
    pub fn start(users: &[&str]) -> Result<Self> {
        Self::start_with(users, |_| {})
    }

    /// [`Desktop::start`] with the chat server's configuration adjusted first.
    pub fn start_with(
        users: &[&str],
        adjust: impl FnOnce(&mut confer_testkit::Config),
    ) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let server = runtime.block_on(TestServer::start_with(adjust))?;
        for u in users {
            server.add_user(u, PASSWORD)?;
        }
        let xvfb = x11::Xvfb::start()?;
        let bus = SessionBus::start()?;
        let notifications = NotificationServer::start(&bus.address)?;
        Ok(Self {
            driver: None,
            notifications,
            bus,
            xvfb,
            server,
            runtime,
            pulse: None,
            dir: tempfile::tempdir()?,
        })
    }

    /// The sound server, when [`Desktop::with_sound`] started one.
    pub fn pulse(&self) -> Option<&confer_testkit::PulseServer> {
        self.pulse.as_ref()
    }

    /// Gives the app (launched after this) and the command-line clients a PulseAudio server
    /// with one null sink per name: real sound devices, no sound card.
    pub fn with_sound(&mut self, sinks: &[&str]) -> Result<&confer_testkit::PulseServer> {
        Ok(self
            .pulse
            .insert(confer_testkit::PulseServer::start(sinks)?))
    }

    /// A tokio runtime for in-process protocol clients (seeding data).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    fn env(&self, cmd: &mut Command) {
        let home = self.dir.path().join("home");
        let runtime_dir = self.dir.path().join("run");
        for d in [&home, &runtime_dir] {
            std::fs::create_dir_all(d).expect("temp dirs");
        }
        cmd.env("DISPLAY", &self.xvfb.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_RUNTIME_DIR", &runtime_dir)
            .env("CONFER_PASSWORD", PASSWORD)
            // The tests read English sentences (tray, notifications, the CLI's lines),
            // whatever the machine's locale.
            .env("CONFER_LANG", "en")
            // Tokens in profile files, never in a keyring.
            .env("CONFER_CREDENTIALS", "file")
            .env_remove("WAYLAND_DISPLAY");
        if let Some(pulse) = &self.pulse {
            // The sound server's socket; the app's own runtime directory stays its own.
            for (key, value) in pulse.env() {
                if key != "XDG_RUNTIME_DIR" {
                    cmd.env(key, value);
                }
            }
        } else {
            // No sound server: never the developer's own.
            cmd.env("PULSE_SERVER", "unix:/nonexistent");
        }
    }

    /// Launches the desktop app signed in as `user` and returns the WebDriver session.
    pub fn launch(&mut self, user: &str) -> Result<Session> {
        let server = self.server.ws_url();
        let profile = self.dir.path().join(format!("app-{user}"));
        self.launch_on(&server, user, PASSWORD, &profile)
    }

    /// Launches the desktop app signed in as `user` on another server (a `confer-server`
    /// process, say), with `password` and `profile`.
    pub fn launch_on(
        &mut self,
        server: &str,
        user: &str,
        password: &str,
        profile: &Path,
    ) -> Result<Session> {
        let (port, native) = (free_port()?, free_port()?);
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string()])
            .args(["--native-port", &native.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        self.env(&mut cmd);
        cmd.env("CONFER_PASSWORD", password);
        let child = cmd
            .spawn()
            .context("cannot start tauri-driver (cargo install tauri-driver --locked)")?;
        self.driver = Some(Proc(child));
        // tauri-driver listens before WebKitWebDriver does; a session needs both.
        wait_port(port, "tauri-driver", Duration::from_secs(20))?;
        wait_port(native, "WebKitWebDriver", Duration::from_secs(20))?;
        let app = binary("confer")?;
        let args = [
            "--server".into(),
            server.to_owned(),
            "--user".into(),
            user.into(),
            "--profile".into(),
            profile.display().to_string(),
        ];
        Session::start(port, &app.display().to_string(), &args)
    }

    /// Runs `confer-cli` as `user` and returns its standard output; fails on a non-zero exit.
    pub fn cli(&self, user: &str, args: &[&str]) -> Result<String> {
        let out = self.cli_command(user, args)?.output()?;
        if !out.status.success() {
            bail!(
                "confer-cli {args:?} as {user} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// Starts `confer-cli ARGS` as `user` in the background, its standard error piped (to
    /// wait for what it says it is ready for); killed by whoever holds the child.
    pub fn spawn_cli(&self, user: &str, args: &[&str]) -> Result<Child> {
        Ok(self
            .cli_command(user, args)?
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?)
    }

    /// `confer-cli ARGS` as `user`, against this server, with its own profile.
    fn cli_command(&self, user: &str, args: &[&str]) -> Result<Command> {
        let mut cmd = Command::new(binary("confer-cli")?);
        cmd.arg("--server")
            .arg(self.server.ws_url())
            .arg("--user")
            .arg(user)
            .arg("--profile")
            .arg(self.dir.path().join(format!("cli-{user}")))
            .args(args);
        self.env(&mut cmd);
        Ok(cmd)
    }

    /// Starts `confer-cli guest join LINK --name NAME --stay`: a guest without an account that
    /// stays in the meeting, printing its session as JSON lines.
    pub fn guest(&self, link: &str, name: &str) -> Result<GuestProcess> {
        let mut cmd = Command::new(binary("confer-cli")?);
        cmd.arg("--server")
            .arg(self.server.ws_url())
            .args(["guest", "join", link, "--name", name, "--stay"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        self.env(&mut cmd);
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().context("guest stdout")?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(GuestProcess { child, lines })
    }

    /// The home directory the app and the command-line clients run with.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A connection to the app's display.
    pub fn display(&self) -> Result<x11::Display> {
        x11::Display::connect(&self.xvfb.display)
    }
}

/// A running `confer-cli guest join --stay`; killed on drop.
pub struct GuestProcess {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl GuestProcess {
    /// The next JSON line the guest prints, waiting at most `timeout`.
    pub fn next_json(&self, timeout: Duration) -> Result<serde_json::Value> {
        let line = self
            .lines
            .recv_timeout(timeout)
            .context("the guest printed nothing in time")?;
        serde_json::from_str(&line).with_context(|| format!("guest printed {line:?}"))
    }
}

impl Drop for GuestProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves a screenshot of the app's window to `docs/screenshots/NAME.png`.
pub fn save_screenshot(display: &x11::Display, window: u32, name: &str) -> Result<PathBuf> {
    // Let the app paint the last change first.
    std::thread::sleep(Duration::from_millis(600));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, display.screenshot(window)?)?;
    Ok(path)
}
