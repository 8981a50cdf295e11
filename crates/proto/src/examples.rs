//! One example of every frame, rendered into `docs/protocol.md`.
//!
//! The matches below name every variant, so a new request, response, event or change does not
//! compile until it has an example here; the `protocol_doc_is_fresh` test then fails until the
//! document is regenerated with `cargo xtask bindings`.

use crate::*;

fn user(name: &str, display: &str) -> UserInfo {
    UserInfo {
        name: name.into(),
        display_name: display.into(),
        email: Some(format!("{name}@example.com")),
    }
}

fn message() -> Message {
    Message {
        conversation: 3,
        seq: 42,
        client_id: "5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10".into(),
        sender: "alice".into(),
        text: "Lunch at noon?".into(),
        sent_at: 1_795_000_000_000,
        state: TickState::Sent,
        kind: MessageKind::Text,
    }
}

fn group() -> ConversationInfo {
    ConversationInfo {
        id: 9,
        kind: ConversationKind::Group,
        members: vec!["alice".into(), "bob".into()],
        created_at: 1_794_500_000_000,
        name: Some("Release crew".into()),
        owner: None,
        moderators: vec![],
        mute_all: false,
        lobby: false,
    }
}

fn ongoing() -> OngoingMeeting {
    OngoingMeeting {
        conversation: 12,
        name: "Weekly planning".into(),
        participants: vec!["alice".into(), "bob".into()],
        started_at: 1_795_000_200_000,
        guests: vec![MeetingGuest {
            id: 7,
            name: "dave".into(),
            external: false,
        }],
        lobby: vec![MeetingGuest {
            id: 8,
            name: "Zoe from Acme".into(),
            external: true,
        }],
    }
}

fn guest_session() -> MeetingSession {
    MeetingSession {
        conversation: 12,
        room: "Weekly planning".into(),
        name: "Zoe from Acme".into(),
        role: MeetingRole::ExternalGuest,
        guest: Some(8),
        admitted: true,
        meeting: Some(ongoing()),
    }
}

fn scheduled() -> ScheduledMeeting {
    ScheduledMeeting {
        id: 4,
        conversation: 12,
        name: "Weekly planning".into(),
        title: "Sprint review".into(),
        starts_at: 1_795_100_000_000,
        minutes: 45,
        organizer: "alice".into(),
    }
}

fn room() -> ConversationInfo {
    ConversationInfo {
        id: 12,
        kind: ConversationKind::Room,
        members: vec!["alice".into(), "bob".into(), "carol".into()],
        created_at: 1_794_600_000_000,
        name: Some("Weekly planning".into()),
        owner: Some("alice".into()),
        moderators: vec!["alice".into(), "bob".into()],
        mute_all: true,
        lobby: true,
    }
}

fn presence() -> Presence {
    Presence {
        user: "bob".into(),
        status: PresenceStatus::Dnd,
        message: Some("In a meeting".into()),
        idle: false,
        last_seen: Some(1_794_999_000_000),
    }
}

fn info() -> ConversationInfo {
    ConversationInfo {
        id: 3,
        kind: ConversationKind::Direct,
        members: vec!["alice".into(), "bob".into()],
        created_at: 1_794_000_000_000,
        name: None,
        owner: None,
        moderators: vec![],
        mute_all: false,
        lobby: false,
    }
}

fn summary() -> ConversationSummary {
    ConversationSummary {
        info: info(),
        last_message: Some(message()),
        unread: 2,
        read_through: 40,
        muted: false,
        cleared_through: 0,
    }
}

fn settings() -> UserSettings {
    UserSettings {
        privacy: false,
        status: PresenceChoice::Available,
        status_message: None,
    }
}

fn favourite() -> Favourite {
    Favourite {
        owner: "alice".into(),
        target: "bob".into(),
        state: FavouriteState::Pending,
    }
}

/// An example of every request.
pub fn requests() -> Vec<Request> {
    let all = vec![
        Request::Login {
            protocol: PROTOCOL_VERSION,
            username: "alice".into(),
            password: "correct horse".into(),
            device: Some("laptop".into()),
        },
        Request::Auth {
            protocol: PROTOCOL_VERSION,
            token: "9f86d081884c7d65…".into(),
        },
        Request::Logout,
        Request::Ping,
        Request::Sync { since: Some(1200) },
        Request::SearchUsers {
            query: "bo".into(),
            limit: Some(20),
        },
        Request::OpenDirect { user: "bob".into() },
        Request::ListConversations,
        Request::SendMessage {
            conversation: 3,
            client_id: "5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10".into(),
            text: "Lunch at noon?".into(),
        },
        Request::History {
            conversation: 3,
            before: Some(42),
            limit: Some(75),
        },
        Request::MarkDelivered {
            conversation: 3,
            seq: 42,
        },
        Request::MarkRead {
            conversation: 3,
            seq: 42,
        },
        Request::SetPresence {
            status: PresenceChoice::Dnd,
            message: Some("In a meeting".into()),
        },
        Request::SetIdle { idle: true },
        Request::SetPrivacy { enabled: true },
        Request::SetMuted {
            conversation: 3,
            muted: true,
        },
        Request::ClearHistory { conversation: 3 },
        Request::AddFavourite { user: "bob".into() },
        Request::RemoveFavourite { user: "bob".into() },
        Request::AnswerSubscription {
            user: "alice".into(),
            accept: true,
        },
        Request::ListFavourites,
        Request::CreateGroup {
            invite: vec!["bob".into(), "carol".into()],
            name: Some("Release crew".into()),
        },
        Request::InviteToGroup {
            conversation: 9,
            user: "dave".into(),
        },
        Request::JoinGroup { conversation: 9 },
        Request::DeclineGroup { conversation: 9 },
        Request::LeaveGroup { conversation: 9 },
        Request::CreateRoom {
            name: "Weekly planning".into(),
        },
        Request::AddRoomMember {
            conversation: 12,
            user: "carol".into(),
        },
        Request::RemoveRoomMember {
            conversation: 12,
            user: "carol".into(),
        },
        Request::PromoteModerator {
            conversation: 12,
            user: "bob".into(),
        },
        Request::RoomLink { conversation: 12 },
        Request::RotateRoomLink { conversation: 12 },
        Request::ResolveLink {
            link: "4f1d0c…e9".into(),
        },
        Request::SetMuteAll {
            conversation: 12,
            muted: true,
        },
        Request::LeaveRoom { conversation: 12 },
        Request::DeleteRoom { conversation: 12 },
        Request::StartMeeting { conversation: 12 },
        Request::LeaveMeeting { conversation: 12 },
        Request::ScheduleMeeting {
            conversation: 12,
            title: "Sprint review".into(),
            starts_at: 1_795_100_000_000,
            minutes: 45,
        },
        Request::DeleteScheduledMeeting { meeting: 4 },
        Request::ListMeetings,
        Request::JoinByLink {
            link: "4f1d0c…e9".into(),
            name: Some("Zoe from Acme".into()),
        },
        Request::AdmitGuest {
            conversation: 12,
            guest: 8,
        },
        Request::RemoveGuest {
            conversation: 12,
            guest: 8,
        },
        Request::SetLobby {
            conversation: 12,
            enabled: true,
        },
    ];
    for r in &all {
        // Exhaustive on purpose: a new variant must get an example above.
        match r {
            Request::Login { .. }
            | Request::Auth { .. }
            | Request::Logout
            | Request::Ping
            | Request::Sync { .. }
            | Request::SearchUsers { .. }
            | Request::OpenDirect { .. }
            | Request::ListConversations
            | Request::SendMessage { .. }
            | Request::History { .. }
            | Request::MarkDelivered { .. }
            | Request::MarkRead { .. }
            | Request::SetPresence { .. }
            | Request::SetIdle { .. }
            | Request::SetPrivacy { .. }
            | Request::SetMuted { .. }
            | Request::ClearHistory { .. }
            | Request::AddFavourite { .. }
            | Request::RemoveFavourite { .. }
            | Request::AnswerSubscription { .. }
            | Request::ListFavourites
            | Request::CreateGroup { .. }
            | Request::InviteToGroup { .. }
            | Request::JoinGroup { .. }
            | Request::DeclineGroup { .. }
            | Request::LeaveGroup { .. }
            | Request::CreateRoom { .. }
            | Request::AddRoomMember { .. }
            | Request::RemoveRoomMember { .. }
            | Request::PromoteModerator { .. }
            | Request::RoomLink { .. }
            | Request::RotateRoomLink { .. }
            | Request::ResolveLink { .. }
            | Request::SetMuteAll { .. }
            | Request::LeaveRoom { .. }
            | Request::DeleteRoom { .. }
            | Request::StartMeeting { .. }
            | Request::LeaveMeeting { .. }
            | Request::ScheduleMeeting { .. }
            | Request::DeleteScheduledMeeting { .. }
            | Request::ListMeetings
            | Request::JoinByLink { .. }
            | Request::AdmitGuest { .. }
            | Request::RemoveGuest { .. }
            | Request::SetLobby { .. } => {}
        }
    }
    all
}

/// An example of every response.
pub fn responses() -> Vec<Response> {
    let all = vec![
        Response::Ok,
        Response::Pong,
        Response::LoggedIn {
            token: "9f86d081884c7d65…".into(),
            user: user("alice", "Alice Martin"),
            settings: settings(),
        },
        Response::Authenticated {
            user: user("alice", "Alice Martin"),
            settings: settings(),
        },
        Response::Synced {
            position: 1250,
            presence: vec![presence()],
        },
        Response::Users {
            users: vec![DirectoryEntry {
                user: user("bob", "Bob Okafor"),
                presence: Some(presence()),
            }],
        },
        Response::Conversation {
            conversation: summary(),
        },
        Response::Conversations {
            conversations: vec![summary()],
        },
        Response::Sent {
            ack: SendAck {
                conversation: 3,
                client_id: "5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10".into(),
                seq: 42,
                sent_at: 1_795_000_000_000,
                duplicate: false,
            },
        },
        Response::History {
            page: HistoryPage {
                messages: vec![message()],
                has_more: true,
            },
        },
        Response::Favourites {
            outgoing: vec![favourite()],
            incoming: vec![],
        },
        Response::Meetings {
            ongoing: vec![ongoing()],
            scheduled: vec![scheduled()],
        },
        Response::Scheduled {
            meeting: scheduled(),
        },
        Response::Joined {
            session: MeetingSession {
                admitted: false,
                meeting: None,
                ..guest_session()
            },
        },
        Response::RoomLink {
            conversation: 12,
            name: "Weekly planning".into(),
            link: "9c2e7a4b0d5f4e3a8b1c6d7e2f9a0b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a".into(),
        },
    ];
    for r in &all {
        match r {
            Response::Ok
            | Response::Pong
            | Response::LoggedIn { .. }
            | Response::Authenticated { .. }
            | Response::Synced { .. }
            | Response::Users { .. }
            | Response::Conversation { .. }
            | Response::Conversations { .. }
            | Response::Sent { .. }
            | Response::History { .. }
            | Response::Favourites { .. }
            | Response::RoomLink { .. }
            | Response::Meetings { .. }
            | Response::Scheduled { .. }
            | Response::Joined { .. } => {}
        }
    }
    all
}

/// An example of every event (every change kind included).
pub fn events() -> Vec<Event> {
    let changes = vec![
        Change::Conversation {
            conversation: info(),
        },
        Change::Message { message: message() },
        Change::Ticks {
            conversation: 3,
            delivered_through: 42,
            read_through: 41,
        },
        Change::ReadCursor {
            conversation: 3,
            read_through: 42,
            unread: 0,
        },
        Change::ConversationSettings {
            conversation: 3,
            muted: true,
            cleared_through: 0,
        },
        Change::Settings {
            settings: settings(),
        },
        Change::Favourite {
            favourite: favourite(),
        },
        Change::Invited {
            conversation: group(),
            inviter: "alice".into(),
        },
        Change::InvitationClosed { conversation: 9 },
        Change::Conversation {
            conversation: room(),
        },
        Change::Meeting {
            conversation: 12,
            ongoing: Some(ongoing()),
            ended: None,
        },
        Change::Meeting {
            conversation: 12,
            ongoing: None,
            ended: Some("A moderator removed you from the meeting.".into()),
        },
        Change::Calendar { conversation: 12 },
        Change::Removed { conversation: 9 },
        Change::Message {
            message: Message {
                conversation: 9,
                seq: 3,
                client_id: "join-9-dave".into(),
                sender: "dave".into(),
                text: String::new(),
                sent_at: 1_795_000_100_000,
                state: TickState::Sent,
                kind: MessageKind::Joined,
            },
        },
    ];
    for c in &changes {
        match c {
            Change::Conversation { .. }
            | Change::Message { .. }
            | Change::Ticks { .. }
            | Change::ReadCursor { .. }
            | Change::ConversationSettings { .. }
            | Change::Settings { .. }
            | Change::Favourite { .. }
            | Change::Invited { .. }
            | Change::InvitationClosed { .. }
            | Change::Removed { .. }
            | Change::Meeting { .. }
            | Change::Calendar { .. } => {}
        }
    }
    let mut all: Vec<Event> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| Event::Change {
            position: 1251 + i as u64,
            change,
        })
        .collect();
    all.push(Event::Presence {
        presence: presence(),
    });
    all.push(Event::GuestSession {
        session: guest_session(),
    });
    all.push(Event::Closing {
        code: ErrorCode::ShuttingDown,
        reason: "The server is shutting down.".into(),
    });
    all.push(Event::Closing {
        code: ErrorCode::AccessEnded,
        reason: "The meeting has ended.".into(),
    });
    for e in &all {
        match e {
            Event::Change { .. }
            | Event::Presence { .. }
            | Event::GuestSession { .. }
            | Event::Closing { .. } => {}
        }
    }
    all
}

fn tag(value: &serde_json::Value, key: &str) -> String {
    value
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .to_owned()
}

/// The generated part of `docs/protocol.md`.
pub fn protocol_examples_markdown() -> String {
    let mut out = String::new();
    out.push_str("### Requests\n\n");
    for (i, req) in requests().into_iter().enumerate() {
        let frame = ClientFrame {
            id: i as u64 + 1,
            req,
        };
        let json = serde_json::to_value(&frame).expect("serialise");
        out.push_str(&format!(
            "#### `{}`\n\n```json\n{}\n```\n\n",
            tag(&json["req"], "type"),
            serde_json::to_string(&frame).expect("serialise")
        ));
    }
    out.push_str("### Responses\n\n");
    for (i, result) in responses().into_iter().enumerate() {
        let frame = ServerFrame::Response {
            id: i as u64 + 1,
            result,
        };
        let json = serde_json::to_value(&frame).expect("serialise");
        out.push_str(&format!(
            "#### `{}`\n\n```json\n{}\n```\n\n",
            tag(&json["result"], "type"),
            frame.to_json()
        ));
    }
    out.push_str("### Errors\n\nEvery code: ");
    let codes = [
        ErrorCode::BadFrame,
        ErrorCode::FrameTooLarge,
        ErrorCode::TextTooLong,
        ErrorCode::Invalid,
        ErrorCode::UnsupportedVersion,
        ErrorCode::Unauthenticated,
        ErrorCode::AuthFailed,
        ErrorCode::AccountDisabled,
        ErrorCode::RateLimited,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::TooManyConnections,
        ErrorCode::SlowConsumer,
        ErrorCode::ShuttingDown,
        ErrorCode::Idle,
        ErrorCode::AccessEnded,
        ErrorCode::Internal,
    ];
    out.push_str(
        &codes
            .iter()
            .map(|c| format!("`{}`", c.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(".\n\n");
    let err = ServerFrame::Error {
        id: Some(9),
        error: ErrorBody::new(
            ErrorCode::Forbidden,
            "You are not a member of conversation 3.",
        ),
    };
    out.push_str(&format!("```json\n{}\n```\n\n", err.to_json()));
    let unreadable = ServerFrame::Error {
        id: None,
        error: ErrorBody::new(
            ErrorCode::BadFrame,
            "malformed frame: expected value at line 1 column 1",
        ),
    };
    out.push_str(&format!(
        "A frame that cannot be parsed far enough to find its id:\n\n```json\n{}\n```\n\n",
        unreadable.to_json()
    ));
    out.push_str("### Events\n\n");
    for event in events() {
        let frame = ServerFrame::Event { event };
        let json = serde_json::to_value(&frame).expect("serialise");
        let name = match tag(&json["event"], "type").as_str() {
            "change" => format!("change: {}", tag(&json["event"]["change"], "kind")),
            other => other.to_owned(),
        };
        out.push_str(&format!(
            "#### `{name}`\n\n```json\n{}\n```\n\n",
            frame.to_json()
        ));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    const BEGIN: &str = "<!-- frames:begin (generated by `cargo xtask bindings`) -->\n";
    const END: &str = "<!-- frames:end -->";

    #[test]
    fn every_example_round_trips() {
        for req in super::requests() {
            let json = serde_json::to_string(&req).unwrap();
            assert_eq!(serde_json::from_str::<crate::Request>(&json).unwrap(), req);
        }
        for r in super::responses() {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<crate::Response>(&json).unwrap(), r);
        }
        for e in super::events() {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<crate::Event>(&json).unwrap(), e);
        }
    }

    #[test]
    fn protocol_doc_is_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
        let doc = std::fs::read_to_string(&path).expect("docs/protocol.md exists");
        let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
            panic!("docs/protocol.md lacks the generated-frames markers");
        };
        let expected = format!(
            "{}{BEGIN}{}{}",
            &doc[..b],
            super::protocol_examples_markdown(),
            &doc[e..]
        );
        if std::env::var_os("CONFER_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        assert!(
            doc == expected,
            "docs/protocol.md is stale: run `cargo xtask bindings` and commit the result"
        );
    }
}
