//! Virtual Rooms: roles, the join link and its rotation, mute-for-all, leaving and deleting,
//! and the authorization matrix of every room action against every role, guests included.

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
    /// A user of the server in the meeting by the link, not a member.
    InternalGuest,
    /// A connection without an account, in the meeting by the link under a name.
    ExternalGuest,
    /// A user holding the link from before it was changed.
    OldLinkHolder,
}

const ROLES: [Role; 7] = [
    Role::NonMember,
    Role::Member,
    Role::Moderator,
    Role::Owner,
    Role::InternalGuest,
    Role::ExternalGuest,
    Role::OldLinkHolder,
];

impl Role {
    fn user(self) -> Option<&'static str> {
        match self {
            Role::NonMember => Some("erin"),
            Role::Member => Some("bob"),
            Role::Moderator => Some("carol"),
            Role::Owner => Some("alice"),
            Role::InternalGuest => Some("frank"),
            Role::ExternalGuest => None,
            Role::OldLinkHolder => Some("gina"),
        }
    }
}

const ALLOW: Option<ErrorCode> = None;
const DENY: Option<ErrorCode> = Some(ErrorCode::Forbidden);
const GONE: Option<ErrorCode> = Some(ErrorCode::NotFound);
/// What a guest without an account gets for anything but its meeting.
const ANON: Option<ErrorCode> = Some(ErrorCode::Unauthenticated);
/// Moderators only; the owner is one.
const MODERATORS: [Option<ErrorCode>; 7] = [DENY, DENY, ALLOW, ALLOW, DENY, ANON, DENY];
/// Every member.
const MEMBERS: [Option<ErrorCode>; 7] = [DENY, ALLOW, ALLOW, ALLOW, DENY, ANON, DENY];
/// The owner alone.
const OWNER: [Option<ErrorCode>; 7] = [DENY, DENY, DENY, ALLOW, DENY, ANON, DENY];
/// The sender alone (bob, a member): moderators and the owner get no exception.
const SENDER: [Option<ErrorCode>; 7] = [DENY, ALLOW, DENY, DENY, DENY, ANON, DENY];

/// What an action is given: the room, the link the caller holds, a scheduled meeting, and a
/// guest waiting in the lobby.
struct Cell<'a> {
    room: u64,
    link: &'a str,
    scheduled: u64,
    waiting: u64,
    /// A message bob (a member) posted in the room.
    bobs: u64,
    /// A file bob shared in the room.
    file: String,
}

/// An action of the matrix: a request on the WebSocket, or a file action over HTTP with the
/// caller's session token (an external guest has none).
#[derive(Clone, Copy)]
enum Act {
    Ws(fn(&Cell) -> Request),
    /// Upload a file into the room.
    Upload,
    /// Download the file bob shared.
    Download,
    /// Its thumbnail.
    Thumbnail,
}

/// A file action's outcome: the refusal's code, or none.
async fn file_action(
    server: &TestServer,
    token: Option<&str>,
    act: Act,
    cell: &Cell<'_>,
) -> Option<ErrorCode> {
    let files = confer_files::FileClient::new(&server.ws_url(), token.unwrap_or("")).unwrap();
    let result = match act {
        Act::Upload => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("notes.txt");
            std::fs::write(&path, format!("notes for {}", cell.room)).unwrap();
            files.upload(cell.room, &path, None, None).await.map(|_| ())
        }
        Act::Download => files
            .download(&cell.file, false, &mut Vec::new())
            .await
            .map(|_| ()),
        Act::Thumbnail => files
            .download(&cell.file, true, &mut Vec::new())
            .await
            .map(|_| ()),
        Act::Ws(_) => unreachable!(),
    };
    match result {
        Ok(()) => None,
        Err(confer_files::ClientError::Refused(body)) => Some(body.code),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn authorization_matrix_of_room_actions() {
    use Act::Ws;
    // For each action: the request, and what each role gets, in the order of `ROLES`.
    let table: &[(&str, Act, [Option<ErrorCode>; 7])] = &[
        (
            "add member",
            Ws(|c| Request::AddRoomMember {
                conversation: c.room,
                user: "erin".into(),
            }),
            MODERATORS,
        ),
        (
            "remove member",
            Ws(|c| Request::RemoveRoomMember {
                conversation: c.room,
                user: "dave".into(),
            }),
            MODERATORS,
        ),
        (
            "promote",
            Ws(|c| Request::PromoteModerator {
                conversation: c.room,
                user: "dave".into(),
            }),
            MODERATORS,
        ),
        (
            "copy link",
            Ws(|c| Request::RoomLink {
                conversation: c.room,
            }),
            MODERATORS,
        ),
        (
            "change link",
            Ws(|c| Request::RotateRoomLink {
                conversation: c.room,
            }),
            MODERATORS,
        ),
        (
            "mute for all",
            Ws(|c| Request::SetMuteAll {
                conversation: c.room,
                muted: true,
            }),
            MODERATORS,
        ),
        (
            "mute one participant",
            Ws(|c| Request::SetParticipantMuted {
                conversation: c.room,
                user: "alice".into(),
                muted: true,
            }),
            MODERATORS,
        ),
        (
            "turn the lobby off",
            Ws(|c| Request::SetLobby {
                conversation: c.room,
                enabled: false,
            }),
            MODERATORS,
        ),
        (
            "admit a waiting guest",
            Ws(|c| Request::AdmitGuest {
                conversation: c.room,
                guest: c.waiting,
            }),
            MODERATORS,
        ),
        (
            "refuse a waiting guest",
            Ws(|c| Request::RemoveGuest {
                conversation: c.room,
                guest: c.waiting,
            }),
            MODERATORS,
        ),
        (
            "delete",
            Ws(|c| Request::DeleteRoom {
                conversation: c.room,
            }),
            OWNER,
        ),
        (
            "leave",
            Ws(|c| Request::LeaveRoom {
                conversation: c.room,
            }),
            [DENY, ALLOW, ALLOW, DENY, DENY, ANON, DENY],
        ),
        (
            "send",
            Ws(|c| Request::SendMessage {
                conversation: c.room,
                client_id: "matrix".into(),
                text: "hi".into(),
                reply_to: None,
            }),
            MEMBERS,
        ),
        (
            "edit bob's message",
            Ws(|c| Request::EditMessage {
                conversation: c.room,
                seq: c.bobs,
                text: "edited".into(),
            }),
            SENDER,
        ),
        (
            "delete bob's message",
            Ws(|c| Request::DeleteMessage {
                conversation: c.room,
                seq: c.bobs,
            }),
            SENDER,
        ),
        (
            "react to bob's message",
            Ws(|c| Request::SetReaction {
                conversation: c.room,
                seq: c.bobs,
                emoji: "👍".into(),
                on: true,
            }),
            MEMBERS,
        ),
        (
            "answer bob's message",
            Ws(|c| Request::SendMessage {
                conversation: c.room,
                client_id: "matrix-reply".into(),
                text: "yes".into(),
                reply_to: Some(c.bobs),
            }),
            MEMBERS,
        ),
        (
            "say one is typing",
            Ws(|c| Request::SetTyping {
                conversation: c.room,
                typing: true,
            }),
            MEMBERS,
        ),
        (
            "search the room",
            Ws(|c| Request::SearchMessages {
                query: "hello".into(),
                conversation: Some(c.room),
                limit: None,
                after: None,
            }),
            MEMBERS,
        ),
        (
            "history",
            Ws(|c| Request::History {
                conversation: c.room,
                before: None,
                limit: None,
            }),
            MEMBERS,
        ),
        (
            "start or join the meeting",
            Ws(|c| Request::StartMeeting {
                conversation: c.room,
            }),
            MEMBERS,
        ),
        (
            "schedule a meeting",
            Ws(|c| Request::ScheduleMeeting {
                conversation: c.room,
                title: "Retro".into(),
                starts_at: 2_051_222_400_000,
                minutes: 30,
            }),
            MODERATORS,
        ),
        (
            "delete a scheduled meeting",
            Ws(|c| Request::DeleteScheduledMeeting {
                meeting: c.scheduled,
            }),
            OWNER,
        ),
        (
            "open by the link held",
            Ws(|c| Request::ResolveLink {
                link: c.link.into(),
            }),
            [ALLOW, ALLOW, ALLOW, ALLOW, ALLOW, ANON, GONE],
        ),
        (
            // Signed-in non-members come in as guests; the external guest's connection is in
            // the meeting already.
            "join the meeting by the link held",
            Ws(|c| Request::JoinByLink {
                link: c.link.into(),
                name: Some("Matrix".into()),
            }),
            [
                ALLOW,
                ALLOW,
                ALLOW,
                ALLOW,
                ALLOW,
                Some(ErrorCode::Conflict),
                GONE,
            ],
        ),
        (
            // Only the owner started the meeting: other members are not in it.
            "leave the meeting",
            Ws(|c| Request::LeaveMeeting {
                conversation: c.room,
            }),
            [DENY, GONE, GONE, ALLOW, ALLOW, ALLOW, DENY],
        ),
        (
            "list the shared files",
            Ws(|c| Request::ListFiles {
                conversation: c.room,
            }),
            MEMBERS,
        ),
        (
            "send the history by email",
            Ws(|c| Request::MailHistory {
                conversation: c.room,
                to: "dana@example.com".into(),
                language: None,
                utc_offset_minutes: None,
            }),
            MEMBERS,
        ),
        // Outsiders (guests included) are not told whether a file exists.
        ("share a file", Act::Upload, MEMBERS),
        (
            "download a shared file",
            Act::Download,
            [GONE, ALLOW, ALLOW, ALLOW, GONE, ANON, GONE],
        ),
        (
            "its thumbnail",
            Act::Thumbnail,
            [GONE, GONE, GONE, GONE, GONE, ANON, GONE],
        ),
    ];
    // Every cell brings guests from 127.0.0.1: far more than one address is allowed normally.
    // Histories go to a real mail server, so that sending one is allowed or refused by role
    // alone.
    let smtp = confer_testkit::SmtpServer::start().unwrap();
    let smtp_url = smtp.url();
    let server = TestServer::start_with(|c| {
        c.guest_joins_per_address = 100_000;
        c.smtp_url = Some(smtp_url);
    })
    .await
    .unwrap();
    for name in ["alice", "bob", "carol", "dave", "erin", "frank", "gina"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    // Unsynced: they get no events, so nothing piles up in their queues between cells.
    let mut signed_in = std::collections::HashMap::new();
    for role in ROLES {
        if let Some(name) = role.user().filter(|n| *n != "alice") {
            signed_in.insert(name, login_unsynced(&server, name).await);
        }
    }
    let mut failures = Vec::new();
    for (action, act, expected) in table {
        for (role, want) in ROLES.into_iter().zip(expected) {
            // A fresh room per cell: one action cannot change the next one's situation. Alice
            // is in its meeting, the link was changed once, and with the lobby on a guest
            // waits in it.
            let (room, old_link) = room(&mut alice).await;
            let scheduled = match ok(
                &mut alice,
                Request::ScheduleMeeting {
                    conversation: room,
                    title: "Planning".into(),
                    starts_at: 2_051_222_400_000,
                    minutes: 60,
                },
            )
            .await
            {
                Response::Scheduled { meeting } => meeting.id,
                r => panic!("{r:?}"),
            };
            ok(&mut alice, Request::StartMeeting { conversation: room }).await;
            ok(&mut alice, Request::RotateRoomLink { conversation: room }).await;
            let link = match ok(&mut alice, Request::RoomLink { conversation: room }).await {
                Response::RoomLink { link, .. } => link,
                r => panic!("{r:?}"),
            };
            ok(
                &mut alice,
                Request::SetLobby {
                    conversation: room,
                    enabled: true,
                },
            )
            .await;
            let (waiting_conn, waiting) = guest_in(&server, &link, "Waiting Wanda").await;
            let bobs = match ok(
                signed_in.get_mut("bob").unwrap(),
                Request::SendMessage {
                    conversation: room,
                    client_id: format!("bob-{room}"),
                    text: "hello from bob".into(),
                    reply_to: None,
                },
            )
            .await
            {
                Response::Sent { ack } => ack.seq,
                r => panic!("{r:?}"),
            };

            let mut external = None;
            match role {
                Role::InternalGuest => {
                    let frank = signed_in.get_mut("frank").unwrap();
                    ok(
                        frank,
                        Request::JoinByLink {
                            link: link.clone(),
                            name: None,
                        },
                    )
                    .await;
                }
                Role::ExternalGuest => {
                    let (conn, guest) = guest_in(&server, &link, "Eve Outside").await;
                    ok(
                        &mut alice,
                        Request::AdmitGuest {
                            conversation: room,
                            guest,
                        },
                    )
                    .await;
                    external = Some(conn);
                }
                _ => {}
            }
            let held = match role {
                Role::OldLinkHolder => old_link.as_str(),
                _ => link.as_str(),
            };
            let file = match act {
                Act::Download | Act::Thumbnail => {
                    share_file(&server, signed_in.get("bob").unwrap(), room).await
                }
                _ => String::new(),
            };
            let cell = Cell {
                room,
                link: held,
                scheduled,
                waiting,
                bobs,
                file,
            };
            let who = match (role.user(), external.as_mut()) {
                (Some("alice"), _) => &mut alice,
                (Some(name), _) => signed_in.get_mut(name).unwrap(),
                (None, Some(conn)) => conn,
                (None, None) => unreachable!(),
            };
            let got = match act {
                Act::Ws(make) => outcome(who, make(&cell)).await.err().map(|e| e.code),
                file => file_action(&server, who.token.clone().as_deref(), *file, &cell).await,
            };
            if got != *want {
                failures.push(format!("{action} as {role:?}: got {got:?}, want {want:?}"));
            }
            if let Some(conn) = external {
                conn.close().await;
            }
            waiting_conn.close().await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A text file bob shares in the room (no thumbnail); its id.
async fn share_file(server: &TestServer, bob: &Client, room: u64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agenda.txt");
    std::fs::write(&path, format!("agenda of room {room}")).unwrap();
    confer_files::FileClient::new(&server.ws_url(), bob.token.as_deref().unwrap())
        .unwrap()
        .upload(room, &path, None, None)
        .await
        .unwrap()
        .file
        .unwrap()
        .id
}

/// An external guest's connection joined by `link`, and its guest id.
async fn guest_in(server: &TestServer, link: &str, name: &str) -> (Client, u64) {
    let mut conn = Client::connect(&server.ws_url()).await.unwrap();
    match ok(
        &mut conn,
        Request::JoinByLink {
            link: link.into(),
            name: Some(name.into()),
        },
    )
    .await
    {
        Response::Joined { session } => (conn, session.guest.unwrap()),
        r => panic!("{r:?}"),
    }
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
