//! One handler per request kind (the five call requests share `calls`); [`dispatch`] routes a
//! parsed request to it.

use std::sync::Arc;

use confer_proto::{ErrorCode, Field, Reason, Request, Response};

use crate::{
    ApiError, AppState,
    connection::Session,
    media::MediaOrder,
    store::{Committed, WriteOp},
};

mod add_favourite;
mod add_room_member;
mod admit_guest;
mod answer_subscription;
mod auth;
mod calls;
mod clear_history;
mod create_group;
mod create_room;
mod decline_group;
mod delete_room;
mod delete_scheduled_meeting;
mod history;
mod invite_to_group;
mod join_by_link;
mod join_group;
mod join_meeting_media;
mod leave_group;
mod leave_meeting;
mod leave_room;
mod list_conversations;
mod list_favourites;
mod list_files;
mod list_meetings;
mod login;
mod logout;
mod mail_history;
mod mark_delivered;
mod mark_read;
mod messages;
mod open_direct;
mod promote_moderator;
mod remove_favourite;
mod remove_guest;
mod remove_room_member;
mod resolve_link;
mod room_link;
mod rotate_room_link;
mod schedule_meeting;
mod search_messages;
mod search_users;
pub(crate) mod send_message;
mod set_idle;
mod set_lobby;
mod set_mute_all;
mod set_muted;
mod set_participant_muted;
mod set_presence;
mod set_privacy;
mod set_recording;
mod set_typing;
mod start_meeting;
mod sync;
mod watch_presence;

/// Routes a request; `send_message` is pipelined by the connection instead.
pub(crate) async fn dispatch(
    state: &Arc<AppState>,
    session: &mut Session,
    req: Request,
) -> Result<Response, ApiError> {
    match req {
        Request::Ping => Ok(Response::Pong),
        Request::Login {
            protocol,
            username,
            password,
            device,
        } => login::handle(state, session, protocol, username, password, device).await,
        Request::Auth { protocol, token } => auth::handle(state, session, protocol, token).await,
        Request::Logout => logout::handle(state, session).await,
        Request::Sync { since } => sync::handle(state, session, since.unwrap_or(0)).await,
        Request::SearchUsers {
            query,
            limit,
            after,
            online,
        } => search_users::handle(state, session, query, limit, after, online).await,
        Request::OpenDirect { user } => open_direct::handle(state, session, user).await,
        Request::ListConversations => list_conversations::handle(state, session).await,
        Request::SendMessage {
            conversation,
            client_id,
            text,
            reply_to,
        } => {
            let link = state.previews.link_in(&text);
            let op = send_message::prepare(session, conversation, client_id, text, reply_to)?;
            let ack = send_message::finish(state, state.writer.write(op).await, link)?;
            Ok(Response::Sent { ack })
        }
        Request::EditMessage {
            conversation,
            seq,
            text,
        } => messages::edit(state, session, conversation, seq, text).await,
        Request::DeleteMessage { conversation, seq } => {
            messages::delete(state, session, conversation, seq).await
        }
        Request::SetReaction {
            conversation,
            seq,
            emoji,
            on,
        } => messages::react(state, session, conversation, seq, emoji, on).await,
        Request::SetTyping {
            conversation,
            typing,
        } => set_typing::handle(state, session, conversation, typing).await,
        Request::SearchMessages {
            query,
            conversation,
            limit,
            after,
        } => search_messages::handle(state, session, query, conversation, limit, after).await,
        Request::History {
            conversation,
            before,
            limit,
        } => history::handle(state, session, conversation, before, limit).await,
        Request::MarkDelivered { conversation, seq } => {
            mark_delivered::handle(state, session, conversation, seq).await
        }
        Request::MarkRead { conversation, seq } => {
            mark_read::handle(state, session, conversation, seq).await
        }
        Request::MarkUnread { conversation, seq } => {
            let user = session.user()?.id;
            let op = WriteOp::MarkUnread {
                user,
                conversation,
                seq,
            };
            write_ok(state, op).await
        }
        Request::HideConversation {
            conversation,
            hidden,
        } => {
            let user = session.user()?.id;
            let op = WriteOp::HideConversation {
                user,
                conversation,
                hidden,
            };
            write_ok(state, op).await
        }
        Request::SetPresence { status, message } => {
            set_presence::handle(state, session, status, message).await
        }
        Request::SetIdle { idle } => set_idle::handle(state, session, idle).await,
        Request::WatchPresence { users } => watch_presence::handle(state, session, users).await,
        Request::SetPrivacy { enabled } => set_privacy::handle(state, session, enabled).await,
        Request::SetMuted {
            conversation,
            muted,
        } => set_muted::handle(state, session, conversation, muted).await,
        Request::ClearHistory { conversation } => {
            clear_history::handle(state, session, conversation).await
        }
        Request::AddFavourite { user } => add_favourite::handle(state, session, user).await,
        Request::RemoveFavourite { user } => remove_favourite::handle(state, session, user).await,
        Request::AnswerSubscription { user, accept } => {
            answer_subscription::handle(state, session, user, accept).await
        }
        Request::ListFavourites => list_favourites::handle(state, session).await,
        Request::CreateGroup { invite, name } => {
            create_group::handle(state, session, invite, name).await
        }
        Request::InviteToGroup { conversation, user } => {
            invite_to_group::handle(state, session, conversation, user).await
        }
        Request::JoinGroup { conversation } => {
            join_group::handle(state, session, conversation).await
        }
        Request::DeclineGroup { conversation } => {
            decline_group::handle(state, session, conversation).await
        }
        Request::LeaveGroup { conversation } => {
            leave_group::handle(state, session, conversation).await
        }
        Request::CreateRoom { name } => create_room::handle(state, session, name).await,
        Request::AddRoomMember { conversation, user } => {
            add_room_member::handle(state, session, conversation, user).await
        }
        Request::RemoveRoomMember { conversation, user } => {
            remove_room_member::handle(state, session, conversation, user).await
        }
        Request::PromoteModerator { conversation, user } => {
            promote_moderator::handle(state, session, conversation, user).await
        }
        Request::RoomLink { conversation } => room_link::handle(state, session, conversation).await,
        Request::RotateRoomLink { conversation } => {
            rotate_room_link::handle(state, session, conversation).await
        }
        Request::ResolveLink { link } => resolve_link::handle(state, session, link).await,
        Request::SetRecording { conversation, on } => {
            set_recording::handle(state, session, conversation, on).await
        }
        Request::SetMuteAll {
            conversation,
            muted,
        } => set_mute_all::handle(state, session, conversation, muted).await,
        Request::SetParticipantMuted {
            conversation,
            user,
            muted,
        } => set_participant_muted::handle(state, session, conversation, user, muted).await,
        Request::LeaveRoom { conversation } => {
            leave_room::handle(state, session, conversation).await
        }
        Request::DeleteRoom { conversation } => {
            delete_room::handle(state, session, conversation).await
        }
        Request::StartMeeting { conversation } => {
            start_meeting::handle(state, session, conversation).await
        }
        Request::LeaveMeeting { conversation } => {
            leave_meeting::handle(state, session, conversation).await
        }
        Request::JoinMeetingMedia {
            conversation,
            offer,
        } => join_meeting_media::handle(state, session, conversation, offer).await,
        Request::ScheduleMeeting {
            conversation,
            title,
            starts_at,
            minutes,
        } => {
            schedule_meeting::handle(state, session, conversation, title, starts_at, minutes).await
        }
        Request::DeleteScheduledMeeting { meeting } => {
            delete_scheduled_meeting::handle(state, session, meeting).await
        }
        Request::ListMeetings => list_meetings::handle(state, session).await,
        Request::ListFiles { conversation } => {
            list_files::handle(state, session, conversation).await
        }
        Request::MailHistory {
            conversation,
            to,
            language,
            utc_offset_minutes,
        } => {
            mail_history::handle(
                state,
                session,
                conversation,
                to,
                language,
                utc_offset_minutes,
            )
            .await
        }
        Request::JoinByLink { link, name } => {
            join_by_link::handle(state, session, link, name).await
        }
        Request::AdmitGuest {
            conversation,
            guest,
        } => admit_guest::handle(state, session, conversation, guest).await,
        Request::RemoveGuest {
            conversation,
            guest,
        } => remove_guest::handle(state, session, conversation, guest).await,
        Request::SetLobby {
            conversation,
            enabled,
        } => set_lobby::handle(state, session, conversation, enabled).await,
        Request::PlaceCall {
            conversation,
            video,
        } => calls::place(state, session, conversation, video).await,
        Request::AnswerCall { call } => calls::answer(state, session, call).await,
        Request::DeclineCall { call } => calls::decline(state, session, call).await,
        Request::HangUp { call } => calls::hang_up(state, session, call).await,
        Request::CallSignal { call, signal } => calls::signal(state, session, call, signal).await,
    }
}

/// Commits one op whose outcome is a conversation, and answers with it.
async fn write_conversation(state: &AppState, op: WriteOp) -> Result<Response, ApiError> {
    match write(state, op).await?.outcome {
        crate::store::Outcome::Conversation(conversation) => Ok(Response::Conversation {
            conversation: *conversation,
        }),
        other => Err(unexpected(other)),
    }
}

/// The store answered an op with another op's outcome: a bug, logged; the client sees a fault.
fn unexpected(outcome: crate::store::Outcome) -> ApiError {
    tracing::error!(?outcome, "unexpected store reply");
    ApiError::fault()
}

/// Commits one op for a request that answers `ok`.
async fn write_ok(state: &AppState, op: WriteOp) -> Result<Response, ApiError> {
    write(state, op).await.map(|_| Response::Ok)
}

/// Commits `op`, which takes `name` out of the meeting of `conversation` (they left it, or its
/// room or group, or were removed), then closes their media there at once: the SFU reads no
/// store, so the app tells it.
async fn write_then_cut_media(
    state: &Arc<AppState>,
    op: WriteOp,
    conversation: u64,
    name: &str,
) -> Result<Response, ApiError> {
    let done = write_ok(state, op).await?;
    if state.meeting_media.is_some() {
        let identity = name.to_owned();
        let _ = crate::media::order(state, conversation, MediaOrder::Remove { identity }).await;
    }
    Ok(done)
}

async fn write(state: &AppState, op: WriteOp) -> Result<Committed, ApiError> {
    state.writer.write(op).await.map_err(ApiError::from)
}

/// Registers the connection with the presence tracker, once: it then watches its user and
/// their accepted favourites (read here, when no other connection of theirs holds them).
async fn watching<'s>(
    state: &AppState,
    session: &'s mut Session,
) -> Result<&'s crate::presence::PresenceWatch, ApiError> {
    if session.presence.is_none() {
        let user = session.user()?;
        let (id, name) = (user.id, user.info.name.clone());
        if state.presence.hold(&name) {
            match state.read(move |s| s.favourites(id)).await {
                Ok((outgoing, _)) => state.presence.loaded(
                    &name,
                    outgoing
                        .into_iter()
                        .filter(|f| f.state == confer_proto::FavouriteState::Accepted)
                        .map(|f| f.target),
                ),
                Err(e) => {
                    state.presence.release(&name);
                    return Err(e);
                }
            }
        }
        session.presence = Some(state.presence.register(session.conn_id, &name));
    }
    Ok(session.presence.as_ref().expect("registered above"))
}

/// Rejects values over `max` bytes.
fn check_len(field: Field, value: &str, max: usize) -> Result<(), ApiError> {
    if value.len() > max {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            Reason::FieldTooLong {
                field,
                max: max as u64,
            },
        ));
    }
    Ok(())
}

/// Cleans up after the socket closed: an external guest's place, presence and last-seen.
pub(crate) async fn disconnected(state: &Arc<AppState>, session: &mut Session) {
    // The device leaves the hub before its call ends: whoever hears of the end and calls back
    // at once must not find this device still there to ring.
    let sub = session.sub.take();
    if let (Some(user), Some(sub)) = (&session.user, sub) {
        let (user, device, now) = (user.record.id, sub.id(), state.now());
        drop(sub);
        let effects = state.calls.with(|b| b.device_gone(user, device, now));
        state.carry_out(effects).await;
    }
    session.presence = None;
    // An external guest exists only as long as its connection.
    if let Some(guest) = session.guest.take() {
        let _ = state
            .writer
            .write(WriteOp::GuestLeave { guest: guest.id })
            .await;
        // And its media, if its browser connected some.
        if state.meeting_media.is_some() {
            let identity = crate::domain::meetings::external_identity(guest.id);
            let order = MediaOrder::Remove { identity };
            let _ = crate::media::order(state, guest.conversation, order).await;
        }
    }
    let Some(user) = session.user.take() else {
        return;
    };
    let now = state.now();
    let op = crate::presence::PresenceOp::Disconnected(session.conn_id, now);
    let presence = state.change_presence(&user.record, op);
    if presence.is_some_and(|p| p.status == confer_proto::PresenceStatus::Offline) {
        let write = WriteOp::SetLastSeen {
            user: user.record.id,
            at: now,
        };
        let _ = state.writer.write(write).await;
    }
}
