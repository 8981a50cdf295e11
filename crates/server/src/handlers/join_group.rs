//! `join_group`: accept an invitation; the newcomer sees only what is posted from then on.

use std::sync::Arc;

use confer_proto::Response;

use super::write_conversation;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let max_members = state.config.max_group_members;
    write_conversation(
        state,
        WriteOp::JoinGroup {
            user,
            conversation,
            max_members,
        },
    )
    .await
}
