//! `invite_to_group`: a member invites someone, within the group's size cap.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    invitee: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let max_members = state.config.max_group_members;
    write_ok(
        state,
        WriteOp::InviteToGroup {
            user,
            conversation,
            invitee,
            max_members,
        },
    )
    .await
}
