//! `list_files`: the files shared in a conversation that the caller sees, newest first.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let files = state.read(move |s| s.files(user, conversation)).await?;
    Ok(Response::Files { files })
}
