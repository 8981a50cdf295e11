//! `start_meeting`: a member starts the room's meeting, or joins it when it is going on.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(state, WriteOp::StartMeeting { user, conversation }).await
}
