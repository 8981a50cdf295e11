//! Guests of a room's meeting: internal guests (users who are not members) and external ones (a
//! name only) join by the link for as long as the meeting lasts, never becoming members; the
//! lobby where moderators admit or refuse external guests.

use confer_proto::{
    Change, ConversationKind, ErrorCode, Event, MeetingRole, MeetingSession, OngoingMeeting,
    Reason, Request, Response,
};
use confer_server::admin::Location;
use confer_testkit::{Client, TestServer};

use super::*;

async fn server() -> TestServer {
    let server = TestServer::start().await.unwrap();
    for name in ["alice", "bob", "carol", "erin"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

/// A room owned by alice with bob as a member and carol as a moderator; returns it and its link.
async fn room(alice: &mut Client) -> (u64, String) {
    let conversation = match alice
        .request(Request::CreateRoom {
            name: "Customer call".into(),
        })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => {
            assert_eq!(conversation.info.kind, ConversationKind::Room);
            conversation.info.id
        }
        r => panic!("{r:?}"),
    };
    for user in ["bob", "carol"] {
        alice
            .request(Request::AddRoomMember {
                conversation,
                user: user.into(),
            })
            .await
            .unwrap();
    }
    alice
        .request(Request::PromoteModerator {
            conversation,
            user: "carol".into(),
        })
        .await
        .unwrap();
    (conversation, room_link(alice, conversation).await)
}

/// `client`, a member, starts the room's meeting (or joins it).
async fn start(client: &mut Client, room: u64) {
    client
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
}

fn session(r: Response) -> MeetingSession {
    match r {
        Response::Joined { session } => session,
        r => panic!("{r:?}"),
    }
}

async fn join(client: &mut Client, link: &str) -> MeetingSession {
    session(
        client
            .request(Request::JoinByLink {
                link: link.into(),
                name: None,
            })
            .await
            .unwrap(),
    )
}

/// An external guest: a connection that never signs in.
async fn external(server: &TestServer, link: &str, name: &str) -> (Client, MeetingSession) {
    let mut guest = Client::connect(&server.ws_url()).await.unwrap();
    let joined = session(
        guest
            .request(Request::JoinByLink {
                link: link.into(),
                name: Some(name.into()),
            })
            .await
            .unwrap(),
    );
    (guest, joined)
}

/// Waits until `client` sees the room's meeting in the state `pick` accepts.
async fn meeting_where(
    client: &mut Client,
    room: u64,
    pick: impl Fn(&Option<OngoingMeeting>) -> bool,
) -> Option<OngoingMeeting> {
    client
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::Meeting {
                        conversation,
                        ongoing,
                        ..
                    },
                ..
            } if *conversation == room && pick(ongoing) => Some(ongoing.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

/// Waits until an internal guest's access to the room's meeting ends; returns the reason given.
async fn access_ended(client: &mut Client, room: u64) -> Reason {
    client
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::Meeting {
                        conversation,
                        ongoing: None,
                        ended,
                    },
                ..
            } if *conversation == room => Some(ended.clone().expect("a reason")),
            _ => None,
        })
        .await
        .unwrap()
}

fn guest_names(m: &Option<OngoingMeeting>) -> Vec<String> {
    m.as_ref()
        .map(|m| m.guests.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default()
}

fn lobby_names(m: &Option<OngoingMeeting>) -> Vec<String> {
    m.as_ref()
        .map(|m| m.lobby.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default()
}

/// The reason an external guest's connection was closed with.
async fn closed_with(guest: &mut Client) -> (ErrorCode, Reason) {
    guest
        .wait_for(|e| match e {
            Event::Closing { code, reason } => Some((*code, reason.clone())),
            _ => None,
        })
        .await
        .unwrap()
}

async fn ongoing_of(client: &mut Client) -> Vec<OngoingMeeting> {
    match client.request(Request::ListMeetings).await.unwrap() {
        Response::Meetings { ongoing, .. } => ongoing,
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn an_internal_guest_is_in_the_meeting_only_while_it_lasts() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut erin = login(&server, "erin").await;
    let (room, link) = room(&mut alice).await;

    // Guests come to a meeting, not to a room: nothing is going on yet.
    let refused = erin
        .refused(Request::JoinByLink {
            link: link.clone(),
            name: None,
        })
        .await
        .unwrap();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert_eq!(
        refused.reason,
        Reason::MeetingNotStarted {
            room: "Customer call".into()
        }
    );

    start(&mut alice, room).await;
    let joined = join(&mut erin, &link).await;
    assert_eq!(joined.role, MeetingRole::Guest);
    assert_eq!(joined.conversation, room);
    assert_eq!(joined.room, "Customer call");
    assert!(joined.admitted);
    let meeting = joined.meeting.expect("admitted guests see the meeting");
    assert_eq!(meeting.participants, ["alice"]);
    assert_eq!(guest_names(&Some(meeting)), ["erin"]);
    let seen = meeting_where(&mut alice, room, |m| !guest_names(m).is_empty()).await;
    assert!(!seen.unwrap().guests[0].external);

    // A guest, not a member: no room in the list, no history, no messages.
    match erin.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => {
            assert!(conversations.iter().all(|c| c.info.id != room))
        }
        r => panic!("{r:?}"),
    }
    let history = Request::History {
        conversation: room,
        before: None,
        limit: None,
    };
    assert_eq!(refused_code(&mut erin, history).await, ErrorCode::Forbidden);
    let say = Request::SendMessage {
        conversation: room,
        client_id: "g1".into(),
        text: "hello".into(),
        reply_to: None,
    };
    assert_eq!(refused_code(&mut erin, say).await, ErrorCode::Forbidden);
    // The guest's meetings list holds it while they are in it.
    let theirs = ongoing_of(&mut erin).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].conversation, room);

    // Leaving ends the guest's access.
    erin.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    meeting_where(&mut alice, room, |m| {
        m.is_some() && guest_names(m).is_empty()
    })
    .await;
    assert!(ongoing_of(&mut erin).await.is_empty());
    assert_eq!(
        refused_code(&mut erin, Request::LeaveMeeting { conversation: room }).await,
        ErrorCode::Forbidden
    );

    // A guest made a member stays in the meeting, as a participant.
    join(&mut erin, &link).await;
    alice
        .request(Request::AddRoomMember {
            conversation: room,
            user: "erin".into(),
        })
        .await
        .unwrap();
    let m = meeting_where(&mut alice, room, |m| {
        m.as_ref().is_some_and(|m| m.participants.len() == 2)
    })
    .await;
    assert_eq!(m.as_ref().unwrap().participants, ["alice", "erin"]);
    assert!(guest_names(&m).is_empty());
    erin.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    alice
        .request(Request::RemoveRoomMember {
            conversation: room,
            user: "erin".into(),
        })
        .await
        .unwrap();

    // Back in; the meeting ends when its last member leaves, and the guest's access with it.
    // (Her own leaving and her time as a member were meeting changes too.)
    erin.drain_events(std::time::Duration::from_millis(200))
        .await;
    join(&mut erin, &link).await;
    alice
        .request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    assert_eq!(access_ended(&mut erin, room).await, Reason::MeetingEnded);
    assert!(ongoing_of(&mut erin).await.is_empty());
    assert!(ongoing_of(&mut alice).await.is_empty());
    let again = Request::JoinByLink {
        link: link.clone(),
        name: None,
    };
    assert_eq!(refused_code(&mut erin, again).await, ErrorCode::Conflict);
}

#[tokio::test]
async fn an_external_guest_lasts_as_long_as_its_connection_and_the_meeting() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let (room, link) = room(&mut alice).await;

    // Bad names are refused before anything else.
    let mut nobody = Client::connect(&server.ws_url()).await.unwrap();
    for name in [
        None,
        Some("   "),
        Some("a\u{7}bell"),
        Some(&*"x".repeat(65)),
    ] {
        let req = Request::JoinByLink {
            link: link.clone(),
            name: name.map(str::to_owned),
        };
        assert_eq!(
            refused_code(&mut nobody, req).await,
            ErrorCode::Invalid,
            "{name:?}"
        );
    }
    let early = Request::JoinByLink {
        link: link.clone(),
        name: Some("Zoe".into()),
    };
    assert_eq!(refused_code(&mut nobody, early).await, ErrorCode::Conflict);

    start(&mut alice, room).await;
    let (mut zoe, joined) = external(&server, &link, "  Zoe from Acme ").await;
    assert_eq!(joined.role, MeetingRole::ExternalGuest);
    assert_eq!(joined.name, "Zoe from Acme");
    assert!(joined.admitted);
    let guest_id = joined.guest.expect("a guest id");
    let meeting = joined.meeting.unwrap();
    assert_eq!(meeting.participants, ["alice"]);
    assert!(meeting.guests[0].external);
    assert_eq!(meeting.guests[0].id, guest_id);
    meeting_where(&mut alice, room, |m| guest_names(m) == ["Zoe from Acme"]).await;

    // A guest session can do nothing a signed-in user does.
    for req in [
        Request::Sync { since: None },
        Request::ListConversations,
        Request::ListMeetings,
        Request::StartMeeting { conversation: room },
        Request::SendMessage {
            conversation: room,
            client_id: "z".into(),
            text: "hi".into(),
            reply_to: None,
        },
    ] {
        assert_eq!(
            refused_code(&mut zoe, req).await,
            ErrorCode::Unauthenticated
        );
    }
    // A guest's connection does not turn into a user's.
    let sign_in = Request::Login {
        protocol: confer_proto::PROTOCOL_VERSION,
        username: "bob".into(),
        password: PW.into(),
        device: None,
    };
    assert_eq!(refused_code(&mut zoe, sign_in).await, ErrorCode::Conflict);
    // One meeting per guest connection.
    let twice = Request::JoinByLink {
        link: link.clone(),
        name: Some("Zoe".into()),
    };
    assert_eq!(refused_code(&mut zoe, twice).await, ErrorCode::Conflict);

    // The guest hears who comes in.
    start(&mut bob, room).await;
    zoe.wait_for(|e| match e {
        Event::GuestSession { session }
            if session.meeting.as_ref().unwrap().participants == ["alice", "bob"] =>
        {
            Some(())
        }
        _ => None,
    })
    .await
    .unwrap();

    // Closing the connection takes the guest out.
    zoe.close().await;
    meeting_where(&mut alice, room, |m| {
        m.is_some() && guest_names(m).is_empty()
    })
    .await;

    // Leaving explicitly too; the connection may then join again.
    let (mut yan, _) = external(&server, &link, "Yan").await;
    meeting_where(&mut alice, room, |m| guest_names(m) == ["Yan"]).await;
    yan.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    meeting_where(&mut alice, room, |m| {
        m.is_some() && guest_names(m).is_empty()
    })
    .await;
    session(
        yan.request(Request::JoinByLink {
            link: link.clone(),
            name: Some("Yan".into()),
        })
        .await
        .unwrap(),
    );

    // The meeting ends with its last member, and the guest's connection is closed.
    alice
        .request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    bob.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    let (code, reason) = closed_with(&mut yan).await;
    assert_eq!(code, ErrorCode::AccessEnded);
    assert_eq!(reason, Reason::MeetingEnded);
    assert!(yan.next_frame().await.is_err(), "the connection is closed");
    assert!(ongoing_of(&mut alice).await.is_empty());
}

#[tokio::test]
async fn moderators_admit_or_refuse_external_guests_in_the_lobby() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let mut erin = login(&server, "erin").await;
    let (room, link) = room(&mut alice).await;

    let lobby_on = Request::SetLobby {
        conversation: room,
        enabled: true,
    };
    assert_eq!(
        refused_code(&mut bob, lobby_on.clone()).await,
        ErrorCode::Forbidden
    );
    carol.request(lobby_on).await.unwrap();
    // Every member sees the setting on the room.
    bob.wait_for(|e| match e {
        Event::Change {
            change: Change::Conversation { conversation },
            ..
        } if conversation.id == room && conversation.lobby => Some(()),
        _ => None,
    })
    .await
    .unwrap();

    start(&mut alice, room).await;
    let (mut zoe, waiting) = external(&server, &link, "Zoe").await;
    assert!(!waiting.admitted);
    assert!(
        waiting.meeting.is_none(),
        "a waiting guest sees nobody inside"
    );
    let zoe_id = waiting.guest.unwrap();
    let seen = meeting_where(&mut carol, room, |m| lobby_names(m) == ["Zoe"]).await;
    assert!(guest_names(&seen).is_empty());

    // Internal guests are not held in the lobby.
    let erin_joined = join(&mut erin, &link).await;
    assert!(erin_joined.admitted);
    // …and they do not see who waits there.
    assert!(erin_joined.meeting.unwrap().lobby.is_empty());

    let admit = Request::AdmitGuest {
        conversation: room,
        guest: zoe_id,
    };
    assert_eq!(
        refused_code(&mut bob, admit.clone()).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused_code(&mut erin, admit.clone()).await,
        ErrorCode::Forbidden
    );
    carol.request(admit.clone()).await.unwrap();
    let admitted = zoe
        .wait_for(|e| match e {
            Event::GuestSession { session } if session.admitted => Some(session.clone()),
            _ => None,
        })
        .await
        .unwrap();
    let inside = admitted.meeting.unwrap();
    assert_eq!(inside.participants, ["alice"]);
    let mut names: Vec<_> = inside.guests.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Zoe", "erin"]);
    assert_eq!(refused_code(&mut carol, admit).await, ErrorCode::Conflict);

    // A refused guest is told so and its connection closes.
    let (mut xavier, x) = external(&server, &link, "Xavier").await;
    assert!(!x.admitted);
    let refuse = Request::RemoveGuest {
        conversation: room,
        guest: x.guest.unwrap(),
    };
    assert_eq!(
        refused_code(&mut bob, refuse.clone()).await,
        ErrorCode::Forbidden
    );
    alice.request(refuse.clone()).await.unwrap();
    assert_eq!(
        closed_with(&mut xavier).await,
        (ErrorCode::AccessEnded, Reason::RefusedByModerator)
    );
    // A late second click finds nobody.
    assert_eq!(refused_code(&mut alice, refuse).await, ErrorCode::NotFound);

    // Turning the lobby off lets everyone waiting in.
    let (mut walt, w) = external(&server, &link, "Walt").await;
    assert!(!w.admitted);
    carol
        .request(Request::SetLobby {
            conversation: room,
            enabled: false,
        })
        .await
        .unwrap();
    walt.wait_for(|e| match e {
        Event::GuestSession { session } if session.admitted => Some(()),
        _ => None,
    })
    .await
    .unwrap();

    // A moderator sends a present guest out, internal or external.
    carol
        .request(Request::RemoveGuest {
            conversation: room,
            guest: zoe_id,
        })
        .await
        .unwrap();
    assert_eq!(
        closed_with(&mut zoe).await,
        (ErrorCode::AccessEnded, Reason::RemovedByModerator)
    );
    alice
        .request(Request::RemoveGuest {
            conversation: room,
            guest: erin_joined.guest.unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(
        access_ended(&mut erin, room).await,
        Reason::RemovedByModerator
    );
    let after = meeting_where(&mut alice, room, |m| guest_names(m) == ["Walt"]).await;
    assert!(lobby_names(&after).is_empty());
    // Sent out, the internal guest cannot come straight back by the link…
    let back = Request::JoinByLink {
        link: link.clone(),
        name: None,
    };
    let refused = erin.refused(back.clone()).await.unwrap();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(
        refused.reason,
        Reason::SentOut {
            room: "Customer call".into()
        }
    );
    // …until the next meeting.
    alice
        .request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    start(&mut alice, room).await;
    assert!(session(erin.request(back).await.unwrap()).admitted);
}

#[tokio::test]
async fn one_address_brings_only_so_many_guests_and_silent_ones_are_dropped() {
    let server = TestServer::start_with(|c| {
        c.guest_joins_per_address = 2;
        c.idle_timeout_secs = 1;
    })
    .await
    .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let (room, link) = room(&mut alice).await;
    start(&mut alice, room).await;
    drop(alice);
    let (mut first, _) = external(&server, &link, "One").await;
    let (_second, _) = external(&server, &link, "Two").await;
    let mut third = Client::connect(&server.ws_url()).await.unwrap();
    let join = Request::JoinByLink {
        link: link.clone(),
        name: Some("Three".into()),
    };
    assert_eq!(refused_code(&mut third, join).await, ErrorCode::RateLimited);

    // A guest that sends nothing (no heartbeat either) is closed, and out of the meeting.
    let (code, reason) = closed_with(&mut first).await;
    assert_eq!(code, ErrorCode::Idle);
    assert_eq!(reason, Reason::Idle { seconds: 1 });
    let mut alice = login(&server, "alice").await;
    let ongoing = ongoing_of(&mut alice).await;
    assert_eq!(ongoing.len(), 1, "the member's meeting goes on");
    assert!(ongoing[0].guests.is_empty(), "{:?}", ongoing[0].guests);
}

#[tokio::test]
async fn a_changed_link_refuses_new_guests_and_a_deleted_room_ends_their_access() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut erin = login(&server, "erin").await;
    let (room, old) = room(&mut alice).await;
    start(&mut alice, room).await;
    let (mut zoe, _) = external(&server, &old, "Zoe").await;

    alice
        .request(Request::RotateRoomLink { conversation: room })
        .await
        .unwrap();
    let new = room_link(&mut alice, room).await;
    let by_old = Request::JoinByLink {
        link: old.clone(),
        name: None,
    };
    assert_eq!(refused_code(&mut erin, by_old).await, ErrorCode::NotFound);
    let mut late = Client::connect(&server.ws_url()).await.unwrap();
    let by_old = Request::JoinByLink {
        link: old,
        name: Some("Late".into()),
    };
    assert_eq!(refused_code(&mut late, by_old).await, ErrorCode::NotFound);
    // The new link works; a guest who came in by the old one stays until the meeting ends.
    join(&mut erin, &new).await;
    let m = meeting_where(&mut alice, room, |m| guest_names(m).len() == 2).await;
    assert_eq!(guest_names(&m), ["Zoe", "erin"]);

    alice
        .request(Request::DeleteRoom { conversation: room })
        .await
        .unwrap();
    assert_eq!(
        closed_with(&mut zoe).await,
        (ErrorCode::AccessEnded, Reason::RoomDeleted)
    );
    assert_eq!(access_ended(&mut erin, room).await, Reason::RoomDeleted);
    assert!(ongoing_of(&mut erin).await.is_empty());
    // A device of erin's that syncs only now learns it too.
    let mut later = login(&server, "erin").await;
    let last = later
        .drain_events(std::time::Duration::from_millis(300))
        .await
        .into_iter()
        .filter_map(|e| match e {
            Event::Change {
                change:
                    Change::Meeting {
                        conversation,
                        ongoing,
                        ..
                    },
                ..
            } if conversation == room => Some(ongoing),
            _ => None,
        })
        .next_back();
    assert_eq!(
        last,
        Some(None),
        "the meeting's end reaches a device that was away"
    );
}

#[tokio::test]
async fn a_restarted_server_forgets_external_guests_but_not_internal_ones() {
    let server = server().await;
    let mut alice = login(&server, "alice").await;
    let mut erin = login(&server, "erin").await;
    let (room, link) = room(&mut alice).await;
    start(&mut alice, room).await;
    join(&mut erin, &link).await;
    drop((alice, erin));
    let config = server.config.clone();
    let location = server.location.clone();
    let tmp = server.stop().await.unwrap();

    // A crash leaves an external guest behind whose connection died with the process.
    match location {
        Location::Dir(dir) => {
            let db = rusqlite::Connection::open(dir.join("confer.db")).unwrap();
            db.execute(
                "INSERT INTO meeting_guests (conversation_id, user_id, name, connection, \
                 admitted, joined_at) VALUES (?1, NULL, 'Ghost', 7, 1, 0)",
                [room],
            )
            .unwrap();
        }
        Location::Postgres { url, node } => {
            tokio::task::spawn_blocking(move || {
                let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                db.execute(
                    "INSERT INTO meeting_guests (conversation_id, user_id, name, connection, \
                     node, admitted, joined_at) VALUES ($1, NULL, 'Ghost', 7, $2, TRUE, 0)",
                    &[&(room as i64), &node],
                )
                .unwrap();
            })
            .await
            .unwrap();
        }
    }

    let server = TestServer::start_config(config).await.unwrap();
    let mut alice = login(&server, "alice").await;
    let ongoing = ongoing_of(&mut alice).await;
    assert_eq!(ongoing.len(), 1);
    assert_eq!(ongoing[0].participants, ["alice"]);
    assert_eq!(guest_names(&Some(ongoing[0].clone())), ["erin"]);
    server.stop().await.unwrap();
    drop(tmp);
}

/// One HTTP/1.1 GET on loopback: the status line's code and the whole answer.
async fn http_get(server: &TestServer, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (code, answer)
}

#[tokio::test]
async fn browsers_get_the_guest_page_and_its_assets_from_the_web_dir_and_nothing_else() {
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    std::fs::write(web.path().join("guest.html"), "<title>guest page</title>").unwrap();
    std::fs::write(web.path().join("assets/guest-1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(web.path().join("secret.txt"), "not for guests").unwrap();
    let dir = web.path().to_owned();
    let server = TestServer::start_with(move |c| c.web_dir = Some(dir))
        .await
        .unwrap();
    let (code, page) = http_get(&server, "/join/AbCdEf123").await;
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("text/html") && page.contains("<title>guest page</title>"));
    let (code, js) = http_get(&server, "/assets/guest-1a2b.js").await;
    assert_eq!(code, 200, "{js}");
    assert!(js.contains("text/javascript") && js.contains("console.log(1)"));
    for path in [
        "/assets/..%2Fsecret.txt",
        "/assets/.hidden",
        "/assets/missing.js",
        "/secret.txt",
    ] {
        let (code, answer) = http_get(&server, path).await;
        assert_eq!(code, 404, "{path}: {answer}");
        assert!(!answer.contains("not for guests"), "{path}");
    }
    // A server without the built UI says why.
    let bare = TestServer::start().await.unwrap();
    let (code, answer) = http_get(&bare, "/join/AbCdEf123").await;
    assert_eq!(code, 404);
    assert!(answer.contains("does not serve the guest page"), "{answer}");
}
