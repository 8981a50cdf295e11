//! `remove_room_member`: a moderator removes a member from a room (never its owner).

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
    member: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let done = write_ok(
        state,
        WriteOp::RemoveRoomMember {
            user,
            conversation,
            member: member.clone(),
        },
    )
    .await?;
    // Out of the room, so out of its meeting and its media: their connections close now
    // (the SFU knows them by their name as stored; names match whatever their case).
    if state.meeting_media.is_some()
        && let Ok(Some(removed)) = state.read(move |s| s.user_by_name(&member)).await
    {
        let identity = removed.info.name;
        let _ = media::order(state, conversation, MediaOrder::Remove { identity }).await;
    }
    Ok(done)
}
