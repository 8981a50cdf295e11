//! Persistent state behind one trait, so that another database can be added beside SQLite.
//!
//! Reads may run on any thread. Writes arrive only from the single writer task
//! ([`crate::writer`]) as a batch of [`WriteOp`]s committed in one transaction; each op either
//! commits or fails alone. Every op that changes what a user may see returns the [`Published`]
//! changes, with the stream position assigned inside that transaction.

use confer_proto::{
    Change, ConversationSummary, Favourite, HistoryPage, PresenceChoice, Reason, SendAck, UserInfo,
    UserSettings,
};

#[cfg(test)]
#[macro_use]
mod conformance;
mod pg;
mod sqlite;
mod stored;

pub use crate::domain::files::{FileLimits, FileRecord, Finished};
pub use pg::{PgStore, STREAM_LOCK};
pub(crate) use sqlite::panic_text;
pub use sqlite::{Clock, SqliteStore, system_clock};

/// Internal numeric user id.
pub type UserId = i64;
/// Conversation id (also public).
pub type ConversationId = u64;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed. The cause is the backend's own error, boxed so that no
    /// database library's type shows above its adapter.
    #[error("database error: {0}")]
    Db(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A migration failed.
    #[error("migration {version} failed: {source}")]
    Migration {
        /// The migration number.
        version: usize,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database was written by a newer server.
    #[error("database schema version {found} is newer than this server knows ({known})")]
    SchemaTooNew {
        /// Found in the file.
        found: usize,
        /// Known here.
        known: usize,
    },
    /// No such user, conversation or request. The variant is the category (the wire's
    /// [`confer_proto::ErrorCode`]); the reason says exactly why, and renders in English only
    /// for logs and the admin commands.
    #[error("{0}")]
    NotFound(Reason),
    /// The caller is not allowed.
    #[error("{0}")]
    Forbidden(Reason),
    /// The request conflicts with what is stored (for example, a taken user name).
    #[error("{0}")]
    Conflict(Reason),
    /// Bad argument.
    #[error("{0}")]
    Invalid(Reason),
    /// A stored value could not be decoded.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The writer is gone (the server is stopping).
    #[error("the store is shutting down")]
    Closed,
    /// An operation hit a bug (it panicked); it was rolled back and the writer went on.
    #[error("an operation failed on a server fault: {0}")]
    Fault(String),
}

/// Who sees presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresencePolicy {
    /// Every user sees every user's presence.
    #[default]
    Organization,
    /// Presence is shared only after a subscription request is accepted.
    Subscribers,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Internal id.
    pub id: UserId,
    /// Public facts.
    pub info: UserInfo,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
    /// Settings, including the chosen status.
    pub settings: UserSettings,
    /// Last disconnect, ms since the epoch.
    pub last_seen: Option<i64>,
}

/// A valid session looked up by token hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Session id.
    pub id: i64,
    /// Its user.
    pub user: UserRecord,
}

/// A change committed at `position`, and who must receive it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Published {
    /// Stream position.
    pub position: u64,
    /// The change.
    pub change: Change,
    /// The users it concerns.
    pub recipients: Vec<UserId>,
}

/// One write, validated and applied inside the writer's transaction.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Create an account.
    CreateUser {
        /// Account name.
        name: String,
        /// Display name.
        display_name: String,
        /// E-mail.
        email: Option<String>,
        /// Argon2id PHC string.
        password_hash: String,
    },
    /// Replace a password and revoke every session of the user.
    SetPassword {
        /// Account name.
        name: String,
        /// Argon2id PHC string.
        password_hash: String,
    },
    /// Disable an account and revoke its sessions.
    DisableUser {
        /// Account name.
        name: String,
    },
    /// Store a new session.
    CreateSession {
        /// Its user.
        user: UserId,
        /// SHA-256 of the token.
        token_hash: Vec<u8>,
        /// Device label.
        device: Option<String>,
    },
    /// Revoke a session.
    RevokeSession {
        /// Session id.
        session: i64,
    },
    /// Find or create the direct conversation of two users.
    OpenDirect {
        /// Caller.
        user: UserId,
        /// The other user's name.
        other: String,
    },
    /// Define an alias (administrators).
    CreateAlias {
        /// Its name, like an account name.
        name: String,
        /// What people see.
        display_name: String,
        /// Whether writers see who answers.
        show_members: bool,
    },
    /// Remove an alias and its conversations (administrators).
    DeleteAlias {
        /// The alias.
        name: String,
    },
    /// Add a member to an alias (administrators).
    AddAliasMember {
        /// The alias.
        alias: String,
        /// The user.
        member: String,
    },
    /// Remove a member from an alias (administrators).
    RemoveAliasMember {
        /// The alias.
        alias: String,
        /// The user.
        member: String,
    },
    /// Store a message (idempotent on sender and client id).
    SendMessage {
        /// Sender.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// Client id.
        client_id: String,
        /// Text.
        text: String,
        /// The message it answers.
        reply_to: Option<u64>,
    },
    /// Move one's own read cursor back to before `seq`.
    MarkUnread {
        /// Who.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// The first message to show unread.
        seq: u64,
    },
    /// Hide a conversation from one's list until its next message, or show it again.
    HideConversation {
        /// Who.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// Hide, or show.
        hidden: bool,
    },
    /// Replace the text of one's own message.
    EditMessage {
        /// Who asks.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// The message.
        seq: u64,
        /// The new text (its size checked).
        text: String,
    },
    /// Delete one's own message.
    DeleteMessage {
        /// Who asks.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// The message.
        seq: u64,
    },
    /// Add or take back a reaction.
    SetReaction {
        /// Who reacts.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// The message.
        seq: u64,
        /// The emoji (checked by the rule).
        emoji: String,
        /// Add, or take back.
        on: bool,
    },
    /// A device received messages up to `seq`.
    MarkDelivered {
        /// Receiver.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// Sequence number.
        seq: u64,
    },
    /// The user read messages up to `seq`.
    MarkRead {
        /// Reader.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// Sequence number.
        seq: u64,
    },
    /// Mute flag.
    SetMuted {
        /// User.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
        /// Flag.
        muted: bool,
    },
    /// Hide everything posted so far, for this user.
    ClearHistory {
        /// User.
        user: UserId,
        /// Conversation.
        conversation: ConversationId,
    },
    /// Privacy mode.
    SetPrivacy {
        /// User.
        user: UserId,
        /// On or off.
        enabled: bool,
    },
    /// Chosen status and custom message.
    SetStatus {
        /// User.
        user: UserId,
        /// Status.
        status: PresenceChoice,
        /// Message.
        message: Option<String>,
    },
    /// Record the last time the user was seen.
    SetLastSeen {
        /// User.
        user: UserId,
        /// ms since the epoch.
        at: i64,
    },
    /// Add a favourite.
    AddFavourite {
        /// Owner.
        user: UserId,
        /// Target's name.
        target: String,
        /// Decides whether the favourite needs acceptance.
        policy: PresencePolicy,
    },
    /// Remove a favourite.
    RemoveFavourite {
        /// Owner.
        user: UserId,
        /// Target's name.
        target: String,
    },
    /// Answer a subscription request from `requester` to `user`.
    AnswerSubscription {
        /// The user who was asked.
        user: UserId,
        /// The requester's name.
        requester: String,
        /// Accept or decline.
        accept: bool,
    },
    /// Create a group with its creator as the only member, and invite people.
    CreateGroup {
        /// Creator.
        user: UserId,
        /// Invitees' names.
        invite: Vec<String>,
        /// Optional name.
        name: Option<String>,
        /// The size cap, counting members and pending invitations.
        max_members: usize,
    },
    /// A member invites someone.
    InviteToGroup {
        /// The member inviting.
        user: UserId,
        /// The group.
        conversation: ConversationId,
        /// The invitee's name.
        invitee: String,
        /// The size cap.
        max_members: usize,
    },
    /// Accept an invitation.
    JoinGroup {
        /// The invitee.
        user: UserId,
        /// The group.
        conversation: ConversationId,
        /// The size cap.
        max_members: usize,
    },
    /// Refuse an invitation.
    DeclineGroup {
        /// The invitee.
        user: UserId,
        /// The group.
        conversation: ConversationId,
    },
    /// Leave a group; the last member leaving deletes it.
    LeaveGroup {
        /// The member.
        user: UserId,
        /// The group.
        conversation: ConversationId,
    },
    /// Create a room owned by `user`.
    CreateRoom {
        /// The owner.
        user: UserId,
        /// Its name.
        name: String,
        /// Its first join link token.
        link: String,
    },
    /// A moderator adds a member.
    AddRoomMember {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// Who, by name.
        member: String,
    },
    /// A moderator removes a member (never the owner).
    RemoveRoomMember {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// Who, by name.
        member: String,
    },
    /// A moderator makes a member a moderator.
    PromoteModerator {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// Who, by name.
        member: String,
    },
    /// A moderator replaces the join link.
    RotateRoomLink {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// The new token.
        link: String,
    },
    /// A moderator sets mute-for-all.
    SetMuteAll {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// On or off.
        muted: bool,
    },
    /// A moderator mutes one participant of the meeting, or lifts it.
    SetParticipantMuted {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// The participant, by name.
        participant: String,
        /// On or off.
        muted: bool,
    },
    /// A moderator starts or stops recording the room's meeting.
    SetRecording {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// Start or stop.
        on: bool,
    },
    /// In a cluster, a node claims the media of the room's meeting, unless another node holds
    /// it already (a meeting lives on one node). Answers with the node that holds it.
    ClaimMediaHost {
        /// The room.
        conversation: ConversationId,
        /// The node claiming.
        node: String,
        /// The node that held it and is gone (it answers no more): the claim takes its place.
        replacing: Option<String>,
    },
    /// A member leaves a room.
    LeaveRoom {
        /// The member.
        user: UserId,
        /// The room.
        conversation: ConversationId,
    },
    /// The owner deletes a room.
    DeleteRoom {
        /// The owner.
        user: UserId,
        /// The room.
        conversation: ConversationId,
    },
    /// A member starts or joins the room's meeting.
    StartMeeting {
        /// The member.
        user: UserId,
        /// The room.
        conversation: ConversationId,
    },
    /// A call ended: its line goes into the direct conversation's timeline.
    RecordCall {
        /// The conversation.
        conversation: ConversationId,
        /// Who called (the line's sender).
        caller: UserId,
        /// How it went.
        record: confer_proto::CallRecord,
    },
    /// A participant leaves the room's meeting.
    LeaveMeeting {
        /// The participant.
        user: UserId,
        /// The room.
        conversation: ConversationId,
    },
    /// A moderator puts a meeting on the room's calendar.
    ScheduleMeeting {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// Title.
        title: String,
        /// Start, ms since the epoch.
        starts_at: i64,
        /// Length in minutes.
        minutes: u32,
    },
    /// The owner removes a scheduled meeting.
    DeleteScheduledMeeting {
        /// The owner.
        user: UserId,
        /// The meeting.
        meeting: u64,
    },
    /// Someone opens a meeting by its link: a member joins (or starts) it, another user joins
    /// as an internal guest, and `user: None` is an external guest named `name`.
    JoinByLink {
        /// The signed-in user, if any.
        user: Option<UserId>,
        /// The link's token.
        link: String,
        /// An external guest's name.
        name: Option<String>,
        /// The connection an external guest's session lives on (its notices go there).
        connection: u64,
    },
    /// A moderator lets a waiting guest in.
    AdmitGuest {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// The guest's id.
        guest: u64,
    },
    /// A moderator refuses a waiting guest or removes a present one.
    RemoveGuest {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// The guest's id.
        guest: u64,
    },
    /// A moderator turns the lobby on or off.
    SetLobby {
        /// The moderator.
        user: UserId,
        /// The room.
        conversation: ConversationId,
        /// On or off.
        enabled: bool,
    },
    /// An external guest leaves, or its connection closed.
    GuestLeave {
        /// The guest's id.
        guest: u64,
    },
    /// At start-up: external guests of an earlier run lost their sessions with it.
    ForgetExternalGuests,
    /// Changes nothing; committing it shows that writes go through (`GET /healthz`).
    Probe,
    /// Start an upload, or find the caller's interrupted upload of the same bytes.
    StartUpload {
        /// The caller.
        user: UserId,
        /// What is uploaded.
        request: confer_proto::UploadRequest,
        /// The server's caps.
        limits: FileLimits,
        /// A fresh id, used if the upload is new.
        id: String,
    },
    /// Every byte of an upload is in and checked: share the file.
    FinishUpload {
        /// The caller.
        user: UserId,
        /// The upload.
        id: String,
        /// What the server learnt of its bytes.
        finished: Finished,
    },
    /// A meeting's recording, whose bytes are in the blob store, is shared in its room as a file
    /// from whoever started it.
    ShareRecording {
        /// Who started the recording.
        user: UserId,
        /// The file as stored (no message yet).
        file: Box<FileRecord>,
    },
    /// Forget the caller's unfinished upload.
    CancelUpload {
        /// The caller.
        user: UserId,
        /// The upload.
        id: String,
    },
    /// A member sent the conversation's history by email: the notice every member sees.
    RecordHistoryMail {
        /// The sender.
        user: UserId,
        /// The conversation.
        conversation: ConversationId,
        /// The address it went to.
        to: String,
    },
    /// The previewer fetched the card of a message's first link.
    AttachPreview {
        /// The conversation.
        conversation: ConversationId,
        /// The message.
        seq: u64,
        /// The link the card is for (the message's first link when it was asked).
        url: String,
        /// The card.
        preview: Box<confer_proto::LinkPreview>,
    },
    /// Panics inside the writer's transaction: how tests show that one faulty op fails alone.
    #[cfg(test)]
    Panic,
}

/// A notice for an external guest's connection (guests have no user id and no change stream).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GuestNotice {
    /// The connection of the guest's session.
    pub connection: u64,
    /// What happened.
    pub update: GuestUpdate,
}

/// What an external guest is told.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum GuestUpdate {
    /// Its session now: admitted, or the meeting changed.
    Session(Box<confer_proto::MeetingSession>),
    /// Its access ended, for this reason.
    Ended(Reason),
}

/// A message search, its terms already extracted.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageSearch {
    /// Lowercased words, each matched as a word prefix (see `views::search_terms`).
    pub terms: Vec<String>,
    /// Only this conversation.
    pub conversation: Option<ConversationId>,
    /// Strictly older than this (sent_at, conversation, seq).
    pub after: Option<confer_proto::SearchCursor>,
    /// Page size.
    pub limit: u32,
}

/// A page of search hits.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagesPage {
    /// Newest first.
    pub messages: Vec<confer_proto::Message>,
    /// Where the next page starts.
    pub next: Option<confer_proto::SearchCursor>,
}

/// A window of the change stream as one user sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesPage {
    /// Visible changes, oldest first.
    pub changes: Vec<(u64, Change)>,
    /// The highest position examined (rows hidden from the user still advance it); equal to
    /// `since` when the stream holds nothing newer.
    pub scanned_to: u64,
}

/// What a committed op returns besides its changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing more.
    Done,
    /// A new user's id.
    User(UserId),
    /// A new session's id.
    Session(i64),
    /// A conversation as the caller sees it.
    Conversation(Box<ConversationSummary>),
    /// A stored message.
    Sent(SendAck),
    /// A scheduled meeting.
    Scheduled(Box<confer_proto::ScheduledMeeting>),
    /// Where a join by link put the caller.
    Joined(Box<confer_proto::MeetingSession>),
    /// An upload as it now stands (a shared file once finished).
    File(Box<FileRecord>),
    /// The node carrying a meeting's media.
    Host(String),
}

/// An alias as administrators list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasListing {
    /// Name and display name.
    pub info: confer_proto::AliasInfo,
    /// Whether writers see who answers.
    pub show_members: bool,
    /// Its members' account names, sorted.
    pub members: Vec<String>,
}

/// A LIKE pattern (with `ESCAPE '\\'`) matching text that contains `query` literally: its `%`,
/// `_` and `\\` are escaped.
pub(crate) fn contains_pattern(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Folds (alias, display name, show members, member) rows, sorted by alias, into listings.
pub(crate) fn group_alias_rows(
    rows: Vec<(String, String, bool, Option<String>)>,
) -> Vec<AliasListing> {
    let mut out: Vec<AliasListing> = Vec::new();
    for (name, display_name, show_members, member) in rows {
        if out.last().is_none_or(|a| a.info.name != name) {
            out.push(AliasListing {
                info: confer_proto::AliasInfo {
                    name,
                    display_name,
                    writer: None,
                },
                show_members,
                members: Vec::new(),
            });
        }
        if let (Some(last), Some(member)) = (out.last_mut(), member) {
            last.members.push(member);
        }
    }
    out
}

/// The result of one committed op.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// The op's own result.
    pub outcome: Outcome,
    /// Changes to fan out, in position order.
    pub published: Vec<Published>,
    /// Notices for external guests' connections.
    pub guest_notices: Vec<GuestNotice>,
}

/// A committed batch.
#[derive(Debug)]
pub struct Batch {
    /// The newest stream position before this batch: every position up to it was committed
    /// earlier, by this node or another. Nodes chain batches by it to fan out in order.
    pub after: u64,
    /// One result per op, in order.
    pub results: Vec<Result<Committed, StoreError>>,
}

/// Persistent state. Implementations must be safe to read from many threads while one thread
/// (per node) writes.
pub trait Store: Send + Sync + 'static {
    /// Applies a batch in one transaction; each op succeeds or fails on its own.
    fn write(&self, ops: Vec<WriteOp>) -> Result<Batch, StoreError>;
    /// [`Store::write`], for callers that need only the results.
    fn write_batch(
        &self,
        ops: Vec<WriteOp>,
    ) -> Result<Vec<Result<Committed, StoreError>>, StoreError> {
        Ok(self.write(ops)?.results)
    }
    /// Where this node's connection ids start: ids name connections across a cluster, so each
    /// node numbers its own from a base of its own (0 for a single process).
    fn connection_base(&self) -> u64 {
        0
    }
    /// Stream rows after `after` with who they concern now (a row's user, or the members of
    /// its conversation), oldest first, at most `limit`: how a node catches up on what it
    /// missed from the others.
    fn stream_since(&self, after: u64, limit: u32) -> Result<Vec<Published>, StoreError>;
    /// A user by account name (any case).
    fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError>;
    /// A user by id.
    fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    /// Every user, by name.
    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// An unrevoked session of an enabled user.
    fn session_by_token_hash(&self, hash: &[u8]) -> Result<Option<SessionRecord>, StoreError>;
    /// Users whose name or display name contains `query` (case-insensitive), in directory order
    /// (the stored sort key, then the name), starting after the user named `after`
    /// (`NotFound` when there is no such user).
    fn search_users(
        &self,
        query: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError>;
    /// Aliases whose name or display name contains `query` (case-insensitive), by display name.
    fn search_aliases(&self, query: &str) -> Result<Vec<confer_proto::AliasInfo>, StoreError>;
    /// Every alias with its settings and members (for administrators), by name.
    fn aliases(&self) -> Result<Vec<AliasListing>, StoreError>;
    /// The user's conversations, newest activity first.
    fn conversations(&self, user: UserId) -> Result<Vec<ConversationSummary>, StoreError>;
    /// One conversation as the user sees it; `Forbidden` unless a member.
    fn conversation(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationSummary, StoreError>;
    /// Whether `user` may send the history of `conversation` by email now (membership, and
    /// fewer than `per_hour` sent in the last hour).
    fn check_history_mail(
        &self,
        user: UserId,
        conversation: ConversationId,
        per_hour: u32,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// A page of history as the user sees it; `Forbidden` unless a member.
    fn history(
        &self,
        user: UserId,
        conversation: ConversationId,
        before: Option<u64>,
        limit: Option<u32>,
        now_ms: i64,
    ) -> Result<HistoryPage, StoreError>;
    /// Changes concerning the user after `since`, oldest first, scanning at most `limit` rows.
    fn changes_since(
        &self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<ChangesPage, StoreError>;
    /// Sessions revoked after revocation mark `after` (0 for all), and the newest mark.
    fn revoked_since(&self, after: i64) -> Result<(Vec<i64>, i64), StoreError>;
    /// The newest stream position.
    fn max_position(&self) -> Result<u64, StoreError>;
    /// Upkeep the writer runs between batches, off every request's path (the SQLite store's
    /// search index catching up with what was sent); cheap when there is nothing to do.
    fn maintain(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// The user's favourites and the pending requests addressed to them.
    fn favourites(&self, user: UserId) -> Result<(Vec<Favourite>, Vec<Favourite>), StoreError>;
    /// The meeting of `conversation` if one is going on, as its members see it (for an
    /// external guest, who has no account to read it as).
    fn ongoing_meeting(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<confer_proto::OngoingMeeting>, StoreError>;
    /// In a cluster, the node carrying the media of the meeting of `conversation`, once one
    /// claimed it ([`WriteOp::ClaimMediaHost`]).
    fn media_host(&self, conversation: ConversationId) -> Result<Option<String>, StoreError>;
    /// The ongoing and (not yet ended) scheduled meetings of the user's rooms.
    fn meetings(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> Result<
        (
            Vec<confer_proto::OngoingMeeting>,
            Vec<confer_proto::ScheduledMeeting>,
        ),
        StoreError,
    >;
    /// The two members of a direct conversation `user` may call from (`user` among them);
    /// refused unless `user` is a member and the conversation is a direct one.
    fn call_members(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<String>, StoreError>;
    /// A room's name and join link token (`Forbidden` unless `user` moderates it), or a 1:1
    /// conversation's meeting link (either of its two members).
    fn room_link(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<(String, String), StoreError>;
    /// The room a join link token opens, and its name; `NotFound` for an unknown (or replaced)
    /// token.
    fn resolve_link(&self, link: &str) -> Result<(ConversationId, String), StoreError>;
    /// The users whose subscription to `target`'s presence was accepted (who may see it under
    /// the `subscribers` policy).
    fn presence_watchers(&self, target: UserId) -> Result<Vec<UserId>, StoreError>;
    /// Who is told that `user` types in `conversation`, each with the name they see the
    /// typist under; refused unless `user` is a member.
    fn typing_recipients(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<(UserId, String)>, StoreError>;
    /// A page of the messages `user` may see matching every term, newest first.
    fn search_messages(
        &self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<MessagesPage, StoreError>;
    /// The caller's own unfinished upload `id` (else not found).
    fn upload(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError>;
    /// A shared file the caller may download (else not found).
    fn file(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError>;
    /// The files shared in a conversation that the caller sees, newest first.
    fn files(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<confer_proto::SharedFile>, StoreError>;
}
