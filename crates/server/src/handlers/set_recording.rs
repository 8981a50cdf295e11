//! `set_recording`: a moderator starts or stops recording the room's meeting.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    on: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    crate::recording::set(state, user, conversation, on).await?;
    Ok(Response::Ok)
}
