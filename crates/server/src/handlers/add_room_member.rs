//! `add_room_member`: a moderator adds a member to a room.

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
        WriteOp::AddRoomMember {
            user,
            conversation,
            member,
        },
    )
    .await
}
