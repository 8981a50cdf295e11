//! `join_meeting_media`: a participant's media connects to the meeting it is in, through the
//! SFU, with the rights the meeting rules give.

use std::sync::Arc;

use confer_proto::{ErrorCode, Reason, Response};

use crate::{
    ApiError, AppState,
    connection::Session,
    domain::meetings,
    media::{self, MediaOrder},
    store::StoreError,
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    offer: String,
) -> Result<Response, ApiError> {
    if state.meeting_media.is_none() {
        return Err(ApiError::new(ErrorCode::Forbidden, Reason::NoMeetingMedia));
    }
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
        return connect(state, conversation, identity, rights, offer).await;
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
    connect(state, conversation, name, rights, offer).await
}

/// Hands the offer to the SFU carrying the meeting (this node's, or another's in a cluster).
async fn connect(
    state: &Arc<AppState>,
    conversation: u64,
    identity: String,
    rights: meetings::MediaRights,
    offer: String,
) -> Result<Response, ApiError> {
    let order = MediaOrder::Join {
        identity,
        rights,
        offer,
    };
    match media::order(state, conversation, order).await? {
        Some(answer) => Ok(Response::MeetingMedia { answer }),
        None => Err(ApiError::fault()),
    }
}
