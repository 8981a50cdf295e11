//! A `confer-server` process (the release binary beside the benchmark's), for benchmarks that
//! measure the server's own CPU and memory apart from the clients driving it.

use std::{
    io::Write,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// The running server; killed when dropped.
pub struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ServerProcess {
    /// Adds `users` (all with `password`) to the data directory `data`, then starts the server
    /// on it, listening on a free loopback port with `args` more; returns once it accepts.
    pub fn start(
        data: &Path,
        users: &[String],
        password: &str,
        args: &[&str],
    ) -> Result<(Self, SocketAddr)> {
        let bin = std::env::current_exe()?.with_file_name("confer-server");
        if !bin.exists() {
            bail!(
                "{} is missing: build the workspace's binaries",
                bin.display()
            );
        }
        for user in users {
            let mut add = Command::new(&bin)
                .arg("--data")
                .arg(data)
                .args(["user", "add", user, "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()?;
            add.stdin
                .take()
                .context("stdin")?
                .write_all(format!("{password}\n").as_bytes())?;
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
            .arg("--no-turn")
            .args(args)
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

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

/// A process's peak and current resident memory (VmHWM, VmRSS), in MiB.
pub fn memory_of(pid: u32) -> Option<(f64, f64)> {
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

/// CPU time a process has used so far (user and system, all threads), in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields counted from 3 start after its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// The kernel's clock ticks per second (USER_HZ), in which /proc counts CPU time.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}
