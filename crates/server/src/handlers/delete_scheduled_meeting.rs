//! `delete_scheduled_meeting`: the room's owner removes a meeting from its calendar.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    meeting: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(state, WriteOp::DeleteScheduledMeeting { user, meeting }).await
}
