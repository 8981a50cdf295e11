//! Aliases: shared addresses ("support") that several people answer, written once over
//! [`AliasRepo`].
//!
//! Writing to an alias opens one conversation between the writer and the alias. Every current
//! member of the alias is in it (role [`Role::Agent`]) and any of them answers; a member added
//! later sees it from then on (like a group newcomer), a member removed from the alias loses it.
//! Ticks and unread counts follow the group rules. Unless the alias shows its members, the
//! writer sees the alias where the others would see who answered: in the member list, as the
//! sender of answers, in summaries and history. The masking is [`AliasSide`]'s, and every path
//! that shows an alias conversation to its writer goes through it.

use confer_proto::{
    AliasInfo, Change, ConversationInfo, ConversationSummary, Field, Message, Reason,
};

use super::{
    accounts,
    authz::{Kind, Role},
    chat::{self, ChatRepo},
    conversations::{self, ConversationRepo, NewConversation, Start},
    names, users,
};
use crate::store::{ConversationId, StoreError, UserId};

/// An alias's id.
pub(crate) type AliasId = i64;

/// An alias as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alias {
    /// Its id.
    pub id: AliasId,
    /// Its name (shared namespace with users).
    pub name: String,
    /// What people see.
    pub display_name: String,
    /// Whether the writer sees who answers.
    pub show_members: bool,
}

/// The alias side of an alias conversation: whom the writer wrote to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliasSide {
    /// The alias.
    pub alias: Alias,
    /// Who wrote to it.
    pub writer: UserId,
    /// Their account name.
    pub writer_name: String,
}

impl AliasSide {
    fn hides_from(&self, viewer: UserId) -> bool {
        viewer == self.writer && !self.alias.show_members
    }

    fn info(&self) -> AliasInfo {
        AliasInfo {
            name: self.alias.name.clone(),
            display_name: self.alias.display_name.clone(),
            writer: Some(self.writer_name.clone()),
        }
    }

    /// The conversation as `viewer` sees it: always with its alias; the writer (unless the
    /// alias shows its members) sees themselves and the alias as its members.
    pub(crate) fn info_for(&self, viewer: UserId, mut info: ConversationInfo) -> ConversationInfo {
        if self.hides_from(viewer) {
            info.members = vec![self.writer_name.clone(), self.alias.name.clone()];
            info.members.sort();
        }
        info.alias = Some(self.info());
        info
    }

    /// A message as `viewer` sees it: answers come from the alias for a writer who does not
    /// see the members.
    pub(crate) fn message_for(&self, viewer: UserId, mut message: Message) -> Message {
        if self.hides_from(viewer) {
            if message.sender != self.writer_name {
                message.sender = self.alias.name.clone();
            }
            // Those who answer react as the alias too (once, however many of them did).
            for reaction in &mut message.reactions {
                let mut shown: Vec<String> = Vec::with_capacity(reaction.users.len());
                for user in reaction.users.drain(..) {
                    let user = if user == self.writer_name {
                        user
                    } else {
                        self.alias.name.clone()
                    };
                    if !shown.contains(&user) {
                        shown.push(user);
                    }
                }
                reaction.users = shown;
            }
        }
        message
    }

    /// The name `viewer` sees `user` (named `name`) under: the alias for a writer who does not
    /// see the members.
    pub(crate) fn name_for(&self, viewer: UserId, user: UserId, name: String) -> String {
        if self.hides_from(viewer) && user != self.writer {
            self.alias.name.clone()
        } else {
            name
        }
    }
}

/// The one read every view of a conversation needs to show an alias conversation.
pub(crate) trait AliasReads {
    /// The alias side of an alias conversation; `None` for any other conversation.
    fn alias_side(&mut self, conversation: ConversationId)
    -> Result<Option<AliasSide>, StoreError>;
}

/// What the alias rules read and write, inside the store's write transaction.
pub(crate) trait AliasRepo: ConversationRepo + AliasReads {
    /// An alias by name (any case).
    fn alias_named(&mut self, name: &str) -> Result<Option<Alias>, StoreError>;
    /// Stores a new alias.
    fn insert_alias(
        &mut self,
        name: &str,
        display_name: &str,
        show_members: bool,
        at: i64,
    ) -> Result<AliasId, StoreError>;
    /// Deletes an alias and its member list (its conversations are deleted before).
    fn delete_alias(&mut self, alias: AliasId) -> Result<(), StoreError>;
    /// The alias's members.
    fn alias_member_ids(&mut self, alias: AliasId) -> Result<Vec<UserId>, StoreError>;
    /// Adds or removes a member of the alias; whether anything changed.
    fn set_alias_member(
        &mut self,
        alias: AliasId,
        user: UserId,
        member: bool,
    ) -> Result<bool, StoreError>;
    /// The alias's conversations with their writers.
    fn alias_conversations(
        &mut self,
        alias: AliasId,
    ) -> Result<Vec<(ConversationId, UserId)>, StoreError>;
    /// The conversation of `writer` with the alias, if any.
    fn alias_conversation(
        &mut self,
        alias: AliasId,
        writer: UserId,
    ) -> Result<Option<ConversationId>, StoreError>;
}

/// An administrator defines an alias. Its name follows the account-name rule and must not be
/// a user's or another alias's.
pub(crate) fn create_alias(
    r: &mut impl AliasRepo,
    name: &str,
    display_name: &str,
    show_members: bool,
    now: i64,
) -> Result<(), StoreError> {
    let name = name.to_lowercase();
    accounts::validate_login(&name)?;
    let display_name = names::clean(Field::DisplayName, display_name, 128)?;
    if r.lookup_user(&name)?.is_some() {
        return Err(StoreError::Conflict(Reason::UserExists { name }));
    }
    if r.alias_named(&name)?.is_some() {
        return Err(StoreError::Conflict(Reason::AliasExists { name }));
    }
    r.insert_alias(&name, &display_name, show_members, now)?;
    Ok(())
}

/// An administrator removes an alias: its conversations go for everyone in them.
pub(crate) fn delete_alias(r: &mut impl AliasRepo, name: &str) -> Result<(), StoreError> {
    let alias = named(r, name)?;
    for (conversation, _) in r.alias_conversations(alias.id)? {
        for member in r.delete_conversation(conversation)? {
            r.publish_for(None, member, Change::Removed { conversation })?;
        }
    }
    r.delete_alias(alias.id)
}

/// An administrator adds a member: they join every conversation of the alias, seeing each
/// from now on.
pub(crate) fn add_member(
    r: &mut impl AliasRepo,
    alias: &str,
    member: &str,
) -> Result<(), StoreError> {
    let alias = named(r, alias)?;
    let member = users::reachable(r, member)?;
    if !r.set_alias_member(alias.id, member.id, true)? {
        return Ok(());
    }
    for (conversation, writer) in r.alias_conversations(alias.id)? {
        if writer == member.id {
            continue;
        }
        let last = r.last_seq(conversation)?;
        let start = Start {
            seen_through: last,
            cleared_through: last,
        };
        r.add_member(conversation, member.id, Role::Agent, start)?;
        publish_info(r, conversation)?;
    }
    Ok(())
}

/// An administrator removes a member: they lose every conversation of the alias (but one they
/// wrote themselves), and nobody's ticks wait for them any more.
pub(crate) fn remove_member(
    r: &mut impl AliasRepo,
    alias: &str,
    member: &str,
) -> Result<(), StoreError> {
    let alias = named(r, alias)?;
    let member = users::existing(r, member)?;
    if !r.set_alias_member(alias.id, member.id, false)? {
        return Err(StoreError::NotFound(Reason::NoSuchUser {
            name: member.info.name,
        }));
    }
    for (conversation, writer) in r.alias_conversations(alias.id)? {
        if writer == member.id {
            continue;
        }
        let before = r.aggregates(conversation)?;
        r.delete_member(conversation, member.id)?;
        r.publish_for(None, member.id, Change::Removed { conversation })?;
        publish_info(r, conversation)?;
        chat::publish_ticks(r, conversation, &before)?;
    }
    Ok(())
}

/// Opens (or finds) the conversation of `user` with a user or an alias of that name.
pub(crate) fn open(
    r: &mut impl AliasRepo,
    user: UserId,
    name: &str,
    now: i64,
) -> Result<ConversationSummary, StoreError> {
    let Some(alias) = r.alias_named(name)? else {
        return conversations::open_direct(r, user, name, now);
    };
    let conversation = match r.alias_conversation(alias.id, user)? {
        Some(c) => c,
        None => {
            let c = r.create_conversation(
                NewConversation {
                    kind: Kind::Alias,
                    name: None,
                    pair: None,
                    link: None,
                    alias: Some((alias.id, user)),
                },
                now,
            )?;
            r.add_member(c, user, Role::Member, Start::FRESH)?;
            for agent in r.alias_member_ids(alias.id)? {
                if agent != user {
                    r.add_member(c, agent, Role::Agent, Start::FRESH)?;
                }
            }
            publish_info(r, c)?;
            c
        }
    };
    r.summary(user, conversation)
}

/// Publishes a message of an alias conversation: the writer who does not see the members gets
/// the answer from the alias, everyone else as sent. Each member gets a copy of their own (a
/// row per member), since what the writer may see differs.
pub(crate) fn publish_message(
    r: &mut impl ChatRepo,
    conversation: ConversationId,
    message: Message,
) -> Result<(), StoreError> {
    let Some(side) = r.alias_side(conversation)? else {
        return r.publish_to_members(conversation, Change::Message { message });
    };
    if side.alias.show_members {
        return r.publish_to_members(conversation, Change::Message { message });
    }
    for member in r.member_ids(conversation)? {
        let shown = side.message_for(member, message.clone());
        r.publish_to_user(conversation, member, Change::Message { message: shown })?;
    }
    Ok(())
}

/// Every member gets the conversation as they may see it.
fn publish_info(r: &mut impl AliasRepo, conversation: ConversationId) -> Result<(), StoreError> {
    let info = r.conversation_info(conversation)?;
    let side = r
        .alias_side(conversation)?
        .ok_or_else(|| StoreError::Corrupt(format!("conversation {conversation} has no alias")))?;
    for member in r.member_ids(conversation)? {
        let shown = side.info_for(member, info.clone());
        r.publish_for(
            Some(conversation),
            member,
            Change::Conversation {
                conversation: shown,
            },
        )?;
    }
    Ok(())
}

fn named(r: &mut impl AliasRepo, name: &str) -> Result<Alias, StoreError> {
    r.alias_named(name)?.ok_or_else(|| {
        StoreError::NotFound(Reason::NoSuchAlias {
            name: name.to_owned(),
        })
    })
}
