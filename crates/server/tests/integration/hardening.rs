//! Findings of the outside probe, one test each: a client value that overflowed the writer's
//! arithmetic and stopped every write; connections that never finished their HTTP request and
//! were never closed; ids past 2^63 answered `internal`; names that spoof. And `/healthz`, which
//! must tell whether writes go through.

use confer_server::admin::Location;
use std::time::Duration;

use confer_proto::{ErrorCode, Request, Response};
use confer_testkit::{Client, TestServer, WAIT};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::*;

#[tokio::test]
async fn a_meeting_time_past_any_calendar_is_refused_and_writes_go_on() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let room = create_room(&mut alice, "Planning").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // The probe's request: on the old code the writer thread panicked (debug) or wrapped
    // (release), and every later write answered `shutting_down`.
    for (starts_at, minutes) in [
        (i64::MAX, 5),
        (i64::MAX - 1000, 1440),
        (i64::MIN, 5),
        (now + 11 * 366 * 24 * 3600 * 1000, 30),
        (now + 3_600_000, 0),
        (now + 3_600_000, 1441),
        (now + 3_600_000, u32::MAX),
    ] {
        let err = alice
            .refused(Request::ScheduleMeeting {
                conversation: room,
                title: "t".into(),
                starts_at,
                minutes,
            })
            .await
            .unwrap();
        assert_eq!(
            err.code,
            ErrorCode::Invalid,
            "{starts_at} {minutes}: {err:?}"
        );
    }
    // Writes still go through, for this user and for others.
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "after", "still here").await;
    let mut bob = login(&server, "bob").await;
    assert_eq!(history(&mut bob, conv).await.len(), 1);
    match alice
        .request(Request::ScheduleMeeting {
            conversation: room,
            title: "Sprint review".into(),
            starts_at: now + 9 * 365 * 24 * 3600 * 1000,
            minutes: 1440,
        })
        .await
        .unwrap()
    {
        Response::Scheduled { meeting } => assert_eq!(meeting.minutes, 1440),
        r => panic!("{r:?}"),
    }
    assert!(
        http_get(server.addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn healthz_fails_while_writes_cannot_go_through() {
    let server = TestServer::start_with(|c| c.health_timeout_ms = 300)
        .await
        .unwrap();
    assert!(
        http_get(server.addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Another process holds the database's write lock (SQLite's, or the stream lock every
    // PostgreSQL writer takes): reads still work, writes wait.
    let lock = WriteLock::take(&server.location).await;
    // The answer cached from the probe above lasts a second; the next probe must fail.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let answer = http_get(server.addr, "/healthz").await;
        if answer.starts_with("HTTP/1.1 503") {
            assert!(answer.contains("writes are not going through"), "{answer}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "healthz kept answering {answer}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let metrics = http_get(server.addr, "/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("confer_health_failures_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    lock.release().await;
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    while !http_get(server.addr, "/healthz")
        .await
        .starts_with("HTTP/1.1 200")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "healthz stayed failing"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The store's write lock, held from another connection.
enum WriteLock {
    Sqlite(rusqlite::Connection),
    Postgres(std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>),
}

impl WriteLock {
    async fn take(at: &Location) -> Self {
        match at {
            Location::Dir(dir) => {
                let db = rusqlite::Connection::open(dir.join("confer.db")).unwrap();
                db.execute_batch("BEGIN IMMEDIATE").unwrap();
                Self::Sqlite(db)
            }
            Location::Postgres { url, .. } => {
                let url = url.clone();
                let (taken_tx, taken) = tokio::sync::oneshot::channel();
                let (release, released) = std::sync::mpsc::channel::<()>();
                let holder = tokio::task::spawn_blocking(move || {
                    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    db.execute(
                        "SELECT pg_advisory_lock($1)",
                        &[&confer_server::store::STREAM_LOCK],
                    )
                    .unwrap();
                    let _ = taken_tx.send(());
                    let _ = released.recv();
                    db.execute(
                        "SELECT pg_advisory_unlock($1)",
                        &[&confer_server::store::STREAM_LOCK],
                    )
                    .unwrap();
                });
                taken.await.unwrap();
                Self::Postgres(release, holder)
            }
        }
    }

    async fn release(self) {
        match self {
            Self::Sqlite(db) => db.execute_batch("ROLLBACK").unwrap(),
            Self::Postgres(release, holder) => {
                release.send(()).unwrap();
                holder.await.unwrap();
            }
        }
    }
}

/// Waits until the server closes `s` (end of file or reset); returns what it sent first.
async fn closed_by_server(s: &mut TcpStream, within: Duration) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection in time");
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn connections_that_never_finish_their_request_are_closed() {
    let server = TestServer::start_with(|c| c.http_timeout_secs = 1)
        .await
        .unwrap();
    let addr = server.addr;
    // Nothing sent at all.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // Part of an upgrade request, then silence.
    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial
        .write_all(b"GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
        .await
        .unwrap();
    // A keep-alive connection left idle after a complete request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Headers trickled a byte at a time, never finishing: it is still sending when closed.
    let mut trickle = TcpStream::connect(addr).await.unwrap();
    let trickler = tokio::spawn(async move {
        for b in b"GET /healthz HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".iter() {
            if trickle.write_all(&[*b]).await.is_err() {
                return true;
            }
            let mut buf = [0u8; 64];
            match tokio::time::timeout(Duration::from_millis(200), trickle.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                _ => {}
            }
        }
        false
    });
    let bound = Duration::from_secs(8);
    assert_eq!(closed_by_server(&mut silent, bound).await, "");
    assert_eq!(closed_by_server(&mut partial, bound).await, "");
    assert!(
        closed_by_server(&mut idle, bound)
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        trickler.await.unwrap(),
        "the trickled request was never closed (it sent 60 bytes over 12 s)"
    );

    // A WebSocket session, once upgraded, is not bound by the HTTP timeout: a silent
    // connection opened after it is closed first, and the session still answers after that.
    let mut ws = Client::connect(&server.ws_url()).await.unwrap();
    let mut marker = TcpStream::connect(addr).await.unwrap();
    closed_by_server(&mut marker, bound).await;
    assert_eq!(ws.request(Request::Ping).await.unwrap(), Response::Pong);
}

#[tokio::test]
async fn connections_before_the_upgrade_count_against_a_limit() {
    let server = TestServer::start_with(|c| {
        c.max_http_connections = 2;
        c.http_timeout_secs = 60;
    })
    .await
    .unwrap();
    let held: Vec<TcpStream> = vec![
        TcpStream::connect(server.addr).await.unwrap(),
        TcpStream::connect(server.addr).await.unwrap(),
    ];
    // Both are accepted and held (they are counted once the server has accepted them: a third
    // connection is then turned away at once, long before the 60 s timeout).
    let mut third = loop {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = closed_by_server(&mut s, Duration::from_secs(10)).await;
        if answer.is_empty() {
            break s;
        }
        // Answered: the server had not accepted both held connections yet.
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut buf = [0u8; 8];
    assert!(matches!(third.read(&mut buf).await, Ok(0) | Err(_)));
    drop(held);
    // Freed places are given again.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !confer_testkit::healthy(server.addr).await {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Replaces every integer of a request's JSON with `value`, one field at a time.
fn with_each_integer(req: &serde_json::Value, value: u64) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    if let serde_json::Value::Object(map) = req {
        for (key, v) in map {
            if v.is_u64() || v.is_i64() {
                let mut changed = map.clone();
                changed.insert(key.clone(), value.into());
                out.push((key.clone(), serde_json::Value::Object(changed)));
            }
        }
    }
    out
}

#[tokio::test]
async fn ids_past_two_to_the_63_are_not_found_for_every_request() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut cases = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for req in confer_proto::examples::requests() {
        let json = serde_json::to_value(&req).unwrap();
        for value in [1u64 << 63, u64::MAX] {
            for (field, changed) in with_each_integer(&json, value) {
                if [
                    "protocol",
                    "limit",
                    "minutes",
                    "starts_at",
                    "utc_offset_minutes",
                ]
                .contains(&field.as_str())
                {
                    continue; // not ids: past their type's range, the frame is malformed
                }
                let kind = changed["type"].as_str().unwrap().to_owned();
                let id = 1000 + cases;
                let frame = serde_json::json!({"id": id, "req": changed}).to_string();
                alice.send_raw(frame.clone()).await.unwrap();
                match alice.reply(id).await.unwrap() {
                    Err(e) => assert_eq!(e.code, ErrorCode::NotFound, "{frame}: {e:?}"),
                    Ok(r) => panic!("{frame} answered {r:?}"),
                }
                kinds.insert(kind);
                cases += 1;
            }
        }
    }
    // Every request that names an id, a position or a sequence number was tried.
    assert!(kinds.len() >= 26, "{kinds:?}");
    let metrics = http_get(server.addr, "/metrics").await;
    assert!(!metrics.contains("code=\"internal\""), "{metrics}");
}

#[tokio::test]
async fn names_that_spoof_are_refused() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let spoofs = [
        "ali\u{202E}ecila",
        "ali\u{200B}ce",
        "nul\u{0}here",
        "\u{1b}[2J\u{1b}[31mred",
        "\u{2067}isolate",
    ];
    for name in spoofs {
        // U+0000 is refused at the edge, in any field, before any rule looks at the name.
        let expected = if name.contains('\0') {
            ErrorCode::BadFrame
        } else {
            ErrorCode::Invalid
        };
        let code = refused_code(&mut alice, Request::CreateRoom { name: name.into() }).await;
        assert_eq!(code, expected, "room {name:?}");
        let code = refused_code(
            &mut alice,
            Request::CreateGroup {
                invite: vec!["bob".into()],
                name: Some(name.into()),
            },
        )
        .await;
        assert_eq!(code, expected, "group {name:?}");
        let code = refused_code(
            &mut alice,
            Request::SetPresence {
                status: confer_proto::PresenceChoice::Available,
                message: Some(name.into()),
            },
        )
        .await;
        assert_eq!(code, expected, "status {name:?}");
    }
    let room = create_room(&mut alice, "  Weekly   planning ").await;
    let code = refused_code(
        &mut alice,
        Request::ScheduleMeeting {
            conversation: room,
            title: "Review\u{202E}".into(),
            starts_at: 1_900_000_000_000,
            minutes: 30,
        },
    )
    .await;
    assert_eq!(code, ErrorCode::Invalid);
    // A display name given by the administrator obeys the same rule.
    assert!(
        confer_server::admin::add_user(&server.location, "mallory", Some("Bob\u{202E}"), None, PW)
            .is_err()
    );

    // Guests: never a user's login or display name, in any case, nor a spoofing one.
    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let link = room_link(&mut alice, room).await;
    for (name, want) in [
        ("alice", ErrorCode::Conflict),
        ("BOB", ErrorCode::Conflict),
        ("carol   DIAZ", ErrorCode::Conflict),
        ("zoe\u{202E}", ErrorCode::Invalid),
        ("\u{1b}]0;title\u{7}", ErrorCode::Invalid),
    ] {
        let mut guest = Client::connect(&server.ws_url()).await.unwrap();
        let code = refused_code(
            &mut guest,
            Request::JoinByLink {
                link: link.clone(),
                name: Some(name.into()),
            },
        )
        .await;
        assert_eq!(code, want, "guest {name:?}");
    }
    let mut guest = Client::connect(&server.ws_url()).await.unwrap();
    match guest
        .request(Request::JoinByLink {
            link,
            name: Some("Zoë  from Acme".into()),
        })
        .await
        .unwrap()
    {
        Response::Joined { session } => assert_eq!(session.name, "Zoë from Acme"),
        r => panic!("{r:?}"),
    }
}
