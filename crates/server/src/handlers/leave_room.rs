//! `leave_room`: leave a room (not its owner; a moderator only if another remains).

use std::sync::Arc;

use confer_proto::Response;

use super::write_then_cut_media;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?;
    let (id, name) = (user.id, user.info.name.clone());
    // Out of the room, so out of its meeting and its media.
    let op = WriteOp::LeaveRoom {
        user: id,
        conversation,
    };
    write_then_cut_media(state, op, conversation, &name).await
}
