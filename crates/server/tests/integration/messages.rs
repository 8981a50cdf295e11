//! Messages after they are posted, over the wire: edits, deletions, reactions, replies,
//! typing and search, live and on resume.

use confer_proto::{Change, ErrorCode, Event, Request, Response, SearchCursor};

use super::{history, login, login_unsynced, open_direct, send, server_with_users};

fn edit(conversation: u64, seq: u64, text: &str) -> Request {
    Request::EditMessage {
        conversation,
        seq,
        text: text.into(),
    }
}

fn react(conversation: u64, seq: u64, emoji: &str, on: bool) -> Request {
    Request::SetReaction {
        conversation,
        seq,
        emoji: emoji.into(),
        on,
    }
}

/// The next `message_updated` a client receives.
async fn next_update(client: &mut confer_testkit::Client) -> confer_proto::Message {
    client
        .wait_for(|e| match e {
            Event::Change {
                change: Change::MessageUpdated { message },
                ..
            } => Some(message.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_live_edit_reaches_the_other_member_and_the_senders_other_device() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut alice2 = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let ab = open_direct(&mut alice, "bob").await;
    let ack = send(&mut alice, ab, "m1", "Lunch at noon?").await;
    assert_eq!(
        alice
            .request(edit(ab, ack.seq, "Lunch at one?"))
            .await
            .unwrap(),
        Response::Ok
    );
    for device in [&mut bob, &mut alice2] {
        let m = next_update(device).await;
        assert_eq!(
            (m.seq, m.text.as_str(), m.version),
            (ack.seq, "Lunch at one?", 1)
        );
        assert!(m.edited_at.is_some());
    }
    // Bob may not edit it; nor delete it.
    let refusal = bob.refused(edit(ab, ack.seq, "mine")).await.unwrap();
    assert_eq!(refusal.code, ErrorCode::Forbidden);
    assert!(matches!(
        refusal.reason,
        confer_proto::Reason::SenderOnly { .. }
    ));
    let refusal = bob
        .refused(Request::DeleteMessage {
            conversation: ab,
            seq: ack.seq,
        })
        .await
        .unwrap();
    assert_eq!(refusal.code, ErrorCode::Forbidden);
    // A reaction with counts and who, in history too.
    bob.request(react(ab, ack.seq, "👍", true)).await.unwrap();
    let m = alice
        .wait_for(|e| match e {
            Event::Change {
                change: Change::MessageUpdated { message },
                ..
            } if !message.reactions.is_empty() => Some(message.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(
        (m.reactions[0].users.as_slice(), m.version),
        (&["bob".to_owned()][..], 2)
    );
    let page = history(&mut alice, ab).await;
    assert_eq!(page[0].reactions[0].emoji, "👍");
    // A reply survives the original's deletion.
    let answer = match bob
        .request(Request::SendMessage {
            conversation: ab,
            client_id: "r1".into(),
            text: "Fine".into(),
            reply_to: Some(ack.seq),
        })
        .await
        .unwrap()
    {
        Response::Sent { ack } => ack.seq,
        r => panic!("{r:?}"),
    };
    alice
        .request(Request::DeleteMessage {
            conversation: ab,
            seq: ack.seq,
        })
        .await
        .unwrap();
    let page = history(&mut bob, ab).await;
    let original = page.iter().find(|m| m.seq == ack.seq).unwrap();
    assert!(original.deleted && original.text.is_empty() && original.reactions.is_empty());
    let kept = page.iter().find(|m| m.seq == answer).unwrap();
    assert_eq!((kept.reply_to, kept.text.as_str()), (Some(ack.seq), "Fine"));
}

#[tokio::test]
async fn typing_reaches_the_other_members_only_and_is_never_replayed() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let ab = open_direct(&mut alice, "bob").await;
    alice
        .request(Request::SetTyping {
            conversation: ab,
            typing: true,
        })
        .await
        .unwrap();
    let (user, conversation, typing) = bob
        .wait_for(|e| match e {
            Event::Typing {
                conversation,
                user,
                typing,
            } => Some((user.clone(), *conversation, *typing)),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!((user.as_str(), conversation, typing), ("alice", ab, true));
    // Carol is no member: refused, and nobody is told.
    let refusal = carol
        .refused(Request::SetTyping {
            conversation: ab,
            typing: true,
        })
        .await
        .unwrap();
    assert_eq!(refusal.code, ErrorCode::Forbidden);
    // The typist's own devices hear nothing of it: a later message is the first thing alice
    // receives.
    let before = super::events_before_message(&mut alice, &mut bob, ab, "barrier").await;
    assert!(
        !before.iter().any(|e| matches!(e, Event::Typing { .. })),
        "{before:?}"
    );
    // A device resuming from 0 replays messages, never typing.
    let mut again = login_unsynced(&server, "bob").await;
    let sync = again.request(Request::Sync { since: Some(0) }).await;
    assert!(matches!(sync, Ok(Response::Synced { .. })), "{sync:?}");
    // The replay comes before the reply: everything replayed is queued by now.
    let replay = again.drain_events(std::time::Duration::ZERO).await;
    assert!(
        replay.iter().any(|e| matches!(e, Event::Change { .. })),
        "nothing replayed"
    );
    assert!(!replay.iter().any(|e| matches!(e, Event::Typing { .. })));
}

#[tokio::test]
async fn search_pages_across_conversations_and_refuses_a_foreign_one() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    let ab = open_direct(&mut alice, "bob").await;
    let ac = open_direct(&mut alice, "carol").await;
    for (i, conversation) in [ab, ac, ab].into_iter().enumerate() {
        send(
            &mut alice,
            conversation,
            &format!("s{i}"),
            &format!("quarterly report {i}"),
        )
        .await;
    }
    send(&mut alice, ab, "other", "nothing to see").await;
    let search = |conversation, after: Option<SearchCursor>| Request::SearchMessages {
        query: "Quart REP".into(),
        conversation,
        limit: Some(2),
        after,
    };
    let (first, next) = match alice.request(search(None, None)).await.unwrap() {
        Response::Messages { messages, next } => (messages, next),
        r => panic!("{r:?}"),
    };
    assert_eq!(first.len(), 2);
    let (rest, end) = match alice.request(search(None, next)).await.unwrap() {
        Response::Messages { messages, next } => (messages, next),
        r => panic!("{r:?}"),
    };
    assert_eq!(rest.len(), 1);
    assert!(end.is_none());
    // Newest first (messages sent within one millisecond are ordered by conversation, then
    // sequence number, both descending), and the pages neither overlap nor leave a gap.
    let all: Vec<_> = first.iter().chain(&rest).collect();
    for pair in all.windows(2) {
        let key = |m: &confer_proto::Message| (m.sent_at, m.conversation, m.seq);
        assert!(key(pair[0]) > key(pair[1]), "{all:?}");
    }
    let mut texts: Vec<_> = all.iter().map(|m| m.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(
        texts,
        [
            "quarterly report 0",
            "quarterly report 1",
            "quarterly report 2"
        ]
    );
    match alice.request(search(Some(ac), None)).await.unwrap() {
        Response::Messages { messages, .. } => {
            assert_eq!(messages.len(), 1);
            assert_eq!(messages[0].conversation, ac);
        }
        r => panic!("{r:?}"),
    }
    let refusal = carol.refused(search(Some(ab), None)).await.unwrap();
    assert_eq!(refusal.code, ErrorCode::Forbidden);
    let long = Request::SearchMessages {
        query: "x".repeat(confer_proto::MAX_SEARCH_BYTES + 1),
        conversation: None,
        limit: None,
        after: None,
    };
    assert_eq!(alice.refused(long).await.unwrap().code, ErrorCode::Invalid);
}

#[tokio::test]
async fn bad_edits_and_reactions_are_refused_with_their_reasons() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let ab = open_direct(&mut alice, "bob").await;
    let ack = send(&mut alice, ab, "m1", "hello").await;
    let too_long = "x".repeat(confer_proto::MAX_TEXT_BYTES + 1);
    assert_eq!(
        alice
            .refused(edit(ab, ack.seq, &too_long))
            .await
            .unwrap()
            .code,
        ErrorCode::TextTooLong
    );
    assert_eq!(
        alice.refused(edit(ab, ack.seq, "  ")).await.unwrap().code,
        ErrorCode::Invalid
    );
    for bad in ["", "a", "👍 ", &"👍".repeat(20)] {
        let refusal = alice.refused(react(ab, ack.seq, bad, true)).await.unwrap();
        assert_eq!(
            refusal.reason,
            confer_proto::Reason::InvalidReaction,
            "{bad:?}"
        );
    }
    let missing = alice.refused(edit(ab, 99, "x")).await.unwrap();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert_eq!(
        missing.reason,
        confer_proto::Reason::NoSuchMessage {
            conversation: ab,
            seq: 99
        }
    );
}

#[tokio::test]
async fn an_offline_device_gets_edits_deletions_and_reactions_on_resume_and_a_new_one_no_old_text()
{
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let ab = open_direct(&mut alice, "bob").await;
    let mut bob = login(&server, "bob").await;
    let kept = send(&mut alice, ab, "k", "first draft").await;
    let gone = send(&mut alice, ab, "g", "regrettable words").await;
    // Bob's device goes away at this position.
    let cursor = bob.sync(None).await.unwrap();
    bob.close().await;
    alice
        .request(edit(ab, kept.seq, "final words"))
        .await
        .unwrap();
    alice
        .request(Request::DeleteMessage {
            conversation: ab,
            seq: gone.seq,
        })
        .await
        .unwrap();
    alice
        .request(react(ab, kept.seq, "🎉", true))
        .await
        .unwrap();
    // Resuming from its cursor: the three updates, in order, the last state of each.
    let mut bob = login_unsynced(&server, "bob").await;
    bob.request(Request::Sync {
        since: Some(cursor),
    })
    .await
    .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(next_update(&mut bob).await);
    }
    assert_eq!(
        seen.iter().map(|m| (m.seq, m.version)).collect::<Vec<_>>(),
        [(kept.seq, 1), (gone.seq, 1), (kept.seq, 2)]
    );
    assert_eq!(seen[2].text, "final words");
    assert_eq!(seen[2].reactions[0].emoji, "🎉");
    assert!(seen[1].deleted);
    // A new device syncing from the start never receives the deleted or replaced text.
    let mut fresh = login_unsynced(&server, "bob").await;
    let id = fresh
        .send_request(Request::Sync { since: Some(0) })
        .await
        .unwrap();
    let mut frames = Vec::new();
    loop {
        let frame = fresh.next_frame().await.unwrap();
        let text = serde_json::to_string(&frame).unwrap();
        let done = matches!(&frame, confer_proto::ServerFrame::Response { id: r, .. } if *r == id);
        frames.push(text);
        if done {
            break;
        }
    }
    let all = frames.join("\n");
    assert!(all.contains("final words"), "{all}");
    assert!(
        !all.contains("regrettable") && !all.contains("first draft"),
        "{all}"
    );
}
