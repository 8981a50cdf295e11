//! PostgreSQL and NATS for tests: real server processes from the system's packages (Debian's
//! `postgresql` and `nats-server`, which `cargo xtask test` installs), on 127.0.0.1 with free
//! ports and temporary directories, stopped when dropped and also when the test process exits,
//! however it exits.

use std::{
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, Write},
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};

/// What a missing program's error tells the developer to do.
const INSTALL_HINT: &str =
    "run `cargo xtask test` once: it installs the Debian packages `postgresql` and `nats-server`";

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL role every test cluster is created with (trust authentication, superuser).
pub const POSTGRES_USER: &str = "confer";

/// A PostgreSQL cluster of its own: `initdb` in a temporary directory, the postmaster on a free
/// 127.0.0.1 port with its socket in that directory, superuser [`POSTGRES_USER`] with trust
/// authentication, durability off (a test's data never has to survive a crash of the machine,
/// and fsync would make every commit wait for the disk). Dropping it stops the postmaster (`pg_ctl stop -m immediate`) and
/// removes the directory; so does the test process's exit (see [`PostgresServer::shared`]).
pub struct PostgresServer {
    port: u16,
    bin: PathBuf,
    data: PathBuf,
    pid: u32,
    /// Stops the cluster and removes the directory when released or when this process exits.
    guard: Guard,
    dir: tempfile::TempDir,
}

impl PostgresServer {
    /// Starts a fresh cluster (about a second, most of it `initdb`); blocks until it accepts
    /// connections (`pg_ctl start -w`). When the tests run as root, the cluster runs as the
    /// `postgres` user (PostgreSQL refuses root), through `runuser`.
    pub fn start() -> Result<Self> {
        let bin = postgres_bin()?;
        let run_as = if running_as_root()? {
            Some(SystemUser::lookup("postgres").context(
                "the tests run as root, which PostgreSQL refuses, and there is no `postgres` \
                 user to run it as (the Debian package creates one)",
            )?)
        } else {
            None
        };
        // As root the `postgres` user must reach the directory, which a TMPDIR under /root
        // would forbid; /tmp also keeps the socket's path under its 107-byte limit.
        let mut builder = tempfile::Builder::new();
        builder.prefix("confer-pg-");
        let dir = match run_as {
            Some(_) => builder.tempdir_in("/tmp")?,
            None => builder.tempdir()?,
        };
        if let Some(user) = &run_as {
            std::os::unix::fs::chown(dir.path(), Some(user.uid), Some(user.gid))
                .context("cannot give the cluster's directory to the postgres user")?;
        }
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        let as_postgres = |program: &str| {
            let mut cmd = match run_as {
                Some(_) => {
                    let mut c = Command::new("runuser");
                    c.args(["-u", "postgres", "--"]).arg(bin.join(program));
                    c
                }
                None => Command::new(bin.join(program)),
            };
            // The postgres user may not be allowed into the test's working directory.
            cmd.current_dir(dir.path());
            cmd
        };
        // Armed before initdb, so that a test dying at any point below leaves nothing behind.
        let mut stop = as_postgres("pg_ctl");
        stop.arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"]);
        let guard = Guard::spawn(
            r#"dir=$1; shift; "$@" >/dev/null 2>&1; rm -rf "$dir""#,
            std::iter::once(dir.path().as_os_str())
                .chain(std::iter::once(stop.get_program()))
                .chain(stop.get_args()),
        )?;

        run(
            as_postgres("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", POSTGRES_USER, "-E", "UTF8"])
                // Code-point collation (the same order on every machine) with Unicode-aware
                // upper/lower; --no-sync: nothing here needs to survive a power cut.
                .args(["--locale=C.UTF-8", "--no-sync", "--no-instructions"]),
            "initdb",
        )?;
        let quoted_dir = dir.path().to_string_lossy().replace('\'', "''");
        // Settings go in the file rather than through `pg_ctl -o`, which a shell splits.
        OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?
            .write_all(
                format!(
                    "\n# confer-testkit\nlisten_addresses = '127.0.0.1'\n\
                     unix_socket_directories = '{quoted_dir}'\n\
                     fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                )
                .as_bytes(),
            )?;

        // The free port is only free until someone else binds it: try another on that race.
        let mut attempt = 0;
        let port = loop {
            attempt += 1;
            let port = free_port()?;
            let started = run(
                as_postgres("pg_ctl")
                    .arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-o", &format!("-p {port}"), "-w", "-t", "60", "start"]),
                "pg_ctl start",
            );
            match started {
                Ok(_) => break port,
                Err(_) if attempt < 3 && log_tail(&log).contains("already in use") => {}
                Err(e) => return Err(e.context(format!("log:\n{}", log_tail(&log)))),
            }
        };
        let pid = fs::read_to_string(data.join("postmaster.pid"))?
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .context("unreadable postmaster.pid")?;
        Ok(Self {
            port,
            bin,
            data,
            pid,
            guard,
            dir,
        })
    }

    /// One cluster for the whole test binary, started by the first caller (the others wait for
    /// it): give each test a database of its own with [`PostgresServer::fresh_database`]. A
    /// static is never dropped; the cluster stops when the process exits, in any way (its end,
    /// a panic that aborts, SIGKILL), because the kernel then closes the pipe that a watchdog
    /// process waits on. A failed start is reported to every caller, not retried.
    pub fn shared() -> Result<&'static PostgresServer> {
        static SHARED: OnceLock<Result<PostgresServer, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| PostgresServer::start().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow!("the shared PostgreSQL cluster did not start: {e}"))
    }

    /// The URL of a database on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{POSTGRES_USER}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Creates an empty database (`createdb`) and returns its URL. Names are ASCII letters,
    /// digits and `_`, at most 63 bytes, so that they need no quoting in a URL or in SQL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        if !valid_database_name(name) {
            bail!("database name {name:?}: use 1 to 63 ASCII letters, digits or '_'");
        }
        run(
            self.client("createdb")
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", POSTGRES_USER, "--no-password", name]),
            &format!("createdb {name}"),
        )?;
        Ok(self.url(name))
    }

    /// Creates a database named `{prefix}_{n}`, unique in this process, and returns its URL.
    pub fn fresh_database(&self, prefix: &str) -> Result<String> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        self.create_database(&format!(
            "{prefix}_{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Runs SQL with `psql` on a database and returns what it prints, unaligned and without
    /// headers (`select 1` gives "1"); fails on the first SQL error.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String> {
        let out = run(
            self.client("psql")
                .args(["-X", "-q", "-A", "-t", "--no-password"])
                .args([
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    &self.url(database),
                    "-c",
                    sql,
                ]),
            "psql",
        )?;
        Ok(out.trim_end_matches('\n').to_owned())
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The cluster's data directory (the log is `postgres.log` beside it).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The end of the server's log, for a failing test's message.
    pub fn log(&self) -> String {
        log_tail(&self.dir.path().join("postgres.log"))
    }

    fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        // A client must never wait for a typed password or read the developer's defaults.
        cmd.env_remove("PGSERVICE").env("PGCONNECT_TIMEOUT", "10");
        cmd
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // The guard stops the postmaster and removes the directory, and is waited for: when
        // drop returns, no process of this cluster is left.
        self.guard.release();
    }
}

/// A `nats-server` on a free 127.0.0.1 port, logging to a file in a temporary directory. It can
/// be killed and restarted on the same port, to test what clients do while it is away. Dropping
/// it kills it; so does the test process's exit, in any way.
pub struct NatsServer {
    port: u16,
    program: PathBuf,
    child: Option<Child>,
    /// Kills the process named in `nats.pid` and removes the directory when this process exits.
    guard: Guard,
    dir: tempfile::TempDir,
}

impl NatsServer {
    /// Starts `nats-server -a 127.0.0.1 -p PORT` and waits until it accepts connections and
    /// sends its INFO line (at most 10 s).
    pub fn start() -> Result<Self> {
        let program = find_program("nats-server", &search_path())?;
        let dir = tempfile::Builder::new().prefix("confer-nats-").tempdir()?;
        let guard = Guard::spawn(
            r#"[ -f "$1/nats.pid" ] && kill -9 "$(cat "$1/nats.pid")" 2>/dev/null; rm -rf "$1""#,
            [dir.path().as_os_str()],
        )?;
        let mut server = Self {
            port: 0,
            program,
            child: None,
            guard,
            dir,
        };
        // The free port is only free until someone else binds it: try another on that race.
        let mut attempt = 0;
        loop {
            attempt += 1;
            server.port = free_port()?;
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(_) if attempt < 3 && server.log().contains("address already in use") => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The running server's process id (None after [`NatsServer::kill`]).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL: no goodbye to its clients, as in a crash) and waits for it.
    /// Does nothing when it is not running.
    pub fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            // Until `wait` reaps it, the dead process keeps its pid, so the guard can never
            // kill another process that reused it; the pid file goes before the reaping.
            let _ = child.kill();
            let _ = fs::remove_file(self.pid_file());
            child.wait().context("waiting for nats-server")?;
        }
        Ok(())
    }

    /// Starts it again on the same port (killing it first if it runs) and waits until it
    /// accepts connections.
    pub fn restart(&mut self) -> Result<()> {
        self.kill()?;
        self.spawn()
    }

    /// Its log (every start appends to the same file).
    pub fn log(&self) -> String {
        log_tail(&self.dir.path().join("nats.log"))
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.path().join("nats.pid")
    }

    fn spawn(&mut self) -> Result<()> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("nats.log"))?;
        let child = Command::new(&self.program)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.program.display()))?;
        let pid = child.id();
        self.child = Some(child);
        fs::write(self.pid_file(), pid.to_string())?;
        self.wait_ready()
            .with_context(|| format!("nats-server on {}; log:\n{}", self.addr(), self.log()))
    }

    /// A readiness probe: connect until the server answers its INFO line, failing early if
    /// the process exits (a taken port, a bad flag).
    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.child.as_mut().context("nats-server is not running")?;
            if let Some(status) = child.try_wait()? {
                self.child = None;
                let _ = fs::remove_file(self.pid_file());
                bail!("nats-server exited at start ({status})");
            }
            if let Ok(stream) = TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1)) {
                stream.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut line = String::new();
                if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("INFO ")
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "nats-server did not accept connections within {} s",
                    READY_TIMEOUT.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.kill();
        self.guard.release();
    }
}

/// A watchdog: a `sh` child that runs a cleanup script once its stdin reaches end of file, which
/// happens when the guard is released or when this process exits in any way (the kernel closes
/// the pipe's write end; std opens pipes close-on-exec, so no other child holds it). Needed
/// because a static's Drop never runs, a killed test runs no Drop at all, and PostgreSQL's
/// postmaster runs in a session of its own (pg_ctl calls setsid), out of reach of the signals
/// that stop the test process.
struct Guard {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Guard {
    /// `cleanup` sees `args` as `$1`, `$2`, ...
    fn spawn<I, S>(cleanup: &str, args: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("trap '' INT TERM HUP; cat >/dev/null; {cleanup}"))
            .arg("sh")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/")
            // Its own process group: Ctrl-C, or a CI timeout that kills the test's group, must
            // not stop the watchdog before it has cleaned up.
            .process_group(0)
            .spawn()
            .context("cannot start the cleanup watchdog (sh)")?;
        let stdin = child.stdin.take();
        Ok(Self { child, stdin })
    }

    /// Runs the cleanup now and waits for it.
    fn release(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.release();
    }
}

struct SystemUser {
    uid: u32,
    gid: u32,
}

impl SystemUser {
    fn lookup(name: &str) -> Result<Self> {
        let id = |flag: &str| -> Result<u32> {
            Ok(run(Command::new("id").args([flag, name]), "id")?
                .trim()
                .parse()?)
        };
        Ok(Self {
            uid: id("-u")?,
            gid: id("-g")?,
        })
    }
}

fn valid_database_name(name: &str) -> bool {
    (1..=63).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn running_as_root() -> Result<bool> {
    Ok(run(Command::new("id").arg("-u"), "id -u")?.trim() == "0")
}

/// The directory holding PostgreSQL's programs: Debian installs each major version side by side
/// in /usr/lib/postgresql/VERSION/bin (the newest complete one wins); elsewhere, where `pg_ctl`
/// on the PATH really lives.
fn postgres_bin() -> Result<PathBuf> {
    const PROGRAMS: [&str; 5] = ["initdb", "pg_ctl", "postgres", "createdb", "psql"];
    let complete = |dir: &Path| PROGRAMS.iter().all(|p| executable(&dir.join(p)));
    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|n| n.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.into_iter().rev().find(|(_, dir)| complete(dir)) {
        return Ok(dir);
    }
    if let Ok(pg_ctl) = find_program("pg_ctl", &search_path())
        && let Ok(pg_ctl) = fs::canonicalize(pg_ctl)
        && let Some(dir) = pg_ctl.parent()
        && complete(dir)
    {
        return Ok(dir.to_owned());
    }
    bail!(
        "PostgreSQL's programs ({}) were not found in /usr/lib/postgresql/*/bin nor beside \
         pg_ctl on the PATH: {INSTALL_HINT}",
        PROGRAMS.join(", ")
    )
}

/// The PATH, then the sbin directories, where Debian puts nats-server and which a normal
/// user's PATH lacks.
fn search_path() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from));
    dirs
}

fn find_program(name: &str, dirs: &[PathBuf]) -> Result<PathBuf> {
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| executable(p))
        .with_context(|| {
            format!("`{name}` was not found on the PATH nor in /usr/sbin: {INSTALL_HINT}")
        })
}

fn executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Runs a command to completion (stdin closed, so nothing waits for a typed answer); its
/// stdout, or an error holding its output.
fn run(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what} ({})", cmd.get_program().display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            stdout.trim()
        );
    }
    Ok(stdout)
}

/// The last few kilobytes of a log file ("" when it cannot be read).
fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let mut bytes = Vec::new();
    let _ = std::io::Read::read_to_end(&mut file, &mut bytes);
    let start = bytes.len().saturating_sub(4096);
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

/// A user-space PulseAudio server with null sinks (real audio devices with no sound card): each
/// sink plays nowhere, and its monitor is a microphone that hears what the sink plays. Clients
/// reach it through the environment of [`PulseServer::env`]. Dropping it kills it; so does the
/// test process's exit.
pub struct PulseServer {
    child: Option<Child>,
    runtime: tempfile::TempDir,
    guard: Guard,
}

impl PulseServer {
    /// Starts `pulseaudio` in the foreground with one null sink per name (48 kHz), the first the
    /// default sink and its monitor the default source, and waits until `pactl` reaches it.
    pub fn start(sinks: &[&str]) -> Result<Self> {
        let program = find_program("pulseaudio", &search_path())?;
        let runtime = tempfile::Builder::new().prefix("confer-pulse-").tempdir()?;
        fs::set_permissions(runtime.path(), fs::Permissions::from_mode(0o700))?;
        let guard = Guard::spawn(
            r#"[ -f "$1/pulse.pid" ] && kill -9 "$(cat "$1/pulse.pid")" 2>/dev/null; rm -rf "$1""#,
            [runtime.path().as_os_str()],
        )?;
        let log = fs::File::create(runtime.path().join("pulse.log"))?;
        let mut cmd = Command::new(&program);
        cmd.args([
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--log-target=stderr",
            // Anonymous: its clients (an app with a home of its own) have no cookie to show.
            "--load=module-native-protocol-unix auth-anonymous=1",
        ]);
        for sink in sinks {
            cmd.arg(format!(
                "--load=module-null-sink sink_name={sink} rate=48000"
            ));
        }
        let mut server = Self {
            child: None,
            runtime,
            guard,
        };
        let child = cmd
            .envs(server.env())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        fs::write(
            server.runtime.path().join("pulse.pid"),
            child.id().to_string(),
        )?;
        server.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        while !server.pactl(&["info"]).is_ok_and(|o| o.status.success()) {
            if let Some(status) = server
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!("pulseaudio exited at start ({status}):\n{}", server.log());
            }
            if Instant::now() > deadline {
                bail!("pulseaudio did not start:\n{}", server.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(first) = sinks.first() {
            for args in [
                ["set-default-sink", first].map(String::from),
                ["set-default-source", &format!("{first}.monitor")].map(String::from),
            ] {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = server.pactl(&args)?;
                anyhow::ensure!(out.status.success(), "pactl {args:?} failed");
            }
        }
        Ok(server)
    }

    /// The environment a client needs to reach this server.
    pub fn env(&self) -> Vec<(String, String)> {
        let dir = self.runtime.path().display().to_string();
        vec![
            ("XDG_RUNTIME_DIR".into(), dir.clone()),
            ("PULSE_RUNTIME_PATH".into(), format!("{dir}/pulse")),
            ("PULSE_SERVER".into(), format!("unix:{dir}/pulse/native")),
        ]
    }

    /// Runs `pactl` against this server.
    pub fn pactl(&self, args: &[&str]) -> Result<std::process::Output> {
        Ok(Command::new("pactl")
            .args(args)
            .envs(self.env())
            .stdin(Stdio::null())
            .output()?)
    }

    /// Plays a WAV file into a sink (`paplay`), in the background; kill the child to stop.
    pub fn play(&self, sink: &str, wav: &Path) -> Result<Child> {
        Ok(Command::new("paplay")
            .arg(format!("--device={sink}"))
            // A null sink renders in blocks as long as its clients allow (up to seconds): a
            // low-latency player keeps them short, as a sound card's would be, so its monitor
            // delivers a steady stream rather than bursts.
            .arg("--latency-msec=20")
            .arg(wav)
            .envs(self.env())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?)
    }

    /// Its log.
    pub fn log(&self) -> String {
        log_tail(&self.runtime.path().join("pulse.log"))
    }
}

impl Drop for PulseServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = fs::remove_file(self.runtime.path().join("pulse.pid"));
            let _ = child.wait();
        }
        self.guard.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_says_how_to_install_it() {
        let err = find_program("nats-server", &[]).unwrap_err().to_string();
        assert!(err.contains("cargo xtask test"), "{err}");
    }

    #[test]
    fn database_names_need_no_quoting() {
        assert!(valid_database_name("chat_1") && valid_database_name(&"x".repeat(63)));
        for bad in ["", "a-b", "a b", "x'", "é", &"x".repeat(64)] {
            assert!(!valid_database_name(bad), "{bad:?}");
        }
    }
}

/// The Python the system's packages installed into (`python3-aiosmtpd`): `/usr/bin/python3`
/// when it exists, since a developer's own Python (pyenv, a virtualenv) may come first on the
/// PATH without Debian's modules.
fn system_python() -> Result<PathBuf> {
    let system = PathBuf::from("/usr/bin/python3");
    if executable(&system) {
        return Ok(system);
    }
    find_program("python3", &search_path())
}

/// One mail as the SMTP server received it, parsed by Python's `email` package.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedMail {
    /// The envelope's sender (`MAIL FROM`).
    pub envelope_from: String,
    /// The envelope's recipients (`RCPT TO`).
    pub envelope_to: Vec<String>,
    /// The `From` header.
    pub from: String,
    /// The `To` header.
    pub to: String,
    /// The `Subject` header, decoded.
    pub subject: String,
    /// The plain-text body, its transfer encoding undone.
    pub body: String,
}

/// A real SMTP server: aiosmtpd (Debian's `python3-aiosmtpd`) on a free 127.0.0.1 port,
/// storing every mail it accepts in a Maildir. Dropping it kills it; so does the test
/// process's exit.
pub struct SmtpServer {
    port: u16,
    python: PathBuf,
    child: Option<Child>,
    guard: Guard,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts it and waits until it greets (at most 10 s).
    pub fn start() -> Result<Self> {
        let python = system_python()?;
        let dir = tempfile::Builder::new().prefix("confer-smtp-").tempdir()?;
        let guard = Guard::spawn(
            r#"[ -f "$1/smtp.pid" ] && kill -9 "$(cat "$1/smtp.pid")" 2>/dev/null; rm -rf "$1""#,
            [dir.path().as_os_str()],
        )?;
        let port = free_port()?;
        let log = File::create(dir.path().join("smtp.log"))?;
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Mailbox"])
            .arg("-l")
            .arg(format!("127.0.0.1:{port}"))
            .arg(dir.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start aiosmtpd with {}", python.display()))?;
        fs::write(dir.path().join("smtp.pid"), child.id().to_string())?;
        let mut server = Self {
            port,
            python,
            child: Some(child),
            guard,
            dir,
        };
        server.wait_ready().with_context(|| {
            format!(
                "aiosmtpd on 127.0.0.1:{port} (`cargo xtask test` installs python3-aiosmtpd); \
                 log:\n{}",
                log_tail(&server.dir.path().join("smtp.log"))
            )
        })?;
        Ok(server)
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Result<Vec<ReceivedMail>> {
        const READ: &str = r#"
import email, email.policy, json, os, sys
new = os.path.join(sys.argv[1], "new")
names = sorted(os.listdir(new), key=lambda n: (os.stat(os.path.join(new, n)).st_mtime_ns, n))
out = []
for name in names:
    with open(os.path.join(new, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    body = m.get_body(preferencelist=("plain",))
    out.append({
        "envelope_from": m.get("X-MailFrom", ""),
        "envelope_to": [a.strip() for a in m.get("X-RcptTo", "").split(",") if a.strip()],
        "from": str(m.get("From", "")),
        "to": str(m.get("To", "")),
        "subject": str(m.get("Subject", "")),
        "body": body.get_content() if body is not None else "",
    })
print(json.dumps(out))
"#;
        let maildir = self.dir.path().join("maildir");
        if !maildir.join("new").exists() {
            return Ok(Vec::new());
        }
        let out = run(
            Command::new(&self.python).arg("-c").arg(READ).arg(&maildir),
            "reading the maildir",
        )?;
        Ok(serde_json::from_str(&out)?)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.child.as_mut().context("aiosmtpd is not running")?;
            if let Some(status) = child.try_wait()? {
                self.child = None;
                bail!("aiosmtpd exited at start ({status})");
            }
            if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                stream.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut line = String::new();
                if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("220") {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "aiosmtpd did not greet within {} s",
                    READY_TIMEOUT.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = fs::remove_file(self.dir.path().join("smtp.pid"));
            let _ = child.wait();
        }
        self.guard.release();
    }
}
