//! `delete_room`: the owner deletes a room with everything in it.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let done = write_ok(state, WriteOp::DeleteRoom { user, conversation }).await?;
    // No room, no meeting: its media connections close now.
    if let Some(media) = &state.meeting_media {
        media.close_room(conversation).await;
        // A recording there ended with it (its tracks stay on disk; there is no room to share
        // them in).
        crate::recording::after_departure(state, conversation).await;
    }
    Ok(done)
}
