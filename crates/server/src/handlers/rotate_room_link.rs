//! `rotate_room_link`: a moderator replaces the join link; the old one is refused at once.

use std::sync::Arc;

use confer_proto::Response;

use super::write;
use crate::{ApiError, AppState, auth::new_token, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let link = new_token();
    let op = WriteOp::RotateRoomLink {
        user,
        conversation,
        link: link.clone(),
    };
    write(state, op).await?;
    let (name, _) = state.read(move |s| s.room_link(user, conversation)).await?;
    Ok(Response::RoomLink {
        conversation,
        name,
        link,
    })
}
