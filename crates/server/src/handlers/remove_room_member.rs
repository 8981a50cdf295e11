//! `remove_room_member`: a moderator removes a member from a room (never its owner).

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    member: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(
        state,
        WriteOp::RemoveRoomMember {
            user,
            conversation,
            member,
        },
    )
    .await
}
