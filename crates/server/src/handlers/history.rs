//! `history`: a page of a conversation's messages as the caller sees them.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    before: Option<u64>,
    limit: Option<u32>,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let now = state.now();
    let page = state
        .read(move |s| s.history(user, conversation, before, limit, now))
        .await?;
    Ok(Response::History { page })
}
