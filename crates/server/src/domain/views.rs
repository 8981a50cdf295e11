//! What a user sees, written once over [`ViewRepo`]: a conversation's summary (its last
//! message, the unread count), history pages, the change stream (cleared history stays hidden),
//! and the user's meetings. Every store implements the read primitives on its read connections
//! (and inside its write transaction, where a write returns a summary).
//!
//! Tick states come from cursors: a sender's message is delivered once every other member's
//! delivered receipt reached it, read once every read receipt did. A viewer in privacy mode
//! sees no ticks at all.

use std::collections::HashMap;

use confer_proto::{
    Change, ConversationInfo, ConversationSummary, HISTORY_FIRST_PAGE_MIN,
    HISTORY_FIRST_PAGE_WINDOW_MS, HISTORY_MAX_PAGE, HistoryPage, Message, MessageKind,
    OngoingMeeting, ScheduledMeeting, TickState,
};

use super::{
    aliases::{AliasReads, AliasSide},
    authz::{self, Action, Kind, Standing},
    chat::Cursors,
    meetings::{self, MeetingReads},
    messages::{self, MessageReads},
};
use crate::store::{ChangesPage, ConversationId, MessageSearch, MessagesPage, StoreError, UserId};

/// A message as stored, before its tick state is worked out for a viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredMessage {
    /// Sequence number in its conversation.
    pub seq: u64,
    /// Sender's id.
    pub sender_id: UserId,
    /// Sender's account name.
    pub sender: String,
    /// The sender's client id.
    pub client_id: String,
    /// Text.
    pub text: String,
    /// ms since the epoch.
    pub sent_at: i64,
    /// Text, joined or left.
    pub kind: MessageKind,
    /// Last edit, ms since the epoch.
    pub edited_at: Option<i64>,
    /// Deleted by its sender (the text is empty).
    pub deleted: bool,
    /// The message it answers.
    pub reply_to: Option<u64>,
    /// Members it names.
    pub mentions: Vec<String>,
    /// Raised by every change after it was sent.
    pub version: u64,
    /// The card of its first link, once fetched.
    pub preview: Option<Box<confer_proto::LinkPreview>>,
}

impl StoredMessage {
    /// The message on the wire, before ticks (`sent`) and reactions.
    pub(crate) fn into_message(self, conversation: ConversationId, state: TickState) -> Message {
        Message {
            conversation,
            seq: self.seq,
            client_id: self.client_id,
            sender: self.sender,
            text: self.text,
            sent_at: self.sent_at,
            state,
            kind: self.kind,
            edited_at: self.edited_at,
            deleted: self.deleted,
            reply_to: self.reply_to,
            reactions: Vec::new(),
            mentions: self.mentions,
            version: self.version,
            preview: self.preview,
        }
    }
}

/// Which messages to read, by sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeqRange {
    /// Strictly after this.
    pub after: u64,
    /// Strictly before this.
    pub before: u64,
    /// At most this many, newest first.
    pub limit: u32,
}

/// A stream row as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StreamRow {
    /// Its position.
    pub position: u64,
    /// The conversation it is filed under.
    pub conversation: Option<ConversationId>,
    /// The user it is for, when it is for one user.
    pub user: Option<UserId>,
    /// The change.
    pub change: Change,
}

/// The read primitives the views are built from.
pub(crate) trait ViewRepo: MeetingReads + AliasReads + MessageReads {
    /// Where `user` stands towards `conversation`.
    fn standing_of(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Standing, StoreError>;
    /// A member's own cursors, if a member.
    fn cursors_of(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError>;
    /// The conversation as every member sees it.
    fn info(&mut self, conversation: ConversationId) -> Result<ConversationInfo, StoreError>;
    /// Whether the user is in privacy mode.
    fn in_privacy(&mut self, user: UserId) -> Result<bool, StoreError>;
    /// (delivered_through, read_through) of `sender`'s messages: the lowest receipt cursors
    /// among the other members.
    fn tick_cursors(
        &mut self,
        conversation: ConversationId,
        sender: UserId,
    ) -> Result<(u64, u64), StoreError>;
    /// Messages in a range, newest first.
    fn messages(
        &mut self,
        conversation: ConversationId,
        range: SeqRange,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    /// How many messages after `after` were sent at or after `since_ms`.
    fn count_recent(
        &mut self,
        conversation: ConversationId,
        after: u64,
        since_ms: i64,
    ) -> Result<u32, StoreError>;
    /// Text messages from others after `after`.
    fn unread_after(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError>;
    /// The conversations the user is a member of.
    fn member_of(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError>;
    /// The user's non-zero cleared cursors.
    fn cleared(&mut self, user: UserId) -> Result<HashMap<ConversationId, u64>, StoreError>;
    /// Stream rows for the user after `since` (their own and their conversations'), oldest
    /// first, at most `limit`.
    fn stream_after(
        &mut self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<(u64, Change)>, StoreError>;
    /// Every stream row after `after`, oldest first, at most `limit`.
    fn stream_rows(&mut self, after: u64, limit: u32) -> Result<Vec<StreamRow>, StoreError>;
    /// A conversation's members.
    fn members(&mut self, conversation: ConversationId) -> Result<Vec<UserId>, StoreError>;
    /// Rooms with an ongoing meeting the user is in or around: (room, is a member), oldest
    /// meeting first.
    fn meeting_rooms(&mut self, user: UserId) -> Result<Vec<(ConversationId, bool)>, StoreError>;
    /// Scheduled meetings of the user's rooms that end after `now_ms`, soonest first.
    fn upcoming(&mut self, user: UserId, now_ms: i64) -> Result<Vec<ScheduledMeeting>, StoreError>;
    /// Up to `search.limit + 1` text messages matching every term (as word prefixes), not
    /// deleted, in conversations `user` is a member of and above their cleared cursor, older
    /// than `search.after`, newest first (sent_at, conversation, seq descending).
    fn search_hits(
        &mut self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<Vec<(ConversationId, StoredMessage)>, StoreError>;
}

/// Works out tick states for one viewer in one conversation, reading each sender's cursors
/// once.
struct Ticks {
    conversation: ConversationId,
    viewer_privacy: bool,
    cursors: HashMap<UserId, (u64, u64)>,
}

impl Ticks {
    fn new(
        r: &mut impl ViewRepo,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            conversation,
            viewer_privacy: r.in_privacy(viewer)?,
            cursors: HashMap::new(),
        })
    }

    fn message(&mut self, r: &mut impl ViewRepo, m: StoredMessage) -> Result<Message, StoreError> {
        let state = if self.viewer_privacy {
            TickState::Sent
        } else {
            let (delivered, read) = match self.cursors.get(&m.sender_id) {
                Some(c) => *c,
                None => {
                    let c = r.tick_cursors(self.conversation, m.sender_id)?;
                    self.cursors.insert(m.sender_id, c);
                    c
                }
            };
            if m.seq <= read {
                TickState::Read
            } else if m.seq <= delivered {
                TickState::Delivered
            } else {
                TickState::Sent
            }
        };
        Ok(m.into_message(self.conversation, state))
    }
}

/// A member's cursors, and the alias side when the conversation is an alias conversation
/// (read only then: every other view skips that query).
fn member_cursors(
    r: &mut impl ViewRepo,
    conversation: ConversationId,
    user: UserId,
) -> Result<(Cursors, Option<AliasSide>), StoreError> {
    let standing = r.standing_of(conversation, user)?;
    authz::user_can(standing, Action::Participate, conversation)?;
    let cursors = r
        .cursors_of(conversation, user)?
        .ok_or_else(|| StoreError::Corrupt(format!("member {user} of {conversation} vanished")))?;
    let side = match standing {
        Standing::Member(Kind::Alias, _) => r.alias_side(conversation)?,
        _ => None,
    };
    Ok((cursors, side))
}

/// One conversation as the user sees it; `Forbidden` unless a member.
pub(crate) fn summary(
    r: &mut impl ViewRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<ConversationSummary, StoreError> {
    let (cursors, side) = member_cursors(r, conversation, user)?;
    let mut info = r.info(conversation)?;
    // An alias conversation as this member may see it.
    if let Some(side) = &side {
        info = side.info_for(user, info);
    }
    let newest = r.messages(
        conversation,
        SeqRange {
            after: cursors.cleared,
            before: u64::MAX,
            limit: 1,
        },
    )?;
    let last_message = match newest.into_iter().next() {
        Some(m) => {
            let m = Ticks::new(r, conversation, user)?.message(r, m)?;
            Some(match &side {
                Some(side) => side.message_for(user, m),
                None => m,
            })
        }
        None => None,
    };
    let after = cursors.read.max(cursors.cleared);
    Ok(ConversationSummary {
        info,
        last_message,
        unread: r.unread_after(conversation, user, after)?,
        read_through: cursors.read,
        muted: cursors.muted,
        cleared_through: cursors.cleared,
        hidden_through: cursors.hidden,
    })
}

/// The user's conversations, newest activity first.
pub(crate) fn conversations(
    r: &mut impl ViewRepo,
    user: UserId,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let mut out = r
        .member_of(user)?
        .into_iter()
        .map(|id| summary(r, user, id))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|s| {
        std::cmp::Reverse(
            s.last_message
                .as_ref()
                .map_or(s.info.created_at, |m| m.sent_at),
        )
    });
    Ok(out)
}

/// A page of history before `before` (newest first page without it): the first page holds the
/// last 30 days, or the newest 75 messages if those are fewer; cleared history is never shown.
pub(crate) fn history(
    r: &mut impl ViewRepo,
    user: UserId,
    conversation: ConversationId,
    before: Option<u64>,
    limit: Option<u32>,
    now_ms: i64,
) -> Result<HistoryPage, StoreError> {
    let (cursors, side) = member_cursors(r, conversation, user)?;
    let floor = cursors.cleared;
    let limit = match (before, limit) {
        (Some(_), l) => l
            .unwrap_or(HISTORY_FIRST_PAGE_MIN)
            .clamp(1, HISTORY_MAX_PAGE),
        (None, _) => r
            .count_recent(conversation, floor, now_ms - HISTORY_FIRST_PAGE_WINDOW_MS)?
            .clamp(HISTORY_FIRST_PAGE_MIN, HISTORY_MAX_PAGE),
    };
    let range = SeqRange {
        after: floor,
        before: before.unwrap_or(u64::MAX).min(i64::MAX as u64),
        limit: limit + 1,
    };
    let stored = r.messages(conversation, range)?;
    let has_more = stored.len() > limit as usize;
    let mut ticks = Ticks::new(r, conversation, user)?;
    let mut messages = stored
        .into_iter()
        .take(limit as usize)
        .map(|m| ticks.message(r, m))
        .collect::<Result<Vec<_>, _>>()?;
    messages::attach_reactions(r, conversation, &mut messages)?;
    if let Some(side) = side {
        messages = messages
            .into_iter()
            .map(|m| side.message_for(user, m))
            .collect();
    }
    messages.reverse();
    Ok(HistoryPage { messages, has_more })
}

/// Changes concerning the user after `since`, scanning at most `limit` stream rows; messages
/// the user cleared stay hidden (the rows still advance the position).
pub(crate) fn changes_since(
    r: &mut impl ViewRepo,
    user: UserId,
    since: u64,
    limit: u32,
) -> Result<ChangesPage, StoreError> {
    let cleared = r.cleared(user)?;
    let rows = r.stream_after(user, since, limit)?;
    let scanned_to = rows.last().map_or(since, |r| r.0);
    let changes = rows
        .into_iter()
        .filter(|(_, change)| match change {
            Change::Message { message } | Change::MessageUpdated { message } => cleared
                .get(&message.conversation)
                .is_none_or(|&c| message.seq > c),
            _ => true,
        })
        .collect();
    Ok(ChangesPage {
        changes,
        scanned_to,
    })
}

/// The words of a search query: runs of letters and digits, lowercased, at most 8 of at most
/// 64 characters. Only these reach the stores' query languages, so neither FTS5's nor
/// PostgreSQL's syntax can be injected.
pub(crate) fn search_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let word: String = word.chars().take(64).flat_map(char::to_lowercase).collect();
        if !terms.contains(&word) {
            terms.push(word);
        }
        if terms.len() == 8 {
            break;
        }
    }
    terms
}

/// A page of the messages `user` may see matching the search, newest first, with ticks and
/// reactions as in history. A search with no terms finds nothing.
pub(crate) fn search_messages(
    r: &mut impl ViewRepo,
    user: UserId,
    search: &MessageSearch,
) -> Result<MessagesPage, StoreError> {
    if let Some(conversation) = search.conversation {
        member_cursors(r, conversation, user)?;
    }
    if search.terms.is_empty() {
        return Ok(MessagesPage {
            messages: Vec::new(),
            next: None,
        });
    }
    let mut hits = r.search_hits(user, search)?;
    let next = if hits.len() > search.limit as usize {
        hits.truncate(search.limit as usize);
        hits.last().map(|(c, m)| confer_proto::SearchCursor {
            sent_at: m.sent_at,
            conversation: *c,
            seq: m.seq,
        })
    } else {
        None
    };
    let mut views: HashMap<ConversationId, (Ticks, Option<AliasSide>)> = HashMap::new();
    let mut messages = Vec::with_capacity(hits.len());
    for (conversation, stored) in hits {
        let (ticks, side) = match views.entry(conversation) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let (_, side) = member_cursors(r, conversation, user)?;
                e.insert((Ticks::new(r, conversation, user)?, side))
            }
        };
        let mut message = [ticks.message(r, stored)?];
        messages::attach_reactions(r, conversation, &mut message)?;
        let [message] = message;
        messages.push(match side {
            Some(side) => side.message_for(user, message),
            None => message,
        });
    }
    Ok(MessagesPage { messages, next })
}

/// Who is told that `user` types in `conversation`: the other members, each with the name
/// they see the typist under.
pub(crate) fn typing_recipients(
    r: &mut impl ViewRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<Vec<(UserId, String)>, StoreError> {
    let (_, side) = member_cursors(r, conversation, user)?;
    let members = r.member_names(conversation)?;
    let Some(name) = members
        .iter()
        .find(|(id, _)| *id == user)
        .map(|(_, n)| n.clone())
    else {
        return Ok(Vec::new());
    };
    Ok(members
        .into_iter()
        .filter(|(id, _)| *id != user)
        .map(|(id, _)| {
            let shown = match &side {
                Some(side) => side.name_for(id, user, name.clone()),
                None => name.clone(),
            };
            (id, shown)
        })
        .collect())
}

/// Stream rows after `after` with who they concern now: the row's user, or the members of its
/// conversation (the same rule `changes_since` reads a user's rows by).
pub(crate) fn stream_since(
    r: &mut impl ViewRepo,
    after: u64,
    limit: u32,
) -> Result<Vec<crate::store::Published>, StoreError> {
    let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
    let mut out = Vec::new();
    for row in r.stream_rows(after, limit)? {
        let recipients = match (row.user, row.conversation) {
            (Some(user), _) => vec![user],
            (None, Some(c)) => match members.get(&c) {
                Some(m) => m.clone(),
                None => {
                    let m = r.members(c)?;
                    members.insert(c, m.clone());
                    m
                }
            },
            (None, None) => Vec::new(),
        };
        out.push(crate::store::Published {
            position: row.position,
            change: row.change,
            recipients,
        });
    }
    Ok(out)
}

/// The ongoing meetings the user is in or around (a guest sees no lobby) and the scheduled
/// meetings of their rooms that have not ended.
pub(crate) fn meetings(
    r: &mut impl ViewRepo,
    user: UserId,
    now_ms: i64,
) -> Result<(Vec<OngoingMeeting>, Vec<ScheduledMeeting>), StoreError> {
    let mut ongoing = Vec::new();
    for (room, member) in r.meeting_rooms(user)? {
        let meeting = meetings::ongoing(r, room)?;
        ongoing.extend(if member {
            meeting
        } else {
            meetings::guest_view(&meeting)
        });
    }
    Ok((ongoing, r.upcoming(user, now_ms)?))
}

/// The meeting of `conversation`, if one is going on.
pub(crate) fn ongoing_meeting(
    r: &mut impl ViewRepo,
    conversation: ConversationId,
) -> Result<Option<OngoingMeeting>, StoreError> {
    meetings::ongoing(r, conversation)
}

/// Who may read a conversation's meeting link: either member of a direct conversation, a
/// room's moderators.
pub(crate) fn may_read_link(
    r: &mut impl ViewRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    let standing = r.standing_of(conversation, user)?;
    authz::user_can(standing, Action::ReadMeetingLink, conversation).map(|_| ())
}

/// The two members of a direct conversation `user` may place a call from.
pub(crate) fn call_members(
    r: &mut impl ViewRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<Vec<String>, StoreError> {
    let standing = r.standing_of(conversation, user)?;
    authz::user_can(standing, Action::Call, conversation)?;
    Ok(r.info(conversation)?.members)
}
