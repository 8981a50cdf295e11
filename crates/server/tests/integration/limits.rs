//! Bad input and limits: every refusal is a typed error frame, the connection stays usable and
//! nothing is stored.

use std::time::Duration;

use confer_proto::{ErrorCode, Reason, Request, Response, ServerFrame};
use confer_testkit::{Client, TestServer};

use super::*;

async fn expect_error(c: &mut Client) -> (Option<u64>, ErrorCode) {
    loop {
        match c.next_frame().await.unwrap() {
            ServerFrame::Error { id, error } => return (id, error.code),
            ServerFrame::Event { .. } => continue,
            f => panic!("expected an error frame, got {f:?}"),
        }
    }
}

#[tokio::test]
async fn malformed_frames_get_typed_errors_and_the_connection_survives() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;

    alice.send_raw("this is not json".into()).await.unwrap();
    assert_eq!(expect_error(&mut alice).await, (None, ErrorCode::BadFrame));
    alice
        .send_raw(r#"{"id":41,"req":{"type":"launch_rockets"}}"#.into())
        .await
        .unwrap();
    assert_eq!(
        expect_error(&mut alice).await,
        (Some(41), ErrorCode::BadFrame)
    );
    alice
        .send_raw(r#"{"id":42,"req":{"type":"send_message","conversation":"one"}}"#.into())
        .await
        .unwrap();
    assert_eq!(
        expect_error(&mut alice).await,
        (Some(42), ErrorCode::BadFrame)
    );
    alice.send_raw(r#"[1,2,3]"#.into()).await.unwrap();
    assert_eq!(expect_error(&mut alice).await, (None, ErrorCode::BadFrame));

    let too_long = "x".repeat(confer_proto::MAX_TEXT_BYTES + 1);
    let err = alice
        .refused(Request::SendMessage {
            conversation: conv,
            client_id: "big".into(),
            text: too_long,
            reply_to: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::TextTooLong);
    assert_eq!(
        err.reason,
        Reason::TextTooLong {
            max: confer_proto::MAX_TEXT_BYTES as u64,
            size: confer_proto::MAX_TEXT_BYTES as u64 + 1,
        }
    );
    let err = alice
        .refused(Request::SendMessage {
            conversation: conv,
            client_id: "".into(),
            text: "hi".into(),
            reply_to: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(err.reason, Reason::ClientIdLength { max: 64 });
    let err = alice
        .refused(Request::SendMessage {
            conversation: conv,
            client_id: "blank".into(),
            text: "  \n ".into(),
            reply_to: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(err.reason, Reason::EmptyMessage);
    let exactly = "y".repeat(confer_proto::MAX_TEXT_BYTES);
    send(&mut alice, conv, "max", &exactly).await;

    assert_eq!(alice.request(Request::Ping).await.unwrap(), Response::Pong);
    let h = history(&mut alice, conv).await;
    assert_eq!(h.len(), 1, "only the valid message was stored");
}

#[tokio::test]
async fn oversized_and_binary_frames_are_refused_without_closing() {
    let server = TestServer::start_with(|c| c.max_frame_bytes = 4096)
        .await
        .unwrap();
    server.add_user("alice", PW).unwrap();
    let mut alice = login(&server, "alice").await;
    let frame = format!(
        r#"{{"id":1,"req":{{"type":"search_users","query":"{}"}}}}"#,
        "q".repeat(5000)
    );
    alice.send_raw(frame).await.unwrap();
    assert_eq!(
        expect_error(&mut alice).await,
        (None, ErrorCode::FrameTooLarge)
    );
    alice.send_binary(vec![1, 2, 3]).await.unwrap();
    assert_eq!(expect_error(&mut alice).await, (None, ErrorCode::BadFrame));
    assert_eq!(alice.request(Request::Ping).await.unwrap(), Response::Pong);
}

#[tokio::test]
async fn requests_past_the_rate_are_throttled_in_order() {
    let server = TestServer::start_with(|c| {
        c.requests_per_second = 10;
        c.request_burst = 5;
    })
    .await
    .unwrap();
    server.add_user("alice", PW).unwrap();
    server.add_user("bob", PW).unwrap();
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    let start = std::time::Instant::now();
    let seqs = send_pipelined(&mut alice, conv, "r", 15).await;
    // The bucket held about 5 (minus the requests of the login); at least 10 waited 1/10 s each.
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "not throttled: {:?}",
        start.elapsed()
    );
    assert_eq!(
        seqs,
        (1..=15).collect::<Vec<u64>>(),
        "every request served, in order"
    );
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_with_503() {
    let server = TestServer::start_with(|c| c.max_connections = 2)
        .await
        .unwrap();
    let a = Client::connect(&server.ws_url()).await.unwrap();
    let _b = Client::connect(&server.ws_url()).await.unwrap();
    let err = Client::connect(&server.ws_url())
        .await
        .err()
        .expect("third connection refused");
    assert!(format!("{err:#}").contains("503"), "{err:#}");
    // Closing one makes room again.
    a.close().await;
    let mut room = None;
    for _ in 0..50 {
        if let Ok(c) = Client::connect(&server.ws_url()).await {
            room = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(room.is_some());
}

#[tokio::test]
async fn a_consumer_that_does_not_read_is_disconnected_and_resumes() {
    let server = TestServer::start_with(|c| {
        c.device_queue = 64;
        c.requests_per_second = 100_000;
        c.request_burst = 100_000;
    })
    .await
    .unwrap();
    server.add_user("alice", PW).unwrap();
    server.add_user("bob", PW).unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    let cursor = bob.sync(None).await.unwrap();
    // Bob stops reading while far more than the socket buffers hold is sent to him.
    // Alice waits for each ack, so her own (reading) device never falls behind.
    let text = "z".repeat(15_000);
    for i in 0..1500 {
        send(&mut alice, conv, &format!("s{i}"), &text).await;
        if i % 100 == 0 {
            let _ = alice.drain_events(Duration::from_millis(1)).await;
        }
    }
    let mut closed_slow = false;
    for _ in 0..5000 {
        match bob.next_frame().await {
            Ok(ServerFrame::Event {
                event: confer_proto::Event::Closing { code, .. },
            }) => {
                assert_eq!(code, ErrorCode::SlowConsumer);
                closed_slow = true;
                break;
            }
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    assert!(
        closed_slow,
        "the slow consumer must be told why it was dropped"
    );
    // Resuming from the cursor still yields every message.
    let mut bob = login_unsynced(&server, "bob").await;
    bob.sync(Some(cursor)).await.unwrap();
    let events = bob.drain_events(Duration::from_millis(300)).await;
    let n = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                confer_proto::Event::Change {
                    change: confer_proto::Change::Message { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(n, 1500);
}

#[tokio::test]
async fn health_and_metrics_answer_over_http() {
    let server = server_with_users().await;
    let health = http_get(server.addr, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "m1", "counted").await;
    alice.send_raw("garbage".into()).await.unwrap();
    expect_error(&mut alice).await;
    let metrics = http_get(server.addr, "/metrics").await;
    assert!(metrics.contains("text/plain; version=0.0.4"), "{metrics}");
    assert!(
        metrics.contains("\nconfer_messages_stored_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nconfer_connections_active 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("confer_errors_total{code=\"bad_frame\"} 1"),
        "{metrics}"
    );
    let missing = http_get(server.addr, "/nope").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}
