//! `open_direct`: find or create the 1:1 conversation with a user.

use std::sync::Arc;

use confer_proto::{ErrorCode, Response};

use super::write;
use crate::{
    ApiError, AppState,
    connection::Session,
    store::{Outcome, WriteOp},
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    other: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    match write(state, WriteOp::OpenDirect { user, other })
        .await?
        .outcome
    {
        Outcome::Conversation(conversation) => Ok(Response::Conversation {
            conversation: *conversation,
        }),
        _ => Err(ApiError::new(
            ErrorCode::Internal,
            "Unexpected store reply.",
        )),
    }
}
