//! What happens to a message after it is posted: its sender edits or deletes it, members react
//! to it, answer it and name each other in it. Written once over [`MessageRepo`], which each
//! store implements inside its write transaction.
//!
//! Every change raises the message's `version` and publishes the whole message as it now is
//! (`message_updated`) through the stream, to the members who may see it (not those who cleared
//! it or joined the group after it), so live devices get it at once and offline ones on resume.
//! An edit or deletion also rewrites the stream rows that carry the message, so a device that
//! syncs from the start never receives a deleted or replaced text.

use confer_proto::{Change, MAX_REACTIONS, Message, MessageKind, Reaction, Reason, TickState};

use super::{
    authz::{self, Action, Kind, Standing},
    chat::ChatRepo,
    names,
    views::StoredMessage,
};
use crate::store::{ConversationId, StoreError, UserId};

/// A reaction as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReactionRow {
    /// The message.
    pub seq: u64,
    /// The emoji.
    pub emoji: String,
    /// Who (account name).
    pub user: String,
    /// When, ms since the epoch.
    pub at: i64,
}

/// Reads shared by the views and the rules.
pub(crate) trait MessageReads {
    /// The reactions to messages `seqs` of a conversation, in any order.
    fn reactions(
        &mut self,
        conversation: ConversationId,
        seqs: &[u64],
    ) -> Result<Vec<ReactionRow>, StoreError>;
    /// The members with their account names, by id.
    fn member_names(
        &mut self,
        conversation: ConversationId,
    ) -> Result<Vec<(UserId, String)>, StoreError>;
}

/// What the message rules read and write.
pub(crate) trait MessageRepo: ChatRepo + MessageReads {
    /// One message as stored.
    fn stored_message(
        &mut self,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<Option<StoredMessage>, StoreError>;
    /// Replaces the text and mentions, marks it edited at `at`; returns the new version.
    fn rewrite_text(
        &mut self,
        conversation: ConversationId,
        seq: u64,
        text: &str,
        mentions: &[String],
        at: i64,
    ) -> Result<u64, StoreError>;
    /// Empties the text, drops mentions and reactions, marks it deleted; returns the new
    /// version.
    fn mark_deleted(
        &mut self,
        conversation: ConversationId,
        seq: u64,
        at: i64,
    ) -> Result<u64, StoreError>;
    /// Adds a reaction; false when it was there already.
    fn put_reaction(
        &mut self,
        conversation: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
        at: i64,
    ) -> Result<bool, StoreError>;
    /// Takes a reaction back; false when there was none.
    fn delete_reaction(
        &mut self,
        conversation: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
    ) -> Result<bool, StoreError>;
    /// Sets (or takes away) the link card and raises the version; returns it.
    fn set_preview(
        &mut self,
        conversation: ConversationId,
        seq: u64,
        preview: Option<&confer_proto::LinkPreview>,
    ) -> Result<u64, StoreError>;
    /// Raises the version; returns it.
    fn bump_version(&mut self, conversation: ConversationId, seq: u64) -> Result<u64, StoreError>;
    /// Members who do not see message `seq` (cleared up to it or joined after it).
    fn members_hiding(
        &mut self,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<Vec<UserId>, StoreError>;
    /// The stream rows that carry the message: (position, change).
    fn message_rows(
        &mut self,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<Vec<(u64, Change)>, StoreError>;
    /// Rewrites a stream row's change in place (its position stays).
    fn replace_row(&mut self, position: u64, change: &Change) -> Result<(), StoreError>;
}

/// The sequence number of the message a stream change carries, if it carries one: how the
/// stores file rows that [`MessageRepo::message_rows`] finds.
pub(crate) fn message_seq(change: &Change) -> Option<u64> {
    match change {
        Change::Message { message } | Change::MessageUpdated { message } => Some(message.seq),
        _ => None,
    }
}

/// The members a text names with `@name`, among `members` (case-insensitive), without the
/// sender, each once, in order. An `@` inside a word (an e-mail address) names no one; a
/// trailing full stop ends the name.
pub(crate) fn mentions(text: &str, sender: UserId, members: &[(UserId, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && (i == 0 || !name_char(chars[i - 1]) && chars[i - 1] != '@') {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && name_char(chars[end]) {
                end += 1;
            }
            let mut name: String = chars[start..end].iter().collect();
            while name.ends_with('.') {
                name.pop();
            }
            if let Some((_, member)) = members
                .iter()
                .find(|(id, n)| *id != sender && n.eq_ignore_ascii_case(&name))
                && !out.contains(member)
            {
                out.push(member.clone());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Mentions as the conversation allows them: groups and rooms only, and only when the text
/// has an `@` (no member list read otherwise).
pub(crate) fn mentions_in(
    r: &mut impl MessageRepo,
    kind: Kind,
    conversation: ConversationId,
    sender: UserId,
    text: &str,
) -> Result<Vec<String>, StoreError> {
    if !matches!(kind, Kind::Group | Kind::Room) || !text.contains('@') {
        return Ok(Vec::new());
    }
    let members = r.member_names(conversation)?;
    Ok(mentions(text, sender, &members))
}

/// Groups reaction rows onto their messages: emoji in the order first used, users in the
/// order they reacted (the same on every store).
pub(crate) fn attach_reactions(
    r: &mut impl MessageReads,
    conversation: ConversationId,
    messages: &mut [Message],
) -> Result<(), StoreError> {
    let seqs: Vec<u64> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::Text && !m.deleted)
        .map(|m| m.seq)
        .collect();
    if seqs.is_empty() {
        return Ok(());
    }
    let mut rows = r.reactions(conversation, &seqs)?;
    rows.sort_by(|a, b| (a.seq, a.at, &a.user, &a.emoji).cmp(&(b.seq, b.at, &b.user, &b.emoji)));
    for m in messages.iter_mut() {
        m.reactions.clear();
    }
    for row in rows {
        let Some(m) = messages.iter_mut().find(|m| m.seq == row.seq) else {
            continue;
        };
        match m.reactions.iter_mut().find(|x| x.emoji == row.emoji) {
            Some(reaction) => reaction.users.push(row.user),
            None => m.reactions.push(Reaction {
                emoji: row.emoji,
                users: vec![row.user],
            }),
        }
    }
    Ok(())
}

/// A message `user` may see, with where they stand: `NoSuchMessage` for one that does not
/// exist or that they cleared (or that predates their joining the group).
fn visible(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(Standing, StoredMessage), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::Participate, conversation)?;
    let missing = || StoreError::NotFound(Reason::NoSuchMessage { conversation, seq });
    let message = r.stored_message(conversation, seq)?.ok_or_else(missing)?;
    if seq <= r.cursors(conversation, user)?.cleared {
        return Err(missing());
    }
    Ok((standing, message))
}

/// A visible text message that was not deleted: what one answers, edits or reacts to.
fn living_text(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(Standing, StoredMessage), StoreError> {
    let (standing, message) = visible(r, user, conversation, seq)?;
    alive(conversation, &message)?;
    Ok((standing, message))
}

/// A visible message the caller may change: their own ([`Action::ChangeMessage`]).
fn own(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
) -> Result<(Standing, StoredMessage), StoreError> {
    let (standing, message) = visible(r, user, conversation, seq)?;
    let own = message.sender_id == user;
    authz::user_can(standing, Action::ChangeMessage { seq, own }, conversation)?;
    Ok((standing, message))
}

/// A text or a shared file, not deleted: what one answers or reacts to.
fn alive(conversation: ConversationId, message: &StoredMessage) -> Result<(), StoreError> {
    let seq = message.seq;
    if !matches!(message.kind, MessageKind::Text | MessageKind::File(_)) {
        return Err(StoreError::Invalid(Reason::NotATextMessage {
            conversation,
            seq,
        }));
    }
    if message.deleted {
        return Err(StoreError::Conflict(Reason::MessageDeleted {
            conversation,
            seq,
        }));
    }
    Ok(())
}

/// Checks what a new message answers: a visible, living text of the same conversation.
pub(crate) fn check_reply(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    reply_to: u64,
) -> Result<(), StoreError> {
    living_text(r, user, conversation, reply_to).map(|_| ())
}

fn kind_of(standing: Standing) -> Kind {
    match standing {
        Standing::Member(kind, _) | Standing::Outsider(kind) => kind,
        Standing::Unknown => Kind::Direct,
    }
}

/// The sender replaces the text of their message. The same text changes nothing (which makes
/// a client's repeated edit harmless); a new one is marked edited, its mentions recomputed.
pub(crate) fn edit_message(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
    text: String,
    now: i64,
) -> Result<(), StoreError> {
    let (standing, message) = own(r, user, conversation, seq)?;
    alive(conversation, &message)?;
    if message.kind != MessageKind::Text {
        return Err(StoreError::Invalid(Reason::NotATextMessage {
            conversation,
            seq,
        }));
    }
    if message.text == text {
        return Ok(());
    }
    let mentions = mentions_in(r, kind_of(standing), conversation, user, &text)?;
    let mut version = r.rewrite_text(conversation, seq, &text, &mentions, now)?;
    // A card stays with its link: an edit that changes the first link takes it away (the
    // previewer brings the new link's card).
    let mut preview = message.preview.clone();
    if preview.is_some()
        && confer_preview::first_link(&message.text) != confer_preview::first_link(&text)
    {
        version = r.set_preview(conversation, seq, None)?;
        preview = None;
    }
    let updated = StoredMessage {
        text,
        mentions,
        edited_at: Some(now),
        version,
        preview,
        ..message
    };
    scrub_rows(r, conversation, &updated)?;
    publish_update(r, conversation, updated)
}

/// The sender deletes their message: its text, mentions and reactions go, "Message deleted"
/// stays in its place, answers to it stay. Deleting it again changes nothing.
pub(crate) fn delete_message(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
    now: i64,
) -> Result<(), StoreError> {
    let (_, message) = own(r, user, conversation, seq)?;
    if !matches!(message.kind, MessageKind::Text | MessageKind::File(_)) {
        return Err(StoreError::Invalid(Reason::NotATextMessage {
            conversation,
            seq,
        }));
    }
    if message.deleted {
        return Ok(());
    }
    let version = r.mark_deleted(conversation, seq, now)?;
    let updated = StoredMessage {
        text: String::new(),
        mentions: Vec::new(),
        deleted: true,
        version,
        // A deleted file keeps nothing of itself, its name included (as stored: the body is
        // emptied), and the file goes with it.
        kind: MessageKind::Text,
        preview: None,
        ..message
    };
    scrub_rows(r, conversation, &updated)?;
    publish_update(r, conversation, updated)
}

/// The previewer fetched the card of `url` for message `seq`: it is attached if the message is
/// still a living text whose first link is `url` (an edit or a deletion while the page was
/// fetched wins), and published like any change of the message.
pub(crate) fn attach_preview(
    r: &mut impl MessageRepo,
    conversation: ConversationId,
    seq: u64,
    url: &str,
    preview: Box<confer_proto::LinkPreview>,
) -> Result<(), StoreError> {
    let Some(message) = r.stored_message(conversation, seq)? else {
        return Ok(());
    };
    if message.deleted
        || message.kind != MessageKind::Text
        || confer_preview::first_link(&message.text) != Some(url)
        || message.preview.as_ref() == Some(&preview)
    {
        return Ok(());
    }
    let version = r.set_preview(conversation, seq, Some(&preview))?;
    let updated = StoredMessage {
        version,
        preview: Some(preview),
        ..message
    };
    scrub_rows(r, conversation, &updated)?;
    publish_update(r, conversation, updated)
}

/// A member adds (`on`) or takes back a reaction: one of each emoji per user, at most
/// [`MAX_REACTIONS`] different ones per message. Only a change is published.
pub(crate) fn set_reaction(
    r: &mut impl MessageRepo,
    user: UserId,
    conversation: ConversationId,
    seq: u64,
    emoji: &str,
    on: bool,
    now: i64,
) -> Result<(), StoreError> {
    let emoji = names::emoji(emoji)?;
    let (_, message) = living_text(r, user, conversation, seq)?;
    let changed = if on {
        let existing = r.reactions(conversation, &[seq])?;
        let known = existing.iter().any(|x| x.emoji == emoji);
        if !known {
            let mut distinct: Vec<&str> = existing.iter().map(|x| x.emoji.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() >= MAX_REACTIONS {
                return Err(StoreError::Conflict(Reason::TooManyReactions {
                    max: MAX_REACTIONS as u32,
                }));
            }
        }
        r.put_reaction(conversation, seq, user, &emoji, now)?
    } else {
        r.delete_reaction(conversation, seq, user, &emoji)?
    };
    if !changed {
        return Ok(());
    }
    let version = r.bump_version(conversation, seq)?;
    publish_update(r, conversation, StoredMessage { version, ..message })
}

/// Publishes the message as it now is to the members who see it: one row for all when nobody
/// hides it and no alias masks it, else a row per member as that member may see it.
fn publish_update(
    r: &mut impl MessageRepo,
    conversation: ConversationId,
    message: StoredMessage,
) -> Result<(), StoreError> {
    let seq = message.seq;
    let mut message = message.into_message(conversation, TickState::Sent);
    attach_reactions(r, conversation, std::slice::from_mut(&mut message))?;
    let hidden = r.members_hiding(conversation, seq)?;
    let side = r.alias_side(conversation)?;
    let masked = side.as_ref().is_some_and(|s| !s.alias.show_members);
    if hidden.is_empty() && !masked {
        return r.publish_to_members(conversation, Change::MessageUpdated { message });
    }
    for member in r.member_ids(conversation)? {
        if hidden.contains(&member) {
            continue;
        }
        let shown = match &side {
            Some(side) => side.message_for(member, message.clone()),
            None => message.clone(),
        };
        r.publish_to_user(
            conversation,
            member,
            Change::MessageUpdated { message: shown },
        )?;
    }
    Ok(())
}

/// Rewrites the stream rows that carry the message so they hold its current text (the sender
/// as each row showed it is kept: alias rows stay masked).
fn scrub_rows(
    r: &mut impl MessageRepo,
    conversation: ConversationId,
    now: &StoredMessage,
) -> Result<(), StoreError> {
    for (position, mut change) in r.message_rows(conversation, now.seq)? {
        let (Change::Message { message } | Change::MessageUpdated { message }) = &mut change else {
            continue;
        };
        message.text = now.text.clone();
        message.edited_at = now.edited_at;
        message.deleted = now.deleted;
        message.mentions = now.mentions.clone();
        if now.deleted {
            message.reactions.clear();
        }
        r.replace_row(position, &change)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_name_members_once_in_order_without_the_sender() {
        let members = vec![
            (1, "alice".to_owned()),
            (2, "bob".to_owned()),
            (3, "carol.d".to_owned()),
        ];
        let cases: &[(&str, &[&str])] = &[
            ("@bob hi", &["bob"]),
            ("hi @BOB, and @carol.d.", &["bob", "carol.d"]),
            ("@carol.d @bob @bob", &["carol.d", "bob"]),
            ("mail bob@example.com", &[]),
            ("@alice talks to herself", &[]),
            ("@dave is not here", &[]),
            ("(@bob)", &["bob"]),
            ("@@bob", &[]),
            ("@", &[]),
            ("@bobby", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(mentions(text, 1, &members), *want, "{text:?}");
        }
    }

    #[test]
    fn the_stream_files_message_changes_under_their_seq() {
        let message = crate::domain::views::StoredMessage {
            seq: 9,
            sender_id: 1,
            sender: "alice".into(),
            client_id: "c".into(),
            text: "t".into(),
            sent_at: 0,
            kind: MessageKind::Text,
            edited_at: None,
            deleted: false,
            reply_to: None,
            mentions: vec![],
            version: 0,
            preview: None,
        }
        .into_message(3, TickState::Sent);
        assert_eq!(
            message_seq(&Change::Message {
                message: message.clone()
            }),
            Some(9)
        );
        assert_eq!(message_seq(&Change::MessageUpdated { message }), Some(9));
        assert_eq!(message_seq(&Change::Calendar { conversation: 3 }), None);
    }
}
