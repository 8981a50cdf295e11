//! The Confer wire protocol, version [`PROTOCOL_VERSION`].
//!
//! Clients speak JSON text frames over one WebSocket at `/v1/ws`. Every client frame is a
//! [`ClientFrame`]: a request id chosen by the client and one [`Request`]. The server answers each
//! request with exactly one [`ServerFrame::Response`] or [`ServerFrame::Error`] carrying the same
//! id, and pushes [`ServerFrame::Event`]s once the client has called [`Request::Sync`].
//!
//! Persisted changes ([`Change`]) carry a server-wide, strictly increasing stream position; a
//! client's sync cursor is the last position it applied. Presence is ephemeral and carries none.
//!
//! TypeScript declarations for the UI are generated from these types (see [`typescript`]).
#![warn(missing_docs)]

mod error;
pub mod examples;
mod typescript;

pub use error::{ErrorBody, ErrorCode, Field, ProtoError, Reason, bytes_text};

/// The (year, month 1-12, day 1-31) of a count of days since 1 January 1970 (proleptic
/// Gregorian calendar; Howard Hinnant's algorithm), for dates worded without a calendar crate.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
use serde::{Deserialize, Serialize};
use ts_rs::TS;
pub use typescript::typescript_bindings;

/// The protocol version this crate speaks. Version 2 carries typed reasons instead of English
/// sentences in error frames.
pub const PROTOCOL_VERSION: u32 = 3;
/// The oldest version a server still accepts in `login` and `auth`. During a rolling upgrade
/// of a cluster, nodes speaking version N+1 keep accepting clients of every version from this
/// one, so a client can move between old and new nodes; raising it ends that support.
pub const MIN_PROTOCOL_VERSION: u32 = 2;
/// Largest message text, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Most different reactions one message carries.
pub const MAX_REACTIONS: usize = 20;
/// Largest reaction (one emoji, modifiers and joiners included), in bytes of UTF-8.
pub const MAX_EMOJI_BYTES: usize = 32;
/// Largest message search query, in bytes of UTF-8.
pub const MAX_SEARCH_BYTES: usize = 256;
/// A typing indicator not refreshed within this many milliseconds is dropped; a client
/// repeats `set_typing` every few seconds (3 s) while its user types.
pub const TYPING_TIMEOUT_MS: u64 = 6_000;
/// Largest custom status message, in bytes of UTF-8.
pub const MAX_STATUS_MESSAGE_BYTES: usize = 256;
/// Size of a first history page when the last 30 days hold fewer messages.
pub const HISTORY_FIRST_PAGE_MIN: u32 = 75;
/// Age covered by a first history page, in milliseconds (30 days).
pub const HISTORY_FIRST_PAGE_WINDOW_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Largest page the server returns, whatever the client asks.
pub const HISTORY_MAX_PAGE: u32 = 1000;
/// Most users one `watch_presence` may name.
pub const MAX_WATCHED_USERS: usize = 1000;
/// How long a call rings before it ends as missed, in milliseconds.
pub const RING_TIMEOUT_MS: u64 = 45_000;
/// Largest session description a call signal carries, in bytes.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// Largest ICE candidate line a call signal carries, in bytes.
pub const MAX_CANDIDATE_BYTES: usize = 1024;
/// The largest id, stream position or sequence number a request can name: 2^63 - 1, what every
/// store can hold. A larger one names nothing that exists, so it is answered `not_found`.
pub const MAX_WIRE_INT: u64 = i64::MAX as u64;

/// A frame sent by a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ClientFrame {
    /// Chosen by the client; echoed in the reply.
    #[ts(type = "number")]
    pub id: u64,
    /// What the client asks for.
    pub req: Request,
}

/// Everything a client can ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Check a password and open a session; the connection is then authenticated.
    Login {
        /// From [`MIN_PROTOCOL_VERSION`] to [`PROTOCOL_VERSION`].
        protocol: u32,
        /// Account name.
        username: String,
        /// Plain password (use TLS outside loopback).
        password: String,
        /// A label for the device, shown in session lists.
        #[serde(default)]
        device: Option<String>,
    },
    /// Authenticate the connection with a token from an earlier `login`.
    Auth {
        /// From [`MIN_PROTOCOL_VERSION`] to [`PROTOCOL_VERSION`].
        protocol: u32,
        /// The session token.
        token: String,
    },
    /// Revoke this connection's session token.
    Logout,
    /// Liveness check; answered with `pong`.
    Ping,
    /// Send every change after `since` (all history when absent), a presence snapshot of the
    /// watched users, then live events.
    Sync {
        /// The last stream position the client applied.
        #[serde(default)]
        #[ts(type = "number | null")]
        since: Option<u64>,
    },
    /// Search the directory by name and display name, a page at a time: sorted by display
    /// name (case-insensitively), then account name.
    SearchUsers {
        /// Case-insensitive substring; empty lists everyone.
        query: String,
        /// At most this many results (default 20, at most 100).
        #[serde(default)]
        limit: Option<u32>,
        /// Continue after this user (an account name): the `next` of the previous page.
        #[serde(default)]
        after: Option<String>,
        /// Only users shown online to the caller (offline and invisible ones left out).
        #[serde(default)]
        online: bool,
    },
    /// Open (or find) the direct conversation with a user.
    OpenDirect {
        /// The other user's name.
        user: String,
    },
    /// List the caller's conversations with unread counts and last messages.
    ListConversations,
    /// Post a message. Resending the same `client_id` returns the first ack.
    SendMessage {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Client-generated unique id (1 to 64 characters).
        client_id: String,
        /// Message text, at most [`MAX_TEXT_BYTES`].
        text: String,
        /// The message this one answers (its sequence number in the same conversation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(type = "number | null", optional)]
        reply_to: Option<u64>,
    },
    /// Replaces the text of one's own message (`ok`); the same text changes nothing.
    EditMessage {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
        /// The new text, at most [`MAX_TEXT_BYTES`].
        text: String,
    },
    /// Deletes one's own message: everyone sees "Message deleted" in its place (`ok`; deleting
    /// it again is `ok` too).
    DeleteMessage {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
    },
    /// Adds (`on`) or takes back one's reaction to a message (`ok`; idempotent).
    SetReaction {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// The message's sequence number.
        #[ts(type = "number")]
        seq: u64,
        /// One emoji, at most [`MAX_EMOJI_BYTES`].
        emoji: String,
        /// Add, or take back.
        on: bool,
    },
    /// The caller is typing in a conversation (`true`, repeated every few seconds while they
    /// type) or stopped (`false`). Never stored; the other members get a `typing` event.
    SetTyping {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Typing or stopped.
        typing: bool,
    },
    /// Full-text search of the messages the caller may see, newest first (`messages`).
    SearchMessages {
        /// Words; each matches words starting with it (at most 256 bytes).
        query: String,
        /// Only this conversation.
        #[serde(default)]
        #[ts(type = "number | null")]
        conversation: Option<u64>,
        /// Page size (default 20, at most 100).
        #[serde(default)]
        limit: Option<u32>,
        /// The previous page's `next`.
        #[serde(default)]
        after: Option<SearchCursor>,
    },
    /// A page of history, newest last.
    History {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Only messages with a sequence number below this; absent for the first page.
        #[serde(default)]
        #[ts(type = "number | null")]
        before: Option<u64>,
        /// Page size for older pages (default 75).
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Receipt: this device has received messages up to `seq`.
    MarkDelivered {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Highest sequence number received.
        #[ts(type = "number")]
        seq: u64,
    },
    /// The user has read messages up to `seq`.
    MarkRead {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Highest sequence number read.
        #[ts(type = "number")]
        seq: u64,
    },
    /// Marks the conversation unread again from message `seq` on, for the caller's own devices
    /// (their read cursor moves back; the senders' read ticks stay).
    MarkUnread {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// The first message to show as unread.
        #[ts(type = "number")]
        seq: u64,
    },
    /// Hides the conversation from the caller's list until its next message (`hidden`), or
    /// shows it again.
    HideConversation {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Hide, or show again.
        hidden: bool,
    },
    /// Choose a status and custom message.
    SetPresence {
        /// The chosen status.
        status: PresenceChoice,
        /// Custom message; absent or empty clears it.
        #[serde(default)]
        message: Option<String>,
    },
    /// Watch these users' presence on this connection, replacing the previous list; answered
    /// with `ok`. The caller and the users of their accepted favourites are always watched.
    /// Changes come as `presence` (or `presence_batch`) events once synced; after `sync`, the
    /// presence of each newly listed user seen online since the server started comes the same
    /// way (before it, `sync`'s snapshot covers them).
    WatchPresence {
        /// Account names, at most [`MAX_WATCHED_USERS`]; names that match nobody are ignored.
        users: Vec<String>,
    },
    /// The device reports that its user is idle (or back).
    SetIdle {
        /// True while idle.
        idle: bool,
    },
    /// Turn privacy mode on or off.
    SetPrivacy {
        /// True: send no receipts, see only `sent` ticks.
        enabled: bool,
    },
    /// Mute or unmute a conversation for the caller.
    SetMuted {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// New mute flag.
        muted: bool,
    },
    /// Hide everything posted so far in a conversation, for the caller only.
    ClearHistory {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Add a user to the caller's favourites (a subscription request under the `subscribers`
    /// presence policy).
    AddFavourite {
        /// The user's name.
        user: String,
    },
    /// Remove a user from the caller's favourites.
    RemoveFavourite {
        /// The user's name.
        user: String,
    },
    /// Accept or decline a subscription request.
    AnswerSubscription {
        /// The requesting user's name.
        user: String,
        /// True to accept.
        accept: bool,
    },
    /// The caller's favourites and pending requests addressed to them.
    ListFavourites,
    /// Create a group and invite people to it (the creator is its first member).
    CreateGroup {
        /// Who to invite, by name.
        invite: Vec<String>,
        /// An optional name.
        name: Option<String>,
    },
    /// Invite someone to a group (any member may).
    InviteToGroup {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
        /// Who.
        user: String,
    },
    /// Accept an invitation; only messages posted from now on are visible.
    JoinGroup {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Refuse an invitation.
    DeclineGroup {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Leave a group; the last member leaving deletes it with its messages.
    LeaveGroup {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Create a Virtual Room; the caller is its owner.
    CreateRoom {
        /// Its name.
        name: String,
    },
    /// Add a member to a room (moderators).
    AddRoomMember {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// Who.
        user: String,
    },
    /// Remove a member from a room (moderators; never the owner).
    RemoveRoomMember {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// Who.
        user: String,
    },
    /// Make a member a moderator (moderators).
    PromoteModerator {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// Who.
        user: String,
    },
    /// A room's join link (moderators), or a 1:1 conversation's own meeting link (either
    /// member).
    RoomLink {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Replace the room's join link; the old one stops working at once (moderators).
    RotateRoomLink {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Which room a join link opens.
    ResolveLink {
        /// The link's token.
        link: String,
    },
    /// Turn mute-for-all on or off (moderators).
    SetMuteAll {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// On or off.
        muted: bool,
    },
    /// Start or stop recording the room's meeting (moderators; the server must record, see
    /// `recording_off`). Everyone in the meeting sees the mark; when it stops, the recording is
    /// shared in the room as a file from whoever started it.
    SetRecording {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// Start or stop.
        on: bool,
    },
    /// Mute one participant of the room's meeting, or lift it (moderators): their sound is
    /// not carried, and they cannot lift it themselves. It holds until lifted or the meeting
    /// ends (leaving and coming back does not lift it).
    SetParticipantMuted {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// The participant, by name.
        user: String,
        /// On or off.
        muted: bool,
    },
    /// Leave a room (the owner cannot; a moderator only when another remains or nobody else is
    /// in it).
    LeaveRoom {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Delete a room with everything in it (the owner only).
    DeleteRoom {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Start the room's meeting, or join it when it is already ongoing (members).
    StartMeeting {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Leave the room's meeting; it ends when the last participant leaves.
    LeaveMeeting {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Connect the caller's media to the meeting it is in (a member who started or joined it,
    /// or a guest past the lobby): `offer` is a WebRTC offer with every candidate in it, one
    /// audio m-line for the microphone and one receive-only audio m-line for each other
    /// participant to hear at once (up to 32). The answer is the server's media unit's, which
    /// relays what the caller's grant allows (a muted room's audio is not relayed, but for its
    /// moderators'). Connecting again replaces nothing: close the old connection first.
    JoinMeetingMedia {
        /// The room (or direct conversation).
        #[ts(type = "number")]
        conversation: u64,
        /// The WebRTC offer (SDP).
        offer: String,
    },
    /// Put a meeting on the room's calendar (moderators).
    ScheduleMeeting {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// What it is about.
        title: String,
        /// Start, ms since the epoch.
        #[ts(type = "number")]
        starts_at: i64,
        /// Length in minutes (1 to 1440).
        minutes: u32,
    },
    /// Remove a scheduled meeting (the room's owner).
    DeleteScheduledMeeting {
        /// Its id.
        #[ts(type = "number")]
        meeting: u64,
    },
    /// The ongoing and scheduled meetings of the caller's rooms (and of meetings the caller is
    /// in as a guest).
    ListMeetings,
    /// The files shared in a conversation that the caller sees, newest first.
    ListFiles {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// Send the conversation's history, as the caller sees it, as text to an email address
    /// (the server's mail server must be configured). Every member then sees a `mailed` line.
    MailHistory {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Where to.
        to: String,
        /// The language of the mail: `en` or `fr` (English otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        language: Option<String>,
        /// The sender's offset from UTC in minutes (east positive), for the times in the mail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        utc_offset_minutes: Option<i32>,
    },
    /// Join a room's meeting by its link. Signed in: a member joins (or starts) it, anyone else
    /// joins the ongoing meeting as an internal guest. Not signed in: an external guest joins
    /// under `name`, waiting in the lobby when the room has one on; the connection is then a
    /// guest session that ends when it closes, the guest leaves or the meeting ends.
    JoinByLink {
        /// The link's token.
        link: String,
        /// An external guest's display name (1 to 64 characters); ignored when signed in.
        #[serde(default)]
        name: Option<String>,
    },
    /// Let a guest waiting in the lobby into the meeting (moderators).
    AdmitGuest {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// The guest's id in the meeting.
        #[ts(type = "number")]
        guest: u64,
    },
    /// Refuse a waiting guest, or send a present one out of the meeting (moderators).
    RemoveGuest {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// The guest's id in the meeting.
        #[ts(type = "number")]
        guest: u64,
    },
    /// Turn the room's lobby for external guests on or off; off admits everyone waiting
    /// (moderators).
    SetLobby {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// On or off.
        enabled: bool,
    },
    /// Ring the other member of a direct conversation on every device of theirs that is
    /// synced. The caller's device must be synced too (call events come as events).
    PlaceCall {
        /// The direct conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// A video call (else audio only).
        video: bool,
    },
    /// Answer a ringing call on this device; the caller then sends its offer.
    AnswerCall {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// Refuse a ringing call (it stops ringing on every device).
    DeclineCall {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// End a call: the caller before it is answered, or either party during it.
    HangUp {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// Pass a session description or an ICE candidate to the other party of an answered call.
    CallSignal {
        /// The call.
        #[ts(type = "number")]
        call: u64,
        /// What to pass on.
        signal: CallSignal,
    },
}

/// What the two devices of a call tell each other through the server, which checks only sizes
/// and the shape of a session description and relays the rest as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CallSignal {
    /// The caller's session description (SDP), sent once the call is answered.
    Offer {
        /// The SDP text.
        sdp: String,
    },
    /// The answering device's session description.
    Answer {
        /// The SDP text.
        sdp: String,
    },
    /// One more ICE candidate (trickle), or the end of them (`candidate` empty).
    Candidate {
        /// The `candidate:` line.
        candidate: String,
        /// The media section it belongs to.
        #[serde(default)]
        sdp_mid: Option<String>,
        /// Its index.
        #[serde(default)]
        sdp_mline_index: Option<u16>,
    },
}

/// A call as both parties see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CallInfo {
    /// Its id.
    #[ts(type = "number")]
    pub id: u64,
    /// The direct conversation it belongs to.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Who called.
    pub caller: String,
    /// Who is called.
    pub callee: String,
    /// Video (else audio only).
    pub video: bool,
    /// The ICE servers to use: the server's TURN relay with credentials for this call, when
    /// the relay is on. Empty: host candidates only.
    pub ice_servers: Vec<IceServer>,
}

/// A STUN or TURN server for a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IceServer {
    /// Its URLs (`turn:host:port?transport=udp`).
    pub urls: Vec<String>,
    /// The user name (for TURN: valid until the time it starts with, in seconds).
    pub username: String,
    /// The password.
    pub credential: String,
}

/// Why a call ended, as the parties are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallEnd {
    /// The callee declined.
    Declined,
    /// Nobody answered in time.
    NoAnswer,
    /// The caller gave up before an answer.
    Cancelled,
    /// The callee has no device online.
    Unavailable,
    /// A party hung up.
    HungUp,
    /// A party's connection went away.
    Disconnected,
    /// Answered on another device of the callee (sent to the devices that stop ringing).
    AnsweredElsewhere,
    /// Declined on another device of the callee (sent to the devices that stop ringing).
    DeclinedElsewhere,
}

/// A frame sent by the server.
// Frames live only between decoding and handling (or building and encoding): boxing the large
// replies would cost an allocation each for no memory saved anywhere that matters.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "frame", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The successful reply to request `id`.
    Response {
        /// The request id.
        #[ts(type = "number")]
        id: u64,
        /// The reply.
        result: Response,
    },
    /// A refused request, or (with no id) a frame that could not be read.
    Error {
        /// The request id, when the frame could be parsed that far.
        #[ts(type = "number | null")]
        id: Option<u64>,
        /// What went wrong.
        error: ErrorBody,
    },
    /// A pushed event.
    Event {
        /// The event.
        event: Event,
    },
}

/// Successful replies.
// Short-lived like the frames that carry them (see `ServerFrame`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// Done; nothing to return.
    Ok,
    /// Reply to `place_call` and `answer_call`.
    Call {
        /// The call.
        call: CallInfo,
    },
    /// Reply to `ping`.
    Pong,
    /// Reply to `login`.
    LoggedIn {
        /// Keep it to `auth` later; it is shown only once.
        token: String,
        /// The signed-in user.
        user: UserInfo,
        /// Their settings.
        settings: UserSettings,
        /// The server's version (for the app's About box).
        #[serde(default)]
        server_version: Option<String>,
    },
    /// Reply to `auth`.
    Authenticated {
        /// The signed-in user.
        user: UserInfo,
        /// Their settings.
        settings: UserSettings,
        /// The server's version (for the app's About box).
        #[serde(default)]
        server_version: Option<String>,
    },
    /// Reply to `sync`, sent after the backlog.
    Synced {
        /// The newest position sent; store it as the sync cursor.
        #[ts(type = "number")]
        position: u64,
        /// Presence of the watched users (see `watch_presence`) whom the caller may see and who
        /// are not offline; the other watched users are offline.
        presence: Vec<Presence>,
    },
    /// Directory search results.
    Users {
        /// Matching users with their presence.
        users: Vec<DirectoryEntry>,
        /// Where the next page starts; absent on the last page. A page may hold fewer than
        /// `limit` entries (even none) and still have a next one when `online` skipped many.
        #[serde(default)]
        next: Option<String>,
        /// On the first page, the aliases matching the query: shown above the users, with no
        /// presence of their own.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<AliasInfo>,
    },
    /// One conversation.
    Conversation {
        /// It.
        conversation: ConversationSummary,
    },
    /// Reply to `list_files`.
    Files {
        /// Newest first.
        files: Vec<SharedFile>,
    },
    /// The media unit's answer to a `join_meeting_media` offer (SDP, every candidate in it).
    MeetingMedia {
        /// The WebRTC answer.
        answer: String,
    },
    /// Meetings of the caller's rooms.
    Meetings {
        /// Going on now.
        ongoing: Vec<OngoingMeeting>,
        /// On the calendar, soonest first (meetings that ended are left out).
        scheduled: Vec<ScheduledMeeting>,
    },
    /// Reply to `join_by_link`, and pushed to an external guest whenever its session changes.
    Joined {
        /// Where the caller now is.
        session: MeetingSession,
    },
    /// A scheduled meeting.
    Scheduled {
        /// It.
        meeting: ScheduledMeeting,
    },
    /// A room's join link.
    RoomLink {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// The name of the room.
        name: String,
        /// The link's token.
        link: String,
    },
    /// The caller's conversations, newest activity first.
    Conversations {
        /// Them.
        conversations: Vec<ConversationSummary>,
    },
    /// A message was stored.
    Sent {
        /// The server's acknowledgement.
        ack: SendAck,
    },
    /// A page of history.
    History {
        /// The page.
        page: HistoryPage,
    },
    /// Reply to `search_messages`: the hits, newest first.
    Messages {
        /// The messages found.
        messages: Vec<Message>,
        /// Where the next page starts; absent on the last page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        next: Option<SearchCursor>,
    },
    /// Favourites and requests.
    Favourites {
        /// Users the caller added.
        outgoing: Vec<Favourite>,
        /// Pending requests from others to the caller.
        incoming: Vec<Favourite>,
    },
}

/// Pushed events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A persisted change at a stream position.
    Change {
        /// Server-wide, strictly increasing.
        #[ts(type = "number")]
        position: u64,
        /// What changed.
        change: Change,
    },
    /// A watched user's presence changed.
    Presence {
        /// The new presence.
        presence: Presence,
    },
    /// Several watched users' presence changed: sent instead of one `presence` event each
    /// when changes pile up faster than the connection sends them. One entry per user, the
    /// newest.
    PresenceBatch {
        /// The new presence of each.
        presence: Vec<Presence>,
    },
    /// An external guest's session changed: admitted from the lobby, or the meeting's
    /// participants changed.
    GuestSession {
        /// The session now.
        session: MeetingSession,
    },
    /// A call rings on this device.
    CallRinging {
        /// The call.
        call: CallInfo,
    },
    /// The callee answered the call this device placed: send the offer now.
    CallAnswered {
        /// The call.
        #[ts(type = "number")]
        call: u64,
    },
    /// The other party of an answered call passed this on.
    CallSignal {
        /// The call.
        #[ts(type = "number")]
        call: u64,
        /// What it passed.
        signal: CallSignal,
    },
    /// A call this device placed, rang or took part in is over.
    CallEnded {
        /// The call.
        #[ts(type = "number")]
        call: u64,
        /// Why.
        reason: CallEnd,
    },
    /// Another member started or stopped typing in a conversation (never stored; drop it
    /// after [`TYPING_TIMEOUT_MS`] without a repeat).
    Typing {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// Who (as the receiver may see them: an alias for its members' answers).
        user: String,
        /// Typing, or stopped.
        typing: bool,
    },
    /// The server is about to close this connection.
    Closing {
        /// The category.
        code: ErrorCode,
        /// Why, precisely.
        reason: Reason,
    },
}

/// A persisted change a user may need to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A conversation the user belongs to was created or changed membership.
    Conversation {
        /// The conversation.
        conversation: ConversationInfo,
    },
    /// The user was invited to a group (they see it once they join).
    Invited {
        /// The group as it is now.
        conversation: ConversationInfo,
        /// Who invited them.
        inviter: String,
    },
    /// An invitation ended: accepted, declined, or the group is gone.
    InvitationClosed {
        /// The group.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// The user is no longer in a conversation (they left, or it was deleted).
    Removed {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// A room's meeting started, changed participants or ended (`None`).
    Meeting {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// The meeting now.
        ongoing: Option<OngoingMeeting>,
        /// To a guest whose access just ended: why (`meeting_ended`, `removed_by_moderator`,
        /// `room_deleted`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        ended: Option<Reason>,
    },
    /// A room's calendar changed.
    Calendar {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
    },
    /// A new message.
    Message {
        /// The message.
        message: Message,
    },
    /// A message was edited, deleted or reacted to: the whole message as it is now. Replace
    /// the copy whose `version` is lower; a message not held can be ignored.
    MessageUpdated {
        /// The message now.
        message: Message,
    },
    /// Aggregated receipts for the user's own messages in a conversation.
    Ticks {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Every message of the user with a sequence number up to this is delivered.
        #[ts(type = "number")]
        delivered_through: u64,
        /// Every message of the user with a sequence number up to this is read.
        #[ts(type = "number")]
        read_through: u64,
    },
    /// The user's own read cursor moved (on any of their devices).
    ReadCursor {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Read up to this sequence number.
        #[ts(type = "number")]
        read_through: u64,
        /// Unread messages left.
        unread: u32,
    },
    /// The user's per-conversation settings changed.
    ConversationSettings {
        /// Conversation id.
        #[ts(type = "number")]
        conversation: u64,
        /// Mute flag.
        muted: bool,
        /// Messages up to this sequence number are hidden for the user.
        #[ts(type = "number")]
        cleared_through: u64,
        /// The conversation is out of the user's list while its newest message is at or below
        /// this sequence number (0: shown).
        #[serde(default, skip_serializing_if = "is_zero")]
        #[ts(as = "Option<u32>", optional)]
        hidden_through: u64,
    },
    /// The user's settings changed.
    Settings {
        /// The new settings.
        settings: UserSettings,
    },
    /// A favourite or subscription request involving the user changed.
    Favourite {
        /// The new state.
        favourite: Favourite,
    },
}

/// Public facts about a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    /// Unique account name.
    pub name: String,
    /// Name to show.
    pub display_name: String,
    /// E-mail address, if known.
    pub email: Option<String>,
}

/// A user's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct UserSettings {
    /// Privacy mode: no receipts sent, only `sent` ticks seen.
    pub privacy: bool,
    /// The status the user chose.
    pub status: PresenceChoice,
    /// The custom status message.
    pub status_message: Option<String>,
}

/// The status a user chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PresenceChoice {
    /// Online whenever a device is connected.
    #[default]
    Available,
    /// Away.
    Away,
    /// Do not disturb.
    Dnd,
    /// Appear offline (invisible).
    Offline,
}

/// The status others see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// Connected and available.
    Online,
    /// Chose Away, or idle.
    Away,
    /// Do not disturb.
    Dnd,
    /// No device connected, or invisible.
    Offline,
}

/// A user's presence as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Presence {
    /// The user's name.
    pub user: String,
    /// Effective status.
    pub status: PresenceStatus,
    /// Custom message (hidden while offline).
    pub message: Option<String>,
    /// True when the status is away because the user is idle.
    pub idle: bool,
    /// Last time a device disconnected, in ms since the epoch.
    #[ts(type = "number | null")]
    pub last_seen: Option<i64>,
}

/// A directory search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DirectoryEntry {
    /// The user.
    pub user: UserInfo,
    /// Their presence, when the caller may see it.
    pub presence: Option<Presence>,
}

/// What kind of conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// A 1:1 conversation.
    Direct,
    /// A group: members join by invitation; it ends when the last member leaves.
    Group,
    /// A Virtual Room: persistent, with an owner, moderators, members and a join link.
    Room,
    /// A conversation between one person and an alias ("support"): every member of the alias
    /// is in it and any of them answers.
    Alias,
}

/// A shared address that several people answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AliasInfo {
    /// Its name, used like a user name (`send support …`).
    pub name: String,
    /// What people see ("IT Support").
    pub display_name: String,
    /// In an alias conversation: who wrote to the alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub writer: Option<String>,
}

/// A conversation's identity and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConversationInfo {
    /// Conversation id.
    #[ts(type = "number")]
    pub id: u64,
    /// Its kind.
    pub kind: ConversationKind,
    /// Members, by name.
    pub members: Vec<String>,
    /// Creation time, ms since the epoch.
    #[ts(type = "number")]
    pub created_at: i64,
    /// A group's name, if it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// A room's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub owner: Option<String>,
    /// A room's moderators (the owner included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub moderators: Vec<String>,
    /// A room's mute-for-all, set by a moderator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub mute_all: bool,
    /// A room's lobby: moderators admit or refuse each external guest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub lobby: bool,
    /// The alias of an alias conversation. Its writer sees the alias among the members
    /// instead of the people who answer (unless the alias shows them); they see the writer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub alias: Option<AliasInfo>,
}

/// A conversation as one user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConversationSummary {
    /// Identity and members.
    pub info: ConversationInfo,
    /// The newest visible message.
    pub last_message: Option<Message>,
    /// Unread messages from others.
    pub unread: u32,
    /// The user's read cursor.
    #[ts(type = "number")]
    pub read_through: u64,
    /// Mute flag.
    pub muted: bool,
    /// Messages up to this sequence number are hidden for the user.
    #[ts(type = "number")]
    pub cleared_through: u64,
    /// Out of the user's list while the newest message is at or below this (0: shown).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[ts(as = "Option<u32>", optional)]
    pub hidden_through: u64,
}

/// Tick state of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TickState {
    /// Only in the client's outbox (0 ticks); never sent by the server.
    Pending,
    /// Stored by the server (1 grey tick).
    Sent,
    /// Received by every recipient (2 grey ticks).
    Delivered,
    /// Read by every recipient (2 blue ticks).
    Read,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Message {
    /// Conversation id.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Per-conversation sequence number, from 1.
    #[ts(type = "number")]
    pub seq: u64,
    /// The sender's client-generated id.
    pub client_id: String,
    /// The sender's name.
    pub sender: String,
    /// The text.
    pub text: String,
    /// Server time of storage, ms since the epoch.
    #[ts(type = "number")]
    pub sent_at: i64,
    /// Ticks as the requesting user may see them.
    pub state: TickState,
    /// A text, or a member joining or leaving (the sender is that member; the text is empty).
    #[serde(default, skip_serializing_if = "MessageKind::is_text")]
    #[ts(as = "Option<MessageKind>", optional)]
    pub kind: MessageKind,
    /// When the text was last edited, ms since the epoch (shown as "edited").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub edited_at: Option<i64>,
    /// Deleted by its sender: the text is empty, reactions and mentions are gone.
    #[serde(default, skip_serializing_if = "is_false")]
    #[ts(as = "Option<bool>", optional)]
    pub deleted: bool,
    /// The message this one answers (same conversation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub reply_to: Option<u64>,
    /// Reactions, in the order they were first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Reaction>>", optional)]
    pub reactions: Vec<Reaction>,
    /// Members named with `@name` (groups and rooms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub mentions: Vec<String>,
    /// 0 as sent, raised by every edit, deletion or reaction change: the higher one is newer.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[ts(as = "Option<u32>", optional)]
    pub version: u64,
    /// The card of the text's first link, once the server fetched it (a `message_updated`
    /// brings it a moment after the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub preview: Option<Box<LinkPreview>>,
}

/// A link's card, fetched by the server (clients never contact the linked host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LinkPreview {
    /// The page's address, after redirects.
    pub url: String,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub title: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
    /// Its image, redrawn by the server as a small JPEG or PNG, as a `data:` URL (so the card
    /// travels and is cached with its message, and no third-party byte reaches a client as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub image: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One emoji on a message and who put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// Who reacted with it, first first (the count is their number).
    pub users: Vec<String>,
}

/// Where a page of message search results continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SearchCursor {
    /// The last hit's `sent_at`.
    #[ts(type = "number")]
    pub sent_at: i64,
    /// The last hit's conversation.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The last hit's sequence number.
    #[ts(type = "number")]
    pub seq: u64,
}

/// What a message is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Text from its sender.
    #[default]
    Text,
    /// The sender joined the group.
    Joined,
    /// The sender left the group.
    Left,
    /// A call the sender placed, and how it went.
    Call(CallRecord),
    /// A file the sender shared (the text is empty).
    File(Box<FileRef>),
    /// The sender sent the history by email to this address (the text is empty).
    Mailed {
        /// The address.
        to: String,
    },
}

/// A shared file as its message and the "Shared files" list show it. The bytes are on the
/// server's HTTP side: `GET /v1/files/{id}` (and `/thumbnail`), members only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FileRef {
    /// The file's id.
    pub id: String,
    /// Its name as the sender's device had it.
    pub name: String,
    /// Its length in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Its media type as the server saw it (from its bytes for images).
    pub mime: String,
    /// Whether the server drew a thumbnail (images it could decode).
    #[serde(default, skip_serializing_if = "is_false")]
    #[ts(as = "Option<bool>", optional)]
    pub thumbnail: bool,
    /// An image's width and height in pixels, upright.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub dimensions: Option<(u32, u32)>,
}

/// A file in a conversation's "Shared files" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SharedFile {
    /// The file.
    pub file: FileRef,
    /// Who shared it.
    pub sender: String,
    /// Its message's sequence number.
    #[ts(type = "number")]
    pub seq: u64,
    /// When, ms since the epoch.
    #[ts(type = "number")]
    pub sent_at: i64,
}

/// Body of `POST /v1/uploads`: the file about to be uploaded. The same file (same
/// conversation, size and BLAKE3) whose upload was interrupted is found again, so the upload
/// resumes where its bytes stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UploadRequest {
    /// Where it is shared.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Its name (no path).
    pub name: String,
    /// Its length in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// The lowercase hex BLAKE3 of its bytes, checked when the last byte is in. A client that
    /// hashes as it sends leaves it out and gives it with the `Upload-Blake3` header of the
    /// `PATCH` that completes the upload (or of an empty `PATCH` after the last byte): the file
    /// is then read once, not twice. A client that leaves the hash to the server sends
    /// `Upload-Server-Hash: ?1` with its bytes instead: the last byte shares the file, named by
    /// the hash the server took as it received. An interrupted upload is found again by its
    /// hash when it was declared, else by its name and length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub blake3: Option<String>,
    /// Its media type as the client guesses it (the server checks images' bytes).
    #[serde(default)]
    pub mime: Option<String>,
}

/// Answer to `POST /v1/uploads` and `PATCH /v1/uploads/{id}`: where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UploadState {
    /// The upload's id (the file's id once finished).
    pub id: String,
    /// Bytes the server holds: the next chunk starts here.
    #[ts(type = "number")]
    pub offset: u64,
    /// Its declared length.
    #[ts(type = "number")]
    pub size: u64,
    /// Once every byte is in and checked: the file and its message's sequence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub file: Option<FileRef>,
    /// The file message's sequence number, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub seq: Option<u64>,
    /// Once finished: why an image got no thumbnail (damaged, too large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub thumbnail_error: Option<Reason>,
}

/// A call as the timeline keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CallRecord {
    /// How it went.
    pub outcome: CallOutcome,
    /// Video (else audio only).
    pub video: bool,
    /// From the answer to the end, in milliseconds (0 unless completed).
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// How a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Nobody answered (no answer in time, the caller gave up, nobody online, or busy).
    Missed,
    /// The callee declined.
    Declined,
    /// Answered, then ended.
    Completed,
}

impl MessageKind {
    /// Whether this is a plain text message.
    pub fn is_text(&self) -> bool {
        *self == Self::Text
    }

    /// The shared file, when this is a file message.
    pub fn file(&self) -> Option<&FileRef> {
        match self {
            Self::File(f) => Some(f),
            _ => None,
        }
    }
}

/// The server's acknowledgement of a stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SendAck {
    /// Conversation id.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The client id that was sent.
    pub client_id: String,
    /// Assigned sequence number.
    #[ts(type = "number")]
    pub seq: u64,
    /// Server time of storage.
    #[ts(type = "number")]
    pub sent_at: i64,
    /// True when this client id had been stored before (a resend).
    pub duplicate: bool,
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// True when older messages exist; ask again with `before` = the first `seq`.
    pub has_more: bool,
}

/// State of a favourite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FavouriteState {
    /// Waiting for the other user to answer.
    Pending,
    /// Presence is shared.
    Accepted,
    /// The other user declined; presence is not shared.
    Declined,
    /// The favourite was removed.
    Removed,
}

/// How the media unit names an external guest of a meeting: a guest's own name is only a
/// display name, which may repeat or be a user's, so its id stands in (`:` is in no user name).
/// A user is named by account name.
pub fn external_guest_identity(guest: u64) -> String {
    format!("guest:{guest}")
}

/// The RTP contributing source (CSRC) a participant's media carries through the media unit,
/// from how it names them ([`external_guest_identity`] or an account name): how a client tells
/// whose voice or picture each of its lines holds now. FNV-1a, never 0 (0 stands for none).
pub fn media_source(identity: &str) -> u32 {
    let hash = identity.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

/// A meeting going on in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OngoingMeeting {
    /// The room.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The room's name.
    pub name: String,
    /// Who is in it, by name, in the order they came.
    pub participants: Vec<String>,
    /// When it started, ms since the epoch.
    #[ts(type = "number")]
    pub started_at: i64,
    /// Guests in the meeting (not members of the room), in the order they came.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<MeetingGuest>>", optional)]
    pub guests: Vec<MeetingGuest>,
    /// External guests waiting in the lobby for a moderator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<MeetingGuest>>", optional)]
    pub lobby: Vec<MeetingGuest>,
    /// Participants a moderator muted (their sound is not carried until a moderator lifts it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub muted: Vec<String>,
    /// Being recorded since then (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null", optional)]
    pub recording: Option<i64>,
}

/// A guest of a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MeetingGuest {
    /// Its id in the meeting (to admit or remove it).
    #[ts(type = "number")]
    pub id: u64,
    /// The display name: an internal guest's account name, an external guest's chosen name.
    pub name: String,
    /// True for a guest without an account.
    pub external: bool,
}

/// How someone is in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MeetingRole {
    /// A member of the room.
    Member,
    /// A user of this server who is not a member: in the meeting only while it lasts.
    Guest,
    /// A guest without an account: only while its session lasts.
    ExternalGuest,
}

/// Where a `join_by_link` put the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MeetingSession {
    /// The room.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The room's name.
    pub room: String,
    /// The caller's name in the meeting.
    pub name: String,
    /// Member or guest.
    pub role: MeetingRole,
    /// A guest's id in the meeting.
    #[ts(type = "number | null")]
    pub guest: Option<u64>,
    /// False while an external guest waits in the lobby.
    pub admitted: bool,
    /// The meeting, once admitted.
    pub meeting: Option<OngoingMeeting>,
}

/// A meeting on a room's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScheduledMeeting {
    /// Its id.
    #[ts(type = "number")]
    pub id: u64,
    /// The room.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The room's name.
    pub name: String,
    /// What it is about.
    pub title: String,
    /// Start, ms since the epoch.
    #[ts(type = "number")]
    pub starts_at: i64,
    /// Length in minutes.
    pub minutes: u32,
    /// Who put it there.
    pub organizer: String,
}

/// A favourite: `owner` added `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Favourite {
    /// Who added.
    pub owner: String,
    /// Who was added.
    pub target: String,
    /// Where the request stands.
    pub state: FavouriteState,
}

impl ClientFrame {
    /// Parses a client frame, telling a frame with an unreadable request apart from garbage so
    /// the error can name the request id.
    ///
    /// Every integer of a request is at most [`MAX_WIRE_INT`]; a larger one is refused here, for
    /// every request at once, as naming nothing ([`ProtoError::OutOfRange`]).
    pub fn parse(text: &str) -> Result<Self, (Option<u64>, ProtoError)> {
        let frame: Self = serde_json::from_str(text).map_err(|e| {
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("id").and_then(|id| id.as_u64()));
            (id, ProtoError::Malformed(e.to_string()))
        })?;
        // Only a run of 19 digits can exceed the limit: the common frame pays one byte scan.
        if has_digit_run(text, 19)
            && let Some(field) = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("req").and_then(|req| out_of_range(req, "req")))
        {
            return Err((Some(frame.id), ProtoError::OutOfRange(field)));
        }
        // U+0000 can be neither stored (PostgreSQL's text refuses it) nor shown, in any field;
        // in JSON text only the escape can carry it, so the common frame pays one scan.
        if text.contains("\\u0000")
            && serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .is_some_and(|v| holds_nul(&v))
        {
            return Err((
                Some(frame.id),
                ProtoError::Malformed("a string holds U+0000, which no field may carry".into()),
            ));
        }
        Ok(frame)
    }
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

fn has_digit_run(text: &str, len: usize) -> bool {
    let mut run = 0;
    text.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= len
    })
}

/// The name of the first field holding an integer above [`MAX_WIRE_INT`].
fn out_of_range(value: &serde_json::Value, name: &str) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .is_some_and(|n| n > MAX_WIRE_INT)
            .then(|| name.to_owned()),
        serde_json::Value::Array(items) => items.iter().find_map(|v| out_of_range(v, name)),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| out_of_range(v, k)),
        _ => None,
    }
}

impl ServerFrame {
    /// Serialises the frame to its JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("protocol types always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_sources_are_fnv1a_of_the_identity_and_never_zero() {
        // FNV-1a's published test vectors: clients in other languages (the guest page) must
        // compute the same.
        assert_eq!(media_source(""), 0x811c_9dc5);
        assert_eq!(media_source("a"), 0xe40c_292c);
        assert_eq!(media_source("foobar"), 0xbf9c_f968);
        assert_ne!(media_source("alice"), media_source("bob"));
        assert_eq!(external_guest_identity(7), "guest:7");
    }

    #[test]
    fn client_frame_round_trips_and_matches_the_documented_shape() {
        let frame = ClientFrame {
            id: 7,
            req: Request::SendMessage {
                conversation: 3,
                client_id: "c-1".into(),
                text: "hi".into(),
                reply_to: None,
            },
        };
        let json = serde_json::to_value(&frame).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id":7,"req":{"type":"send_message","conversation":3,"client_id":"c-1","text":"hi"}})
        );
        assert_eq!(ClientFrame::parse(&json.to_string()).unwrap(), frame);
    }

    #[test]
    fn a_version_2_message_parses_with_defaults_and_serialises_unchanged() {
        let v2 = r#"{"conversation":3,"seq":42,"client_id":"c-1","sender":"alice","text":"hi","sent_at":1795000000000,"state":"sent"}"#;
        let message: Message = serde_json::from_str(v2).unwrap();
        assert_eq!(message.version, 0);
        assert!(!message.deleted && message.reactions.is_empty() && message.reply_to.is_none());
        assert_eq!(serde_json::to_string(&message).unwrap(), v2);
        let edited = Message {
            edited_at: Some(5),
            version: 1,
            ..message
        };
        let json = serde_json::to_value(&edited).unwrap();
        assert_eq!(json["edited_at"], 5);
        assert_eq!(json["version"], 1);
        assert!(json.get("deleted").is_none(), "defaults stay off the wire");
    }

    #[test]
    fn a_reaction_without_on_or_a_reply_to_of_the_wrong_type_is_a_bad_frame() {
        for bad in [
            r#"{"id":4,"req":{"type":"set_reaction","conversation":3,"seq":1,"emoji":"👍"}}"#,
            r#"{"id":4,"req":{"type":"send_message","conversation":3,"client_id":"c","text":"t","reply_to":"x"}}"#,
        ] {
            let (id, err) = ClientFrame::parse(bad).unwrap_err();
            assert_eq!(id, Some(4));
            assert_eq!(err.code(), ErrorCode::BadFrame, "{bad}");
        }
    }

    #[test]
    fn a_bad_request_still_yields_its_id() {
        let (id, err) = ClientFrame::parse(r#"{"id":9,"req":{"type":"nope"}}"#).unwrap_err();
        assert_eq!(id, Some(9));
        assert_eq!(err.code(), ErrorCode::BadFrame);
        let (id, _) = ClientFrame::parse("not json").unwrap_err();
        assert_eq!(id, None);
    }

    #[test]
    fn integers_past_what_a_store_holds_name_nothing() {
        for (field, frame) in [
            (
                "conversation",
                r#"{"id":3,"req":{"type":"history","conversation":9223372036854775808}}"#,
            ),
            (
                "seq",
                r#"{"id":3,"req":{"type":"mark_read","conversation":1,"seq":18446744073709551615}}"#,
            ),
            (
                "since",
                r#"{"id":3,"req":{"type":"sync","since":9223372036854775808}}"#,
            ),
        ] {
            let (id, err) = ClientFrame::parse(frame).unwrap_err();
            assert_eq!(id, Some(3));
            assert_eq!(err.code(), ErrorCode::NotFound, "{frame}");
            assert!(err.to_string().contains(field), "{err}");
        }
        // The largest id a store holds, a long number inside a text, and a large request id
        // (the client's own, never stored) all pass.
        for frame in [
            r#"{"id":3,"req":{"type":"history","conversation":9223372036854775807}}"#,
            r#"{"id":3,"req":{"type":"send_message","conversation":1,"client_id":"c","text":"99999999999999999999"}}"#,
            r#"{"id":18446744073709551615,"req":{"type":"ping"}}"#,
        ] {
            assert!(ClientFrame::parse(frame).is_ok(), "{frame}");
        }
    }

    #[test]
    fn a_nul_in_any_string_is_a_bad_frame_and_an_escaped_backslash_is_not() {
        let nul = r#"{"id":7,"req":{"type":"add_favourite","user":"a\u0000b"}}"#;
        let (id, err) = ClientFrame::parse(nul).unwrap_err();
        assert_eq!((id, err.code()), (Some(7), ErrorCode::BadFrame));
        // The six characters \u0000 typed by a user are text like any other.
        let typed = r#"{"id":8,"req":{"type":"add_favourite","user":"a\\u0000b"}}"#;
        assert!(ClientFrame::parse(typed).is_ok());
    }

    #[test]
    fn unit_requests_and_responses_are_tagged_objects() {
        let frame: ClientFrame = serde_json::from_str(r#"{"id":1,"req":{"type":"ping"}}"#).unwrap();
        assert_eq!(frame.req, Request::Ping);
        let out = ServerFrame::Response {
            id: 1,
            result: Response::Pong,
        }
        .to_json();
        assert_eq!(
            out,
            r#"{"frame":"response","id":1,"result":{"type":"pong"}}"#
        );
    }
}
