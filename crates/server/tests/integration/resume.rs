//! Resume: a client that was away gets everything it missed, in order, without gap or
//! duplicate; a restarted server keeps everything.

use std::{collections::BTreeSet, time::Duration};

use confer_proto::{Change, Event, Request, Response};
use confer_testkit::{Client, TestServer};

use confer_proto::PROTOCOL_VERSION;

use super::*;

fn message_seqs(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } => Some(message.seq),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_offline_client_resumes_without_gap_or_duplicate() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let token = login_token(&server, "bob").await;
    let mut bob = Client::connect(&server.ws_url()).await.unwrap();
    bob.request(Request::Auth {
        protocol: PROTOCOL_VERSION,
        token: token.clone(),
    })
    .await
    .unwrap();
    bob.sync(None).await.unwrap();
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "r1", "1").await;
    send(&mut alice, conv, "r2", "2").await;
    assert_eq!(next_message(&mut bob).await.seq, 1);
    assert_eq!(next_message(&mut bob).await.seq, 2);
    let cursor = bob.position;
    bob.close().await;

    for i in 3..=7 {
        send(&mut alice, conv, &format!("r{i}"), &i.to_string()).await;
    }
    // While Bob resumes, Alice keeps sending: every message arrives exactly once.
    let mut bob = Client::connect(&server.ws_url()).await.unwrap();
    bob.request(Request::Auth {
        protocol: PROTOCOL_VERSION,
        token,
    })
    .await
    .unwrap();
    let sync_id = bob
        .send_request(Request::Sync {
            since: Some(cursor),
        })
        .await
        .unwrap();
    for i in 8..=20 {
        send(&mut alice, conv, &format!("r{i}"), &i.to_string()).await;
    }
    bob.reply(sync_id).await.unwrap().unwrap();
    // Everything up to a last message from alice: a duplicate or a late one would be among it.
    let events = events_before_message(&mut bob, &mut alice, conv, "r-last").await;
    let seqs = message_seqs(&events);
    assert_eq!(
        seqs,
        (3..=20).collect::<Vec<u64>>(),
        "in order, no gap, no duplicate"
    );
    let unique: BTreeSet<_> = seqs.iter().collect();
    assert_eq!(unique.len(), seqs.len());
}

#[tokio::test]
async fn a_full_resync_replays_the_whole_stream_in_position_order() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    for i in 0..30 {
        send(&mut alice, conv, &format!("f{i}"), "x").await;
    }
    let mut bob = login_unsynced(&server, "bob").await;
    let position = bob.sync(None).await.unwrap();
    // The replay comes before the sync's reply: it is all queued by now.
    let events = bob.drain_events(Duration::ZERO).await;
    let positions: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Change { position, .. } => Some(*position),
            _ => None,
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(message_seqs(&events), (1..=30).collect::<Vec<u64>>());
    assert!(position >= *positions.last().unwrap());
    // Syncing again from the returned cursor replays nothing.
    let mut again = login_unsynced(&server, "bob").await;
    again.sync(Some(position)).await.unwrap();
    assert!(message_seqs(&again.drain_events(Duration::ZERO).await).is_empty());
}

#[tokio::test]
async fn a_restarted_server_keeps_everything() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let token = login_token(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    for i in 0..10 {
        send(&mut alice, conv, &format!("k{i}"), &format!("kept {i}")).await;
    }
    alice
        .request(Request::SetPrivacy { enabled: true })
        .await
        .unwrap();
    let config = server.config.clone();
    let tmp = server.stop().await.unwrap();

    let server = TestServer::start_config(config).await.unwrap();
    let mut alice = Client::connect(&server.ws_url()).await.unwrap();
    match alice
        .request(Request::Auth {
            protocol: PROTOCOL_VERSION,
            token,
        })
        .await
        .unwrap()
    {
        Response::Authenticated { settings, .. } => assert!(settings.privacy),
        r => panic!("{r:?}"),
    }
    alice.sync(None).await.unwrap();
    let h = history(&mut alice, conv).await;
    assert_eq!(h.len(), 10);
    assert_eq!(h[9].text, "kept 9");
    let ack = send(&mut alice, conv, "k0", "again").await;
    assert!(ack.duplicate, "idempotency survives a restart");
    server.stop().await.unwrap();
    drop(tmp);
}

/// Logs in on a throwaway connection and returns the session token.
async fn login_token(server: &TestServer, name: &str) -> String {
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    let req = Request::Login {
        protocol: PROTOCOL_VERSION,
        username: name.into(),
        password: PW.into(),
        device: None,
    };
    match c.request(req).await.unwrap() {
        Response::LoggedIn { token, .. } => token,
        r => panic!("{r:?}"),
    }
}
