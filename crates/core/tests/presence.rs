//! Presence through the client core: it watches its conversations' members by itself, and the
//! users the UI shows when told; nobody else's presence reaches it.

use std::time::Duration;

use confer_core::{Client, ClientConfig, ClientEvent};
use confer_proto::{Presence, PresenceStatus};
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
        // Tests keep tokens in profile files, never in the developer's keyring.
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    }
}

/// The presence events before the first of `user`'s, and that one.
async fn presence_until(
    rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    user: &str,
) -> (Vec<Presence>, Presence) {
    let mut before = Vec::new();
    loop {
        let event = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("no presence came")
            .unwrap();
        if let ClientEvent::Presence { presence } = event {
            if presence.user == user {
                return (before, presence);
            }
            before.push(presence);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_watches_its_conversations_members_and_what_the_ui_shows() {
    let server = TestServer::start().await.unwrap();
    for u in ["alice", "bob", "carol"] {
        server.add_user(u, PW).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let alice = Client::open(config(&server.ws_url(), dir.path(), "alice"), true).unwrap();
    alice.wait_synced(WAIT).await.unwrap();
    let mut rx = alice.subscribe();
    alice.direct_conversation("bob").await.unwrap();

    // Carol comes online first, then bob: only bob, a member of one of alice's conversations,
    // reaches her (carol's would have come first).
    let url = server.ws_url();
    let _carol = confer_testkit::Client::login(&url, "carol", PW)
        .await
        .unwrap();
    let _bob = confer_testkit::Client::login(&url, "bob", PW)
        .await
        .unwrap();
    let (before, bob) = presence_until(&mut rx, "bob").await;
    assert!(before.iter().all(|p| p.user != "carol"), "{before:?}");
    assert_eq!(bob.status, PresenceStatus::Online);

    // The UI shows carol (a directory row): her presence comes, and stays in the cache.
    alice.watch_presence(vec!["carol".into()]);
    let (_, carol) = presence_until(&mut rx, "carol").await;
    assert_eq!(carol.status, PresenceStatus::Online);
    let cached = alice.presence().await.unwrap();
    assert!(
        cached
            .iter()
            .any(|p| p.user == "carol" && p.status == PresenceStatus::Online),
        "{cached:?}"
    );
    alice.close().await;
}
