//! Authorization, in one place: who may do what in a conversation.
//!
//! Storage supplies only the facts (whether the conversation exists, its kind, the caller's role
//! in it, and for a few actions the roles around them); [`user_can`] decides and words the
//! refusal. Every store calls it, and so does every front end through the store, so a rule is
//! never written twice. The table-driven matrix in `tests/integration/rooms.rs` checks it
//! through the WebSocket; the unit tests below check it directly.

use confer_proto::Reason;

use crate::store::{ConversationId, StoreError};

/// The kinds of conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Two people.
    Direct,
    /// A group chat.
    Group,
    /// A Virtual Room.
    Room,
    /// A writer and the people who answer for an alias.
    Alias,
}

impl Kind {
    /// The kind as stored.
    pub(crate) fn from_stored(s: &str) -> Self {
        match s {
            "group" => Self::Group,
            "room" => Self::Room,
            "alias" => Self::Alias,
            _ => Self::Direct,
        }
    }
}

/// A member's role; every member of a direct conversation or a group is a plain member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Created the room; cannot be removed or leave.
    Owner,
    /// Manages members, the link, the lobby and the calendar.
    Moderator,
    /// Everyone else (in an alias conversation: the one who wrote to the alias).
    Member,
    /// Answers for the alias in an alias conversation, as a member of the alias.
    Agent,
}

impl Role {
    /// The role as stored.
    pub(crate) fn from_stored(s: &str) -> Self {
        match s {
            "owner" => Self::Owner,
            "moderator" => Self::Moderator,
            "agent" => Self::Agent,
            _ => Self::Member,
        }
    }

    fn moderates(self) -> bool {
        matches!(self, Self::Owner | Self::Moderator)
    }
}

/// Where the caller stands towards a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// No such conversation (or it was deleted).
    Unknown,
    /// It exists; the caller is not a member.
    Outsider(Kind),
    /// A member, with a role.
    Member(Kind, Role),
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Post, read history, send receipts, mute or clear: anything a member does in any kind of
    /// conversation.
    Participate,
    /// Invite someone to a group, or leave it.
    UseGroup,
    /// Be in a room as a member: start or join its meeting, leave the meeting.
    UseRoom,
    /// Add or promote members, change the link, the switches, the lobby, the calendar.
    Moderate,
    /// Remove a member whose role is given.
    RemoveMember(Role),
    /// Delete the room.
    DeleteRoom,
    /// Delete a scheduled meeting of the room.
    DeleteScheduledMeeting,
    /// Leave the room, knowing how many others stay and how many of them moderate.
    LeaveRoom {
        /// Members who stay.
        others: usize,
        /// Of them, moderators and the owner.
        other_moderators: usize,
    },
    /// Read the meeting link: either member of a direct conversation, a room's moderators.
    ReadMeetingLink,
    /// Start, join or leave the conversation's meeting: members of a room or of a direct
    /// conversation (groups have no meeting).
    UseMeeting,
    /// Place a 1:1 call: the members of a direct conversation.
    Call,
    /// Upload a file into the conversation: any member, in every kind of conversation.
    ShareFile,
    /// Send the conversation's history by email: any member, in every kind of conversation
    /// (what they send is what they see).
    MailHistory,
    /// Download a file shared in the conversation: any member (the file rules also hide files
    /// whose message the member does not see). Outsiders are told the file does not exist.
    ReadFile,
    /// Edit or delete message `seq`, which the caller sent (`own`) or not: its sender only,
    /// in every kind of conversation; moderators get no exception.
    ChangeMessage {
        /// The message.
        seq: u64,
        /// Whether the caller sent it.
        own: bool,
    },
}

/// Decides; on success returns the caller's role, else the refusal with its reason.
pub(crate) fn user_can(
    standing: Standing,
    action: Action,
    conversation: ConversationId,
) -> Result<Role, StoreError> {
    let (kind, role) = match standing {
        // Whether a file exists is not for outsiders to learn.
        Standing::Unknown | Standing::Outsider(_) if action == Action::ReadFile => {
            return Err(StoreError::NotFound(Reason::NoSuchFile));
        }
        Standing::Unknown => {
            return Err(StoreError::NotFound(Reason::NoSuchConversation {
                conversation,
            }));
        }
        Standing::Outsider(_) => {
            return Err(StoreError::Forbidden(Reason::NotAMember { conversation }));
        }
        Standing::Member(kind, role) => (kind, role),
    };
    let invalid = |why: Reason| Err(StoreError::Invalid(why));
    let forbidden = |why: Reason| Err(StoreError::Forbidden(why));
    match action {
        Action::Participate | Action::ShareFile | Action::ReadFile | Action::MailHistory => {
            Ok(role)
        }
        Action::UseGroup if kind != Kind::Group => invalid(Reason::NotAGroup { conversation }),
        Action::UseGroup => Ok(role),
        Action::ReadMeetingLink => match kind {
            Kind::Direct => Ok(role),
            Kind::Room if role.moderates() => Ok(role),
            Kind::Room => forbidden(Reason::ModeratorsOnly { conversation }),
            Kind::Group | Kind::Alias => invalid(Reason::NoMeetingLink { conversation }),
        },
        // A group's meeting is an instant one among its members: no link, guests or
        // moderators (those need a room).
        Action::UseMeeting if kind == Kind::Alias => invalid(Reason::NoMeeting { conversation }),
        Action::UseMeeting => Ok(role),
        Action::Call if kind != Kind::Direct => invalid(Reason::NoCalls { conversation }),
        Action::Call => Ok(role),
        Action::ChangeMessage { own: true, .. } => Ok(role),
        Action::ChangeMessage { seq, own: false } => {
            forbidden(Reason::SenderOnly { conversation, seq })
        }
        _ if kind != Kind::Room => invalid(Reason::NotARoom { conversation }),
        Action::UseRoom => Ok(role),
        Action::DeleteRoom | Action::DeleteScheduledMeeting if role != Role::Owner => {
            forbidden(Reason::OwnerOnly { conversation })
        }
        Action::DeleteRoom | Action::DeleteScheduledMeeting => Ok(role),
        Action::LeaveRoom { .. } if role == Role::Owner => forbidden(Reason::OwnerCannotLeave),
        Action::LeaveRoom {
            others,
            other_moderators,
        } if role == Role::Moderator && others > 0 && other_moderators == 0 => {
            forbidden(Reason::PromoteBeforeLeaving)
        }
        Action::LeaveRoom { .. } => Ok(role),
        Action::Moderate | Action::RemoveMember(_) if !role.moderates() => {
            forbidden(Reason::ModeratorsOnly { conversation })
        }
        Action::Moderate => Ok(role),
        Action::RemoveMember(Role::Owner) => forbidden(Reason::OwnerCannotBeRemoved),
        Action::RemoveMember(_) => Ok(role),
    }
}

#[cfg(test)]
mod tests {
    use super::{Action::*, Kind::*, *};

    /// The refusal code, or "ok".
    fn outcome(standing: Standing, action: Action) -> &'static str {
        match user_can(standing, action, 7) {
            Ok(_) => "ok",
            Err(StoreError::NotFound(_)) => "not_found",
            Err(StoreError::Forbidden(_)) => "forbidden",
            Err(StoreError::Invalid(_)) => "invalid",
            Err(e) => panic!("{e}"),
        }
    }

    /// The refusal's reason.
    fn reason(standing: Standing, action: Action) -> Reason {
        match user_can(standing, action, 7) {
            Err(
                StoreError::NotFound(r)
                | StoreError::Forbidden(r)
                | StoreError::Invalid(r)
                | StoreError::Conflict(r),
            ) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_refusal_says_why() {
        let c = 7;
        let member = |kind, role| Standing::Member(kind, role);
        for (standing, action, want) in [
            (
                Standing::Unknown,
                Participate,
                Reason::NoSuchConversation { conversation: c },
            ),
            (
                Standing::Outsider(Room),
                UseRoom,
                Reason::NotAMember { conversation: c },
            ),
            (
                member(Direct, Role::Member),
                UseGroup,
                Reason::NotAGroup { conversation: c },
            ),
            (
                member(Group, Role::Member),
                Moderate,
                Reason::NotARoom { conversation: c },
            ),
            (
                member(Group, Role::Member),
                ReadMeetingLink,
                Reason::NoMeetingLink { conversation: c },
            ),
            (
                member(Alias, Role::Member),
                UseMeeting,
                Reason::NoMeeting { conversation: c },
            ),
            (
                member(Room, Role::Member),
                Moderate,
                Reason::ModeratorsOnly { conversation: c },
            ),
            (
                member(Room, Role::Moderator),
                DeleteRoom,
                Reason::OwnerOnly { conversation: c },
            ),
            (
                member(Room, Role::Owner),
                LeaveRoom {
                    others: 0,
                    other_moderators: 0,
                },
                Reason::OwnerCannotLeave,
            ),
            (
                member(Room, Role::Moderator),
                LeaveRoom {
                    others: 1,
                    other_moderators: 0,
                },
                Reason::PromoteBeforeLeaving,
            ),
            (
                member(Room, Role::Owner),
                RemoveMember(Role::Owner),
                Reason::OwnerCannotBeRemoved,
            ),
            (
                member(Room, Role::Owner),
                ChangeMessage { seq: 4, own: false },
                Reason::SenderOnly {
                    conversation: c,
                    seq: 4,
                },
            ),
        ] {
            assert_eq!(reason(standing, action), want, "{standing:?} {action:?}");
        }
    }

    #[test]
    fn the_matrix_of_standings_and_actions() {
        let leave_alone = LeaveRoom {
            others: 0,
            other_moderators: 0,
        };
        let leave_last_moderator = LeaveRoom {
            others: 2,
            other_moderators: 0,
        };
        let leave_with_moderators = LeaveRoom {
            others: 2,
            other_moderators: 1,
        };
        let rooms = [Role::Owner, Role::Moderator, Role::Member].map(|r| Standing::Member(Room, r));
        // (action, owner, moderator, member) in a room.
        let table: &[(Action, [&str; 3])] = &[
            (Participate, ["ok", "ok", "ok"]),
            (UseGroup, ["invalid", "invalid", "invalid"]),
            (UseRoom, ["ok", "ok", "ok"]),
            (Moderate, ["ok", "ok", "forbidden"]),
            (
                RemoveMember(Role::Owner),
                ["forbidden", "forbidden", "forbidden"],
            ),
            (RemoveMember(Role::Moderator), ["ok", "ok", "forbidden"]),
            (RemoveMember(Role::Member), ["ok", "ok", "forbidden"]),
            (DeleteRoom, ["ok", "forbidden", "forbidden"]),
            (DeleteScheduledMeeting, ["ok", "forbidden", "forbidden"]),
            (leave_alone, ["forbidden", "ok", "ok"]),
            (leave_last_moderator, ["forbidden", "forbidden", "ok"]),
            (leave_with_moderators, ["forbidden", "ok", "ok"]),
            (ReadMeetingLink, ["ok", "ok", "forbidden"]),
            (UseMeeting, ["ok", "ok", "ok"]),
            (ChangeMessage { seq: 1, own: true }, ["ok", "ok", "ok"]),
            (
                ChangeMessage { seq: 1, own: false },
                ["forbidden", "forbidden", "forbidden"],
            ),
        ];
        for (action, want) in table {
            for (standing, want) in rooms.iter().zip(want) {
                assert_eq!(
                    outcome(*standing, *action),
                    *want,
                    "{standing:?} {action:?}"
                );
            }
            // Outside the room, or with no room at all, every action is refused alike.
            assert_eq!(
                outcome(Standing::Outsider(Room), *action),
                "forbidden",
                "{action:?}"
            );
            assert_eq!(
                outcome(Standing::Unknown, *action),
                "not_found",
                "{action:?}"
            );
        }
        // Groups and direct conversations: members participate; room actions are invalid.
        for kind in [Group, Direct] {
            let m = Standing::Member(kind, Role::Member);
            assert_eq!(outcome(m, Participate), "ok");
            for action in [UseRoom, Moderate, DeleteRoom, leave_alone] {
                assert_eq!(outcome(m, action), "invalid", "{kind:?} {action:?}");
            }
        }
        // Alias conversations: the writer (member) and those who answer (agents) participate,
        // nothing else; neither moderates; an outsider (a member removed from the alias) is
        // refused.
        for role in [Role::Member, Role::Agent] {
            let m = Standing::Member(Alias, role);
            assert_eq!(outcome(m, Participate), "ok", "{role:?}");
            for action in [
                UseGroup,
                UseRoom,
                Moderate,
                DeleteRoom,
                leave_alone,
                ReadMeetingLink,
                UseMeeting,
            ] {
                assert_eq!(outcome(m, action), "invalid", "{role:?} {action:?}");
            }
        }
        assert_eq!(outcome(Standing::Outsider(Alias), Participate), "forbidden");
        // Editing and deleting: the sender alone, whatever the kind and role.
        for kind in [Direct, Group, Alias] {
            for role in [Role::Member, Role::Agent] {
                let m = Standing::Member(kind, role);
                let own = ChangeMessage { seq: 1, own: true };
                let other = ChangeMessage { seq: 1, own: false };
                assert_eq!(outcome(m, own), "ok", "{kind:?} {role:?}");
                assert_eq!(outcome(m, other), "forbidden", "{kind:?} {role:?}");
            }
        }
        assert_eq!(
            outcome(Standing::Member(Group, Role::Member), UseGroup),
            "ok"
        );
        assert_eq!(
            outcome(Standing::Member(Direct, Role::Member), UseGroup),
            "invalid"
        );
        assert_eq!(
            outcome(Standing::Member(Direct, Role::Member), ReadMeetingLink),
            "ok"
        );
        assert_eq!(
            outcome(Standing::Member(Group, Role::Member), ReadMeetingLink),
            "invalid"
        );
        assert_eq!(
            outcome(Standing::Member(Direct, Role::Member), UseMeeting),
            "ok"
        );
        // A group's members hold instant meetings (moderating one still needs a room).
        assert_eq!(
            outcome(Standing::Member(Group, Role::Member), UseMeeting),
            "ok"
        );
        assert_eq!(
            outcome(Standing::Member(Group, Role::Member), Moderate),
            "invalid"
        );
    }
}
