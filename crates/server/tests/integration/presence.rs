//! Presence: online while connected, chosen statuses, idle, invisible, last seen; directory;
//! only to the connections watching a user; the `subscribers` policy.

use confer_proto::{Event, Presence, PresenceChoice, PresenceStatus, Request, Response};
use confer_server::store::PresencePolicy;

use super::*;

async fn presence_of(client: &mut confer_testkit::Client, user: &str) -> Presence {
    client
        .wait_for(|e| match e {
            Event::Presence { presence } if presence.user == user => Some(presence.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

/// The presence events `client` receives before the first of `user`'s that `barrier` accepts,
/// and that one. A connection gets one user's changes in order, and changes of different users
/// in the order they were first made (a batch lists them so too), so anything sent before the
/// barrier's change is in the first list.
async fn presence_until(
    client: &mut confer_testkit::Client,
    user: &str,
    mut barrier: impl FnMut(&Presence) -> bool,
) -> (Vec<Presence>, Presence) {
    let mut before = Vec::new();
    loop {
        let p = client
            .wait_for(|e| match e {
                Event::Presence { presence } => Some(presence.clone()),
                _ => None,
            })
            .await
            .unwrap();
        if p.user == user && barrier(&p) {
            return (before, p);
        }
        before.push(p);
    }
}

fn names(ps: &[Presence]) -> Vec<&str> {
    ps.iter().map(|p| p.user.as_str()).collect()
}

#[tokio::test]
async fn presence_changes_are_seen_live() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    alice.watch_presence(&["bob"]).await.unwrap();
    let mut bob = login(&server, "bob").await;
    assert_eq!(
        presence_of(&mut alice, "bob").await.status,
        PresenceStatus::Online
    );

    bob.request(Request::SetPresence {
        status: PresenceChoice::Dnd,
        message: Some("in a meeting".into()),
    })
    .await
    .unwrap();
    let p = presence_of(&mut alice, "bob").await;
    assert_eq!(
        (p.status, p.message.as_deref()),
        (PresenceStatus::Dnd, Some("in a meeting"))
    );

    bob.request(Request::SetPresence {
        status: PresenceChoice::Available,
        message: None,
    })
    .await
    .unwrap();
    assert_eq!(
        presence_of(&mut alice, "bob").await.status,
        PresenceStatus::Online
    );
    bob.request(Request::SetIdle { idle: true }).await.unwrap();
    let p = presence_of(&mut alice, "bob").await;
    assert_eq!((p.status, p.idle), (PresenceStatus::Away, true));
    bob.request(Request::SetIdle { idle: false }).await.unwrap();
    assert_eq!(
        presence_of(&mut alice, "bob").await.status,
        PresenceStatus::Online
    );

    bob.request(Request::SetPresence {
        status: PresenceChoice::Offline,
        message: None,
    })
    .await
    .unwrap();
    assert_eq!(
        presence_of(&mut alice, "bob").await.status,
        PresenceStatus::Offline
    );
    bob.request(Request::SetPresence {
        status: PresenceChoice::Away,
        message: None,
    })
    .await
    .unwrap();
    assert_eq!(
        presence_of(&mut alice, "bob").await.status,
        PresenceStatus::Away
    );

    bob.close().await;
    let p = presence_of(&mut alice, "bob").await;
    assert_eq!(p.status, PresenceStatus::Offline);
    assert!(p.last_seen.is_some());
}

#[tokio::test]
async fn sync_snapshot_and_directory_show_presence_and_chosen_status_persists() {
    let server = server_with_users().await;
    let mut bob = login(&server, "bob").await;
    bob.request(Request::SetPresence {
        status: PresenceChoice::Away,
        message: Some("lunch".into()),
    })
    .await
    .unwrap();
    let mut alice = login_unsynced(&server, "alice").await;
    // Asked before the sync: its snapshot covers alice herself and whom she watches.
    alice.watch_presence(&["bob", "carol"]).await.unwrap();
    match alice.request(Request::Sync { since: None }).await.unwrap() {
        Response::Synced { presence, .. } => {
            let names: Vec<_> = presence
                .iter()
                .map(|p| (p.user.as_str(), p.status))
                .collect();
            assert_eq!(
                names,
                [
                    ("alice", PresenceStatus::Online),
                    ("bob", PresenceStatus::Away)
                ]
            );
        }
        r => panic!("{r:?}"),
    }
    let users = search_users(&mut alice, "BO", None).await;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user.display_name, "Bob Carter");
    let p = users[0].presence.as_ref().unwrap();
    assert_eq!(
        (p.status, p.message.as_deref()),
        (PresenceStatus::Away, Some("lunch"))
    );
    // "ar" is in three display names ("Alice Martin", "Bob Carter", "Carol Diaz").
    let users = search_users(&mut alice, "ar", Some(2)).await;
    assert_eq!(users.len(), 2, "display names match and the limit holds");
    // The chosen status survives a reconnect.
    bob.close().await;
    let mut bob = login(&server, "bob").await;
    let p = presence_of(&mut alice, "bob").await;
    assert_eq!(p.status, PresenceStatus::Offline);
    let p = presence_of(&mut alice, "bob").await;
    assert_eq!(
        (p.status, p.message.as_deref()),
        (PresenceStatus::Away, Some("lunch"))
    );
    bob.request(Request::Ping).await.unwrap();
}

#[tokio::test]
async fn presence_goes_only_to_the_connections_watching_the_user() {
    let server = server_with_users().await;
    let mut watches_carol = login(&server, "alice").await;
    watches_carol.watch_presence(&["carol"]).await.unwrap();
    let mut watches_bob = login(&server, "alice").await;
    watches_bob.watch_presence(&["bob"]).await.unwrap();

    let mut bob = login(&server, "bob").await;
    let (before, p) = presence_until(&mut watches_bob, "bob", |_| true).await;
    assert_eq!((before.len(), p.status), (0, PresenceStatus::Online));
    bob.request(Request::SetPresence {
        status: PresenceChoice::Dnd,
        message: None,
    })
    .await
    .unwrap();
    let (_, p) = presence_until(&mut watches_bob, "bob", |_| true).await;
    assert_eq!(p.status, PresenceStatus::Dnd);

    // Carol comes online after bob's changes: had any of them reached the connection that
    // does not watch bob, it would have come first.
    let _carol = login(&server, "carol").await;
    let (before, p) = presence_until(&mut watches_carol, "carol", |_| true).await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(p.status, PresenceStatus::Online);
    // Alice's own second device was not news to either: she was online already.

    // Watching another list replaces the first: now bob, whose presence follows at once.
    watches_carol.watch_presence(&["bob"]).await.unwrap();
    let (before, p) = presence_until(&mut watches_carol, "bob", |_| true).await;
    assert_eq!((names(&before), p.status), (vec![], PresenceStatus::Dnd));
    bob.request(Request::SetPresence {
        status: PresenceChoice::Available,
        message: None,
    })
    .await
    .unwrap();
    let (_, p) = presence_until(&mut watches_carol, "bob", |_| true).await;
    assert_eq!(p.status, PresenceStatus::Online);

    // A list over the bound is refused with its reason.
    let too_many: Vec<String> = (0..=confer_proto::MAX_WATCHED_USERS)
        .map(|i| format!("u{i}"))
        .collect();
    let err = watches_carol
        .refused(Request::WatchPresence { users: too_many })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(
        err.reason,
        confer_proto::Reason::TooManyWatched {
            max: confer_proto::MAX_WATCHED_USERS as u32
        }
    );
}

#[tokio::test]
async fn under_subscribers_presence_reaches_only_accepted_watchers_and_acceptance_needs_no_reconnect()
 {
    let server = TestServer::start_with(|c| c.presence_policy = PresencePolicy::Subscribers)
        .await
        .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    // Both watch bob; neither may see him yet.
    let mut alice = login(&server, "alice").await;
    alice.watch_presence(&["bob"]).await.unwrap();
    let mut carol = login(&server, "carol").await;
    carol.watch_presence(&["bob"]).await.unwrap();
    let mut bob = login(&server, "bob").await;

    // Barrier: a change of alice's own, which she always sees, made after bob came online.
    alice
        .request(Request::SetPresence {
            status: PresenceChoice::Away,
            message: None,
        })
        .await
        .unwrap();
    let (before, _) =
        presence_until(&mut alice, "alice", |p| p.status == PresenceStatus::Away).await;
    assert!(before.is_empty(), "{before:?}");
    let hidden = search_users(&mut alice, "bob", None).await;
    assert!(hidden[0].presence.is_none());

    // Bob accepts alice's request: her connection sees him from then on, as it is.
    alice
        .request(Request::AddFavourite { user: "bob".into() })
        .await
        .unwrap();
    bob.request(Request::AnswerSubscription {
        user: "alice".into(),
        accept: true,
    })
    .await
    .unwrap();
    let (before, p) = presence_until(&mut alice, "bob", |_| true).await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(p.status, PresenceStatus::Online);
    bob.request(Request::SetPresence {
        status: PresenceChoice::Dnd,
        message: Some("focus".into()),
    })
    .await
    .unwrap();
    let (_, p) = presence_until(&mut alice, "bob", |_| true).await;
    assert_eq!(
        (p.status, p.message.as_deref()),
        (PresenceStatus::Dnd, Some("focus"))
    );
    let users = search_users(&mut alice, "bob", None).await;
    assert_eq!(
        users[0].presence.as_ref().unwrap().status,
        PresenceStatus::Dnd
    );

    // Carol, who watches bob without being accepted, got none of it.
    carol
        .request(Request::SetPresence {
            status: PresenceChoice::Away,
            message: None,
        })
        .await
        .unwrap();
    let (before, _) =
        presence_until(&mut carol, "carol", |p| p.status == PresenceStatus::Away).await;
    assert!(before.is_empty(), "{before:?}");

    // An accepted favourite is watched without asking, from the next connection on too.
    let mut alice2 = login_unsynced(&server, "alice").await;
    match alice2.request(Request::Sync { since: None }).await.unwrap() {
        Response::Synced { presence, .. } => assert_eq!(
            names(&presence),
            ["alice", "bob"],
            "herself and her accepted favourite"
        ),
        r => panic!("{r:?}"),
    }
    // Removing the favourite ends it.
    alice2
        .request(Request::RemoveFavourite { user: "bob".into() })
        .await
        .unwrap();
    bob.request(Request::SetPresence {
        status: PresenceChoice::Available,
        message: None,
    })
    .await
    .unwrap();
    alice2
        .request(Request::SetPresence {
            status: PresenceChoice::Available,
            message: None,
        })
        .await
        .unwrap();
    let (before, _) =
        presence_until(&mut alice2, "alice", |p| p.status == PresenceStatus::Online).await;
    assert!(before.is_empty(), "{before:?}");
}

#[tokio::test]
async fn password_sign_ins_queue_for_their_places_while_messages_flow() {
    let server = TestServer::start_with(|c| c.password_hash_concurrency = 1)
        .await
        .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    // Several password checks at once, one place: they take turns, and all get through.
    let url = server.ws_url();
    let storm: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Client::login(&url, "carol", PW).await })
        })
        .collect();
    send(&mut alice, conv, "during", "while carol signs in").await;
    assert_eq!(next_message(&mut bob).await.text, "while carol signs in");
    for s in storm {
        s.await.unwrap().unwrap();
    }
}
