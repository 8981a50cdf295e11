//! Virtual Rooms: roles, the join link and its rotation, mute-for-all, leaving and deleting,
//! and the authorization matrix of every room action against every role.

use confer_proto::{Change, ConversationKind, ErrorCode, Event, Request, Response};
use confer_testkit::Client;

use super::*;

async fn server() -> TestServer {
    let server = TestServer::start().await.unwrap();
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

/// The answer to a request: its response, or the refusal.
async fn outcome(client: &mut Client, req: Request) -> Result<Response, confer_proto::ErrorBody> {
    let id = client.send_request(req).await.unwrap();
    client.reply(id).await.unwrap()
}

async fn ok(client: &mut Client, req: Request) -> Response {
    match outcome(client, req).await {
        Ok(r) => r,
        Err(e) => panic!("refused: {e:?}"),
    }
}

/// A room owned by alice, with carol as moderator and bob and dave as members.
async fn room(alice: &mut Client) -> (u64, String) {
    let conversation = match ok(
        alice,
        Request::CreateRoom {
            name: "Weekly planning".into(),
        },
    )
    .await
    {
        Response::Conversation { conversation } => {
            assert_eq!(conversation.info.kind, ConversationKind::Room);
            assert_eq!(conversation.info.owner.as_deref(), Some("alice"));
            conversation.info.id
        }
        r => panic!("{r:?}"),
    };
    for user in ["bob", "carol", "dave"] {
        ok(
            alice,
            Request::AddRoomMember {
                conversation,
                user: user.into(),
            },
        )
        .await;
    }
    ok(
        alice,
        Request::PromoteModerator {
            conversation,
            user: "carol".into(),
        },
    )
    .await;
    let link = match ok(alice, Request::RoomLink { conversation }).await {
        Response::RoomLink { link, .. } => link,
        r => panic!("{r:?}"),
    };
    (conversation, link)
}

#[tokio::test]
async fn moderators_manage_members_and_the_room_shows_roles() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let (conversation, _) = room(&mut alice).await;
    let info = match ok(&mut bob, Request::ListConversations).await {
        Response::Conversations { conversations } => {
            conversations
                .into_iter()
                .find(|c| c.info.id == conversation)
                .expect("bob is a member")
                .info
        }
        r => panic!("{r:?}"),
    };
    assert_eq!(info.members, ["alice", "bob", "carol", "dave"]);
    assert_eq!(info.moderators, ["alice", "carol"]);
    assert_eq!(info.name.as_deref(), Some("Weekly planning"));
    // Members chat in the room.
    send(&mut bob, conversation, "r1", "agenda?").await;

    // The owner cannot be removed, not even by a moderator.
    let mut carol = login(&server, "carol").await;
    let remove_owner = Request::RemoveRoomMember {
        conversation,
        user: "alice".into(),
    };
    assert_eq!(
        refused_code(&mut carol, remove_owner).await,
        ErrorCode::Forbidden
    );
    ok(
        &mut carol,
        Request::RemoveRoomMember {
            conversation,
            user: "dave".into(),
        },
    )
    .await;
    let mut dave = login(&server, "dave").await;
    assert_eq!(
        refused_code(
            &mut dave,
            Request::History {
                conversation,
                before: None,
                limit: None
            }
        )
        .await,
        ErrorCode::Forbidden
    );

    // Mute-for-all is room state that every member sees.
    ok(
        &mut carol,
        Request::SetMuteAll {
            conversation,
            muted: true,
        },
    )
    .await;
    let muted = bob
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Conversation { conversation: info },
                ..
            } if info.id == conversation && info.mute_all => Some(()),
            _ => None,
        })
        .await;
    assert!(muted.is_ok());
}

#[tokio::test]
async fn a_changed_link_refuses_the_old_one_at_once() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut erin = login(&server, "erin").await;
    let (conversation, old) = room(&mut alice).await;
    match ok(&mut erin, Request::ResolveLink { link: old.clone() }).await {
        Response::RoomLink {
            conversation: c,
            name,
            ..
        } => assert_eq!((c, name.as_str()), (conversation, "Weekly planning")),
        r => panic!("{r:?}"),
    }
    let new = match ok(&mut alice, Request::RotateRoomLink { conversation }).await {
        Response::RoomLink { link, .. } => link,
        r => panic!("{r:?}"),
    };
    assert_ne!(new, old);
    assert!(new.len() >= 32, "unguessable: {new}");
    assert_eq!(
        refused_code(&mut erin, Request::ResolveLink { link: old }).await,
        ErrorCode::NotFound
    );
    ok(&mut erin, Request::ResolveLink { link: new }).await;
}

#[tokio::test]
async fn leaving_and_deleting_follow_the_roles() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    let (conversation, _) = room(&mut alice).await;
    // The owner never leaves: they delete.
    assert_eq!(
        refused_code(&mut alice, Request::LeaveRoom { conversation }).await,
        ErrorCode::Forbidden
    );
    // A moderator leaves while another moderator (the owner) remains.
    ok(&mut carol, Request::LeaveRoom { conversation }).await;

    // A room whose only moderator besides the owner… is checked on a room without its owner's
    // help: bob is made moderator, and he may leave because alice moderates too.
    ok(
        &mut alice,
        Request::PromoteModerator {
            conversation,
            user: "bob".into(),
        },
    )
    .await;
    let mut bob = login(&server, "bob").await;
    ok(&mut bob, Request::LeaveRoom { conversation }).await;

    ok(&mut alice, Request::DeleteRoom { conversation }).await;
    let mut dave = login_unsynced(&server, "dave").await;
    assert_eq!(
        refused_code(
            &mut dave,
            Request::History {
                conversation,
                before: None,
                limit: None
            }
        )
        .await,
        ErrorCode::NotFound
    );
}

/// Who tries an action.
#[derive(Debug, Clone, Copy)]
enum Role {
    NonMember,
    Member,
    Moderator,
    Owner,
}

impl Role {
    fn user(self) -> &'static str {
        match self {
            Role::NonMember => "erin",
            Role::Member => "bob",
            Role::Moderator => "carol",
            Role::Owner => "alice",
        }
    }
}

const ALLOW: Option<ErrorCode> = None;
const DENY: Option<ErrorCode> = Some(ErrorCode::Forbidden);

#[tokio::test]
async fn authorization_matrix_of_room_actions() {
    type Make = fn(u64, &str, u64) -> Request;
    // For each action: the request (given the room and its current link), and what each of
    // non-member, member, moderator and owner gets.
    let table: &[(&str, Make, [Option<ErrorCode>; 4])] = &[
        (
            "add member",
            |c, _, _| Request::AddRoomMember {
                conversation: c,
                user: "erin".into(),
            },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "remove member",
            |c, _, _| Request::RemoveRoomMember {
                conversation: c,
                user: "dave".into(),
            },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "promote",
            |c, _, _| Request::PromoteModerator {
                conversation: c,
                user: "dave".into(),
            },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "copy link",
            |c, _, _| Request::RoomLink { conversation: c },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "change link",
            |c, _, _| Request::RotateRoomLink { conversation: c },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "mute for all",
            |c, _, _| Request::SetMuteAll {
                conversation: c,
                muted: true,
            },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "delete",
            |c, _, _| Request::DeleteRoom { conversation: c },
            [DENY, DENY, DENY, ALLOW],
        ),
        (
            "leave",
            |c, _, _| Request::LeaveRoom { conversation: c },
            [DENY, ALLOW, ALLOW, DENY],
        ),
        (
            "send",
            |c, _, _| Request::SendMessage {
                conversation: c,
                client_id: "matrix".into(),
                text: "hi".into(),
            },
            [DENY, ALLOW, ALLOW, ALLOW],
        ),
        (
            "history",
            |c, _, _| Request::History {
                conversation: c,
                before: None,
                limit: None,
            },
            [DENY, ALLOW, ALLOW, ALLOW],
        ),
        (
            "start or join the meeting",
            |c, _, _| Request::StartMeeting { conversation: c },
            [DENY, ALLOW, ALLOW, ALLOW],
        ),
        (
            "schedule a meeting",
            |c, _, _| Request::ScheduleMeeting {
                conversation: c,
                title: "Retro".into(),
                starts_at: 4_102_444_800_000,
                minutes: 30,
            },
            [DENY, DENY, ALLOW, ALLOW],
        ),
        (
            "delete a scheduled meeting",
            |_, _, m| Request::DeleteScheduledMeeting { meeting: m },
            [DENY, DENY, DENY, ALLOW],
        ),
        (
            "open by link",
            |_, link, _| Request::ResolveLink { link: link.into() },
            [ALLOW, ALLOW, ALLOW, ALLOW],
        ),
        (
            "open by an old link",
            |_, _, _| Request::ResolveLink {
                link: "a-replaced-link".into(),
            },
            [
                Some(ErrorCode::NotFound),
                Some(ErrorCode::NotFound),
                Some(ErrorCode::NotFound),
                Some(ErrorCode::NotFound),
            ],
        ),
    ];
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut failures = Vec::new();
    for (action, make, expected) in table {
        for (role, want) in [Role::NonMember, Role::Member, Role::Moderator, Role::Owner]
            .into_iter()
            .zip(expected)
        {
            // A fresh room per cell: one action cannot change the next one's situation.
            let (conversation, link) = room(&mut alice).await;
            let meeting = match ok(
                &mut alice,
                Request::ScheduleMeeting {
                    conversation,
                    title: "Planning".into(),
                    starts_at: 4_102_444_800_000,
                    minutes: 60,
                },
            )
            .await
            {
                Response::Scheduled { meeting } => meeting.id,
                r => panic!("{r:?}"),
            };
            let mut who = login(&server, role.user()).await;
            let got = outcome(&mut who, make(conversation, &link, meeting))
                .await
                .err()
                .map(|e| e.code);
            if got != *want {
                failures.push(format!("{action} as {role:?}: got {got:?}, want {want:?}"));
            }
            who.close().await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn each_pair_has_its_own_meeting_link() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut erin = login(&server, "erin").await;
    let with_bob = open_direct(&mut alice, "bob").await;
    let with_erin = open_direct(&mut alice, "erin").await;
    let link = |r: Response| match r {
        Response::RoomLink { link, .. } => link,
        r => panic!("{r:?}"),
    };
    let ab = link(
        ok(
            &mut alice,
            Request::RoomLink {
                conversation: with_bob,
            },
        )
        .await,
    );
    let ba = link(
        ok(
            &mut bob,
            Request::RoomLink {
                conversation: with_bob,
            },
        )
        .await,
    );
    let ae = link(
        ok(
            &mut alice,
            Request::RoomLink {
                conversation: with_erin,
            },
        )
        .await,
    );
    assert_eq!(ab, ba, "both members share it");
    assert_ne!(ab, ae, "unique to the pair");
    assert_eq!(ab.len(), 64);
    assert_eq!(
        refused_code(
            &mut erin,
            Request::RoomLink {
                conversation: with_bob
            }
        )
        .await,
        ErrorCode::Forbidden
    );
    match ok(&mut erin, Request::ResolveLink { link: ab }).await {
        Response::RoomLink { conversation, .. } => assert_eq!(conversation, with_bob),
        r => panic!("{r:?}"),
    }
}
