//! Chat and ticks: posting (exactly once per client id), receipts, read cursors, muting and
//! clearing, written once over [`ChatRepo`], which each store implements inside its write
//! transaction.
//!
//! Ticks come from cursors: a sender's messages are delivered up to the lowest delivered
//! receipt among the other members and read up to the lowest read receipt. A receipt that moves
//! a cursor publishes a `ticks` change to each sender whose aggregate moved, unless that sender
//! is in privacy mode (who neither shows nor sees receipts).

use std::collections::HashMap;

use confer_proto::{Change, Message, MessageKind, Reason, SendAck, TickState};

use super::{
    aliases::{self, AliasReads},
    authz::{self, Action, Kind, Standing},
    messages::{self, MessageRepo},
};
use crate::store::{ConversationId, StoreError, UserId};

/// A member's own cursors in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursors {
    /// Read up to here (drives the unread count).
    pub read: u64,
    /// Notifications muted.
    pub muted: bool,
    /// History hidden up to here.
    pub cleared: u64,
    /// Out of the member's list while the newest message is at or below this (0: shown).
    pub hidden: u64,
}

/// A text message to store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewMessage<'a> {
    /// Where.
    pub conversation: ConversationId,
    /// Who.
    pub sender: UserId,
    /// The sender's id for it.
    pub client_id: &'a str,
    /// The text.
    pub text: &'a str,
    /// The message it answers.
    pub reply_to: Option<u64>,
    /// Members it names.
    pub mentions: &'a [String],
    /// When, ms since the epoch.
    pub at: i64,
}

/// Per sender: (delivered_through, read_through) of their messages.
pub(crate) type Aggregates = HashMap<UserId, (u64, u64)>;

/// What the chat rules read and write; implemented by each store inside its transaction.
pub(crate) trait ChatRepo: AliasReads {
    /// The members of a conversation.
    fn member_ids(&mut self, conversation: ConversationId) -> Result<Vec<UserId>, StoreError>;
    /// Where `user` stands towards `conversation`.
    fn standing(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Standing, StoreError>;
    /// A member's cursors (the caller checked membership).
    fn cursors(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Cursors, StoreError>;
    /// The message `user` already stored under `client_id`: (conversation, seq, sent_at).
    fn sent_before(
        &mut self,
        user: UserId,
        client_id: &str,
    ) -> Result<Option<(ConversationId, u64, i64)>, StoreError>;
    /// Stores a text message under the conversation's next sequence number; returns it.
    fn append_message(&mut self, new: NewMessage<'_>) -> Result<u64, StoreError>;
    /// A user's account name.
    fn user_name(&mut self, user: UserId) -> Result<String, StoreError>;
    /// The conversation's newest sequence number.
    fn last_seq(&mut self, conversation: ConversationId) -> Result<u64, StoreError>;
    /// Whether the user is in privacy mode.
    fn privacy(&mut self, user: UserId) -> Result<bool, StoreError>;
    /// Every member's tick aggregate.
    fn aggregates(&mut self, conversation: ConversationId) -> Result<Aggregates, StoreError>;
    /// Raises the user's public receipt cursors (never lowers them): delivered to `delivered`,
    /// and both to `read` when given.
    fn raise_receipts(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        delivered: u64,
        read: Option<u64>,
    ) -> Result<(), StoreError>;
    /// Sets the user's own read cursor.
    fn set_read(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// Sets where the conversation is hidden from the member's list through (0: shown).
    fn set_hidden(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// Sets the mute flag.
    fn set_muted(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        muted: bool,
    ) -> Result<(), StoreError>;
    /// Hides history up to `seq` for the user, which also counts as read.
    fn set_cleared(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// Text messages from others after `after`.
    fn unread_count(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError>;
    /// Appends a change for every member to the stream.
    fn publish_to_members(
        &mut self,
        conversation: ConversationId,
        change: Change,
    ) -> Result<(), StoreError>;
    /// Appends a change for one user to the stream.
    fn publish_to_user(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError>;
}

/// Posts a message. A client id already used by this sender returns the first ack
/// (`duplicate`) and stores nothing: that is what makes resends exactly once. An answer must
/// name a living text the sender sees. Every check comes before the first write (the stores'
/// fast path for sends relies on it).
pub(crate) fn send_message(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    client_id: String,
    text: String,
    reply_to: Option<u64>,
    now: i64,
) -> Result<SendAck, StoreError> {
    if let Some((stored_in, seq, sent_at)) = r.sent_before(user, &client_id)? {
        if stored_in != conversation {
            return Err(StoreError::Conflict(Reason::ClientIdReused { client_id }));
        }
        return Ok(SendAck {
            conversation,
            client_id,
            seq,
            sent_at,
            duplicate: true,
        });
    }
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::Participate, conversation)?;
    if let Some(original) = reply_to {
        messages::check_reply(r, user, conversation, original)?;
    }
    let kind = match standing {
        Standing::Member(kind, _) => kind,
        _ => Kind::Direct,
    };
    let mentions = messages::mentions_in(r, kind, conversation, user, &text)?;
    let sender = r.user_name(user)?;
    let seq = r.append_message(NewMessage {
        conversation,
        sender: user,
        client_id: &client_id,
        text: &text,
        reply_to,
        mentions: &mentions,
        at: now,
    })?;
    let message = Message {
        conversation,
        seq,
        client_id: client_id.clone(),
        sender,
        text,
        sent_at: now,
        state: TickState::Sent,
        kind: MessageKind::Text,
        edited_at: None,
        deleted: false,
        reply_to,
        reactions: Vec::new(),
        mentions,
        version: 0,
        preview: None,
    };
    if matches!(standing, Standing::Member(Kind::Alias, _)) {
        aliases::publish_message(r, conversation, message)?;
    } else {
        r.publish_to_members(conversation, Change::Message { message })?;
    }
    Ok(SendAck {
        conversation,
        client_id,
        seq,
        sent_at: now,
        duplicate: false,
    })
}

/// A device received messages up to `seq`.
pub(crate) fn mark_delivered(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(), StoreError> {
    member(r, conversation, user)?;
    if !r.privacy(user)? {
        let seq = seq.min(r.last_seq(conversation)?);
        let before = r.aggregates(conversation)?;
        r.raise_receipts(conversation, user, seq, None)?;
        publish_ticks(r, conversation, &before)?;
    }
    Ok(())
}

/// The user read messages up to `seq`: their own cursor (unread counts on all their devices)
/// and, unless private, their public receipt.
pub(crate) fn mark_read(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(), StoreError> {
    let cursors = member(r, conversation, user)?;
    let seq = seq.min(r.last_seq(conversation)?);
    if seq > cursors.read {
        r.set_read(conversation, user, seq)?;
        let unread = r.unread_count(conversation, user, seq.max(cursors.cleared))?;
        r.publish_to_user(
            conversation,
            user,
            Change::ReadCursor {
                conversation,
                read_through: seq,
                unread,
            },
        )?;
    }
    if !r.privacy(user)? {
        let before = r.aggregates(conversation)?;
        r.raise_receipts(conversation, user, seq, Some(seq))?;
        publish_ticks(r, conversation, &before)?;
    }
    Ok(())
}

/// The user marks the conversation unread again from message `seq` on: their own read cursor
/// moves back (never below what they cleared); public receipts, and so the senders' read
/// ticks, stay. Every device of theirs gets the new cursor and unread count.
pub(crate) fn mark_unread(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(), StoreError> {
    let cursors = member(r, conversation, user)?;
    let target = seq.saturating_sub(1).max(cursors.cleared);
    if target < cursors.read {
        r.set_read(conversation, user, target)?;
        let unread = r.unread_count(conversation, user, target)?;
        r.publish_to_user(
            conversation,
            user,
            Change::ReadCursor {
                conversation,
                read_through: target,
                unread,
            },
        )?;
    }
    Ok(())
}

/// The user hides the conversation from their list until its next message (or shows it
/// again): a mark at its newest message, so a send costs nothing for it.
pub(crate) fn set_hidden(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
    hidden: bool,
) -> Result<(), StoreError> {
    let cursors = member(r, conversation, user)?;
    let mark = if hidden {
        r.last_seq(conversation)?.max(1)
    } else {
        0
    };
    if mark != cursors.hidden {
        r.set_hidden(conversation, user, mark)?;
        r.publish_to_user(
            conversation,
            user,
            Change::ConversationSettings {
                conversation,
                muted: cursors.muted,
                cleared_through: cursors.cleared,
                hidden_through: mark,
            },
        )?;
    }
    Ok(())
}

/// Mutes or unmutes the conversation for the user's devices.
pub(crate) fn set_muted(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
    muted: bool,
) -> Result<(), StoreError> {
    let cursors = member(r, conversation, user)?;
    if cursors.muted != muted {
        r.set_muted(conversation, user, muted)?;
        r.publish_to_user(
            conversation,
            user,
            Change::ConversationSettings {
                conversation,
                muted,
                cleared_through: cursors.cleared,
                hidden_through: cursors.hidden,
            },
        )?;
    }
    Ok(())
}

/// Hides everything up to now for the user only; cleared messages cannot stay unread.
pub(crate) fn clear_history(
    r: &mut impl ChatRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    let cursors = member(r, conversation, user)?;
    let last_seq = r.last_seq(conversation)?;
    if last_seq > cursors.cleared {
        r.set_cleared(conversation, user, last_seq)?;
        r.publish_to_user(
            conversation,
            user,
            Change::ConversationSettings {
                conversation,
                muted: cursors.muted,
                cleared_through: last_seq,
                hidden_through: cursors.hidden,
            },
        )?;
        if last_seq > cursors.read {
            r.publish_to_user(
                conversation,
                user,
                Change::ReadCursor {
                    conversation,
                    read_through: last_seq,
                    unread: 0,
                },
            )?;
        }
    }
    Ok(())
}

/// Membership, checked by [`authz`], then the member's cursors.
fn member(
    r: &mut impl ChatRepo,
    conversation: ConversationId,
    user: UserId,
) -> Result<Cursors, StoreError> {
    authz::user_can(
        r.standing(conversation, user)?,
        Action::Participate,
        conversation,
    )?;
    r.cursors(conversation, user)
}

/// A `ticks` change for every sender whose aggregate moved since `before`, except those in
/// privacy mode.
pub(crate) fn publish_ticks(
    r: &mut impl ChatRepo,
    conversation: ConversationId,
    before: &Aggregates,
) -> Result<(), StoreError> {
    let mut now: Vec<(UserId, (u64, u64))> = r.aggregates(conversation)?.into_iter().collect();
    // The stream's order must not depend on a hash map's.
    now.sort_unstable_by_key(|(sender, _)| *sender);
    for (sender, (delivered, read)) in now {
        if before.get(&sender) != Some(&(delivered, read)) && !r.privacy(sender)? {
            r.publish_to_user(conversation, sender, ticks(conversation, (delivered, read)))?;
        }
    }
    Ok(())
}

/// The `ticks` change for a sender's (delivered_through, read_through).
pub(crate) fn ticks(conversation: ConversationId, (delivered, read): (u64, u64)) -> Change {
    Change::Ticks {
        conversation,
        delivered_through: delivered,
        read_through: read,
    }
}
