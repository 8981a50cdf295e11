//! `resolve_link`: which room a join link opens (a replaced link opens none).

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    link: String,
) -> Result<Response, ApiError> {
    session.user()?;
    let token = link.clone();
    let (conversation, name) = state.read(move |s| s.resolve_link(&token)).await?;
    Ok(Response::RoomLink {
        conversation,
        name,
        link,
    })
}
