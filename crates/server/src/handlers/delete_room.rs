//! `delete_room`: the owner deletes a room with everything in it.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{
    ApiError, AppState,
    connection::Session,
    media::{self, MediaOrder},
    store::WriteOp,
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let done = write_ok(state, WriteOp::DeleteRoom { user, conversation }).await?;
    // No room, no meeting: its media connections close now.
    if state.meeting_media.is_some() {
        let _ = media::order(state, conversation, MediaOrder::CloseRoom).await;
    }
    Ok(done)
}
