//! `create_room`: a new Virtual Room owned by the caller, with a fresh join link.

use std::sync::Arc;

use confer_proto::Response;

use super::write_conversation;
use crate::{ApiError, AppState, auth::new_token, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    name: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let link = new_token();
    write_conversation(state, WriteOp::CreateRoom { user, name, link }).await
}
