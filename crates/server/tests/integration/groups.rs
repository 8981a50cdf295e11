//! Groups: invitations, the size cap, newcomers' view, joins and leaves in the timeline, group
//! ticks, and the group vanishing with its last member.

use confer_proto::{
    Change, ConversationKind, ErrorCode, Event, MessageKind, Reason, Request, Response, TickState,
};
use confer_testkit::Client;

use super::*;

/// A server with alice, bob, carol, dave, erin and frank, capped at `max` members per group.
async fn server(max: usize) -> TestServer {
    let server = TestServer::start_with(|c| c.max_group_members = max)
        .await
        .unwrap();
    for name in ["alice", "bob", "carol", "dave", "erin", "frank"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

async fn create(client: &mut Client, invite: &[&str]) -> u64 {
    match client
        .request(Request::CreateGroup {
            invite: invite.iter().map(|s| s.to_string()).collect(),
            name: Some("Release crew".into()),
        })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => {
            assert_eq!(conversation.info.kind, ConversationKind::Group);
            assert_eq!(conversation.info.name.as_deref(), Some("Release crew"));
            conversation.info.id
        }
        r => panic!("{r:?}"),
    }
}

async fn join(client: &mut Client, conversation: u64) {
    match client
        .request(Request::JoinGroup { conversation })
        .await
        .unwrap()
    {
        Response::Conversation { .. } => {}
        r => panic!("{r:?}"),
    }
}

async fn members(client: &mut Client, conversation: u64) -> Vec<String> {
    match client.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => conversations
            .into_iter()
            .find(|c| c.info.id == conversation)
            .map(|c| c.info.members)
            .unwrap_or_default(),
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn nobody_is_added_without_joining_and_newcomers_see_only_later_messages() {
    let server = server(5).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let group = create(&mut alice, &["bob"]).await;

    // Bob is invited, not a member: he gets the invitation, and the group stays closed to him.
    let invited = bob
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::Invited {
                        conversation,
                        inviter,
                    },
                ..
            } => Some((conversation.id, inviter.clone())),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(invited, (group, "alice".to_owned()));
    assert_eq!(members(&mut alice, group).await, ["alice"]);
    let history_req = Request::History {
        conversation: group,
        before: None,
        limit: None,
    };
    assert_eq!(
        refused_code(&mut bob, history_req.clone()).await,
        ErrorCode::Forbidden
    );

    join(&mut bob, group).await;
    send(&mut alice, group, "g1", "before carol").await;
    // Any member invites, not only the creator.
    bob.request(Request::InviteToGroup {
        conversation: group,
        user: "carol".into(),
    })
    .await
    .unwrap();
    join(&mut carol, group).await;
    send(&mut bob, group, "g2", "after carol").await;

    let seen: Vec<(String, MessageKind, String)> = history(&mut carol, group)
        .await
        .into_iter()
        .map(|m| (m.sender, m.kind, m.text))
        .collect();
    assert_eq!(
        seen,
        [
            ("carol".into(), MessageKind::Joined, String::new()),
            ("bob".into(), MessageKind::Text, "after carol".into()),
        ],
        "carol sees her join and what came after, nothing before"
    );
    // The others see the joins in the timeline.
    let kinds: Vec<(String, MessageKind)> = history(&mut alice, group)
        .await
        .into_iter()
        .map(|m| (m.sender, m.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bob".into(), MessageKind::Joined),
            ("alice".into(), MessageKind::Text),
            ("carol".into(), MessageKind::Joined),
            ("bob".into(), MessageKind::Text),
        ]
    );
    // A fresh sync from the start brings Carol nothing from before she joined.
    let mut carol_new = login_unsynced(&server, "carol").await;
    carol_new.sync(Some(0)).await.unwrap();
    let events = carol_new
        .drain_events(std::time::Duration::from_millis(300))
        .await;
    assert!(
        !events.iter().any(|e| matches!(
            e,
            Event::Change { change: Change::Message { message }, .. } if message.text == "before carol"
        )),
        "sync leaked an earlier message: {events:?}"
    );
    // Join events do not count as unread.
    assert_eq!(unread(&mut carol, group).await, 1);
}

async fn unread(client: &mut Client, conversation: u64) -> u32 {
    match client.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => {
            conversations
                .into_iter()
                .find(|c| c.info.id == conversation)
                .expect("listed")
                .unread
        }
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn the_cap_counts_the_creator_and_invitations_and_is_a_server_setting() {
    let server = server(5).await;
    let mut alice = login(&server, "alice").await;
    let too_many = Request::CreateGroup {
        invite: ["bob", "carol", "dave", "erin", "frank"]
            .map(String::from)
            .to_vec(),
        name: None,
    };
    let refused = alice.refused(too_many).await.unwrap();
    assert_eq!(
        (refused.code, refused.reason),
        (ErrorCode::Invalid, Reason::GroupFull { max: 5 })
    );
    let group = create(&mut alice, &["bob", "carol", "dave", "erin"]).await;
    let sixth = Request::InviteToGroup {
        conversation: group,
        user: "frank".into(),
    };
    assert_eq!(
        refused_code(&mut alice, sixth.clone()).await,
        ErrorCode::Invalid
    );
    // A declined invitation frees its seat.
    let mut erin = login(&server, "erin").await;
    erin.request(Request::DeclineGroup {
        conversation: group,
    })
    .await
    .unwrap();
    alice.request(sixth).await.unwrap();
    assert_eq!(
        refused_code(
            &mut erin,
            Request::JoinGroup {
                conversation: group
            }
        )
        .await,
        ErrorCode::Forbidden,
        "a declined invitation cannot be used"
    );

    let small = super::groups::server(3).await;
    let mut a = login(&small, "alice").await;
    let req = Request::CreateGroup {
        invite: vec!["bob".into(), "carol".into(), "dave".into()],
        name: None,
    };
    assert_eq!(refused_code(&mut a, req).await, ErrorCode::Invalid);
    create(&mut a, &["bob", "carol"]).await;
}

#[tokio::test]
async fn only_members_invite_and_direct_conversations_take_no_invitations() {
    let server = server(5).await;
    let mut alice = login(&server, "alice").await;
    let mut dave = login(&server, "dave").await;
    let group = create(&mut alice, &["bob"]).await;
    let invite = |user: &str| Request::InviteToGroup {
        conversation: group,
        user: user.into(),
    };
    assert_eq!(
        refused_code(&mut dave, invite("carol")).await,
        ErrorCode::Forbidden
    );
    // An invitee is not a member yet either.
    let mut bob = login(&server, "bob").await;
    assert_eq!(
        refused_code(&mut bob, invite("carol")).await,
        ErrorCode::Forbidden
    );
    let direct = open_direct(&mut alice, "dave").await;
    let to_direct = Request::InviteToGroup {
        conversation: direct,
        user: "carol".into(),
    };
    assert_eq!(
        refused_code(&mut alice, to_direct).await,
        ErrorCode::Invalid
    );
    let self_invite = Request::CreateGroup {
        invite: vec!["alice".into()],
        name: None,
    };
    assert_eq!(
        refused_code(&mut alice, self_invite).await,
        ErrorCode::Invalid
    );
}

async fn ticks(client: &mut Client, conversation: u64, client_id: &str) -> TickState {
    history(client, conversation)
        .await
        .into_iter()
        .find(|m| m.client_id == client_id)
        .expect("the message")
        .state
}

#[tokio::test]
async fn group_ticks_wait_for_every_member_and_a_leaver_stops_counting() {
    let server = server(5).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let group = create(&mut alice, &["bob", "carol"]).await;
    join(&mut bob, group).await;
    join(&mut carol, group).await;
    let ack = send(&mut alice, group, "t", "everyone?").await;
    let receipt = |seq| Request::MarkDelivered {
        conversation: group,
        seq,
    };
    bob.request(receipt(ack.seq)).await.unwrap();
    assert_eq!(ticks(&mut alice, group, "t").await, TickState::Sent);
    carol.request(receipt(ack.seq)).await.unwrap();
    assert_eq!(ticks(&mut alice, group, "t").await, TickState::Delivered);
    bob.request(Request::MarkRead {
        conversation: group,
        seq: ack.seq,
    })
    .await
    .unwrap();
    assert_eq!(ticks(&mut alice, group, "t").await, TickState::Delivered);
    // Carol leaves without reading: the message counts as read by everyone still there.
    carol
        .request(Request::LeaveGroup {
            conversation: group,
        })
        .await
        .unwrap();
    assert_eq!(ticks(&mut alice, group, "t").await, TickState::Read);
    let last: Vec<(String, MessageKind)> = history(&mut bob, group)
        .await
        .into_iter()
        .map(|m| (m.sender, m.kind))
        .collect();
    assert_eq!(last.last(), Some(&("carol".into(), MessageKind::Left)));
    assert_eq!(members(&mut alice, group).await, ["alice", "bob"]);
}

#[tokio::test]
async fn the_group_vanishes_with_its_last_member() {
    let server = server(5).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let group = create(&mut alice, &["bob", "carol"]).await;
    join(&mut bob, group).await;
    send(&mut bob, group, "v1", "secret plans").await;
    // Where a device of Bob's that goes offline now has synced to: the group's latest rows.
    let mut bob_laptop = login(&server, "bob").await;
    let laptop_cursor = bob_laptop.sync(Some(0)).await.unwrap();
    bob_laptop.close().await;
    for client in [&mut alice, &mut bob] {
        client
            .request(Request::LeaveGroup {
                conversation: group,
            })
            .await
            .unwrap();
    }
    // The last one out is told, at a position past everything they saw of the group.
    bob.wait_for(|e| match e {
        Event::Change {
            change: Change::Removed { conversation },
            ..
        } if *conversation == group => Some(()),
        _ => None,
    })
    .await
    .unwrap();
    // That offline device catches up from its cursor and learns it too: positions are never
    // handed out twice, even after the group's own rows are deleted.
    let mut bob_back = login_unsynced(&server, "bob").await;
    bob_back.sync(Some(laptop_cursor)).await.unwrap();
    bob_back
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Removed { conversation },
                ..
            } if *conversation == group => Some(()),
            _ => None,
        })
        .await
        .unwrap();
    // Carol's pending invitation ended with it, and the group is gone for everyone.
    carol
        .wait_for(|e| match e {
            Event::Change {
                change: Change::InvitationClosed { conversation },
                ..
            } if *conversation == group => Some(()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(
        refused_code(
            &mut carol,
            Request::JoinGroup {
                conversation: group
            }
        )
        .await,
        ErrorCode::Forbidden
    );
    let history_req = Request::History {
        conversation: group,
        before: None,
        limit: None,
    };
    assert_eq!(
        refused_code(&mut bob, history_req).await,
        ErrorCode::NotFound
    );
    // Nothing of it remains in the change stream either: a sync from the start shows no trace.
    let mut bob_new = login_unsynced(&server, "bob").await;
    bob_new.sync(Some(0)).await.unwrap();
    let events = bob_new
        .drain_events(std::time::Duration::from_millis(300))
        .await;
    assert!(
        !events.iter().any(|e| matches!(
            e,
            Event::Change { change: Change::Message { message }, .. } if message.text == "secret plans"
        )),
        "a deleted group's message is still in the stream: {events:?}"
    );
}
