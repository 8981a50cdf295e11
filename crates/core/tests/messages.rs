//! Edits, deletions, reactions, replies, typing and search through the client core, against a
//! real in-process server over loopback: live, from the outbox, and on resume.

use std::time::Duration;

use confer_core::{CachedMessage, Client, ClientConfig, ClientEvent, CoreError};
use confer_proto::{ErrorCode, Reason};
use confer_testkit::TestServer;

const PW: &str = "correct horse";
const WAIT: Duration = Duration::from_secs(10);

fn config(url: &str, dir: &std::path::Path, user: &str) -> ClientConfig {
    ClientConfig {
        servers: vec![url.into()],
        user: user.into(),
        password: Some(PW.into()),
        profile: dir.join(user),
        device: "desk".into(),
        connect_timeout: Duration::from_secs(5),
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    }
}

async fn server() -> TestServer {
    let server = TestServer::start().await.unwrap();
    for u in ["alice", "bob"] {
        server.add_user(u, PW).unwrap();
    }
    server
}

async fn online(server: &TestServer, dir: &std::path::Path, user: &str) -> Client {
    let c = Client::open(config(&server.ws_url(), dir, user), true).unwrap();
    c.wait_synced(WAIT).await.unwrap();
    c
}

/// Waits for the first `changed` event `pick` accepts.
async fn changed(
    rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    mut pick: impl FnMut(&CachedMessage) -> bool,
) -> CachedMessage {
    loop {
        let event = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("a changed event")
            .unwrap();
        if let ClientEvent::Changed { message } = event
            && pick(&message)
        {
            return message;
        }
    }
}

/// The message with `client_id` in the client's history.
async fn find(client: &Client, conversation: u64, client_id: &str) -> CachedMessage {
    client
        .history(conversation, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.client_id == client_id)
        .unwrap_or_else(|| panic!("no message {client_id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_deletions_and_reactions_reach_the_other_client_live_and_on_resume() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let bob = online(&server, dir.path(), "bob").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let mut bob_rx = bob.subscribe();
    let m = alice.send(conv, "Lunch at noon?").await.unwrap();
    alice.wait_sent(m.local_id, WAIT).await.unwrap();
    // Bob has it cached (history reads the cache first, then the server).
    assert_eq!(find(&bob, conv, &m.client_id).await.text, "Lunch at noon?");

    let op = alice
        .edit(m.local_id, "Lunch at one?")
        .await
        .unwrap()
        .unwrap();
    assert!(
        alice
            .message(m.local_id)
            .await
            .unwrap()
            .unwrap()
            .edited_at
            .is_some()
    );
    alice.wait_op(op, WAIT).await.unwrap();
    let seen = changed(&mut bob_rx, |x| x.client_id == m.client_id).await;
    assert_eq!((seen.text.as_str(), seen.version), ("Lunch at one?", 1));
    assert!(seen.edited_at.is_some());

    // Bob reacts; alice sees who.
    let mut alice_rx = alice.subscribe();
    let theirs = bob
        .message_ref(&format!("{conv}:{}", seen.seq.unwrap()))
        .await
        .unwrap();
    let op = bob.react(theirs, "👍", true).await.unwrap();
    bob.wait_op(op, WAIT).await.unwrap();
    let seen = changed(&mut alice_rx, |x| !x.reactions.is_empty()).await;
    assert_eq!(seen.reactions[0].users, ["bob"]);
    // Bob may not edit alice's message: refused here, without asking the server.
    assert!(matches!(
        bob.edit(theirs, "mine").await,
        Err(CoreError::Refused(b)) if matches!(b.reason, Reason::SenderOnly { .. })
    ));

    // Bob goes away; alice deletes; bob comes back and has the deletion from the stream.
    bob.close().await;
    let op = alice.delete(m.local_id).await.unwrap().unwrap();
    alice.wait_op(op, WAIT).await.unwrap();
    let bob = online(&server, dir.path(), "bob").await;
    let gone = find(&bob, conv, &m.client_id).await;
    assert!(
        gone.deleted && gone.text.is_empty() && gone.reactions.is_empty(),
        "{gone:?}"
    );
    // An answer to a deleted message is refused by the server.
    let refused = bob.send_reply(conv, "too late", gone.seq).await.unwrap();
    assert!(matches!(
        bob.wait_sent(refused.local_id, WAIT).await,
        Err(CoreError::Refused(b)) if b.code == ErrorCode::Conflict
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_message_is_edited_in_place_and_one_deleted_before_sending_is_never_sent() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    alice.close().await;

    // Offline: two messages queued; one edited, one deleted before anything is sent.
    let offline = Client::open(config(&server.ws_url(), dir.path(), "alice"), false).unwrap();
    let kept = offline.send(conv, "typo hree").await.unwrap();
    let dropped = offline.send(conv, "never mind").await.unwrap();
    assert_eq!(
        offline.edit(kept.local_id, "typo here").await.unwrap(),
        None
    );
    assert_eq!(offline.delete(dropped.local_id).await.unwrap(), None);
    let shown = offline.history(conv, None, 10).await.unwrap();
    assert_eq!(
        shown.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["typo here"]
    );
    offline.close().await;

    let back = online(&server, dir.path(), "alice").await;
    back.flush(WAIT).await.unwrap();
    let mut bob = confer_testkit::Client::login(&server.ws_url(), "bob", PW)
        .await
        .unwrap();
    match bob
        .request(confer_proto::Request::History {
            conversation: conv,
            before: None,
            limit: None,
        })
        .await
        .unwrap()
    {
        confer_proto::Response::History { page } => {
            let got: Vec<_> = page
                .messages
                .iter()
                .map(|m| (m.text.as_str(), m.edited_at.is_some()))
                .collect();
            assert_eq!(got, [("typo here", false)], "one unedited message");
        }
        r => panic!("{r:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_offline_reach_the_server_on_resume_and_a_refused_one_is_undone() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let m = alice.send(conv, "first").await.unwrap();
    alice.wait_sent(m.local_id, WAIT).await.unwrap();
    alice.close().await;

    let offline = Client::open(config(&server.ws_url(), dir.path(), "alice"), false).unwrap();
    let edit = offline.edit(m.local_id, "second").await.unwrap().unwrap();
    let react = offline.react(m.local_id, "🎉", true).await.unwrap();
    // Not an emoji: shown at once here, refused by the server later.
    let bad = offline.react(m.local_id, "x", true).await.unwrap();
    assert_eq!(offline.outbox_len().await.unwrap(), 3);
    let shown = offline.message(m.local_id).await.unwrap().unwrap();
    assert_eq!(shown.reactions.len(), 2);
    offline.close().await;

    let back = online(&server, dir.path(), "alice").await;
    back.wait_op(edit, WAIT).await.unwrap();
    back.wait_op(react, WAIT).await.unwrap();
    assert!(matches!(
        back.wait_op(bad, WAIT).await,
        Err(CoreError::Refused(b)) if b.reason == Reason::InvalidReaction
    ));
    // The refused reaction is gone again; the others are the server's.
    let mut rx = back.subscribe();
    let mut now = back.message(m.local_id).await.unwrap().unwrap();
    while now.reactions.len() != 1 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
        now = back.message(m.local_id).await.unwrap().unwrap();
    }
    assert_eq!(now.text, "second");
    assert_eq!(now.reactions[0].emoji, "🎉");
    assert_eq!(back.outbox_len().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_reaches_the_other_client_and_search_finds_what_the_cache_dropped() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let bob = online(&server, dir.path(), "bob").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let mut rx = bob.subscribe();
    alice.set_typing(conv, true).await.unwrap();
    loop {
        match tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            ClientEvent::Typing {
                conversation,
                user,
                typing,
            } => {
                assert_eq!((conversation, user.as_str(), typing), (conv, "alice", true));
                break;
            }
            _ => continue,
        }
    }
    for text in ["the quarterly report", "lunch", "report draft attached"] {
        let m = alice.send(conv, text).await.unwrap();
        alice.wait_sent(m.local_id, WAIT).await.unwrap();
    }
    assert!(alice.evict_before(conv, 4).await.unwrap() >= 3);
    let (found, next) = alice.search("report", None, None, None).await.unwrap();
    assert_eq!(
        found.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["report draft attached", "the quarterly report"]
    );
    assert!(next.is_none());
    alice.close().await;
    let offline = Client::open(config(&server.ws_url(), dir.path(), "alice"), false).unwrap();
    assert!(matches!(
        offline.search("report", None, None, None).await,
        Err(CoreError::Offline)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_search_works_offline_folds_accents_and_finds_english_and_french_stems() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let texts = [
        "Les réunions de lundi sont annulées",
        "Two meetings moved to Friday",
        "Café au bureau ?",
        "Nothing related here",
    ];
    for text in texts {
        let m = alice.send(conv, text).await.unwrap();
        alice.wait_sent(m.local_id, WAIT).await.unwrap();
    }
    let deleted = alice
        .send(conv, "meeting notes, to be deleted")
        .await
        .unwrap();
    alice.wait_sent(deleted.local_id, WAIT).await.unwrap();
    let op = alice.delete(deleted.local_id).await.unwrap().unwrap();
    alice.wait_op(op, WAIT).await.unwrap();
    alice.close().await;

    let offline = Client::open(config(&server.ws_url(), dir.path(), "alice"), false).unwrap();
    let found = |query: &'static str| {
        let offline = &offline;
        async move {
            offline
                .search_local(query, None, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.text)
                .collect::<Vec<_>>()
        }
    };
    // French: plural and accents fold onto the same stem; English likewise.
    assert_eq!(found("reunion").await, [texts[0]]);
    assert_eq!(found("Réunions annulée").await, [texts[0]]);
    assert_eq!(found("meeting").await, [texts[1]]);
    assert_eq!(found("cafe").await, [texts[2]]);
    assert_eq!(found("mov fri").await, [texts[1]], "prefixes");
    assert!(
        found("notes").await.is_empty(),
        "deleted texts are not found"
    );
    assert!(found("  ").await.is_empty());
    // The index follows edits made here.
    let id = offline
        .search_local("nothing", None, 10)
        .await
        .unwrap()
        .pop()
        .unwrap()
        .local_id;
    offline.edit(id, "Something else entirely").await.unwrap();
    assert!(found("related").await.is_empty());
    assert_eq!(found("entire").await, ["Something else entirely"]);
    // Newest first, a message still in the outbox included...
    let pending = offline.send(conv, "Friday lunch?").await.unwrap();
    let friday = ["Friday lunch?", texts[1]];
    assert_eq!(found("friday").await, friday);
    offline.close().await;
    // ...and once it is stored (the server's time replaces the local one), found once still.
    let alice = online(&server, dir.path(), "alice").await;
    alice.wait_sent(pending.local_id, WAIT).await.unwrap();
    let again: Vec<String> = alice
        .search_local("friday", None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(again, friday);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_unread_and_hide_reach_every_device_and_a_new_message_shows_the_chat_again() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let alice = online(&server, dir.path(), "alice").await;
    let bob = online(&server, dir.path(), "bob").await;
    let conv = bob.direct_conversation("alice").await.unwrap();
    for text in ["one", "two"] {
        let m = bob.send(conv, text).await.unwrap();
        bob.wait_sent(m.local_id, WAIT).await.unwrap();
    }
    let mut rx = alice.subscribe();
    while view(&alice, conv).await.unread != 2 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    alice.mark_read(conv, None).await.unwrap();
    while view(&alice, conv).await.unread != 0 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    alice.mark_unread(conv).await.unwrap();
    while view(&alice, conv).await.unread != 1 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    alice.hide_conversation(conv, true).await.unwrap();
    while !view(&alice, conv).await.hidden {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    assert!(!view(&bob, conv).await.hidden, "hidden for alice only");
    let m = bob.send(conv, "three").await.unwrap();
    bob.wait_sent(m.local_id, WAIT).await.unwrap();
    while view(&alice, conv).await.hidden {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
}

async fn view(client: &Client, conversation: u64) -> confer_core::ConversationView {
    client
        .conversations()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.info.id == conversation)
        .unwrap()
}
