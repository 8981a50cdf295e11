//! `set_lobby`: a moderator turns the room's lobby for external guests on or off.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    enabled: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(
        state,
        WriteOp::SetLobby {
            user,
            conversation,
            enabled,
        },
    )
    .await
}
