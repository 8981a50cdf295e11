//! The real PostgreSQL and NATS servers the testkit starts. They need the Debian packages
//! `postgresql` and `nats-server` (`cargo xtask test` installs them); without them these tests
//! fail and say so.
#![cfg(unix)]

use std::{
    io::{BufRead, BufReader, ErrorKind},
    net::TcpStream,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use confer_testkit::{NatsServer, PostgresServer};

/// Whether a process runs (a zombie does not count: a container's init may never reap it).
fn alive(pid: u32) -> bool {
    Command::new("ps")
        .args(["-o", "stat=", "-p", &pid.to_string()])
        .output()
        .is_ok_and(|o| {
            let stat = String::from_utf8_lossy(&o.stdout);
            o.status.success() && !stat.trim().is_empty() && !stat.trim().starts_with('Z')
        })
}

/// The children of a process (a postmaster's checkpointer, WAL writer, ...).
fn children(pid: u32) -> Vec<u32> {
    Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `done` until it holds (a bounded wait for something another process does).
fn eventually(what: &str, mut done: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        if Instant::now() > deadline {
            bail!("timed out waiting until {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[test]
fn postgres_starts_answers_and_stops_without_leftovers() -> Result<()> {
    let started = Instant::now();
    let pg = PostgresServer::start()?;
    eprintln!("a fresh cluster started in {:?}", started.elapsed());
    assert_eq!(
        pg.url("chat"),
        format!("postgres://confer@127.0.0.1:{}/chat", pg.port())
    );
    assert_eq!(pg.psql("postgres", "select 1")?, "1");
    // psql against the URL the server will be given, not only through the testkit's helper.
    let out = Command::new("psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-w",
            "-d",
            &pg.url("postgres"),
            "-c",
            "select 1",
        ])
        .stdin(Stdio::null())
        .output()?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    assert_eq!(pg.psql("postgres", "show fsync")?, "off");

    let pid = pg.pid();
    let workers = children(pid);
    ensure!(!workers.is_empty(), "the postmaster has no workers");
    let dir = pg.data_dir().parent().context("data dir")?.to_owned();
    drop(pg);
    assert!(!alive(pid), "the postmaster outlived the drop");
    for worker in workers {
        assert!(!alive(worker), "worker {worker} outlived the drop");
    }
    assert!(!dir.exists(), "{} is left", dir.display());
    Ok(())
}

#[test]
fn databases_on_the_shared_cluster_are_independent() -> Result<()> {
    let pg = PostgresServer::shared()?;
    let a = pg.fresh_database("independent")?;
    let b = pg.fresh_database("independent")?;
    assert_ne!(a, b);
    let name = |url: &str| url.rsplit('/').next().unwrap_or_default().to_owned();
    let (a, b) = (name(&a), name(&b));
    pg.psql(&a, "create table t (x int); insert into t values (1), (2)")?;
    pg.psql(&b, "create table t (x int); insert into t values (3)")?;
    assert_eq!(pg.psql(&a, "select sum(x) from t")?, "3");
    assert_eq!(pg.psql(&b, "select sum(x) from t")?, "3");
    assert_eq!(pg.psql(&b, "select count(*) from t")?, "1");
    assert!(pg.create_database(&a).is_err(), "a name taken twice");
    assert!(pg.create_database("no-dashes").is_err());
    // Every caller gets the same cluster.
    assert_eq!(PostgresServer::shared()?.port(), pg.port());
    Ok(())
}

/// Run as a child process by the next test: takes the shared cluster, says where it is, then
/// waits to be killed.
#[test]
#[ignore = "a helper process for shared_cluster_stops_when_the_test_process_is_killed"]
fn shared_cluster_child() -> Result<()> {
    if std::env::var_os("CONFER_TESTKIT_CHILD").is_none() {
        return Ok(());
    }
    let pg = PostgresServer::shared()?;
    println!("CLUSTER {} {}", pg.pid(), pg.data_dir().display());
    std::io::stdin().read_line(&mut String::new())?;
    Ok(())
}

#[test]
fn shared_cluster_stops_when_the_test_process_is_killed() -> Result<()> {
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "shared_cluster_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("CONFER_TESTKIT_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("CLUSTER "));
    let Some(line) = line else {
        let _ = child.kill();
        bail!(
            "the child did not start the shared cluster: {:?}",
            child.wait()?
        );
    };
    let mut words = line.split(' ').skip(1);
    let pid: u32 = words.next().context("pid")?.parse()?;
    let data = Path::new(words.next().context("data dir")?).to_owned();
    assert!(alive(pid));
    let workers = children(pid);
    // SIGKILL: no Drop, no exit handler; only the kernel closing the child's files.
    child.kill()?;
    child.wait()?;
    eventually("the postmaster is gone", || !alive(pid))?;
    eventually("its workers are gone", || {
        workers.iter().all(|w| !alive(*w))
    })?;
    eventually("its directory is removed", || !data.exists())?;
    Ok(())
}

/// Connects and reads the server's greeting.
fn info_line(nats: &NatsServer) -> Result<String> {
    let stream = TcpStream::connect(nats.addr())?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    Ok(line)
}

#[test]
fn nats_starts_dies_and_comes_back_on_the_same_port() -> Result<()> {
    let mut nats = NatsServer::start()?;
    let url = nats.url();
    assert_eq!(url, format!("nats://127.0.0.1:{}", nats.addr().port()));
    let info = info_line(&nats)?;
    assert!(info.starts_with("INFO {"), "{info}");
    assert!(info.contains("\"server_id\""), "{info}");

    let first = nats.pid().context("running")?;
    nats.kill()?;
    assert!(!alive(first));
    assert_eq!(nats.pid(), None);
    let refused = TcpStream::connect(nats.addr()).map(|_| ()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);

    nats.restart()?;
    assert_eq!(nats.url(), url);
    assert!(info_line(&nats)?.starts_with("INFO {"));
    // Restarting a running server replaces it.
    let second = nats.pid().context("running")?;
    nats.restart()?;
    assert!(!alive(second));
    assert!(info_line(&nats)?.starts_with("INFO {"));

    let last = nats.pid().context("running")?;
    drop(nats);
    assert!(!alive(last), "nats-server outlived the drop");
    Ok(())
}
