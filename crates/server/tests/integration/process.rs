//! The `confer-server` binary: admin commands, configuration, TLS and a clean SIGTERM.

use std::{
    io::Write,
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use confer_proto::{Event, Request, Response, ServerFrame};
use confer_testkit::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

const BIN: &str = env!("CARGO_BIN_EXE_confer-server");

fn server_cmd(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data")
        .arg(data)
        .env_remove("CONFER_LISTEN")
        .env_remove("CONFER_CONFIG");
    c
}

fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn user_add(data: &Path, name: &str) -> Output {
    let mut cmd = server_cmd(data);
    cmd.args([
        "user",
        "add",
        name,
        "--display-name",
        "Display Name",
        "--email",
        "x@example.com",
        "--password-stdin",
    ]);
    run_with_stdin(cmd, &format!("{PW}\n"))
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Waits until `/healthz` answers on `addr`.
async fn wait_healthy(addr: SocketAddr, child: &mut Guard) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited early: {status}");
        }
        if let Ok(mut s) = tokio::net::TcpStream::connect(addr).await {
            let _ = s
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await;
            let mut out = String::new();
            let _ = s.read_to_string(&mut out).await;
            if out.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {addr} never became healthy");
}

/// Kills the server if a test fails before stopping it, so no process outlives the test.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Guard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

fn spawn_server(mut cmd: Command) -> Guard {
    Guard(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn wait_exit(child: &mut Guard) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn admin_commands_manage_accounts_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = user_add(dir.path(), "alice");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "created user alice\n");

    let dup = user_add(dir.path(), "Alice");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let bad = user_add(dir.path(), "bad name");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("invalid"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let mut no_stdin = server_cmd(dir.path());
    no_stdin.args(["user", "add", "bob"]);
    let out = run_with_stdin(no_stdin, "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-stdin"));
    let mut short = server_cmd(dir.path());
    short.args(["user", "add", "bob", "--password-stdin"]);
    let out = run_with_stdin(short, "short\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));

    let mut passwd = server_cmd(dir.path());
    passwd.args(["user", "passwd", "alice", "--password-stdin"]);
    assert!(run_with_stdin(passwd, "a new password\n").status.success());
    let mut disable = server_cmd(dir.path());
    disable.args(["user", "disable", "alice"]);
    assert!(disable.output().unwrap().status.success());
    let mut list = server_cmd(dir.path());
    list.args(["user", "list"]);
    let out = list.output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "alice\tDisplay Name\tx@example.com\tdisabled\n"
    );
    let mut missing = server_cmd(dir.path());
    missing.args(["user", "disable", "nobody"]);
    let out = missing.output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named"));
}

#[tokio::test]
async fn config_comes_from_toml_and_env_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = free_port();
    std::fs::write(
        dir.path().join("confer.toml"),
        format!("listen = \"{from_file}\"\nmax_connections = 5\n"),
    )
    .unwrap();
    let mut child = spawn_server(server_cmd(dir.path()));
    wait_healthy(from_file, &mut child).await;
    sigterm(&child);
    assert!(wait_exit(&mut child).success());

    let from_env = free_port();
    let mut cmd = server_cmd(dir.path());
    cmd.env("CONFER_LISTEN", from_env.to_string());
    let mut child = spawn_server(cmd);
    wait_healthy(from_env, &mut child).await;
    sigterm(&child);
    assert!(wait_exit(&mut child).success());

    std::fs::write(dir.path().join("confer.toml"), "max_conections = 5\n").unwrap();
    let out = server_cmd(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_conections"));
}

#[tokio::test]
async fn sigterm_finishes_writes_and_closes_sockets_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    assert!(user_add(dir.path(), "alice").status.success());
    assert!(user_add(dir.path(), "bob").status.success());
    let addr = free_port();
    let spawn = || {
        let mut cmd = server_cmd(dir.path());
        cmd.arg("--listen").arg(addr.to_string());
        spawn_server(cmd)
    };
    let mut child = spawn();
    wait_healthy(addr, &mut child).await;
    let url = format!("ws://{addr}/v1/ws");
    let mut alice = Client::login(&url, "alice", PW).await.unwrap();
    let conv = open_direct(&mut alice, "bob").await;
    let mut ids = Vec::new();
    for i in 0..200 {
        let req = Request::SendMessage {
            conversation: conv,
            client_id: format!("t{i}"),
            text: format!("m{i}"),
            reply_to: None,
        };
        ids.push(alice.send_request(req).await.unwrap());
    }
    sigterm(&child);
    // Every acknowledged message must survive; the socket ends with a Closing event and a close.
    let mut acked = Vec::new();
    let mut closing = false;
    loop {
        match alice.next_frame().await {
            Ok(ServerFrame::Response {
                id,
                result: Response::Sent { ack },
            }) => acked.push((id, ack.seq)),
            Ok(ServerFrame::Event {
                event: Event::Closing { code, .. },
            }) => {
                assert_eq!(code, confer_proto::ErrorCode::ShuttingDown);
                closing = true;
            }
            Ok(_) => {}
            Err(e) => {
                assert!(format!("{e:#}").contains("closed"), "{e:#}");
                break;
            }
        }
    }
    assert!(closing, "the client is told the server is shutting down");
    assert!(wait_exit(&mut child).success());

    let mut child = spawn();
    wait_healthy(addr, &mut child).await;
    let mut alice = Client::login(&url, "alice", PW).await.unwrap();
    let stored = history(&mut alice, conv).await;
    assert!(
        stored.len() >= acked.len(),
        "acked {} but stored {}",
        acked.len(),
        stored.len()
    );
    for (_, seq) in &acked {
        assert!(stored.iter().any(|m| m.seq == *seq));
    }
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
}

#[tokio::test]
async fn tls_serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "openssl could not make a test certificate"
    );
    let addr = free_port();
    let mut cmd = server_cmd(dir.path());
    cmd.arg("--listen")
        .arg(addr.to_string())
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key);
    let mut child = spawn_server(cmd);

    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut std::fs::read(&cert).unwrap().as_slice()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        assert!(Instant::now() < deadline, "TLS server never answered");
        assert!(child.try_wait().unwrap().is_none(), "server exited");
        let Ok(tcp) = tokio::net::TcpStream::connect(addr).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        let _ = tls.read_to_string(&mut out).await;
        break out;
    };
    assert!(
        body.starts_with("HTTP/1.1 200") && body.ends_with("ok\n"),
        "{body}"
    );
    // Plain HTTP on the TLS port gets nothing useful.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut out)).await;
    assert!(!String::from_utf8_lossy(&out).contains("200 OK"));
    sigterm(&child);
    assert!(wait_exit(&mut child).success());
}
