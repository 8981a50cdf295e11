//! Typed refusals: the coarse [`ErrorCode`] and the precise [`Reason`] with its parameters.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every reason the server refuses a frame or closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a known request.
    BadFrame,
    /// The frame is larger than the server accepts.
    FrameTooLarge,
    /// The message text is larger than [`crate::MAX_TEXT_BYTES`].
    TextTooLong,
    /// A field is empty, too long or out of range.
    Invalid,
    /// The client speaks another protocol version.
    UnsupportedVersion,
    /// The request needs an authenticated connection.
    Unauthenticated,
    /// Wrong user name, password or token.
    AuthFailed,
    /// The account is disabled.
    AccountDisabled,
    /// Too many requests or login attempts; wait and retry.
    RateLimited,
    /// The caller may not do this (for example, not a member).
    Forbidden,
    /// No such user or conversation.
    NotFound,
    /// The request conflicts with what is stored (for example, a client id reused elsewhere).
    Conflict,
    /// The server has no room for another connection.
    TooManyConnections,
    /// The client did not keep up with its events; resume from the sync cursor.
    SlowConsumer,
    /// The server is shutting down.
    ShuttingDown,
    /// Nothing was heard from the client for too long (no frame, no heartbeat).
    Idle,
    /// A guest's access ended: the meeting ended, or a moderator refused or removed them.
    AccessEnded,
    /// A fault on the server; the request may be retried.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadFrame => "bad_frame",
            Self::FrameTooLarge => "frame_too_large",
            Self::TextTooLong => "text_too_long",
            Self::Invalid => "invalid",
            Self::UnsupportedVersion => "unsupported_version",
            Self::Unauthenticated => "unauthenticated",
            Self::AuthFailed => "auth_failed",
            Self::AccountDisabled => "account_disabled",
            Self::RateLimited => "rate_limited",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooManyConnections => "too_many_connections",
            Self::SlowConsumer => "slow_consumer",
            Self::ShuttingDown => "shutting_down",
            Self::Idle => "idle",
            Self::AccessEnded => "access_ended",
            Self::Internal => "internal",
        }
    }
}

/// The body of an error frame: the category and the precise reason. No sentence travels: the
/// client words the reason in its user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    /// The category (XMPP error conditions and clients' fallbacks map from it).
    pub code: ErrorCode,
    /// What exactly, with its parameters.
    pub reason: Reason,
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(code: ErrorCode, reason: Reason) -> Self {
        Self { code, reason }
    }
}

/// The names and short texts a refusal can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// A group's name.
    GroupName,
    /// A room's name.
    RoomName,
    /// A scheduled meeting's title.
    MeetingTitle,
    /// A user's display name.
    DisplayName,
    /// The name an external guest joins under.
    GuestName,
    /// A custom status message.
    StatusMessage,
    /// A join link.
    Link,
    /// A directory search.
    Search,
    /// A call's session description.
    SessionDescription,
    /// A call's ICE candidate.
    IceCandidate,
}

impl Field {
    /// The field in a plain English sentence ("a room name").
    fn english(self) -> &'static str {
        match self {
            Self::GroupName => "a group name",
            Self::RoomName => "a room name",
            Self::MeetingTitle => "a meeting title",
            Self::DisplayName => "a display name",
            Self::GuestName => "a guest's name",
            Self::StatusMessage => "a status message",
            Self::Link => "a link",
            Self::Search => "a search",
            Self::SessionDescription => "a session description",
            Self::IceCandidate => "an ICE candidate",
        }
    }
}

/// Why the server refused a request, closed a connection or ended someone's access to a
/// meeting: a code with the facts a client needs to say it in its own language (clients render
/// the sentence; the wire carries none). [`ErrorCode`] beside it is the coarse category.
///
/// On the wire: `{"reason": "group_full", "max": 5}`. A reason this build does not know (from a
/// newer server) reads as [`Reason::Unknown`], so the frame around it is still understood and
/// the client can fall back on the code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    // Frames and connections.
    /// The frame is not valid JSON or not a known request. `detail` is the parser's own words,
    /// for developers; clients do not show it.
    MalformedFrame {
        /// What the parser said.
        detail: String,
    },
    /// A binary frame: frames are JSON text.
    NotText,
    /// The frame is larger than the server accepts.
    FrameTooLarge {
        /// The largest frame, in bytes.
        #[ts(type = "number")]
        max: u64,
    },
    /// An integer field is above 2^63 - 1, so it names nothing that exists.
    OutOfRange {
        /// The field's name on the wire.
        field: String,
    },
    /// The client speaks another protocol version.
    ProtocolVersion {
        /// The version the server speaks.
        supported: u32,
        /// The version the client asked for.
        requested: u32,
    },
    /// The request needs a signed-in connection.
    SignInFirst,
    /// `login` or `auth` on a connection that is signed in already.
    AlreadySignedIn,
    /// `login` or `auth` on an external guest's connection.
    GuestCannotSignIn,
    /// Wrong user name or password.
    WrongPassword,
    /// The session token is unknown or was revoked.
    TokenUnknown,
    /// The connection's session was revoked (logout elsewhere, new password, account disabled).
    SessionRevoked,
    /// The account is disabled.
    AccountDisabled,
    /// Too many failed sign-ins for the account or the address; wait a minute.
    TooManyLogins,
    /// Too many guests joined from the caller's address; wait a minute.
    TooManyGuestJoins,
    /// The server has no room for another connection.
    ServerFull,
    /// The client did not keep up with its events; resume (or join) again.
    FellBehind,
    /// The server is shutting down.
    ShuttingDown,
    /// Nothing was heard from the client for this long.
    Idle {
        /// How long, in seconds.
        #[ts(type = "number")]
        seconds: u64,
    },
    /// A fault on the server; the request may be retried.
    ServerFault,
    /// `watch_presence` names more users than the server follows for one connection.
    TooManyWatched {
        /// The most users one connection watches.
        max: u32,
    },

    // Messages and short texts.
    /// A client id must have 1 to `max` bytes.
    ClientIdLength {
        /// The longest client id, in bytes.
        max: u32,
    },
    /// The message text is too long.
    TextTooLong {
        /// The longest text, in bytes of UTF-8.
        #[ts(type = "number")]
        max: u64,
        /// This text's size, in bytes.
        #[ts(type = "number")]
        size: u64,
    },
    /// The message text is empty (or only white space).
    EmptyMessage,
    /// The sender used this client id in another conversation.
    ClientIdReused {
        /// The client id.
        client_id: String,
    },
    /// A text is longer than the server takes.
    FieldTooLong {
        /// Which.
        field: Field,
        /// The most it may hold, in bytes of UTF-8.
        #[ts(type = "number")]
        max: u64,
    },
    /// A name or short text is empty or too long.
    NameLength {
        /// Which.
        field: Field,
        /// The most characters it may have (at least 1).
        max: u32,
    },
    /// A name or short text holds a control, invisible or direction-changing character.
    NameCharacter {
        /// Which.
        field: Field,
        /// The character refused, as its Unicode code point (shown as U+XXXX).
        code_point: u32,
    },

    // Users.
    /// No such user (or the account is disabled).
    NoSuchUser {
        /// The name asked for.
        name: String,
    },
    /// A user with this name exists already.
    UserExists {
        /// The name.
        name: String,
    },
    /// No alias has this name.
    NoSuchAlias {
        /// The name asked for.
        name: String,
    },
    /// The name belongs to an alias already (aliases and users share names).
    AliasExists {
        /// The name.
        name: String,
    },
    /// Not a valid account name: 1 to 64 letters, digits, '.', '_' or '-', starting with a
    /// letter or digit.
    InvalidUserName {
        /// The name given.
        name: String,
    },
    /// One cannot open a direct conversation with oneself.
    DirectWithSelf,
    /// One cannot add oneself to one's favourites.
    FavouriteSelf,
    /// No pending subscription request from this user.
    NoPendingRequest {
        /// The user.
        name: String,
    },

    // Conversations, groups and rooms.
    /// No such conversation (or it was deleted).
    NoSuchConversation {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The caller is not a member of the conversation.
    NotAMember {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The conversation is not a group.
    NotAGroup {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The conversation is not a room.
    NotARoom {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The conversation (a group) has no meeting link.
    NoMeetingLink {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The conversation (one with an alias) has no meeting.
    NoMeeting {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Only a moderator of the room may do this.
    ModeratorsOnly {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Only the room's owner may do this (delete the room or its scheduled meetings).
    OwnerOnly {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The owner cannot leave a room; they delete it instead.
    OwnerCannotLeave,
    /// The last moderator must make another member a moderator before leaving.
    PromoteBeforeLeaving,
    /// The owner of a room cannot be removed.
    OwnerCannotBeRemoved,
    /// This user is a member already.
    AlreadyMember {
        /// The user.
        name: String,
    },
    /// This user is not a member of the room.
    NotInRoom {
        /// The user.
        name: String,
    },
    /// The caller has no invitation to this group.
    NoInvitation {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// One does not invite oneself to a group one is in.
    InvitedSelf,
    /// A group starts with at least one invitation.
    NoInvitees,
    /// A group holds at most `max` members, pending invitations included.
    GroupFull {
        /// The cap.
        max: u32,
    },

    // Meetings and guests.
    /// The caller is not in the conversation's meeting.
    NotInMeeting {
        /// The room (or direct conversation).
        #[ts(type = "number")]
        conversation: u64,
    },
    /// A meeting lasts 1 to `max` minutes.
    MeetingMinutes {
        /// The longest meeting, in minutes.
        max: u32,
    },
    /// A meeting is scheduled at most `years` ahead.
    ScheduledTooFar {
        /// How far, in years.
        years: u32,
    },
    /// The meeting would be over already.
    MeetingInPast,
    /// No such scheduled meeting.
    NoScheduledMeeting {
        /// Its id.
        #[ts(type = "number")]
        meeting: u64,
    },
    /// The link opens no room (it may have been changed).
    LinkUnknown,
    /// A 1:1 meeting is for its two members only.
    DirectMeetingMembersOnly,
    /// No meeting is going on in the room yet; guests join once a member started it.
    MeetingNotStarted {
        /// The room's name.
        room: String,
    },
    /// A moderator sent the caller out of this meeting; they can join the next one.
    SentOut {
        /// The room's name.
        room: String,
    },
    /// The meeting has as many guests as it takes.
    GuestLimit {
        /// The room's name.
        room: String,
        /// The most guests, present and waiting.
        max: u32,
    },
    /// The guest's name belongs to a user of this server.
    NameTaken,
    /// This connection is a guest in a meeting already.
    AlreadyGuest,
    /// A guest without an account joins with a name (or signs in first).
    GuestNeedsName,
    /// The guest is in the meeting already (not waiting in the lobby).
    GuestAlreadyAdmitted {
        /// The guest's id in the meeting.
        #[ts(type = "number")]
        guest: u64,
    },
    /// The guest is not waiting in the lobby (they may have left).
    GuestNotInLobby {
        /// The guest's id in the meeting.
        #[ts(type = "number")]
        guest: u64,
    },
    /// That user is not in the meeting (they may have left).
    ParticipantNotInMeeting {
        /// Their name.
        name: String,
    },
    /// The guest is not in the meeting (they may have left).
    GuestNotInMeeting {
        /// The guest's id in the meeting.
        #[ts(type = "number")]
        guest: u64,
    },
    /// A guest's access ended: the meeting ended (its last member left).
    MeetingEnded,
    /// A guest's access ended: the room was deleted.
    RoomDeleted,
    /// A guest's access ended: a moderator removed them from the meeting.
    RemovedByModerator,
    /// A guest's access ended: a moderator did not let them in from the lobby.
    RefusedByModerator,

    // Calls.
    /// Calls are only between the two members of a direct conversation.
    NoCalls {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The other party is in a call already.
    Busy {
        /// Who is busy.
        name: String,
    },
    /// The caller is in a call already; one call at a time.
    InCallAlready,
    /// No such call (it ended, or it is not the caller's).
    NoSuchCall {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// The call is not answered yet: signals pass once it is.
    CallNotAnswered {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// The call was answered already (on another device).
    CallAnsweredAlready {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// Only the caller's device sends the offer, only the answering device the answer.
    SignalOutOfTurn,
    /// A session description is not SDP (it must start with `v=0`).
    BadSdp,
    /// This connection has not synced: call events would not reach it.
    SyncFirst,

    // Messages after they were posted.
    /// No such message in the conversation, or not one the caller may see (cleared, or from
    /// before they joined the group).
    NoSuchMessage {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
    },
    /// Only its sender may edit or delete a message.
    SenderOnly {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
    },
    /// The message was deleted: it can no longer be edited, answered or reacted to.
    MessageDeleted {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
    },
    /// The message is a join, leave or call line, not a text.
    NotATextMessage {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
    },
    /// A reaction is one emoji.
    InvalidReaction,
    /// A message carries at most `max` different reactions.
    TooManyReactions {
        /// The cap.
        max: u32,
    },

    // Files.
    /// A file is larger than the server takes.
    FileTooLarge {
        /// The largest file, in bytes.
        #[ts(type = "number")]
        max: u64,
    },
    /// The file would take the user past their storage quota.
    QuotaExceeded {
        /// The quota, in bytes.
        #[ts(type = "number")]
        quota: u64,
        /// What the user's files take already.
        #[ts(type = "number")]
        used: u64,
    },
    /// A chunk of an upload did not start where the server's bytes stop.
    UploadOffset {
        /// Bytes the server holds (where to resume).
        #[ts(type = "number")]
        held: u64,
    },
    /// The uploaded bytes do not match the declared BLAKE3 (they were dropped: upload again).
    ChecksumMismatch,
    /// Another chunk of the upload is being received.
    UploadBusy,
    /// No such file or upload, or the caller may not see it.
    NoSuchFile,
    /// A file name must be 1 to 255 bytes, without a path or control characters.
    BadFileName,
    /// A BLAKE3 hash is 64 hexadecimal digits.
    BadChecksum,
    /// More bytes came than the upload declared.
    UploadTooLong {
        /// The declared size.
        #[ts(type = "number")]
        size: u64,
    },
    /// The upload's bytes stopped coming; what arrived is kept (resume the upload).
    UploadInterrupted,
    /// An HTTP request lacks a header it needs.
    MissingHeader {
        /// The header's name.
        header: String,
    },
    /// The file is shared, but it is not an image the server could read (damaged, or not
    /// what its type says): no thumbnail.
    ImageUnreadable,
    /// The file is shared, but the image is too large to draw a thumbnail of.
    ImageTooLarge {
        /// Its width (0 when unknown).
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The file has no thumbnail.
    NoThumbnail,
    /// This server sends no mail (no mail server is configured).
    MailNotConfigured,
    /// This server relays no meeting media (its media unit is off): meetings are presence
    /// only.
    NoMeetingMedia,
    /// This server does not record meetings (recording is an optional component, off unless
    /// the server is started with it).
    RecordingOff,
    /// The meeting is being recorded already, or is not being recorded (to stop).
    RecordingAlready {
        /// Whether it is being recorded.
        on: bool,
    },
    /// Not an email address one can send to.
    BadEmailAddress,
    /// Too many histories sent by email in the last hour.
    TooManyMails {
        /// How many an hour.
        per_hour: u32,
    },
    /// The mail server did not take the mail.
    MailFailed,

    /// A reason this build does not know (a newer server's); fall back on the error code.
    #[serde(other)]
    Unknown,
}

/// The reference English rendering: one plain sentence. It is for logs, the admin commands and
/// `confer-cli`; the desktop UI renders reasons from its own catalogue, in the user's language.
/// The match is exhaustive here (and only here), so a new reason does not compile without its
/// sentence.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedFrame { detail } => write!(f, "The frame could not be read: {detail}."),
            Self::NotText => write!(f, "Frames must be JSON text."),
            Self::FrameTooLarge { max } => write!(f, "Frames may hold at most {max} bytes."),
            Self::OutOfRange { field } => write!(
                f,
                "There is no such {field}: ids and positions go up to 2^63 - 1."
            ),
            Self::ProtocolVersion {
                supported,
                requested,
            } => write!(
                f,
                "This server speaks protocol {supported}, not {requested}."
            ),
            Self::SignInFirst => write!(f, "Sign in first."),
            Self::AlreadySignedIn => write!(f, "This connection is already signed in."),
            Self::GuestCannotSignIn => write!(
                f,
                "This connection is a guest in a meeting; leave it before signing in."
            ),
            Self::WrongPassword => write!(f, "Wrong user name or password."),
            Self::TokenUnknown => write!(f, "The session token is unknown or revoked."),
            Self::SessionRevoked => write!(f, "Your session was revoked; sign in again."),
            Self::AccountDisabled => write!(f, "This account is disabled."),
            Self::TooManyLogins => {
                write!(f, "Too many failed sign-ins; wait a minute and retry.")
            }
            Self::TooManyGuestJoins => write!(
                f,
                "Too many guests joined from your address; wait a minute and retry."
            ),
            Self::ServerFull => write!(f, "The server has no room for another connection."),
            Self::FellBehind => write!(f, "You fell behind; connect again to catch up."),
            Self::ShuttingDown => write!(f, "The server is shutting down."),
            Self::Idle { seconds } => {
                write!(f, "Nothing was heard from you for {seconds} seconds.")
            }
            Self::ServerFault => write!(f, "The server failed to handle the request."),
            Self::TooManyWatched { max } => write!(f, "Watch at most {max} users at once."),
            Self::ClientIdLength { max } => {
                write!(f, "A client id must have 1 to {max} bytes.")
            }
            Self::TextTooLong { max, size } => write!(
                f,
                "A message may hold at most {max} bytes; this one has {size}."
            ),
            Self::EmptyMessage => write!(f, "A message cannot be empty."),
            Self::ClientIdReused { client_id } => write!(
                f,
                "Client id {client_id:?} was already used in another conversation."
            ),
            Self::FieldTooLong { field, max } => {
                write!(f, "{} may hold at most {max} bytes.", capitalised(field))
            }
            Self::NameLength { field, max } => {
                write!(f, "{} has 1 to {max} characters.", capitalised(field))
            }
            Self::NameCharacter { field, code_point } => write!(
                f,
                "{} may not hold control, invisible or direction-changing characters \
                 (U+{code_point:04X}).",
                capitalised(field)
            ),
            Self::NoSuchUser { name } => write!(f, "There is no user named {name:?}."),
            Self::UserExists { name } => write!(f, "A user named {name:?} already exists."),
            Self::NoSuchAlias { name } => write!(f, "There is no alias named {name:?}."),
            Self::AliasExists { name } => write!(f, "An alias named {name:?} already exists."),
            Self::InvalidUserName { name } => write!(
                f,
                "User name {name:?} is invalid: use 1 to 64 letters, digits, '.', '_' or '-', \
                 starting with a letter or digit."
            ),
            Self::DirectWithSelf => write!(f, "You cannot open a conversation with yourself."),
            Self::FavouriteSelf => write!(f, "You cannot add yourself to your favourites."),
            Self::NoPendingRequest { name } => {
                write!(f, "There is no pending request from {name:?}.")
            }
            Self::NoSuchConversation { conversation } => {
                write!(f, "There is no conversation {conversation}.")
            }
            Self::NotAMember { conversation } => {
                write!(f, "You are not a member of conversation {conversation}.")
            }
            Self::NotAGroup { conversation } => {
                write!(f, "Conversation {conversation} is not a group.")
            }
            Self::NotARoom { conversation } => {
                write!(f, "Conversation {conversation} is not a room.")
            }
            Self::NoMeetingLink { conversation } => {
                write!(f, "Conversation {conversation} has no meeting link.")
            }
            Self::NoMeeting { conversation } => {
                write!(f, "Conversation {conversation} has no meeting.")
            }
            Self::ModeratorsOnly { conversation } => {
                write!(f, "Only a moderator of room {conversation} may do that.")
            }
            Self::OwnerOnly { conversation } => {
                write!(f, "Only the owner of room {conversation} may do that.")
            }
            Self::OwnerCannotLeave => {
                write!(f, "The owner cannot leave a room; delete it instead.")
            }
            Self::PromoteBeforeLeaving => {
                write!(f, "Make another member a moderator before you leave.")
            }
            Self::OwnerCannotBeRemoved => write!(f, "The owner of a room cannot be removed."),
            Self::AlreadyMember { name } => write!(f, "{name} is a member already."),
            Self::NotInRoom { name } => write!(f, "{name} is not in the room."),
            Self::NoInvitation { conversation } => {
                write!(f, "You have no invitation to group {conversation}.")
            }
            Self::InvitedSelf => write!(f, "You are in the group already; invite others."),
            Self::NoInvitees => write!(f, "Invite at least one person to start a group."),
            Self::GroupFull { max } => write!(
                f,
                "A group holds at most {max} members, invitations included."
            ),
            Self::NotInMeeting { conversation } => write!(
                f,
                "You are not in the meeting of conversation {conversation}."
            ),
            Self::MeetingMinutes { max } => write!(f, "A meeting lasts 1 to {max} minutes."),
            Self::ScheduledTooFar { years } => {
                write!(f, "A meeting can be scheduled at most {years} years ahead.")
            }
            Self::MeetingInPast => {
                write!(f, "That meeting would be over already; pick a later time.")
            }
            Self::NoScheduledMeeting { meeting } => {
                write!(f, "There is no scheduled meeting {meeting}.")
            }
            Self::LinkUnknown => write!(
                f,
                "This link does not open any room (it may have been changed)."
            ),
            Self::DirectMeetingMembersOnly => {
                write!(f, "A 1:1 meeting is for its two members only.")
            }
            Self::MeetingNotStarted { room } => write!(
                f,
                "No meeting is going on in {room:?} yet; guests can join once a member has \
                 started it."
            ),
            Self::SentOut { room } => write!(
                f,
                "A moderator sent you out of the meeting in {room:?}; you can join its next one."
            ),
            Self::GuestLimit { room, max } => write!(
                f,
                "The meeting in {room:?} has as many guests as it can take ({max})."
            ),
            Self::NameTaken => write!(
                f,
                "That name belongs to a user of this server; a guest picks another."
            ),
            Self::AlreadyGuest => write!(
                f,
                "This connection is in a meeting as a guest already; leave it first."
            ),
            Self::GuestNeedsName => write!(
                f,
                "A guest without an account joins with a name; or sign in first."
            ),
            Self::GuestAlreadyAdmitted { guest } => {
                write!(f, "Guest {guest} is in the meeting already.")
            }
            Self::GuestNotInLobby { guest } => write!(
                f,
                "Guest {guest} is not waiting in the lobby (they may have left)."
            ),
            Self::ParticipantNotInMeeting { name } => {
                write!(f, "{name} is not in the meeting (they may have left).")
            }
            Self::GuestNotInMeeting { guest } => write!(
                f,
                "Guest {guest} is not in the meeting (they may have left)."
            ),
            Self::MeetingEnded => write!(f, "The meeting has ended."),
            Self::RoomDeleted => write!(f, "The room was deleted."),
            Self::RemovedByModerator => write!(f, "A moderator removed you from the meeting."),
            Self::RefusedByModerator => {
                write!(f, "A moderator did not let you into the meeting.")
            }
            Self::NoCalls { conversation } => write!(
                f,
                "Conversation {conversation} has no calls: calls are between the two members \
                 of a direct conversation."
            ),
            Self::Busy { name } => write!(f, "{name} is in another call."),
            Self::InCallAlready => write!(f, "You are in a call already; one call at a time."),
            Self::NoSuchCall { call } => {
                write!(f, "There is no call {call} (it may have ended).")
            }
            Self::CallNotAnswered { call } => write!(f, "Call {call} is not answered yet."),
            Self::CallAnsweredAlready { call } => {
                write!(f, "Call {call} was answered on another device.")
            }
            Self::SignalOutOfTurn => write!(
                f,
                "Only the caller sends the offer and only the answering device the answer."
            ),
            Self::BadSdp => write!(f, "The session description is not SDP."),
            Self::SyncFirst => write!(f, "Sync first: call events come as events."),
            Self::NoSuchMessage { conversation, seq } => write!(
                f,
                "There is no message {seq} in conversation {conversation}."
            ),
            Self::SenderOnly { seq, .. } => {
                write!(f, "Only its sender may edit or delete message {seq}.")
            }
            Self::MessageDeleted { seq, .. } => write!(f, "Message {seq} was deleted."),
            Self::NotATextMessage { seq, .. } => write!(
                f,
                "Message {seq} is not a text: it cannot be edited, answered or reacted to."
            ),
            Self::InvalidReaction => write!(f, "A reaction is one emoji."),
            Self::TooManyReactions { max } => {
                write!(f, "A message carries at most {max} different reactions.")
            }
            Self::FileTooLarge { max } => {
                write!(
                    f,
                    "Files of more than {} cannot be shared.",
                    bytes_text(*max)
                )
            }
            Self::QuotaExceeded { quota, used } => write!(
                f,
                "This file does not fit in your storage quota ({} used of {}).",
                bytes_text(*used),
                bytes_text(*quota)
            ),
            Self::UploadOffset { held } => write!(
                f,
                "The upload continues from byte {held}, not where this part starts."
            ),
            Self::ChecksumMismatch => write!(
                f,
                "The file arrived damaged (its checksum differs); send it again."
            ),
            Self::UploadBusy => write!(f, "Another part of this upload is being received."),
            Self::NoSuchFile => write!(f, "There is no such file, or you cannot see it."),
            Self::BadFileName => write!(
                f,
                "A file name must be 1 to 255 bytes, without a folder or control characters."
            ),
            Self::BadChecksum => write!(f, "A BLAKE3 hash is 64 hexadecimal digits."),
            Self::UploadTooLong { size } => {
                write!(f, "More bytes came than the {size} the upload declared.")
            }
            Self::UploadInterrupted => write!(
                f,
                "The upload was interrupted; what arrived is kept, so it can resume."
            ),
            Self::MissingHeader { header } => write!(f, "The request lacks its {header} header."),
            Self::ImageUnreadable => write!(
                f,
                "The image could not be read (damaged, or not the type it claims): no thumbnail."
            ),
            Self::ImageTooLarge { width: 0, .. } => {
                write!(f, "The image is too large for a thumbnail.")
            }
            Self::ImageTooLarge { width, height } => write!(
                f,
                "The image is too large for a thumbnail ({width} x {height} pixels)."
            ),
            Self::NoThumbnail => write!(f, "This file has no thumbnail."),
            Self::MailNotConfigured => write!(f, "This server is not set up to send email."),
            Self::NoMeetingMedia => write!(
                f,
                "This server does not carry meetings' sound: its media unit is off."
            ),
            Self::RecordingOff => write!(f, "This server does not record meetings."),
            Self::RecordingAlready { on: true } => {
                write!(f, "The meeting is being recorded already.")
            }
            Self::RecordingAlready { on: false } => write!(f, "The meeting is not being recorded."),
            Self::BadEmailAddress => write!(f, "That is not an email address."),
            Self::TooManyMails { per_hour } => write!(
                f,
                "At most {per_hour} histories can be sent by email per hour; try again later."
            ),
            Self::MailFailed => write!(
                f,
                "The mail server did not accept the email; nothing was sent."
            ),
            Self::Unknown => write!(f, "The server gave a reason this version does not know."),
        }
    }
}

/// "a room name" → "A room name", to start a sentence.
fn capitalised(field: &Field) -> String {
    let text = field.english();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Errors raised while reading frames.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// The text is not a valid frame.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A field holds an integer above [`crate::MAX_WIRE_INT`]: no such id exists.
    #[error("there is no such {0}: ids and positions go up to 2^63 - 1")]
    OutOfRange(String),
}

impl ProtoError {
    /// The wire code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Malformed(_) => ErrorCode::BadFrame,
            Self::OutOfRange(_) => ErrorCode::NotFound,
        }
    }

    /// The reason sent back.
    pub fn reason(&self) -> Reason {
        match self {
            Self::Malformed(detail) => Reason::MalformedFrame {
                detail: detail.clone(),
            },
            Self::OutOfRange(field) => Reason::OutOfRange {
                field: field.clone(),
            },
        }
    }
}

/// A byte count for people: "100 MB", "1.5 GB", "512 bytes" (powers of 1000, as file
/// managers show sizes).
pub fn bytes_text(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let shown = if value < 10.0 && value.fract() >= 0.05 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{shown} {}", UNITS[unit])
}
