//! Aliases over the WebSocket: a writer, two members who answer, a member removed.

use confer_proto::{Change, ConversationKind, ErrorCode, Event, Request, Response};
use confer_testkit::TestServer;

use super::{PW, history, login, open_direct, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_member_answers_the_other_sees_it_the_writer_sees_the_alias_and_a_removed_member_loses_it()
 {
    let server = TestServer::start().await.unwrap();
    for name in ["walt", "alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    confer_server::admin::add_alias(
        &server.location,
        "support",
        "IT Support",
        &["alice".into(), "bob".into()],
        false,
    )
    .unwrap();
    let mut walt = login(&server, "walt").await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;

    // The directory lists the alias first, with no presence of its own.
    match walt
        .request(Request::SearchUsers {
            query: "sup".into(),
            limit: None,
            after: None,
            online: false,
        })
        .await
        .unwrap()
    {
        Response::Users { users, aliases, .. } => {
            assert!(users.is_empty());
            assert_eq!(aliases.len(), 1);
            assert_eq!(aliases[0].display_name, "IT Support");
        }
        r => panic!("{r:?}"),
    }

    // Walt writes to the alias like to a user; both members get the conversation and message.
    let conv = open_direct(&mut walt, "support").await;
    send(&mut walt, conv, "w1", "My screen is black").await;
    for member in [&mut alice, &mut bob] {
        let message = member
            .wait_for(|e| match e {
                Event::Change {
                    change: Change::Message { message },
                    ..
                } if message.conversation == conv => Some(message.clone()),
                _ => None,
            })
            .await
            .unwrap();
        assert_eq!(message.sender, "walt");
    }

    // Alice answers: bob sees who answered, walt sees the alias.
    send(&mut alice, conv, "a1", "Try the power button").await;
    let seen_by_bob = bob
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } if message.client_id == "a1" => Some(message.sender.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(seen_by_bob, "alice");
    let seen_by_walt = walt
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } if message.client_id == "a1" => Some(message.sender.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(seen_by_walt, "support");
    let senders: Vec<String> = history(&mut walt, conv)
        .await
        .into_iter()
        .map(|m| m.sender)
        .collect();
    assert_eq!(senders, ["walt", "support"]);
    match walt.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => {
            let info = &conversations[0].info;
            assert_eq!(info.kind, ConversationKind::Alias);
            assert_eq!(info.members, ["support", "walt"]);
        }
        r => panic!("{r:?}"),
    }

    // Bob is taken off the alias: he is told, and can no longer read or write there.
    confer_server::admin::alias_member(&server.location, "support", "bob", false).unwrap();
    bob.wait_for(|e| match e {
        Event::Change {
            change: Change::Removed { conversation },
            ..
        } if *conversation == conv => Some(()),
        _ => None,
    })
    .await
    .unwrap();
    let err = bob
        .refused(Request::SendMessage {
            conversation: conv,
            client_id: "b1".into(),
            text: "still here?".into(),
            reply_to: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = bob
        .refused(Request::History {
            conversation: conv,
            before: None,
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // Alice still answers.
    send(&mut alice, conv, "a2", "Better?").await;
    assert_eq!(history(&mut walt, conv).await.len(), 3);
}
