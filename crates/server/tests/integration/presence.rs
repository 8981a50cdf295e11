//! Presence: online while connected, chosen statuses, idle, invisible, last seen; directory.

use confer_proto::{Event, Presence, PresenceChoice, PresenceStatus, Request, Response};

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

#[tokio::test]
async fn presence_changes_are_seen_live() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
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
    match alice
        .request(Request::SearchUsers {
            query: "BO".into(),
            limit: None,
        })
        .await
        .unwrap()
    {
        Response::Users { users } => {
            assert_eq!(users.len(), 1);
            assert_eq!(users[0].user.display_name, "bob Example");
            let p = users[0].presence.as_ref().unwrap();
            assert_eq!(
                (p.status, p.message.as_deref()),
                (PresenceStatus::Away, Some("lunch"))
            );
        }
        r => panic!("{r:?}"),
    }
    match alice
        .request(Request::SearchUsers {
            query: "example".into(),
            limit: Some(2),
        })
        .await
        .unwrap()
    {
        Response::Users { users } => {
            assert_eq!(users.len(), 2, "display names match and the limit holds")
        }
        r => panic!("{r:?}"),
    }
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
