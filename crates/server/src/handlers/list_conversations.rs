//! `list_conversations`: the caller's conversations, newest activity first.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let conversations = state.read(move |s| s.conversations(user)).await?;
    Ok(Response::Conversations { conversations })
}
