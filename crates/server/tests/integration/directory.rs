//! The directory (People view): paging through a large one in order, the online filter, and
//! presence pushed only for the rows a client watches.

use std::collections::HashSet;

use confer_proto::{Event, PresenceStatus, Request, Response};
use confer_testkit::{Client, TestServer};

use super::{PW, events_before, login};

const USERS: usize = 10_000;

fn person(i: usize) -> String {
    format!("p{i:05}")
}

async fn page(
    client: &mut Client,
    after: Option<String>,
    online: bool,
    limit: u32,
) -> (Vec<(String, Option<PresenceStatus>)>, Option<String>) {
    match client
        .request(Request::SearchUsers {
            query: String::new(),
            limit: Some(limit),
            after,
            online,
        })
        .await
        .unwrap()
    {
        Response::Users { users, next, .. } => (
            users
                .into_iter()
                .map(|u| (u.user.name, u.presence.map(|p| p.status)))
                .collect(),
            next,
        ),
        r => panic!("{r:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_directory_pages_in_order_filters_online_users_and_pushes_presence_only_for_watched_rows()
 {
    let server = TestServer::start().await.unwrap();
    server.add_user("alice", PW).unwrap();
    // Display names in the reverse order of the account names: the directory sorts by them.
    let people: Vec<(String, String)> = (0..USERS)
        .map(|i| (person(i), format!("Person {:05}", USERS - 1 - i)))
        .collect();
    server.add_users(&people, PW).unwrap();
    let mut alice = login(&server, "alice").await;

    // Every user once, in display-name order ("Alice Martin" first, then the people from
    // p09999 down), a hundred at a time, each entry with its presence.
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let (users, next) = page(&mut alice, after.take(), false, 100).await;
        assert!(users.len() <= 100);
        assert!(
            users.iter().all(|(_, p)| p.is_some()),
            "presence with each entry"
        );
        seen.extend(users.into_iter().map(|(name, _)| name));
        pages += 1;
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
        assert!(pages <= USERS / 100 + 1, "paging does not end");
    }
    let mut expected = vec!["alice".to_owned()];
    expected.extend((0..USERS).rev().map(person));
    assert_eq!(seen.len(), expected.len());
    assert!(seen == expected, "the directory is out of order");
    assert_eq!(pages, USERS / 100 + 1);

    // Three people sign in; with alice, four are online. The online filter finds exactly them,
    // in order, across pages that may come back short.
    let mut online_clients = Vec::new();
    for i in [9_990, 5_000, 10] {
        online_clients.push(login(&server, &person(i)).await);
    }
    let mut online = Vec::new();
    let mut after = None;
    let mut requests = 0;
    loop {
        let (users, next) = page(&mut alice, after.take(), true, 3).await;
        assert!(users.len() <= 3);
        for (name, status) in users {
            assert_eq!(status, Some(PresenceStatus::Online), "{name}");
            online.push(name);
        }
        requests += 1;
        assert!(requests <= 10, "the online filter does not end");
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(online, ["alice", "p09990", "p05000", "p00010"]);

    // Alice's view shows fifty rows and watches them. Then ten people in view and ten out of
    // view sign in: only those in view reach her. The last one in view is the barrier.
    let in_view: Vec<String> = (100..150).map(person).collect();
    let refs: Vec<&str> = in_view.iter().map(String::as_str).collect();
    alice.watch_presence(&refs).await.unwrap();
    let mut others = Vec::new();
    for i in (200..210).chain(100..110) {
        others.push(login(&server, &person(i)).await);
    }
    let last = person(109);
    let before = events_before(
        &mut alice,
        |e| matches!(e, Event::Presence { presence } if presence.user == last),
    )
    .await;
    let pushed: HashSet<String> = before
        .iter()
        .filter_map(|e| match e {
            Event::Presence { presence } => Some(presence.user.clone()),
            _ => None,
        })
        .collect();
    let allowed: HashSet<String> = (100..109).map(person).collect();
    assert!(
        pushed.is_subset(&allowed),
        "presence of users out of view was pushed: {:?}",
        pushed.difference(&allowed).collect::<Vec<_>>()
    );
    // A page from after an unknown user is refused, not empty.
    let err = alice
        .refused(Request::SearchUsers {
            query: String::new(),
            limit: None,
            after: Some("nobody".into()),
            online: false,
        })
        .await
        .unwrap();
    assert_eq!(err.code, confer_proto::ErrorCode::NotFound);
}
