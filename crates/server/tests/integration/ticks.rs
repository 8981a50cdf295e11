//! Ticks: sent → delivered → read, aggregated by the server and pushed to the sender; privacy.

use confer_proto::{Change, Event, Request, Response, TickState};

use super::*;

async fn next_ticks(client: &mut confer_testkit::Client) -> (u64, u64) {
    client
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::Ticks {
                        delivered_through,
                        read_through,
                        ..
                    },
                ..
            } => Some((*delivered_through, *read_through)),
            _ => None,
        })
        .await
        .unwrap()
}

/// `client` acknowledges `seq` as delivered, and as read too when `read`.
async fn receipt(client: &mut confer_testkit::Client, conversation: u64, seq: u64, read: bool) {
    client
        .request(Request::MarkDelivered { conversation, seq })
        .await
        .unwrap();
    if read {
        client
            .request(Request::MarkRead { conversation, seq })
            .await
            .unwrap();
    }
}

fn has_ticks(events: &[Event]) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            Event::Change {
                change: Change::Ticks { .. },
                ..
            }
        )
    })
}

#[tokio::test]
async fn ticks_go_sent_delivered_read_on_every_sender_device() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut alice_phone = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "t1", "tick me").await;
    assert_eq!(history(&mut alice, conv).await[0].state, TickState::Sent);

    let m = next_message(&mut bob).await;
    receipt(&mut bob, conv, m.seq, false).await;
    assert_eq!(next_ticks(&mut alice).await, (1, 0));
    assert_eq!(next_ticks(&mut alice_phone).await, (1, 0));
    assert_eq!(
        history(&mut alice, conv).await[0].state,
        TickState::Delivered
    );

    receipt(&mut bob, conv, m.seq, true).await;
    assert_eq!(next_ticks(&mut alice).await, (1, 1));
    assert_eq!(next_ticks(&mut alice_phone).await, (1, 1));
    assert_eq!(history(&mut alice, conv).await[0].state, TickState::Read);
}

#[tokio::test]
async fn a_private_reader_sends_no_receipts() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    bob.request(Request::SetPrivacy { enabled: true })
        .await
        .unwrap();
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "p1", "are you there").await;
    let m = next_message(&mut bob).await;
    receipt(&mut bob, conv, m.seq, true).await;
    // Bob's next message comes after any ticks his receipts could have caused.
    assert!(!has_ticks(
        &events_before_message(&mut alice, &mut bob, conv, "barrier").await
    ));
    assert_eq!(history(&mut alice, conv).await[0].state, TickState::Sent);
    // Bob's own unread count still follows his reads.
    match bob.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => assert_eq!(conversations[0].unread, 0),
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn a_private_sender_sees_only_the_server_tick() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice
        .request(Request::SetPrivacy { enabled: true })
        .await
        .unwrap();
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "p1", "quiet").await;
    let m = next_message(&mut bob).await;
    receipt(&mut bob, conv, m.seq, true).await;
    assert!(!has_ticks(
        &events_before_message(&mut alice, &mut bob, conv, "barrier").await
    ));
    assert_eq!(history(&mut alice, conv).await[0].state, TickState::Sent);
    // Leaving privacy mode brings the real ticks back.
    alice
        .request(Request::SetPrivacy { enabled: false })
        .await
        .unwrap();
    assert_eq!(next_ticks(&mut alice).await, (1, 1));
    assert_eq!(history(&mut alice, conv).await[0].state, TickState::Read);
}

#[tokio::test]
async fn reading_on_one_device_clears_unread_on_the_other() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob_desk = login(&server, "bob").await;
    let mut bob_phone = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "u1", "one").await;
    send(&mut alice, conv, "u2", "two").await;
    next_message(&mut bob_desk).await;
    bob_desk
        .request(Request::MarkRead {
            conversation: conv,
            seq: 2,
        })
        .await
        .unwrap();
    let cursor = bob_phone
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::ReadCursor {
                        read_through,
                        unread,
                        ..
                    },
                ..
            } => Some((*read_through, *unread)),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(cursor, (2, 0));
}
