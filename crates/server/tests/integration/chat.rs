//! Direct chat: delivery, history, idempotent resends, membership, settings.

use confer_proto::{Change, ErrorCode, Event, Request, Response};

use super::*;

#[tokio::test]
async fn two_users_chat_live_and_in_history() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    // Bob learns of the new conversation.
    let info = bob
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Conversation { conversation },
                ..
            } => Some(conversation.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(
        (info.id, info.members.clone()),
        (conv, vec!["alice".to_string(), "bob".to_string()])
    );
    let ack = send(&mut alice, conv, "c1", "hello bob").await;
    assert_eq!((ack.seq, ack.duplicate), (1, false));
    let m = next_message(&mut bob).await;
    assert_eq!(
        (m.sender.as_str(), m.text.as_str(), m.seq),
        ("alice", "hello bob", 1)
    );
    send(&mut bob, conv, "b1", "hi alice\nsecond line").await;
    assert_eq!(next_message(&mut alice).await.text, "hi alice\nsecond line");

    let h = history(&mut bob, conv).await;
    assert_eq!(
        h.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["hello bob", "hi alice\nsecond line"]
    );
    match bob.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => {
            assert_eq!(conversations.len(), 1);
            assert_eq!(
                conversations[0].unread, 1,
                "alice's message is unread for bob"
            );
            assert_eq!(conversations[0].last_message.as_ref().unwrap().seq, 2);
        }
        r => panic!("{r:?}"),
    }
    // Opening again finds the same conversation from either side.
    assert_eq!(open_direct(&mut bob, "alice").await, conv);
}

#[tokio::test]
async fn resending_a_client_id_stores_one_message() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    let first = send(&mut alice, conv, "same-id", "once").await;
    let again = send(&mut alice, conv, "same-id", "once").await;
    assert_eq!((again.seq, again.duplicate), (first.seq, true));
    assert_eq!(history(&mut bob, conv).await.len(), 1);
    let messages: Vec<_> = events_before_message(&mut bob, &mut alice, conv, "barrier")
        .await
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Event::Change {
                    change: Change::Message { .. },
                    ..
                }
            )
        })
        .collect();
    assert_eq!(messages.len(), 1, "the resend must not be fanned out again");
}

#[tokio::test]
async fn pipelined_sends_are_acknowledged_in_order() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    let seqs = send_pipelined(&mut alice, conv, "n", 50).await;
    assert_eq!(seqs, (1..=50).collect::<Vec<u64>>());
    let h = history(&mut alice, conv).await;
    assert_eq!(
        h.iter().map(|m| m.text.clone()).collect::<Vec<_>>(),
        (0..50).map(|i| format!("n{i}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_non_member_is_refused_everything() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "a1", "secret").await;
    for req in [
        Request::SendMessage {
            conversation: conv,
            client_id: "x".into(),
            text: "intrude".into(),
            reply_to: None,
        },
        Request::History {
            conversation: conv,
            before: None,
            limit: None,
        },
        Request::MarkRead {
            conversation: conv,
            seq: 1,
        },
        Request::MarkDelivered {
            conversation: conv,
            seq: 1,
        },
        Request::SetMuted {
            conversation: conv,
            muted: true,
        },
        Request::ClearHistory { conversation: conv },
    ] {
        let err = carol.refused(req.clone()).await.unwrap();
        assert_eq!(err.code, ErrorCode::Forbidden, "{req:?}");
    }
    let err = carol
        .refused(Request::History {
            conversation: 999,
            before: None,
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(
        history(&mut alice, conv).await.len(),
        1,
        "nothing was stored by the intruder"
    );
    // A conversation alice opens with carol afterwards comes after anything carol could have
    // been sent about the other one.
    let with_carol = open_direct(&mut alice, "carol").await;
    let events = events_before(&mut carol, |e| {
        matches!(e, Event::Change { change: Change::Conversation { conversation }, .. }
            if conversation.id == with_carol)
    })
    .await;
    assert!(
        events.iter().all(|e| !matches!(e, Event::Change { .. })),
        "carol saw {events:?}"
    );
}

#[tokio::test]
async fn history_pages_back_by_sequence() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let conv = open_direct(&mut alice, "bob").await;
    let mut ids = Vec::new();
    for i in 0..100 {
        let req = Request::SendMessage {
            conversation: conv,
            client_id: format!("h{i}"),
            text: format!("{i}"),
            reply_to: None,
        };
        ids.push(alice.send_request(req).await.unwrap());
    }
    for id in ids {
        alice.reply(id).await.unwrap().unwrap();
    }
    // All 100 are within 30 days: the first page holds them all.
    let first = history(&mut alice, conv).await;
    assert_eq!(first.len(), 100);
    match alice
        .request(Request::History {
            conversation: conv,
            before: Some(41),
            limit: Some(25),
        })
        .await
        .unwrap()
    {
        Response::History { page } => {
            assert_eq!(page.messages.first().unwrap().seq, 16);
            assert_eq!(page.messages.last().unwrap().seq, 40);
            assert!(page.has_more);
        }
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn mute_and_clear_history_are_per_user_and_synced() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut bob2 = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    send(&mut alice, conv, "a1", "one").await;
    bob.request(Request::SetMuted {
        conversation: conv,
        muted: true,
    })
    .await
    .unwrap();
    bob.request(Request::ClearHistory { conversation: conv })
        .await
        .unwrap();
    let settings = bob2
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::ConversationSettings {
                        muted,
                        cleared_through,
                        ..
                    },
                ..
            } if *cleared_through > 0 => Some((*muted, *cleared_through)),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(settings, (true, 1));
    assert!(history(&mut bob, conv).await.is_empty());
    assert_eq!(history(&mut alice, conv).await.len(), 1);
    send(&mut alice, conv, "a2", "two").await;
    assert_eq!(
        history(&mut bob2, conv)
            .await
            .iter()
            .map(|m| m.seq)
            .collect::<Vec<_>>(),
        [2]
    );
}
