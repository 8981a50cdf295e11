//! `open_direct`: find or create the 1:1 conversation with a user.

use std::sync::Arc;

use confer_proto::Response;

use super::write_conversation;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    other: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_conversation(state, WriteOp::OpenDirect { user, other }).await
}
