//! Favourites and the `subscribers` presence policy.

use std::time::Duration;

use confer_proto::{Change, Event, FavouriteState, PresenceStatus, Request, Response};
use confer_server::store::PresencePolicy;
use confer_testkit::TestServer;

use super::*;

/// A server under the `subscribers` presence policy with alice and bob.
async fn subscribers_server() -> TestServer {
    let server = TestServer::start_with(|c| c.presence_policy = PresencePolicy::Subscribers)
        .await
        .unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

#[tokio::test]
async fn presence_is_shared_only_after_the_request_is_accepted() {
    let server = subscribers_server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let seen: Vec<_> = alice.drain_events(Duration::from_millis(300)).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::Presence { presence } if presence.user == "bob"))
    );
    let users = search_users(&mut alice, "bob", None).await;
    assert!(users[0].presence.is_none());

    alice
        .request(Request::AddFavourite { user: "bob".into() })
        .await
        .unwrap();
    let request = bob
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Favourite { favourite },
                ..
            } => Some(favourite.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(
        (request.owner.as_str(), request.state),
        ("alice", FavouriteState::Pending)
    );
    match bob.request(Request::ListFavourites).await.unwrap() {
        Response::Favourites { incoming, .. } => assert_eq!(incoming.len(), 1),
        r => panic!("{r:?}"),
    }

    bob.request(Request::AnswerSubscription {
        user: "alice".into(),
        accept: true,
    })
    .await
    .unwrap();
    let p = alice
        .wait_for(|e| match e {
            Event::Presence { presence } if presence.user == "bob" => Some(presence.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(p.status, PresenceStatus::Online);
    bob.request(Request::SetPresence {
        status: confer_proto::PresenceChoice::Dnd,
        message: None,
    })
    .await
    .unwrap();
    let p = alice
        .wait_for(|e| match e {
            Event::Presence { presence } if presence.user == "bob" => Some(presence.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(p.status, PresenceStatus::Dnd);
    match alice.request(Request::ListFavourites).await.unwrap() {
        Response::Favourites { outgoing, .. } => {
            assert_eq!(outgoing[0].state, FavouriteState::Accepted)
        }
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn a_declined_request_shares_nothing() {
    let server = subscribers_server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice
        .request(Request::AddFavourite { user: "bob".into() })
        .await
        .unwrap();
    bob.request(Request::AnswerSubscription {
        user: "alice".into(),
        accept: false,
    })
    .await
    .unwrap();
    bob.request(Request::SetPresence {
        status: confer_proto::PresenceChoice::Dnd,
        message: None,
    })
    .await
    .unwrap();
    let seen = alice.drain_events(Duration::from_millis(300)).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::Presence { presence } if presence.user == "bob")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|e| matches!(e,
        Event::Change { change: Change::Favourite { favourite }, .. } if favourite.state == FavouriteState::Declined)));
}

#[tokio::test]
async fn under_the_organization_policy_favourites_need_no_answer() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    alice
        .request(Request::AddFavourite { user: "bob".into() })
        .await
        .unwrap();
    match alice.request(Request::ListFavourites).await.unwrap() {
        Response::Favourites { outgoing, .. } => {
            assert_eq!(outgoing[0].state, FavouriteState::Accepted)
        }
        r => panic!("{r:?}"),
    }
    alice
        .request(Request::RemoveFavourite { user: "bob".into() })
        .await
        .unwrap();
    match alice.request(Request::ListFavourites).await.unwrap() {
        Response::Favourites { outgoing, .. } => assert!(outgoing.is_empty()),
        r => panic!("{r:?}"),
    }
}
