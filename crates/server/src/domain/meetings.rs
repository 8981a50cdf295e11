//! Meetings and their guests, written once over [`MeetingRepo`]: a room's (or a direct
//! conversation's) ongoing meeting, joining by link as a member, an internal guest (a user of
//! this server) or an external guest (no account, on one connection, through the lobby when it
//! is on), moderators admitting and removing guests, and the calendar.
//!
//! Guests never keep a meeting going: when the last member leaves, every guest's access ends.
//! A guest sees the meeting but not its lobby (that is the room's business).

use confer_proto::{
    Change, Field, MeetingGuest, MeetingRole, MeetingSession, OngoingMeeting, Reason,
};

use super::{
    authz::{self, Action, Kind},
    conversations::{ConversationRepo, require_moderator},
    names,
};
use crate::store::{ConversationId, GuestUpdate, StoreError, UserId};

/// Longest meeting, in minutes (a day).
pub(crate) const MAX_MEETING_MINUTES: u32 = 24 * 60;
/// Furthest a meeting can be scheduled ahead, in years (what the refusal says).
pub(crate) const MAX_SCHEDULE_AHEAD_YEARS: u32 = 10;
/// The same in milliseconds (every year counted as a leap year).
pub(crate) const MAX_SCHEDULE_AHEAD_MS: i64 =
    MAX_SCHEDULE_AHEAD_YEARS as i64 * 366 * 24 * 60 * 60 * 1000;
/// Guests (present and waiting) one meeting takes at most.
pub(crate) const MAX_MEETING_GUESTS: usize = 200;

/// A guest of a meeting, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GuestRow {
    /// Its id (public: moderators name guests by it).
    pub id: u64,
    /// An internal guest's user.
    pub user: Option<UserId>,
    /// The name shown.
    pub name: String,
    /// An external guest's connection (its notices go there).
    pub connection: Option<u64>,
    /// Past the lobby.
    pub admitted: bool,
}

/// A guest about to be stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewGuest<'a> {
    /// An internal guest's user.
    pub user: Option<UserId>,
    /// The name shown.
    pub name: &'a str,
    /// An external guest's connection.
    pub connection: Option<u64>,
    /// Past the lobby.
    pub admitted: bool,
}

/// What a join link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkTarget {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its name ('' for a direct conversation).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Whether its lobby is on.
    pub lobby: bool,
}

/// Why someone's access to a meeting ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndReason {
    /// The last member left.
    MeetingEnded,
    /// The room was deleted.
    RoomDeleted,
    /// A moderator removed them from the meeting.
    Removed,
    /// A moderator did not let them in from the lobby.
    Refused,
}

impl EndReason {
    /// The reason the wire carries.
    pub(crate) fn reason(self) -> Reason {
        match self {
            Self::MeetingEnded => Reason::MeetingEnded,
            Self::RoomDeleted => Reason::RoomDeleted,
            Self::Removed => Reason::RemovedByModerator,
            Self::Refused => Reason::RefusedByModerator,
        }
    }
}

/// A scheduled meeting about to be stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewScheduled<'a> {
    /// The room.
    pub conversation: ConversationId,
    /// Title.
    pub title: &'a str,
    /// Start, ms since the epoch.
    pub starts_at: i64,
    /// Length.
    pub minutes: u32,
    /// Who put it on the calendar.
    pub organizer: UserId,
}

/// What the meeting rules read, in a write transaction or outside one (a user's meetings).
pub(crate) trait MeetingReads {
    /// When the conversation's meeting started, if one is going on.
    fn meeting_started_at(
        &mut self,
        conversation: ConversationId,
    ) -> Result<Option<i64>, StoreError>;
    /// A room's name ('' when it has none).
    fn room_name(&mut self, conversation: ConversationId) -> Result<String, StoreError>;
    /// The participants' names, in the order they came.
    fn participants(&mut self, conversation: ConversationId) -> Result<Vec<String>, StoreError>;
    /// Since when the meeting is being recorded, if it is.
    fn recording_since(&mut self, conversation: ConversationId) -> Result<Option<i64>, StoreError>;
    /// In a cluster, the node carrying the meeting's media, once one claimed it.
    fn media_host(&mut self, conversation: ConversationId) -> Result<Option<String>, StoreError>;
    /// Who a moderator muted in the meeting, by name (those who left too: it holds if they
    /// come back).
    fn muted_participants(
        &mut self,
        conversation: ConversationId,
    ) -> Result<Vec<String>, StoreError>;
    /// The guests, present and waiting, in the order they came.
    fn guests(&mut self, conversation: ConversationId) -> Result<Vec<GuestRow>, StoreError>;
}

/// What the meeting rules read and write, inside the store's write transaction.
pub(crate) trait MeetingRepo: ConversationRepo + MeetingReads {
    /// Starts the meeting unless one is going on.
    fn start_meeting(&mut self, conversation: ConversationId, at: i64) -> Result<(), StoreError>;
    /// Ends the meeting (its participants are gone already).
    fn end_meeting(&mut self, conversation: ConversationId) -> Result<(), StoreError>;
    /// Marks the meeting recorded since `since`, or not recorded.
    fn set_recording(
        &mut self,
        conversation: ConversationId,
        since: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Puts the meeting's media on `node`.
    fn set_media_host(
        &mut self,
        conversation: ConversationId,
        node: &str,
    ) -> Result<(), StoreError>;
    /// Mutes the user named `name` in the meeting, or lifts it.
    fn set_participant_muted(
        &mut self,
        conversation: ConversationId,
        name: &str,
        muted: bool,
    ) -> Result<(), StoreError>;
    /// Adds a participant; false when they were in already.
    fn add_participant(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        at: i64,
    ) -> Result<bool, StoreError>;
    /// Removes a participant; false when they were not in.
    fn remove_participant(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError>;
    /// Stores a guest; returns its id.
    fn add_guest(
        &mut self,
        conversation: ConversationId,
        guest: NewGuest<'_>,
        at: i64,
    ) -> Result<u64, StoreError>;
    /// Removes a guest by id; false when there was none.
    fn delete_guest(&mut self, guest: u64) -> Result<bool, StoreError>;
    /// Lets waiting guests in: one, or (with `None`) all of the meeting's; returns how many.
    fn admit(
        &mut self,
        conversation: ConversationId,
        guest: Option<u64>,
    ) -> Result<usize, StoreError>;
    /// Removes every guest and refusal of the meeting.
    fn clear_guests(&mut self, conversation: ConversationId) -> Result<(), StoreError>;
    /// Whether a moderator sent `user` out of this meeting.
    fn refused(&mut self, conversation: ConversationId, user: UserId) -> Result<bool, StoreError>;
    /// Records that a moderator sent `user` out.
    fn refuse(&mut self, conversation: ConversationId, user: UserId) -> Result<(), StoreError>;
    /// Removes an external guest by id; returns its meeting's conversation.
    fn delete_external_guest(&mut self, guest: u64) -> Result<Option<ConversationId>, StoreError>;
    /// Removes every external guest; returns the conversations they were in.
    fn delete_external_guests(&mut self) -> Result<Vec<ConversationId>, StoreError>;
    /// The conversation a join link token opens.
    fn link_target(&mut self, link: &str) -> Result<Option<LinkTarget>, StoreError>;
    /// Every user's (login, display name): a guest may not pass for one of them.
    fn user_names(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    /// Puts a meeting on the calendar; returns its id.
    fn add_scheduled(&mut self, meeting: NewScheduled<'_>) -> Result<u64, StoreError>;
    /// A scheduled meeting.
    fn scheduled(
        &mut self,
        meeting: u64,
    ) -> Result<Option<confer_proto::ScheduledMeeting>, StoreError>;
    /// Removes a scheduled meeting.
    fn delete_scheduled(&mut self, meeting: u64) -> Result<(), StoreError>;
    /// Queues a notice for an external guest's connection, sent after the commit.
    fn notify_guest(&mut self, connection: u64, update: GuestUpdate);
}

/// What a participant's media connection may do, as the SFU's grant carries it. (In a
/// cluster it travels to the node carrying the meeting's media, which mints the grant.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct MediaRights {
    /// A moderator or the owner: mute-for-all spares them.
    pub moderate: bool,
    /// The room's mute-for-all, when the caller may know it (a member); none for a guest.
    pub room_muted: Option<bool>,
    /// A moderator muted this participant.
    pub muted: bool,
}

/// Whether `user` may connect media to the meeting of `conversation`, and with what rights:
/// a member who is in the meeting (started or joined it), or an internal guest it let in.
/// `member` is the conversation as the caller sees it when a member, `meeting` the meeting
/// as the caller sees it (its `guests` are the admitted ones). Everyone in may publish and
/// hear; mute-for-all and moderators' mutes are the SFU's to enforce.
pub(crate) fn media_rights(
    user: &str,
    conversation: ConversationId,
    member: Option<&confer_proto::ConversationInfo>,
    meeting: Option<&OngoingMeeting>,
) -> Result<MediaRights, StoreError> {
    let not_in = || StoreError::NotFound(Reason::NotInMeeting { conversation });
    let meeting = meeting.ok_or_else(not_in)?;
    match member {
        Some(info) if meeting.participants.iter().any(|p| p == user) => Ok(MediaRights {
            moderate: info.owner.as_deref() == Some(user)
                || info.moderators.iter().any(|m| m == user),
            room_muted: Some(info.mute_all),
            muted: meeting.muted.iter().any(|m| m == user),
        }),
        None if meeting.guests.iter().any(|g| !g.external && g.name == user) => Ok(MediaRights {
            moderate: false,
            room_muted: None,
            muted: false,
        }),
        _ => Err(not_in()),
    }
}

/// The SFU's name for an external guest (the protocol's, which clients read too).
pub(crate) fn external_identity(guest: u64) -> String {
    confer_proto::external_guest_identity(guest)
}

/// Whether external guest `guest` may connect media to the meeting of `conversation`: once a
/// moderator let it in (in the lobby it has no grant), to speak and hear like anyone.
pub(crate) fn guest_media_rights(
    guest: u64,
    conversation: ConversationId,
    meeting: Option<&OngoingMeeting>,
) -> Result<MediaRights, StoreError> {
    let admitted = meeting.is_some_and(|m| m.guests.iter().any(|g| g.external && g.id == guest));
    if !admitted {
        return Err(StoreError::NotFound(Reason::NotInMeeting { conversation }));
    }
    Ok(MediaRights {
        moderate: false,
        room_muted: None,
        muted: false,
    })
}

/// The meeting, if one is going on, as the members see it (with the lobby).
pub(crate) fn ongoing(
    r: &mut impl MeetingReads,
    conversation: ConversationId,
) -> Result<Option<OngoingMeeting>, StoreError> {
    let Some(started_at) = r.meeting_started_at(conversation)? else {
        return Ok(None);
    };
    let name = r.room_name(conversation)?;
    let participants = r.participants(conversation)?;
    let mut muted = r.muted_participants(conversation)?;
    muted.retain(|m| participants.contains(m));
    let recording = r.recording_since(conversation)?;
    let (mut guests, mut lobby) = (Vec::new(), Vec::new());
    for g in r.guests(conversation)? {
        let entry = MeetingGuest {
            id: g.id,
            name: g.name,
            external: g.user.is_none(),
        };
        if g.admitted {
            guests.push(entry);
        } else {
            lobby.push(entry);
        }
    }
    Ok(Some(OngoingMeeting {
        conversation,
        name,
        participants,
        started_at,
        guests,
        lobby,
        muted,
        recording,
    }))
}

/// A moderator mutes one participant of the meeting, or lifts it; everyone sees it.
/// (The SFU enforces it: the caller tells it once this is stored.)
pub(crate) fn set_participant_muted(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    participant: &str,
    muted: bool,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    if !r
        .participants(conversation)?
        .iter()
        .any(|p| p == participant)
    {
        return Err(StoreError::NotFound(Reason::ParticipantNotInMeeting {
            name: participant.to_owned(),
        }));
    }
    r.set_participant_muted(conversation, participant, muted)?;
    changed(r, conversation)
}

/// A moderator starts or stops recording the room's meeting; everyone in it sees the mark.
/// (The SFU writes the tracks: the caller tells it once this is stored.) Returns when the
/// recording started, for a stop.
pub(crate) fn set_recording(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    on: bool,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    require_moderator(r, conversation, user)?;
    if r.meeting_started_at(conversation)?.is_none() {
        return Err(StoreError::NotFound(Reason::NoMeeting { conversation }));
    }
    let since = r.recording_since(conversation)?;
    if since.is_some() == on {
        return Err(StoreError::Conflict(Reason::RecordingAlready { on }));
    }
    r.set_recording(conversation, on.then_some(now))?;
    changed(r, conversation)?;
    Ok(since)
}

/// In a cluster, `node` claims the media of the meeting of `conversation`: the first claim
/// holds until the meeting ends, unless it names a node that answers no more (`replacing`).
/// Who may connect is decided before, by [`media_rights`]; this only places the media, so
/// every participant's media meets on one SFU. Returns the node that holds it.
pub(crate) fn claim_media_host(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    node: &str,
    replacing: Option<&str>,
) -> Result<String, StoreError> {
    if r.meeting_started_at(conversation)?.is_none() {
        return Err(StoreError::NotFound(Reason::NoMeeting { conversation }));
    }
    match r.media_host(conversation)? {
        Some(host) if Some(host.as_str()) != replacing => Ok(host),
        _ => {
            r.set_media_host(conversation, node)?;
            Ok(node.to_owned())
        }
    }
}

/// A member starts the meeting of a room or direct conversation.
pub(crate) fn start(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    now: i64,
) -> Result<(), StoreError> {
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::UseMeeting, conversation)?;
    join_as_member(r, conversation, user, now)
}

/// A participant leaves: an internal guest's access ends with it; a member's last leave ends
/// the meeting.
pub(crate) fn leave_meeting(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    if let Some(guest) = internal_guest(r, conversation, user)? {
        r.delete_guest(guest.id)?;
        let gone = Change::Meeting {
            conversation,
            ongoing: None,
            ended: None,
        };
        r.publish_for(Some(conversation), user, gone)?;
        return changed(r, conversation);
    }
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::UseMeeting, conversation)?;
    if !leave(r, conversation, user)? {
        return Err(StoreError::NotFound(Reason::NotInMeeting { conversation }));
    }
    Ok(())
}

/// Takes `user` out of the meeting (ending it when they were the last one) and tells everyone;
/// false when they were not in it.
pub(crate) fn leave(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    user: UserId,
) -> Result<bool, StoreError> {
    if !r.remove_participant(conversation, user)? {
        return Ok(false);
    }
    if r.participants(conversation)?.is_empty() {
        dismiss_guests(r, conversation, EndReason::MeetingEnded)?;
        r.end_meeting(conversation)?;
    }
    changed(r, conversation)?;
    Ok(true)
}

/// A moderator puts a meeting on the room's calendar. The time comes from the client: it is
/// bounded before any arithmetic.
pub(crate) fn schedule(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    title: &str,
    starts_at: i64,
    minutes: u32,
    now: i64,
) -> Result<confer_proto::ScheduledMeeting, StoreError> {
    require_moderator(r, conversation, user)?;
    let title = names::clean(Field::MeetingTitle, title, 200)?;
    if !(1..=MAX_MEETING_MINUTES).contains(&minutes) {
        return Err(StoreError::Invalid(Reason::MeetingMinutes {
            max: MAX_MEETING_MINUTES,
        }));
    }
    if starts_at > now.saturating_add(MAX_SCHEDULE_AHEAD_MS) {
        return Err(StoreError::Invalid(Reason::ScheduledTooFar {
            years: MAX_SCHEDULE_AHEAD_YEARS,
        }));
    }
    let ends_at = starts_at.checked_add(i64::from(minutes) * 60_000);
    if ends_at.is_none_or(|end| end <= now) {
        return Err(StoreError::Invalid(Reason::MeetingInPast));
    }
    let id = r.add_scheduled(NewScheduled {
        conversation,
        title: &title,
        starts_at,
        minutes,
        organizer: user,
    })?;
    r.publish_to_members(conversation, Change::Calendar { conversation })?;
    scheduled(r, id)
}

/// The owner removes a scheduled meeting.
pub(crate) fn delete_scheduled(
    r: &mut impl MeetingRepo,
    user: UserId,
    meeting: u64,
) -> Result<(), StoreError> {
    let conversation = scheduled(r, meeting)?.conversation;
    let standing = r.standing(conversation, user)?;
    authz::user_can(standing, Action::DeleteScheduledMeeting, conversation)?;
    r.delete_scheduled(meeting)?;
    r.publish_to_members(conversation, Change::Calendar { conversation })
}

/// Someone opens a meeting by its link: a member joins (or starts) it, another user comes in as
/// an internal guest, and `user: None` is an external guest named `name` on `connection`.
pub(crate) fn join_by_link(
    r: &mut impl MeetingRepo,
    user: Option<UserId>,
    link: &str,
    name: Option<&str>,
    connection: u64,
    now: i64,
) -> Result<MeetingSession, StoreError> {
    // Bad input is refused before anything is looked up.
    let guest_name = match user {
        None => Some(external_name(r, name.unwrap_or_default())?),
        Some(_) => None,
    };
    let place = r
        .link_target(link)?
        .ok_or(StoreError::NotFound(Reason::LinkUnknown))?;
    let conversation = place.conversation;
    if let Some(user) = user
        && r.member_ids(conversation)?.contains(&user)
    {
        join_as_member(r, conversation, user, now)?;
        return Ok(MeetingSession {
            conversation,
            room: place.name,
            name: r.user_name(user)?,
            role: MeetingRole::Member,
            guest: None,
            admitted: true,
            meeting: ongoing(r, conversation)?,
        });
    }
    if place.kind != Kind::Room {
        return Err(StoreError::Forbidden(Reason::DirectMeetingMembersOnly));
    }
    let who = match user {
        Some(user) => Guest::Internal(user),
        None => Guest::External {
            name: guest_name.unwrap_or_default(),
            connection,
        },
    };
    join_as_guest(r, &place, who, now)
}

/// A moderator lets a waiting guest in.
pub(crate) fn admit_guest(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    guest: u64,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    match guest_row(r, conversation, guest)? {
        Some(g) if !g.admitted => {}
        Some(_) => {
            return Err(StoreError::Conflict(Reason::GuestAlreadyAdmitted { guest }));
        }
        None => {
            return Err(StoreError::NotFound(Reason::GuestNotInLobby { guest }));
        }
    }
    r.admit(conversation, Some(guest))?;
    changed(r, conversation)
}

/// A moderator refuses a waiting guest or removes a present one. An internal guest sent out
/// cannot come back by the link until the next meeting.
pub(crate) fn remove_guest(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    guest: u64,
) -> Result<(), StoreError> {
    require_moderator(r, conversation, user)?;
    let g = guest_row(r, conversation, guest)?
        .ok_or(StoreError::NotFound(Reason::GuestNotInMeeting { guest }))?;
    r.delete_guest(guest)?;
    if let Some(user) = g.user {
        // Otherwise the link would bring them straight back.
        r.refuse(conversation, user)?;
    }
    let reason = if g.admitted {
        EndReason::Removed
    } else {
        EndReason::Refused
    };
    end_access(r, conversation, &g, reason)?;
    changed(r, conversation)
}

/// A moderator turns the lobby on or off; without a lobby nobody waits.
pub(crate) fn set_lobby(
    r: &mut impl MeetingRepo,
    user: UserId,
    conversation: ConversationId,
    on: bool,
) -> Result<(), StoreError> {
    super::conversations::set_flag(
        r,
        user,
        conversation,
        super::conversations::RoomFlag::Lobby,
        on,
    )?;
    if !on && r.admit(conversation, None)? > 0 {
        changed(r, conversation)?;
    }
    Ok(())
}

/// An external guest leaves, or its connection closed.
pub(crate) fn guest_leave(r: &mut impl MeetingRepo, guest: u64) -> Result<(), StoreError> {
    let conversation = r
        .delete_external_guest(guest)?
        .ok_or(StoreError::NotFound(Reason::GuestNotInMeeting { guest }))?;
    changed(r, conversation)
}

/// At start-up: external guests of an earlier run lost their connections with it.
pub(crate) fn forget_external_guests(r: &mut impl MeetingRepo) -> Result<(), StoreError> {
    let mut rooms = r.delete_external_guests()?;
    rooms.sort_unstable();
    rooms.dedup();
    for room in rooms {
        changed(r, room)?;
    }
    Ok(())
}

/// Someone just made a member: if they were in the meeting as a guest, they stay in it as a
/// participant.
pub(crate) fn guest_became_member(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    user: UserId,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(g) = internal_guest(r, conversation, user)? {
        r.delete_guest(g.id)?;
        r.add_participant(conversation, user, now)?;
        changed(r, conversation)?;
    }
    Ok(())
}

/// Sends every guest of the meeting away (the meeting ended or the room is going).
pub(crate) fn dismiss_guests(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    reason: EndReason,
) -> Result<(), StoreError> {
    for g in r.guests(conversation)? {
        end_access(r, conversation, &g, reason)?;
    }
    r.clear_guests(conversation)
}

/// Who comes in as a guest.
enum Guest {
    /// A user of this server who is not a member.
    Internal(UserId),
    /// Someone without an account, on a connection.
    External { name: String, connection: u64 },
}

fn guest_row(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    guest: u64,
) -> Result<Option<GuestRow>, StoreError> {
    Ok(r.guests(conversation)?.into_iter().find(|g| g.id == guest))
}

fn internal_guest(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    user: UserId,
) -> Result<Option<GuestRow>, StoreError> {
    Ok(r.guests(conversation)?
        .into_iter()
        .find(|g| g.user == Some(user)))
}

/// A member starts the meeting or joins it; everyone around it hears when they came in.
fn join_as_member(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    user: UserId,
    now: i64,
) -> Result<(), StoreError> {
    r.start_meeting(conversation, now)?;
    if r.add_participant(conversation, user, now)? {
        changed(r, conversation)?;
    }
    Ok(())
}

/// Lets a guest into the ongoing meeting (an external one into the lobby when it is on); an
/// internal guest already in is found again.
fn join_as_guest(
    r: &mut impl MeetingRepo,
    place: &LinkTarget,
    who: Guest,
    now: i64,
) -> Result<MeetingSession, StoreError> {
    let conversation = place.conversation;
    let room = &place.name;
    if r.meeting_started_at(conversation)?.is_none() {
        return Err(StoreError::Conflict(Reason::MeetingNotStarted {
            room: room.clone(),
        }));
    }
    let existing = match &who {
        Guest::Internal(user) => {
            if r.refused(conversation, *user)? {
                return Err(StoreError::Forbidden(Reason::SentOut {
                    room: room.clone(),
                }));
            }
            internal_guest(r, conversation, *user)?.map(|g| g.id)
        }
        Guest::External { .. } => None,
    };
    let guest = match existing {
        Some(id) => id,
        None => {
            if r.guests(conversation)?.len() >= MAX_MEETING_GUESTS {
                return Err(StoreError::Conflict(Reason::GuestLimit {
                    room: room.clone(),
                    max: MAX_MEETING_GUESTS as u32,
                }));
            }
            // Internal guests come straight in; the lobby is for people without an account.
            let display;
            let new = match &who {
                Guest::Internal(user) => {
                    display = r.user_name(*user)?;
                    NewGuest {
                        user: Some(*user),
                        name: &display,
                        connection: None,
                        admitted: true,
                    }
                }
                Guest::External { name, connection } => NewGuest {
                    user: None,
                    name,
                    connection: Some(*connection),
                    admitted: !place.lobby,
                },
            };
            let id = r.add_guest(conversation, new, now)?;
            changed(r, conversation)?;
            id
        }
    };
    let row = guest_row(r, conversation, guest)?
        .ok_or_else(|| StoreError::Corrupt("a guest row vanished".into()))?;
    let meeting = ongoing(r, conversation)?;
    Ok(match row.user {
        Some(_) => MeetingSession {
            conversation,
            room: room.clone(),
            name: row.name,
            role: MeetingRole::Guest,
            guest: Some(row.id),
            admitted: true,
            meeting: guest_view(&meeting),
        },
        None => external_session(&meeting, conversation, room, &row),
    })
}

/// What a guest sees of the meeting: everything but the lobby, which is the room's business
/// (members see who waits; moderators decide).
pub(crate) fn guest_view(meeting: &Option<OngoingMeeting>) -> Option<OngoingMeeting> {
    meeting.clone().map(|m| OngoingMeeting {
        lobby: Vec::new(),
        ..m
    })
}

/// An external guest's session, as its notices and its join reply carry it.
fn external_session(
    meeting: &Option<OngoingMeeting>,
    conversation: ConversationId,
    room: &str,
    g: &GuestRow,
) -> MeetingSession {
    MeetingSession {
        conversation,
        room: room.to_owned(),
        name: g.name.clone(),
        role: MeetingRole::ExternalGuest,
        guest: Some(g.id),
        admitted: g.admitted,
        meeting: if g.admitted {
            guest_view(meeting)
        } else {
            None
        },
    }
}

/// Tells everyone in or around the meeting how it is now: the members (through their stream),
/// internal guests (through theirs) and admitted external guests (on their connections).
/// Waiting guests hear nothing until a moderator decides.
pub(crate) fn changed(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
) -> Result<(), StoreError> {
    let meeting = ongoing(r, conversation)?;
    r.publish_to_members(
        conversation,
        Change::Meeting {
            conversation,
            ongoing: meeting.clone(),
            ended: None,
        },
    )?;
    let room = r.room_name(conversation)?;
    for g in r.guests(conversation)? {
        match (g.user, g.connection) {
            (Some(user), _) => r.publish_for(
                Some(conversation),
                user,
                Change::Meeting {
                    conversation,
                    ongoing: guest_view(&meeting),
                    ended: None,
                },
            )?,
            (None, Some(connection)) if g.admitted => {
                let session = external_session(&meeting, conversation, &room, &g);
                r.notify_guest(connection, GuestUpdate::Session(Box::new(session)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Ends one guest's access: an internal guest's devices see the meeting gone, an external
/// guest's connection is closed with the reason.
fn end_access(
    r: &mut impl MeetingRepo,
    conversation: ConversationId,
    g: &GuestRow,
    reason: EndReason,
) -> Result<(), StoreError> {
    match (g.user, g.connection) {
        // Not filed under the room: when the room is being deleted its stream rows go, and this
        // one must still reach the guest's other devices.
        (Some(user), _) => r.publish_for(
            None,
            user,
            Change::Meeting {
                conversation,
                ongoing: None,
                ended: Some(reason.reason()),
            },
        ),
        (None, Some(connection)) => {
            r.notify_guest(connection, GuestUpdate::Ended(reason.reason()));
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// Checks an external guest's chosen name; returns it cleaned. A guest may not take the login
/// or display name of a user of this server (in any case), or it could pass for them.
fn external_name(r: &mut impl MeetingRepo, name: &str) -> Result<String, StoreError> {
    let name = names::clean(Field::GuestName, name, 64)?;
    let lower = name.to_lowercase();
    for (login, display) in r.user_names()? {
        let display = display.split_whitespace().collect::<Vec<_>>().join(" ");
        if login.to_lowercase() == lower || display.to_lowercase() == lower {
            return Err(StoreError::Conflict(Reason::NameTaken));
        }
    }
    Ok(name)
}

fn scheduled(
    r: &mut impl MeetingRepo,
    meeting: u64,
) -> Result<confer_proto::ScheduledMeeting, StoreError> {
    r.scheduled(meeting)?
        .ok_or(StoreError::NotFound(Reason::NoScheduledMeeting { meeting }))
}

#[cfg(test)]
mod tests {
    use confer_proto::{ConversationInfo, ConversationKind, MeetingGuest, OngoingMeeting};

    use super::*;

    fn room(mute_all: bool) -> ConversationInfo {
        ConversationInfo {
            id: 12,
            kind: ConversationKind::Room,
            members: vec!["alice".into(), "bob".into(), "carol".into()],
            created_at: 0,
            name: Some("Weekly planning".into()),
            owner: Some("alice".into()),
            moderators: vec!["bob".into()],
            mute_all,
            lobby: false,
            alias: None,
        }
    }

    fn meeting(guests: Vec<MeetingGuest>, lobby: Vec<MeetingGuest>) -> OngoingMeeting {
        OngoingMeeting {
            conversation: 12,
            name: "Weekly planning".into(),
            participants: vec!["alice".into(), "bob".into(), "carol".into()],
            started_at: 0,
            guests,
            lobby,
            muted: vec!["carol".into()],
            recording: None,
        }
    }

    fn guest(id: u64, name: &str, external: bool) -> MeetingGuest {
        MeetingGuest {
            id,
            name: name.into(),
            external,
        }
    }

    #[test]
    fn media_goes_to_those_in_the_meeting_with_the_moderators_marked() {
        let (info, m) = (room(true), meeting(vec![guest(1, "dave", false)], vec![]));
        let rights =
            |user: &str, member: bool| media_rights(user, 12, member.then_some(&info), Some(&m));
        // Carol, muted by a moderator, connects muted.
        for (user, moderate, muted) in [
            ("alice", true, false),
            ("bob", true, false),
            ("carol", false, true),
        ] {
            assert_eq!(
                rights(user, true).unwrap(),
                MediaRights {
                    moderate,
                    room_muted: Some(true),
                    muted,
                },
                "{user}"
            );
        }
        // An internal guest let in: media, no moderation, and no view of the room's flags.
        assert_eq!(
            rights("dave", false).unwrap(),
            MediaRights {
                moderate: false,
                room_muted: None,
                muted: false,
            }
        );
        let not_in = |r: Result<MediaRights, StoreError>| {
            matches!(
                r,
                Err(StoreError::NotFound(Reason::NotInMeeting {
                    conversation: 12
                }))
            )
        };
        // A member who has not joined, a guest still in the lobby, an external guest's name
        // taken by a user, and any meeting that is not going on.
        let mut out = meeting(vec![guest(2, "frank", true)], vec![guest(3, "erin", false)]);
        out.participants.retain(|p| p != "carol");
        assert!(not_in(media_rights("carol", 12, Some(&info), Some(&out))));
        assert!(not_in(media_rights("erin", 12, None, Some(&out))));
        assert!(not_in(media_rights("frank", 12, None, Some(&out))));
        assert!(not_in(media_rights("alice", 12, Some(&info), None)));
    }
}
