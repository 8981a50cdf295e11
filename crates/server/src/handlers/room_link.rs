//! `room_link`: a room's join link, for its moderators.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let (name, link) = state.read(move |s| s.room_link(user, conversation)).await?;
    Ok(Response::RoomLink {
        conversation,
        name,
        link,
    })
}
