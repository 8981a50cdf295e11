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
        edited_at: None,
        deleted: false,
        reply_to: None,
        reactions: vec![],
        mentions: vec![],
        version: 0,
        preview: None,
    }
}

fn photo() -> FileRef {
    FileRef {
        id: "9b2f6d0c4e1a4f3b8c7d6e5f4a3b2c1d".into(),
        name: "whiteboard.jpg".into(),
        size: 482_113,
        mime: "image/jpeg".into(),
        thumbnail: true,
        dimensions: Some((1600, 1200)),
    }
}

fn call() -> CallInfo {
    CallInfo {
        id: 17,
        conversation: 3,
        caller: "alice".into(),
        callee: "bob".into(),
        video: true,
        ice_servers: vec![IceServer {
            urls: vec!["turn:chat.example.com:3478?transport=udp".into()],
            username: "1795000300:alice".into(),
            credential: "yI7pTq3cS0mH1f0r0E6x2yZk9xQ=".into(),
        }],
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
        alias: None,
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
        muted: vec!["bob".into()],
        recording: Some(1_795_000_500_000),
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
        alias: None,
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
        alias: None,
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
        hidden_through: 0,
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
            after: None,
            online: false,
        },
        Request::SearchUsers {
            query: String::new(),
            limit: Some(50),
            after: Some("bob".into()),
            online: true,
        },
        Request::OpenDirect { user: "bob".into() },
        Request::ListConversations,
        Request::SendMessage {
            conversation: 3,
            client_id: "5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10".into(),
            text: "Lunch at noon?".into(),
            reply_to: None,
        },
        Request::SendMessage {
            conversation: 3,
            client_id: "0b6f2d4e-1c3a-4e5f-9a7b-8c9d0e1f2a3b".into(),
            text: "Yes, see you there".into(),
            reply_to: Some(42),
        },
        Request::EditMessage {
            conversation: 3,
            seq: 42,
            text: "Lunch at half past twelve?".into(),
        },
        Request::DeleteMessage {
            conversation: 3,
            seq: 42,
        },
        Request::SetReaction {
            conversation: 3,
            seq: 42,
            emoji: "👍".into(),
            on: true,
        },
        Request::SetTyping {
            conversation: 3,
            typing: true,
        },
        Request::SearchMessages {
            query: "lunch noon".into(),
            conversation: None,
            limit: Some(20),
            after: Some(SearchCursor {
                sent_at: 1_795_000_000_000,
                conversation: 3,
                seq: 42,
            }),
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
        Request::MarkUnread {
            conversation: 3,
            seq: 42,
        },
        Request::HideConversation {
            conversation: 3,
            hidden: true,
        },
        Request::SetPresence {
            status: PresenceChoice::Dnd,
            message: Some("In a meeting".into()),
        },
        Request::WatchPresence {
            users: vec!["bob".into(), "carol".into()],
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
        Request::SetRecording {
            conversation: 12,
            on: true,
        },
        Request::SetParticipantMuted {
            conversation: 12,
            user: "bob".into(),
            muted: true,
        },
        Request::LeaveRoom { conversation: 12 },
        Request::DeleteRoom { conversation: 12 },
        Request::StartMeeting { conversation: 12 },
        Request::LeaveMeeting { conversation: 12 },
        Request::JoinMeetingMedia {
            conversation: 12,
            offer: "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n…".into(),
        },
        Request::ScheduleMeeting {
            conversation: 12,
            title: "Sprint review".into(),
            starts_at: 1_795_100_000_000,
            minutes: 45,
        },
        Request::DeleteScheduledMeeting { meeting: 4 },
        Request::ListMeetings,
        Request::ListFiles { conversation: 3 },
        Request::MailHistory {
            conversation: 3,
            to: "dana@example.com".into(),
            language: Some("fr".into()),
            utc_offset_minutes: Some(60),
        },
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
        Request::PlaceCall {
            conversation: 3,
            video: true,
        },
        Request::AnswerCall { call: 17 },
        Request::DeclineCall { call: 17 },
        Request::HangUp { call: 17 },
        Request::CallSignal {
            call: 17,
            signal: CallSignal::Offer {
                sdp: "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n..."
                    .into(),
            },
        },
        Request::CallSignal {
            call: 17,
            signal: CallSignal::Candidate {
                candidate: "candidate:1 1 udp 2130706431 192.0.2.7 50000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_mline_index: Some(0),
            },
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
            | Request::EditMessage { .. }
            | Request::DeleteMessage { .. }
            | Request::SetReaction { .. }
            | Request::SetTyping { .. }
            | Request::SearchMessages { .. }
            | Request::History { .. }
            | Request::MarkDelivered { .. }
            | Request::MarkRead { .. }
            | Request::MarkUnread { .. }
            | Request::HideConversation { .. }
            | Request::SetPresence { .. }
            | Request::WatchPresence { .. }
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
            | Request::SetParticipantMuted { .. }
            | Request::SetRecording { .. }
            | Request::LeaveRoom { .. }
            | Request::DeleteRoom { .. }
            | Request::StartMeeting { .. }
            | Request::LeaveMeeting { .. }
            | Request::JoinMeetingMedia { .. }
            | Request::ScheduleMeeting { .. }
            | Request::DeleteScheduledMeeting { .. }
            | Request::ListMeetings
            | Request::ListFiles { .. }
            | Request::MailHistory { .. }
            | Request::JoinByLink { .. }
            | Request::AdmitGuest { .. }
            | Request::RemoveGuest { .. }
            | Request::SetLobby { .. }
            | Request::PlaceCall { .. }
            | Request::AnswerCall { .. }
            | Request::DeclineCall { .. }
            | Request::HangUp { .. }
            | Request::CallSignal { .. } => {}
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
            server_version: Some("0.1.0".into()),
        },
        Response::Authenticated {
            user: user("alice", "Alice Martin"),
            settings: settings(),
            server_version: Some("0.1.0".into()),
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
            next: Some("bob".into()),
            aliases: vec![AliasInfo {
                name: "support".into(),
                display_name: "IT Support".into(),
                writer: None,
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
        Response::Files {
            files: vec![SharedFile {
                file: photo(),
                sender: "alice".into(),
                seq: 44,
                sent_at: 1_795_000_500_000,
            }],
        },
        Response::Meetings {
            ongoing: vec![ongoing()],
            scheduled: vec![scheduled()],
        },
        Response::Scheduled {
            meeting: scheduled(),
        },
        Response::MeetingMedia {
            answer: "v=0\r\no=- 1935406142 1935406142 IN IP4 0.0.0.0\r\n…".into(),
        },
        Response::Joined {
            session: MeetingSession {
                admitted: false,
                meeting: None,
                ..guest_session()
            },
        },
        Response::Call { call: call() },
        Response::Messages {
            messages: vec![Message {
                state: TickState::Read,
                ..message()
            }],
            next: Some(SearchCursor {
                sent_at: 1_795_000_000_000,
                conversation: 3,
                seq: 42,
            }),
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
            | Response::Messages { .. }
            | Response::Favourites { .. }
            | Response::RoomLink { .. }
            | Response::Files { .. }
            | Response::Meetings { .. }
            | Response::Scheduled { .. }
            | Response::MeetingMedia { .. }
            | Response::Joined { .. }
            | Response::Call { .. } => {}
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
        Change::MessageUpdated {
            message: Message {
                conversation: 9,
                seq: 7,
                client_id: "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a".into(),
                sender: "alice".into(),
                text: "@bob the build is green".into(),
                sent_at: 1_795_000_200_000,
                state: TickState::Sent,
                kind: MessageKind::Text,
                edited_at: Some(1_795_000_260_000),
                deleted: false,
                reply_to: Some(6),
                reactions: vec![Reaction {
                    emoji: "🎉".into(),
                    users: vec!["bob".into(), "carol".into()],
                }],
                mentions: vec!["bob".into()],
                version: 3,
                preview: None,
            },
        },
        // The server fetched the card of the message's first link.
        Change::MessageUpdated {
            message: Message {
                text: "Minutes: https://wiki.example.com/q3".into(),
                version: 1,
                preview: Some(Box::new(crate::LinkPreview {
                    url: "https://wiki.example.com/q3".into(),
                    title: Some("Q3 planning".into()),
                    description: Some("Decisions and owners".into()),
                    image: Some("data:image/jpeg;base64,/9j/4AAQSkZJRg==".into()),
                })),
                ..message()
            },
        },
        Change::MessageUpdated {
            message: Message {
                text: String::new(),
                deleted: true,
                version: 1,
                ..message()
            },
        },
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
            hidden_through: 0,
        },
        Change::ConversationSettings {
            conversation: 3,
            muted: false,
            cleared_through: 0,
            hidden_through: 44,
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
            ended: Some(Reason::RemovedByModerator),
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
                ..message()
            },
        },
        Change::Message {
            message: Message {
                conversation: 3,
                seq: 43,
                client_id: "system:call:3:43".into(),
                sender: "alice".into(),
                text: String::new(),
                sent_at: 1_795_000_400_000,
                state: TickState::Sent,
                kind: MessageKind::Call(CallRecord {
                    outcome: CallOutcome::Completed,
                    video: true,
                    duration_ms: 252_000,
                }),
                ..message()
            },
        },
        Change::Message {
            message: Message {
                conversation: 3,
                seq: 44,
                client_id: "system:file:3:44".into(),
                text: String::new(),
                sent_at: 1_795_000_500_000,
                kind: MessageKind::File(Box::new(photo())),
                ..message()
            },
        },
        // Alice sent the history by email: every member sees the line.
        Change::Message {
            message: Message {
                conversation: 3,
                seq: 45,
                client_id: "system:mailed:3:45".into(),
                text: String::new(),
                sent_at: 1_795_000_560_000,
                kind: MessageKind::Mailed {
                    to: "dana@example.com".into(),
                },
                ..message()
            },
        },
    ];
    for c in &changes {
        match c {
            Change::Conversation { .. }
            | Change::Message { .. }
            | Change::MessageUpdated { .. }
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
    all.push(Event::PresenceBatch {
        presence: vec![
            presence(),
            Presence {
                user: "carol".into(),
                status: PresenceStatus::Online,
                message: None,
                idle: false,
                last_seen: None,
            },
        ],
    });
    all.push(Event::GuestSession {
        session: guest_session(),
    });
    all.push(Event::CallRinging { call: call() });
    all.push(Event::CallAnswered { call: 17 });
    all.push(Event::CallSignal {
        call: 17,
        signal: CallSignal::Answer {
            sdp: "v=0\r\no=- 1889394749372645110 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n...".into(),
        },
    });
    all.push(Event::CallEnded {
        call: 17,
        reason: CallEnd::HungUp,
    });
    all.push(Event::Typing {
        conversation: 3,
        user: "bob".into(),
        typing: true,
    });
    all.push(Event::Closing {
        code: ErrorCode::ShuttingDown,
        reason: Reason::ShuttingDown,
    });
    all.push(Event::Closing {
        code: ErrorCode::AccessEnded,
        reason: Reason::MeetingEnded,
    });
    for e in &all {
        match e {
            Event::Change { .. }
            | Event::Presence { .. }
            | Event::PresenceBatch { .. }
            | Event::GuestSession { .. }
            | Event::CallRinging { .. }
            | Event::CallAnswered { .. }
            | Event::CallSignal { .. }
            | Event::CallEnded { .. }
            | Event::Typing { .. }
            | Event::Closing { .. } => {}
        }
    }
    all
}

/// An example of every reason, with the code it comes with.
pub fn reasons() -> Vec<(ErrorCode, Reason)> {
    use ErrorCode as C;
    let all = vec![
        (
            C::BadFrame,
            Reason::MalformedFrame {
                detail: "expected value at line 1 column 1".into(),
            },
        ),
        (C::BadFrame, Reason::NotText),
        (C::FrameTooLarge, Reason::FrameTooLarge { max: 131_072 }),
        (
            C::NotFound,
            Reason::OutOfRange {
                field: "conversation".into(),
            },
        ),
        (
            C::UnsupportedVersion,
            Reason::ProtocolVersion {
                supported: PROTOCOL_VERSION,
                requested: 2,
            },
        ),
        (C::Unauthenticated, Reason::SignInFirst),
        (C::Invalid, Reason::AlreadySignedIn),
        (C::Conflict, Reason::GuestCannotSignIn),
        (C::AuthFailed, Reason::WrongPassword),
        (C::AuthFailed, Reason::TokenUnknown),
        (C::AuthFailed, Reason::SessionRevoked),
        (C::AccountDisabled, Reason::AccountDisabled),
        (C::RateLimited, Reason::TooManyLogins),
        (C::RateLimited, Reason::TooManyGuestJoins),
        (C::TooManyConnections, Reason::ServerFull),
        (C::SlowConsumer, Reason::FellBehind),
        (C::ShuttingDown, Reason::ShuttingDown),
        (C::Idle, Reason::Idle { seconds: 60 }),
        (C::Internal, Reason::ServerFault),
        (C::Invalid, Reason::TooManyWatched { max: 1000 }),
        (C::Invalid, Reason::ClientIdLength { max: 64 }),
        (
            C::TextTooLong,
            Reason::TextTooLong {
                max: MAX_TEXT_BYTES as u64,
                size: 20_000,
            },
        ),
        (C::Invalid, Reason::EmptyMessage),
        (
            C::Conflict,
            Reason::ClientIdReused {
                client_id: "5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10".into(),
            },
        ),
        (
            C::Invalid,
            Reason::FieldTooLong {
                field: Field::StatusMessage,
                max: MAX_STATUS_MESSAGE_BYTES as u64,
            },
        ),
        (
            C::Invalid,
            Reason::NameLength {
                field: Field::RoomName,
                max: 100,
            },
        ),
        (
            C::Invalid,
            Reason::NameCharacter {
                field: Field::GuestName,
                code_point: 0x202E,
            },
        ),
        (
            C::NotFound,
            Reason::NoSuchUser {
                name: "nobody".into(),
            },
        ),
        (
            C::Conflict,
            Reason::UserExists {
                name: "alice".into(),
            },
        ),
        (
            C::Invalid,
            Reason::InvalidUserName {
                name: "-alice".into(),
            },
        ),
        (C::Invalid, Reason::DirectWithSelf),
        (C::Invalid, Reason::FavouriteSelf),
        (
            C::NotFound,
            Reason::NoPendingRequest {
                name: "carol".into(),
            },
        ),
        (C::NotFound, Reason::NoSuchConversation { conversation: 3 }),
        (C::Forbidden, Reason::NotAMember { conversation: 3 }),
        (C::Invalid, Reason::NotAGroup { conversation: 3 }),
        (C::Invalid, Reason::NotARoom { conversation: 9 }),
        (C::Invalid, Reason::NoMeetingLink { conversation: 9 }),
        (C::Invalid, Reason::NoMeeting { conversation: 9 }),
        (C::Forbidden, Reason::ModeratorsOnly { conversation: 12 }),
        (C::Forbidden, Reason::OwnerOnly { conversation: 12 }),
        (C::Forbidden, Reason::OwnerCannotLeave),
        (C::Forbidden, Reason::PromoteBeforeLeaving),
        (C::Forbidden, Reason::OwnerCannotBeRemoved),
        (
            C::Conflict,
            Reason::AlreadyMember {
                name: "carol".into(),
            },
        ),
        (
            C::NotFound,
            Reason::NotInRoom {
                name: "dave".into(),
            },
        ),
        (C::Forbidden, Reason::NoInvitation { conversation: 9 }),
        (C::Invalid, Reason::InvitedSelf),
        (C::Invalid, Reason::NoInvitees),
        (C::Invalid, Reason::GroupFull { max: 5 }),
        (C::NotFound, Reason::NotInMeeting { conversation: 12 }),
        (C::Invalid, Reason::MeetingMinutes { max: 1440 }),
        (C::Invalid, Reason::ScheduledTooFar { years: 10 }),
        (C::Invalid, Reason::MeetingInPast),
        (C::NotFound, Reason::NoScheduledMeeting { meeting: 4 }),
        (C::NotFound, Reason::LinkUnknown),
        (C::Forbidden, Reason::DirectMeetingMembersOnly),
        (
            C::Conflict,
            Reason::MeetingNotStarted {
                room: "Weekly planning".into(),
            },
        ),
        (
            C::Forbidden,
            Reason::SentOut {
                room: "Weekly planning".into(),
            },
        ),
        (
            C::Conflict,
            Reason::GuestLimit {
                room: "Weekly planning".into(),
                max: 200,
            },
        ),
        (C::Conflict, Reason::NameTaken),
        (
            C::NotFound,
            Reason::NoSuchAlias {
                name: "support".into(),
            },
        ),
        (
            C::Conflict,
            Reason::AliasExists {
                name: "support".into(),
            },
        ),
        (C::Conflict, Reason::AlreadyGuest),
        (C::Invalid, Reason::GuestNeedsName),
        (C::Conflict, Reason::GuestAlreadyAdmitted { guest: 8 }),
        (C::NotFound, Reason::GuestNotInLobby { guest: 8 }),
        (C::NotFound, Reason::GuestNotInMeeting { guest: 8 }),
        (
            C::NotFound,
            Reason::ParticipantNotInMeeting { name: "bob".into() },
        ),
        (C::AccessEnded, Reason::MeetingEnded),
        (C::AccessEnded, Reason::RoomDeleted),
        (C::AccessEnded, Reason::RemovedByModerator),
        (C::AccessEnded, Reason::RefusedByModerator),
        (C::Invalid, Reason::NoCalls { conversation: 9 }),
        (C::Conflict, Reason::Busy { name: "bob".into() }),
        (C::Conflict, Reason::InCallAlready),
        (C::NotFound, Reason::NoSuchCall { call: 5 }),
        (C::Conflict, Reason::CallNotAnswered { call: 5 }),
        (C::Conflict, Reason::CallAnsweredAlready { call: 5 }),
        (C::Invalid, Reason::SignalOutOfTurn),
        (C::Invalid, Reason::BadSdp),
        (C::Forbidden, Reason::NoMeetingMedia),
        (C::Forbidden, Reason::RecordingOff),
        (C::Conflict, Reason::RecordingAlready { on: true }),
        (C::Invalid, Reason::SyncFirst),
        (
            C::NotFound,
            Reason::NoSuchMessage {
                conversation: 7,
                seq: 41,
            },
        ),
        (
            C::Forbidden,
            Reason::SenderOnly {
                conversation: 7,
                seq: 41,
            },
        ),
        (
            C::Conflict,
            Reason::MessageDeleted {
                conversation: 7,
                seq: 41,
            },
        ),
        (
            C::Invalid,
            Reason::NotATextMessage {
                conversation: 7,
                seq: 2,
            },
        ),
        (C::Invalid, Reason::InvalidReaction),
        (C::Conflict, Reason::TooManyReactions { max: 20 }),
        (C::Invalid, Reason::FileTooLarge { max: 100_000_000 }),
        (
            C::Forbidden,
            Reason::QuotaExceeded {
                quota: 10_000_000_000,
                used: 9_950_000_000,
            },
        ),
        (C::Conflict, Reason::UploadOffset { held: 1_048_576 }),
        (C::Invalid, Reason::ChecksumMismatch),
        (C::Conflict, Reason::UploadBusy),
        (C::NotFound, Reason::NoSuchFile),
        (C::Invalid, Reason::BadFileName),
        (C::Invalid, Reason::BadChecksum),
        (C::Invalid, Reason::UploadTooLong { size: 482_113 }),
        (C::Invalid, Reason::UploadInterrupted),
        (
            C::Invalid,
            Reason::MissingHeader {
                header: "Upload-Offset".into(),
            },
        ),
        (C::Invalid, Reason::ImageUnreadable),
        (
            C::Invalid,
            Reason::ImageTooLarge {
                width: 50_000,
                height: 50_000,
            },
        ),
        (C::NotFound, Reason::NoThumbnail),
        (C::Forbidden, Reason::MailNotConfigured),
        (C::Invalid, Reason::BadEmailAddress),
        (C::RateLimited, Reason::TooManyMails { per_hour: 10 }),
        (C::Internal, Reason::MailFailed),
        (C::Internal, Reason::Unknown),
    ];
    for (_, r) in &all {
        // Exhaustive on purpose: a new reason must get an example above (and with it a row in
        // docs/protocol.md and a check in the UI's catalogue test).
        match r {
            Reason::MalformedFrame { .. }
            | Reason::NotText
            | Reason::FrameTooLarge { .. }
            | Reason::OutOfRange { .. }
            | Reason::ProtocolVersion { .. }
            | Reason::SignInFirst
            | Reason::AlreadySignedIn
            | Reason::GuestCannotSignIn
            | Reason::WrongPassword
            | Reason::TokenUnknown
            | Reason::SessionRevoked
            | Reason::AccountDisabled
            | Reason::TooManyLogins
            | Reason::TooManyGuestJoins
            | Reason::ServerFull
            | Reason::FellBehind
            | Reason::ShuttingDown
            | Reason::Idle { .. }
            | Reason::ServerFault
            | Reason::TooManyWatched { .. }
            | Reason::ClientIdLength { .. }
            | Reason::TextTooLong { .. }
            | Reason::EmptyMessage
            | Reason::ClientIdReused { .. }
            | Reason::FieldTooLong { .. }
            | Reason::NameLength { .. }
            | Reason::NameCharacter { .. }
            | Reason::NoSuchUser { .. }
            | Reason::UserExists { .. }
            | Reason::NoSuchAlias { .. }
            | Reason::AliasExists { .. }
            | Reason::InvalidUserName { .. }
            | Reason::DirectWithSelf
            | Reason::FavouriteSelf
            | Reason::NoPendingRequest { .. }
            | Reason::NoSuchConversation { .. }
            | Reason::NotAMember { .. }
            | Reason::NotAGroup { .. }
            | Reason::NotARoom { .. }
            | Reason::NoMeetingLink { .. }
            | Reason::NoMeeting { .. }
            | Reason::ModeratorsOnly { .. }
            | Reason::OwnerOnly { .. }
            | Reason::OwnerCannotLeave
            | Reason::PromoteBeforeLeaving
            | Reason::OwnerCannotBeRemoved
            | Reason::AlreadyMember { .. }
            | Reason::NotInRoom { .. }
            | Reason::NoInvitation { .. }
            | Reason::InvitedSelf
            | Reason::NoInvitees
            | Reason::GroupFull { .. }
            | Reason::NotInMeeting { .. }
            | Reason::MeetingMinutes { .. }
            | Reason::ScheduledTooFar { .. }
            | Reason::MeetingInPast
            | Reason::NoScheduledMeeting { .. }
            | Reason::LinkUnknown
            | Reason::DirectMeetingMembersOnly
            | Reason::MeetingNotStarted { .. }
            | Reason::SentOut { .. }
            | Reason::GuestLimit { .. }
            | Reason::NameTaken
            | Reason::AlreadyGuest
            | Reason::GuestNeedsName
            | Reason::GuestAlreadyAdmitted { .. }
            | Reason::GuestNotInLobby { .. }
            | Reason::GuestNotInMeeting { .. }
            | Reason::ParticipantNotInMeeting { .. }
            | Reason::MeetingEnded
            | Reason::RoomDeleted
            | Reason::RemovedByModerator
            | Reason::RefusedByModerator
            | Reason::NoCalls { .. }
            | Reason::Busy { .. }
            | Reason::InCallAlready
            | Reason::NoSuchCall { .. }
            | Reason::CallNotAnswered { .. }
            | Reason::CallAnsweredAlready { .. }
            | Reason::SignalOutOfTurn
            | Reason::BadSdp
            | Reason::NoMeetingMedia
            | Reason::RecordingOff
            | Reason::RecordingAlready { .. }
            | Reason::SyncFirst
            | Reason::NoSuchMessage { .. }
            | Reason::SenderOnly { .. }
            | Reason::MessageDeleted { .. }
            | Reason::NotATextMessage { .. }
            | Reason::InvalidReaction
            | Reason::TooManyReactions { .. }
            | Reason::FileTooLarge { .. }
            | Reason::QuotaExceeded { .. }
            | Reason::UploadOffset { .. }
            | Reason::ChecksumMismatch
            | Reason::UploadBusy
            | Reason::NoSuchFile
            | Reason::BadFileName
            | Reason::BadChecksum
            | Reason::UploadTooLong { .. }
            | Reason::UploadInterrupted
            | Reason::MissingHeader { .. }
            | Reason::ImageUnreadable
            | Reason::ImageTooLarge { .. }
            | Reason::NoThumbnail
            | Reason::MailNotConfigured
            | Reason::BadEmailAddress
            | Reason::TooManyMails { .. }
            | Reason::MailFailed
            | Reason::Unknown => {}
        }
    }
    all
}

/// Every field a reason can name.
pub fn fields() -> Vec<Field> {
    let all = vec![
        Field::GroupName,
        Field::RoomName,
        Field::MeetingTitle,
        Field::DisplayName,
        Field::GuestName,
        Field::StatusMessage,
        Field::Link,
        Field::Search,
        Field::SessionDescription,
        Field::IceCandidate,
    ];
    for f in &all {
        match f {
            Field::GroupName
            | Field::RoomName
            | Field::MeetingTitle
            | Field::DisplayName
            | Field::GuestName
            | Field::StatusMessage
            | Field::Link
            | Field::Search
            | Field::SessionDescription
            | Field::IceCandidate => {}
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
        error: ErrorBody::new(ErrorCode::Forbidden, Reason::NotAMember { conversation: 3 }),
    };
    out.push_str(&format!("```json\n{}\n```\n\n", err.to_json()));
    let full = ServerFrame::Error {
        id: Some(10),
        error: ErrorBody::new(ErrorCode::Invalid, Reason::GroupFull { max: 5 }),
    };
    out.push_str(&format!("```json\n{}\n```\n\n", full.to_json()));
    let unreadable = ServerFrame::Error {
        id: None,
        error: ErrorBody::new(
            ErrorCode::BadFrame,
            Reason::MalformedFrame {
                detail: "expected value at line 1 column 1".into(),
            },
        ),
    };
    out.push_str(&format!(
        "A frame that cannot be parsed far enough to find its id:\n\n```json\n{}\n```\n\n",
        unreadable.to_json()
    ));
    out.push_str(
        "### Reasons\n\nEvery reason, with an example, the code it comes with and its English \
         rendering (clients word it in their user's language; `field` is one of ",
    );
    out.push_str(
        &fields()
            .iter()
            .map(|f| {
                format!(
                    "`{}`",
                    serde_json::to_string(f)
                        .expect("serialise")
                        .trim_matches('"')
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(").\n\n| reason | code | example | English |\n|---|---|---|---|\n");
    for (code, reason) in reasons() {
        let json = serde_json::to_value(&reason).expect("serialise");
        out.push_str(&format!(
            "| `{}` | `{}` | `{}` | {} |\n",
            tag(&json, "reason"),
            code.as_str(),
            serde_json::to_string(&reason).expect("serialise"),
            reason.to_string().replace('|', "\\|")
        ));
    }
    out.push('\n');
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
    fn every_reason_round_trips_and_reads_as_one_sentence() {
        let mut tags = std::collections::HashSet::new();
        for (code, reason) in super::reasons() {
            let json = serde_json::to_value(&reason).unwrap();
            let tag = json["reason"].as_str().expect("tagged").to_owned();
            assert!(tags.insert(tag.clone()), "{tag} twice");
            assert_eq!(
                serde_json::from_value::<crate::Reason>(json.clone()).unwrap(),
                reason
            );
            let body = crate::ErrorBody::new(code, reason.clone());
            let text = serde_json::to_string(&body).unwrap();
            assert_eq!(
                serde_json::from_str::<crate::ErrorBody>(&text).unwrap(),
                body
            );
            let sentence = reason.to_string();
            // A user's name may start it ("carol is a member already.").
            assert!(
                sentence.ends_with('.') && !sentence.contains('\n'),
                "{tag}: {sentence:?}"
            );
        }
        // Every field reads in a sentence.
        for field in super::fields() {
            let r = crate::Reason::NameLength { field, max: 3 };
            assert!(r.to_string().starts_with('A'), "{r}");
        }
    }

    #[test]
    fn a_reason_from_a_newer_server_still_reads() {
        let body: crate::ErrorBody = serde_json::from_str(
            r#"{"code":"forbidden","reason":{"reason":"some_future_rule","limit":3}}"#,
        )
        .unwrap();
        assert_eq!(body.code, crate::ErrorCode::Forbidden);
        assert_eq!(body.reason, crate::Reason::Unknown);
        let frame: crate::ServerFrame = serde_json::from_str(
            r#"{"frame":"event","event":{"type":"closing","code":"idle","reason":{"reason":"nap"}}}"#,
        )
        .unwrap();
        assert!(matches!(
            frame,
            crate::ServerFrame::Event {
                event: crate::Event::Closing {
                    reason: crate::Reason::Unknown,
                    ..
                }
            }
        ));
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
