//! The domain layer: every rule written once, knowing neither SQL nor WebSockets. Each store
//! implements the per-domain repository traits inside its write transaction and hands every
//! write op to [`apply`]; front ends (the WebSocket today) turn requests into ops and results
//! into frames. Authorization is [`authz`]; the other modules are accounts, chat and ticks,
//! conversations (direct, groups, rooms), meetings and guests, people (settings, favourites),
//! and the rule for names.

pub(crate) mod accounts;
pub(crate) mod aliases;
pub(crate) mod authz;
pub(crate) mod calls;
pub(crate) mod chat;
pub(crate) mod conversations;
pub(crate) mod files;
pub(crate) mod meetings;
pub(crate) mod messages;
pub(crate) mod names;
pub(crate) mod people;
pub(crate) mod users;
pub(crate) mod views;

use crate::store::{Outcome, StoreError, WriteOp};

use conversations::RoomFlag;

/// Everything a store offers the rules inside one write transaction.
pub(crate) trait WriteRepo:
    accounts::AccountRepo
    + aliases::AliasRepo
    + files::FileRepo
    + meetings::MeetingRepo
    + messages::MessageRepo
    + people::PeopleRepo
{
}

impl<T> WriteRepo for T where
    T: accounts::AccountRepo
        + aliases::AliasRepo
        + files::FileRepo
        + meetings::MeetingRepo
        + messages::MessageRepo
        + people::PeopleRepo
{
}

/// Applies one write op at `now` (ms since the epoch): the one place that maps an op to its
/// rule. The store runs it inside its transaction (a savepoint per op) and collects what the
/// repository published.
pub(crate) fn apply(r: &mut impl WriteRepo, op: WriteOp, now: i64) -> Result<Outcome, StoreError> {
    use Outcome::{Conversation, Done};
    let done = |_: ()| Done;
    Ok(match op {
        WriteOp::CreateUser {
            name,
            display_name,
            email,
            password_hash,
        } => Outcome::User(accounts::create_user(
            r,
            &name,
            &display_name,
            email.as_deref(),
            &password_hash,
            now,
        )?),
        WriteOp::SetPassword {
            name,
            password_hash,
        } => done(accounts::set_password(r, &name, &password_hash)?),
        WriteOp::DisableUser { name } => done(accounts::disable_user(r, &name)?),
        WriteOp::CreateSession {
            user,
            token_hash,
            device,
        } => Outcome::Session(r.insert_session(user, &token_hash, device.as_deref(), now)?),
        WriteOp::RevokeSession { session } => done(r.revoke_session(session)?),
        WriteOp::OpenDirect { user, other } => {
            Conversation(Box::new(aliases::open(r, user, &other, now)?))
        }
        WriteOp::CreateAlias {
            name,
            display_name,
            show_members,
        } => done(aliases::create_alias(
            r,
            &name,
            &display_name,
            show_members,
            now,
        )?),
        WriteOp::DeleteAlias { name } => done(aliases::delete_alias(r, &name)?),
        WriteOp::AddAliasMember { alias, member } => done(aliases::add_member(r, &alias, &member)?),
        WriteOp::RemoveAliasMember { alias, member } => {
            done(aliases::remove_member(r, &alias, &member)?)
        }
        WriteOp::SendMessage {
            user,
            conversation,
            client_id,
            text,
            reply_to,
        } => Outcome::Sent(chat::send_message(
            r,
            user,
            conversation,
            client_id,
            text,
            reply_to,
            now,
        )?),
        WriteOp::MarkUnread {
            user,
            conversation,
            seq,
        } => done(chat::mark_unread(r, user, conversation, seq)?),
        WriteOp::HideConversation {
            user,
            conversation,
            hidden,
        } => done(chat::set_hidden(r, user, conversation, hidden)?),
        WriteOp::EditMessage {
            user,
            conversation,
            seq,
            text,
        } => done(messages::edit_message(
            r,
            user,
            conversation,
            seq,
            text,
            now,
        )?),
        WriteOp::DeleteMessage {
            user,
            conversation,
            seq,
        } => done(messages::delete_message(r, user, conversation, seq, now)?),
        WriteOp::SetReaction {
            user,
            conversation,
            seq,
            emoji,
            on,
        } => done(messages::set_reaction(
            r,
            user,
            conversation,
            seq,
            &emoji,
            on,
            now,
        )?),
        WriteOp::MarkDelivered {
            user,
            conversation,
            seq,
        } => done(chat::mark_delivered(r, user, conversation, seq)?),
        WriteOp::MarkRead {
            user,
            conversation,
            seq,
        } => done(chat::mark_read(r, user, conversation, seq)?),
        WriteOp::SetMuted {
            user,
            conversation,
            muted,
        } => done(chat::set_muted(r, user, conversation, muted)?),
        WriteOp::ClearHistory { user, conversation } => {
            done(chat::clear_history(r, user, conversation)?)
        }
        WriteOp::SetPrivacy { user, enabled } => done(people::set_privacy(r, user, enabled)?),
        WriteOp::SetStatus {
            user,
            status,
            message,
        } => done(people::set_status(r, user, status, message)?),
        WriteOp::SetLastSeen { user, at } => done(people::set_last_seen(r, user, at)?),
        WriteOp::AddFavourite {
            user,
            target,
            policy,
        } => done(people::add_favourite(r, user, &target, policy, now)?),
        WriteOp::RemoveFavourite { user, target } => {
            done(people::remove_favourite(r, user, &target)?)
        }
        WriteOp::AnswerSubscription {
            user,
            requester,
            accept,
        } => done(people::answer_subscription(r, user, &requester, accept)?),
        WriteOp::CreateGroup {
            user,
            invite,
            name,
            max_members,
        } => Conversation(Box::new(conversations::create_group(
            r,
            user,
            &invite,
            name.as_deref(),
            max_members,
            now,
        )?)),
        WriteOp::InviteToGroup {
            user,
            conversation,
            invitee,
            max_members,
        } => done(conversations::invite_to_group(
            r,
            user,
            conversation,
            &invitee,
            max_members,
            now,
        )?),
        WriteOp::JoinGroup {
            user,
            conversation,
            max_members,
        } => Conversation(Box::new(conversations::join_group(
            r,
            user,
            conversation,
            max_members,
            now,
        )?)),
        WriteOp::DeclineGroup { user, conversation } => {
            done(conversations::decline_group(r, user, conversation)?)
        }
        WriteOp::LeaveGroup { user, conversation } => {
            done(conversations::leave_group(r, user, conversation, now)?)
        }
        WriteOp::CreateRoom { user, name, link } => Conversation(Box::new(
            conversations::create_room(r, user, &name, &link, now)?,
        )),
        WriteOp::AddRoomMember {
            user,
            conversation,
            member,
        } => done(conversations::add_room_member(
            r,
            user,
            conversation,
            &member,
            now,
        )?),
        WriteOp::RemoveRoomMember {
            user,
            conversation,
            member,
        } => done(conversations::remove_room_member(
            r,
            user,
            conversation,
            &member,
            now,
        )?),
        WriteOp::PromoteModerator {
            user,
            conversation,
            member,
        } => done(conversations::promote_moderator(
            r,
            user,
            conversation,
            &member,
        )?),
        WriteOp::RotateRoomLink {
            user,
            conversation,
            link,
        } => done(conversations::rotate_link(r, user, conversation, &link)?),
        WriteOp::SetMuteAll {
            user,
            conversation,
            muted,
        } => done(conversations::set_flag(
            r,
            user,
            conversation,
            RoomFlag::MuteAll,
            muted,
        )?),
        WriteOp::SetParticipantMuted {
            user,
            conversation,
            participant,
            muted,
        } => done(meetings::set_participant_muted(
            r,
            user,
            conversation,
            &participant,
            muted,
        )?),
        WriteOp::SetRecording {
            user,
            conversation,
            on,
        } => done(meetings::set_recording(r, user, conversation, on, now).map(drop)?),
        WriteOp::ClaimMediaHost {
            conversation,
            node,
            replacing,
        } => Outcome::Host(meetings::claim_media_host(
            r,
            conversation,
            &node,
            replacing.as_deref(),
        )?),
        WriteOp::LeaveRoom { user, conversation } => {
            done(conversations::leave_room(r, user, conversation, now)?)
        }
        WriteOp::DeleteRoom { user, conversation } => {
            done(conversations::delete_room(r, user, conversation)?)
        }
        WriteOp::StartMeeting { user, conversation } => {
            done(meetings::start(r, user, conversation, now)?)
        }
        WriteOp::RecordCall {
            conversation,
            caller,
            record,
        } => done(conversations::record_call(
            r,
            conversation,
            caller,
            record,
            now,
        )?),
        WriteOp::LeaveMeeting { user, conversation } => {
            done(meetings::leave_meeting(r, user, conversation)?)
        }
        WriteOp::ScheduleMeeting {
            user,
            conversation,
            title,
            starts_at,
            minutes,
        } => Outcome::Scheduled(Box::new(meetings::schedule(
            r,
            user,
            conversation,
            &title,
            starts_at,
            minutes,
            now,
        )?)),
        WriteOp::DeleteScheduledMeeting { user, meeting } => {
            done(meetings::delete_scheduled(r, user, meeting)?)
        }
        WriteOp::JoinByLink {
            user,
            link,
            name,
            connection,
        } => Outcome::Joined(Box::new(meetings::join_by_link(
            r,
            user,
            &link,
            name.as_deref(),
            connection,
            now,
        )?)),
        WriteOp::AdmitGuest {
            user,
            conversation,
            guest,
        } => done(meetings::admit_guest(r, user, conversation, guest)?),
        WriteOp::RemoveGuest {
            user,
            conversation,
            guest,
        } => done(meetings::remove_guest(r, user, conversation, guest)?),
        WriteOp::SetLobby {
            user,
            conversation,
            enabled,
        } => done(meetings::set_lobby(r, user, conversation, enabled)?),
        WriteOp::GuestLeave { guest } => done(meetings::guest_leave(r, guest)?),
        WriteOp::ForgetExternalGuests => done(meetings::forget_external_guests(r)?),
        WriteOp::Probe => Done,
        WriteOp::StartUpload {
            user,
            request,
            limits,
            id,
        } => Outcome::File(Box::new(files::start_upload(
            r, user, &request, limits, id, now,
        )?)),
        WriteOp::FinishUpload { user, id, finished } => Outcome::File(Box::new(
            files::finish_upload(r, user, &id, finished, now)?.0,
        )),
        WriteOp::ShareRecording { user, file } => {
            Outcome::File(Box::new(files::share_recording(r, user, *file, now)?))
        }
        WriteOp::CancelUpload { user, id } => done(files::cancel_upload(r, user, &id)?),
        WriteOp::RecordHistoryMail {
            user,
            conversation,
            to,
        } => done(conversations::record_history_mail(
            r,
            user,
            conversation,
            to,
            now,
        )?),
        WriteOp::AttachPreview {
            conversation,
            seq,
            url,
            preview,
        } => done(messages::attach_preview(
            r,
            conversation,
            seq,
            &url,
            preview,
        )?),
        #[cfg(test)]
        WriteOp::Panic => panic!("a faulty op"),
    })
}
