//! `join_meeting_media`: a participant's media connects to the meeting it is in, through the
//! SFU, with the rights the meeting rules give.

use std::sync::Arc;

use confer_proto::{ErrorCode, Reason, Response};

use crate::{ApiError, AppState, connection::Session, domain::meetings, store::StoreError};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    offer: String,
) -> Result<Response, ApiError> {
    let media = state
        .meeting_media
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, Reason::NoMeetingMedia))?;
    // An external guest (no account), once let in.
    if session.user.is_none()
        && let Some(guest) = &session.guest
    {
        let id = guest.id;
        if guest.conversation != conversation {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                Reason::NotInMeeting { conversation },
            ));
        }
        let rights = state
            .read(move |s| {
                let meeting = s.ongoing_meeting(conversation)?;
                meetings::guest_media_rights(id, conversation, meeting.as_ref())
            })
            .await?;
        let identity = meetings::external_identity(id);
        let answer = media.join(conversation, &identity, rights, offer).await?;
        return Ok(Response::MeetingMedia { answer });
    }
    let user = session.user()?;
    let (id, name) = (user.id, user.info.name.clone());
    let now = state.now();
    let who = name.clone();
    let rights = state
        .read(move |s| {
            // Not a member: perhaps a guest of the meeting.
            let member = match s.conversation(id, conversation) {
                Ok(summary) => Some(summary.info),
                Err(StoreError::NotFound(_) | StoreError::Forbidden(_)) => None,
                Err(e) => return Err(e),
            };
            let (ongoing, _) = s.meetings(id, now)?;
            let meeting = ongoing.into_iter().find(|m| m.conversation == conversation);
            meetings::media_rights(&who, conversation, member.as_ref(), meeting.as_ref())
        })
        .await?;
    let answer = media.join(conversation, &name, rights, offer).await?;
    Ok(Response::MeetingMedia { answer })
}
