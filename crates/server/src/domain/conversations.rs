//! Conversations and who is in them: direct conversations, groups (invitations, the size cap,
//! the last one out deletes the group) and Virtual Rooms (owner, moderators, the join link, the
//! switches), written once over [`ConversationRepo`].
//!
//! A group newcomer sees only what is posted after they joined; a room's history belongs to
//! the room, so a new room member sees it (none of it unread). Whoever leaves is taken out of
//! the room's meeting first, and the others' ticks are no longer held back by them.

use confer_proto::{
    Change, ConversationInfo, ConversationSummary, Field, Message, MessageKind, Reason,
};

use super::{
    authz::{self, Action, Kind, Role, Standing},
    chat::{self, ChatRepo},
    meetings::{self, MeetingRepo},
    names,
    users::{self, UserLookup},
};
use crate::store::{ConversationId, StoreError, UserId, UserRecord};

/// A room's switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomFlag {
    /// Everyone but the speaker muted.
    MuteAll,
    /// External guests wait until a moderator lets them in.
    Lobby,
}

/// A conversation about to be created.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewConversation<'a> {
    /// Its kind.
    pub kind: Kind,
    /// A group's or room's name.
    pub name: Option<&'a str>,
    /// The two members of a direct conversation (lower id first): one conversation per pair.
    pub pair: Option<(UserId, UserId)>,
    /// Its meeting link token (rooms and direct conversations).
    pub link: Option<&'a str>,
    /// An alias conversation's alias and writer: one conversation per writer and alias.
    pub alias: Option<(super::aliases::AliasId, UserId)>,
}

/// Where a new member starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Start {
    /// Read, delivered and read-receipt cursors start here: nothing before it is unread.
    pub seen_through: u64,
    /// History up to here is hidden from them.
    pub cleared_through: u64,
}

impl Start {
    /// A founding member: everything is new.
    pub const FRESH: Self = Self {
        seen_through: 0,
        cleared_through: 0,
    };
}

/// What the conversation rules read and write, inside the store's write transaction.
/// What the mail limit reads, on the read side and in the writer alike.
pub(crate) trait MailReads {
    /// How many histories `user` sent by email since `since` (ms since the epoch).
    fn mails_sent_since(&mut self, user: UserId, since: i64) -> Result<u32, StoreError>;
}

pub(crate) trait ConversationRepo: ChatRepo + UserLookup + MailReads {
    /// The direct conversation of a pair (lower id first), if it exists.
    fn direct_between(
        &mut self,
        pair: (UserId, UserId),
    ) -> Result<Option<ConversationId>, StoreError>;
    /// Creates an empty conversation.
    fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
        at: i64,
    ) -> Result<ConversationId, StoreError>;
    /// Adds a member with a role.
    fn add_member(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        role: Role,
        start: Start,
    ) -> Result<(), StoreError>;
    /// Removes a member; false when they were not one.
    fn delete_member(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError>;
    /// Changes a member's role.
    fn set_role(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// How many members other than `except` moderate (the owner included).
    fn moderators_besides(
        &mut self,
        conversation: ConversationId,
        except: UserId,
    ) -> Result<usize, StoreError>;
    /// Whether `user` has a pending invitation.
    fn invited(&mut self, conversation: ConversationId, user: UserId) -> Result<bool, StoreError>;
    /// Records an invitation.
    fn add_invitation(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        inviter: UserId,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Removes a pending invitation; false when there was none.
    fn delete_invitation(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError>;
    /// Who has a pending invitation.
    fn invitees(&mut self, conversation: ConversationId) -> Result<Vec<UserId>, StoreError>;
    /// Deletes the conversation and everything in it (messages, stream rows, members,
    /// invitations, meetings, the calendar); returns who was in it.
    fn delete_conversation(
        &mut self,
        conversation: ConversationId,
    ) -> Result<Vec<UserId>, StoreError>;
    /// Turns a room switch on or off.
    fn set_flag(
        &mut self,
        conversation: ConversationId,
        flag: RoomFlag,
        on: bool,
    ) -> Result<(), StoreError>;
    /// Replaces the join link token.
    fn set_link(&mut self, conversation: ConversationId, link: &str) -> Result<(), StoreError>;
    /// Appends a join, leave or call line under the next sequence number; returns it as stored.
    fn append_event(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        kind: MessageKind,
        at: i64,
    ) -> Result<Message, StoreError>;
    /// The conversation as every member sees it.
    fn conversation_info(
        &mut self,
        conversation: ConversationId,
    ) -> Result<ConversationInfo, StoreError>;
    /// The conversation as `user` sees it (the caller checked membership).
    fn summary(
        &mut self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationSummary, StoreError>;
    /// Appends a change for one user to the stream, filed under a conversation or not (a
    /// change not filed under it survives the conversation's deletion).
    fn publish_for(
        &mut self,
        conversation: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError>;
}

/// Every member gets the conversation as it is now (after a membership or room change).
pub(crate) fn conversation_changed(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    let info = r.conversation_info(conversation)?;
    r.publish_to_members(conversation, Change::Conversation { conversation: info })
}

/// Finds or creates the direct conversation of two users.
pub(crate) fn open_direct(
    r: &mut impl ConversationRepo,
    user: UserId,
    other: &str,
    now: i64,
) -> Result<ConversationSummary, StoreError> {
    let other = users::reachable(r, other)?;
    if other.id == user {
        return Err(StoreError::Invalid(Reason::DirectWithSelf));
    }
    let pair = (user.min(other.id), user.max(other.id));
    let conversation = match r.direct_between(pair)? {
        Some(c) => c,
        None => {
            // The pair's own meeting link.
            let link = crate::auth::new_token();
            let c = r.create_conversation(
                NewConversation {
                    kind: Kind::Direct,
                    name: None,
                    pair: Some(pair),
                    link: Some(&link),
                    alias: None,
                },
                now,
            )?;
            for member in [user, other.id] {
                r.add_member(c, member, Role::Member, Start::FRESH)?;
            }
            conversation_changed(r, c)?;
            c
        }
    };
    r.summary(user, conversation)
}

/// Creates a group with its creator as the only member and invites people. The cap counts
/// members and pending invitations.
pub(crate) fn create_group(
    r: &mut impl ConversationRepo,
    user: UserId,
    invite: &[String],
    name: Option<&str>,
    max_members: usize,
    now: i64,
) -> Result<ConversationSummary, StoreError> {
    let name = name
        .map(|n| names::clean(Field::GroupName, n, 100))
        .transpose()?;
    let mut invitees: Vec<UserId> = Vec::new();
    for n in invite {
        let u = users::reachable(r, n)?;
        if u.id == user {
            return Err(StoreError::Invalid(Reason::InvitedSelf));
        }
        if !invitees.contains(&u.id) {
            invitees.push(u.id);
        }
    }
    if invitees.is_empty() {
        return Err(StoreError::Invalid(Reason::NoInvitees));
    }
    if 1 + invitees.len() > max_members {
        return Err(full(max_members));
    }
    let conversation = r.create_conversation(
        NewConversation {
            kind: Kind::Group,
            name: name.as_deref(),
            pair: None,
            link: None,
            alias: None,
        },
        now,
    )?;
    r.add_member(conversation, user, Role::Member, Start::FRESH)?;
    conversation_changed(r, conversation)?;
    for i in invitees {
        send_invitation(r, conversation, i, user, now)?;
    }
    r.summary(user, conversation)
}

/// Any member invites someone; inviting someone already invited changes nothing.
pub(crate) fn invite_to_group(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    invitee: &str,
    max_members: usize,
    now: i64,
) -> Result<(), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::UseGroup, conversation)?;
    let invitee = users::reachable(r, invitee)?;
    if r.member_ids(conversation)?.contains(&invitee.id) {
        return Err(StoreError::Conflict(Reason::AlreadyMember {
            name: invitee.info.name,
        }));
    }
    if r.invited(conversation, invitee.id)? {
        return Ok(());
    }
    if seats_taken(r, conversation)? + 1 > max_members {
        return Err(full(max_members));
    }
    send_invitation(r, conversation, invitee.id, user, now)
}

/// Accepts an invitation: the newcomer sees only what is posted from now on.
pub(crate) fn join_group(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    max_members: usize,
    now: i64,
) -> Result<ConversationSummary, StoreError> {
    if !r.delete_invitation(conversation, user)? {
        return Err(StoreError::Forbidden(Reason::NoInvitation { conversation }));
    }
    if r.member_ids(conversation)?.len() + 1 > max_members {
        return Err(full(max_members));
    }
    // Everything so far counts as cleared, read and received for them.
    let last = r.last_seq(conversation)?;
    let start = Start {
        seen_through: last,
        cleared_through: last,
    };
    r.add_member(conversation, user, Role::Member, start)?;
    r.publish_for(
        Some(conversation),
        user,
        Change::InvitationClosed { conversation },
    )?;
    conversation_changed(r, conversation)?;
    membership_event(r, conversation, user, MessageKind::Joined, now)?;
    r.summary(user, conversation)
}

/// Refuses an invitation.
pub(crate) fn decline_group(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    if !r.delete_invitation(conversation, user)? {
        return Err(StoreError::NotFound(Reason::NoInvitation { conversation }));
    }
    r.publish_for(
        Some(conversation),
        user,
        Change::InvitationClosed { conversation },
    )
}

/// Leaves a group; the last one out deletes it for good, and pending invitations end.
pub(crate) fn leave_group(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    now: i64,
) -> Result<(), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::UseGroup, conversation)?;
    if r.member_ids(conversation)?.len() > 1 {
        return remove_member(r, conversation, user, now);
    }
    let invitees = r.invitees(conversation)?;
    r.delete_conversation(conversation)?;
    r.publish_for(None, user, Change::Removed { conversation })?;
    for i in invitees {
        r.publish_for(None, i, Change::InvitationClosed { conversation })?;
    }
    Ok(())
}

/// Creates a room owned by `user`.
pub(crate) fn create_room(
    r: &mut impl ConversationRepo,
    user: UserId,
    name: &str,
    link: &str,
    now: i64,
) -> Result<ConversationSummary, StoreError> {
    let name = names::clean(Field::RoomName, name, 100)?;
    let conversation = r.create_conversation(
        NewConversation {
            kind: Kind::Room,
            name: Some(&name),
            pair: None,
            link: Some(link),
            alias: None,
        },
        now,
    )?;
    r.add_member(conversation, user, Role::Owner, Start::FRESH)?;
    conversation_changed(r, conversation)?;
    r.summary(user, conversation)
}

/// A moderator adds a member. A room's history is the room's: the newcomer sees it, none of it
/// unread. A guest in the meeting who becomes a member stays in it, as a participant.
pub(crate) fn add_room_member(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    member: &str,
    now: i64,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    let member = users::reachable(r, member)?;
    if r.member_ids(conversation)?.contains(&member.id) {
        return Err(StoreError::Conflict(Reason::AlreadyMember {
            name: member.info.name,
        }));
    }
    let start = Start {
        seen_through: r.last_seq(conversation)?,
        cleared_through: 0,
    };
    r.add_member(conversation, member.id, Role::Member, start)?;
    conversation_changed(r, conversation)?;
    membership_event(r, conversation, member.id, MessageKind::Joined, now)?;
    meetings::guest_became_member(r, conversation, member.id, now)
}

/// A moderator removes a member (never the owner; only the owner removes a moderator).
pub(crate) fn remove_room_member(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    member: &str,
    now: i64,
) -> Result<(), StoreError> {
    let caller = r.standing(conversation, user)?;
    authz::user_can(caller, Action::Moderate, conversation)?;
    let member = users::existing(r, member)?;
    let target = target_role(r, conversation, &member)?;
    authz::user_can(caller, Action::RemoveMember(target), conversation)?;
    remove_member(r, conversation, member.id, now)
}

/// A moderator makes a member a moderator (a moderator or the owner stays as they are).
pub(crate) fn promote_moderator(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    member: &str,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    let member = users::reachable(r, member)?;
    if target_role(r, conversation, &member)? == Role::Member {
        r.set_role(conversation, member.id, Role::Moderator)?;
        conversation_changed(r, conversation)?;
    }
    Ok(())
}

/// A moderator replaces the join link; the old one stops working.
pub(crate) fn rotate_link(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    link: &str,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    r.set_link(conversation, link)
}

/// A moderator turns one of the room's switches on or off; the members get the room as it is.
pub(crate) fn set_flag(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    flag: RoomFlag,
    on: bool,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    r.set_flag(conversation, flag, on)?;
    conversation_changed(r, conversation)
}

/// A member leaves a room (the owner never; the last moderator only when nobody else stays).
pub(crate) fn leave_room(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    now: i64,
) -> Result<(), StoreError> {
    let caller = r.standing(conversation, user)?;
    authz::user_can(caller, Action::UseRoom, conversation)?;
    let leave = Action::LeaveRoom {
        others: r.member_ids(conversation)?.len().saturating_sub(1),
        other_moderators: r.moderators_besides(conversation, user)?,
    };
    authz::user_can(caller, leave, conversation)?;
    remove_member(r, conversation, user, now)
}

/// The owner deletes a room: its guests are sent away and every member loses it.
pub(crate) fn delete_room(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::DeleteRoom, conversation)?;
    meetings::dismiss_guests(r, conversation, meetings::EndReason::RoomDeleted)?;
    for member in r.delete_conversation(conversation)? {
        r.publish_for(None, member, Change::Removed { conversation })?;
    }
    Ok(())
}

/// A moderator's (or the owner's) role, else `Forbidden`.
pub(crate) fn require_moderator(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    user: UserId,
) -> Result<Role, StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::Moderate, conversation)
}

/// Records an invitation and tells the invitee.
fn send_invitation(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    invitee: UserId,
    inviter: UserId,
    now: i64,
) -> Result<(), StoreError> {
    r.add_invitation(conversation, invitee, inviter, now)?;
    let change = Change::Invited {
        conversation: r.conversation_info(conversation)?,
        inviter: r.user_name(inviter)?,
    };
    r.publish_for(Some(conversation), invitee, change)
}

/// Takes a member out of a group or room: out of its meeting first; they get `removed`, the
/// others the new membership, a `left` line and ticks no longer held back by them.
fn remove_member(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    user: UserId,
    now: i64,
) -> Result<(), StoreError> {
    meetings::leave(r, conversation, user)?;
    let before = r.aggregates(conversation)?;
    r.delete_member(conversation, user)?;
    r.publish_for(None, user, Change::Removed { conversation })?;
    conversation_changed(r, conversation)?;
    membership_event(r, conversation, user, MessageKind::Left, now)?;
    chat::publish_ticks(r, conversation, &before)
}

/// The role of someone the caller acts on; `NotFound` when they are not in the room.
fn target_role(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    target: &UserRecord,
) -> Result<Role, StoreError> {
    let standing = r.standing(conversation, target.id)?;
    match authz::user_can(standing, Action::UseRoom, conversation) {
        Err(StoreError::Forbidden(_)) => Err(StoreError::NotFound(Reason::NotInRoom {
            name: target.info.name.clone(),
        })),
        other => other,
    }
}

/// Members plus pending invitations: what the size cap counts.
fn seats_taken(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
) -> Result<usize, StoreError> {
    Ok(r.member_ids(conversation)?.len() + r.invitees(conversation)?.len())
}

fn full(max: usize) -> StoreError {
    StoreError::Invalid(Reason::GroupFull {
        max: u32::try_from(max).unwrap_or(u32::MAX),
    })
}

/// Appends a join or leave line to the timeline and publishes it to the members.
/// The line a call leaves in its direct conversation, from the caller. The call rules
/// (`super::calls`) checked membership when the call was placed.
pub(crate) fn record_call(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    caller: UserId,
    record: confer_proto::CallRecord,
    now: i64,
) -> Result<(), StoreError> {
    membership_event(r, conversation, caller, MessageKind::Call(record), now)
}

/// The line a shared file leaves in its conversation, from its sender (the file rules,
/// `super::files`, checked the sender may share there); returns its sequence number.
pub(crate) fn share_file(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    sender: UserId,
    file: confer_proto::FileRef,
    now: i64,
) -> Result<u64, StoreError> {
    let message = r.append_event(conversation, sender, MessageKind::File(Box::new(file)), now)?;
    let seq = message.seq;
    r.publish_to_members(conversation, Change::Message { message })?;
    Ok(seq)
}

/// A member may send a conversation's history by email at most `per_hour` times an hour (all
/// conversations together), `sent` being how many went in the last hour.
pub(crate) fn may_mail_history(sent: u32, per_hour: u32) -> Result<(), StoreError> {
    if sent >= per_hour {
        return Err(StoreError::Conflict(Reason::TooManyMails { per_hour }));
    }
    Ok(())
}

/// One hour, in ms: the window of [`may_mail_history`].
pub(crate) const MAIL_WINDOW_MS: i64 = 3_600_000;

/// Checks that `user` may send the history of `conversation` by email now: a member (guests
/// and outsiders read no history), under the hourly limit.
pub(crate) fn check_history_mail(
    r: &mut impl MailReads,
    standing: Standing,
    user: UserId,
    conversation: ConversationId,
    per_hour: u32,
    now: i64,
) -> Result<(), StoreError> {
    authz::user_can(standing, Action::MailHistory, conversation)?;
    may_mail_history(r.mails_sent_since(user, now - MAIL_WINDOW_MS)?, per_hour)
}

/// The history went: every member sees "alice sent the history to dana@example.com". Only
/// membership is checked again (the member may have left while the mail went); the limit was
/// checked before sending, since a mail that went must be told about.
pub(crate) fn record_history_mail(
    r: &mut impl ConversationRepo,
    user: UserId,
    conversation: ConversationId,
    to: String,
    now: i64,
) -> Result<(), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::MailHistory, conversation)?;
    membership_event(r, conversation, user, MessageKind::Mailed { to }, now)
}

fn membership_event(
    r: &mut impl ConversationRepo,
    conversation: ConversationId,
    user: UserId,
    kind: MessageKind,
    now: i64,
) -> Result<(), StoreError> {
    let message = r.append_event(conversation, user, kind, now)?;
    r.publish_to_members(conversation, Change::Message { message })
}
