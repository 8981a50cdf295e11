//! `create_group`: start a group with the caller as its first member and invite people.

use std::sync::Arc;

use confer_proto::Response;

use super::write_conversation;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    invite: Vec<String>,
    name: Option<String>,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let max_members = state.config.max_group_members;
    write_conversation(
        state,
        WriteOp::CreateGroup {
            user,
            invite,
            name,
            max_members,
        },
    )
    .await
}
