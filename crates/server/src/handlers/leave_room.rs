//! `leave_room`: leave a room (not its owner; a moderator only if another remains).

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?;
    let (id, name) = (user.id, user.info.name.clone());
    let done = write_ok(
        state,
        WriteOp::LeaveRoom {
            user: id,
            conversation,
        },
    )
    .await?;
    // Out of the room, so out of its meeting and its media: their connections close now.
    if let Some(media) = &state.meeting_media {
        media.remove(conversation, &name).await;
    }
    Ok(done)
}
