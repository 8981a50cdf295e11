//! `leave_meeting`: a participant or guest leaves; the meeting ends with its last member.

use std::sync::Arc;

use confer_proto::{ErrorBody, ErrorCode, Reason, Response};

use super::write_then_cut_media;
use crate::{ApiError, AppState, connection::Session, domain::meetings, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    if session.user.is_none()
        && let Some(guest) = &session.guest
    {
        if guest.conversation != conversation {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                Reason::NotInMeeting { conversation },
            ));
        }
        let op = WriteOp::GuestLeave { guest: guest.id };
        let identity = meetings::external_identity(guest.id);
        return match write_then_cut_media(state, op, conversation, &identity).await {
            // NotFound: a moderator removed the guest a moment earlier; either way it is out.
            Ok(_)
            | Err(ApiError(ErrorBody {
                code: ErrorCode::NotFound,
                ..
            })) => {
                session.guest = None;
                Ok(Response::Ok)
            }
            // Kept: the disconnect path tries again.
            Err(e) => Err(e),
        };
    }
    let user = session.user()?;
    let (id, name) = (user.id, user.info.name.clone());
    let op = WriteOp::LeaveMeeting {
        user: id,
        conversation,
    };
    write_then_cut_media(state, op, conversation, &name).await
}
