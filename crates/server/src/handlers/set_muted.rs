//! `set_muted`: mute or unmute a conversation for the caller.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    muted: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(
        state,
        WriteOp::SetMuted {
            user,
            conversation,
            muted,
        },
    )
    .await
}
