//! `set_idle`: a device reports its user idle (or back); idle on every device means Away.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session, presence::PresenceOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    idle: bool,
) -> Result<Response, ApiError> {
    let record = session.user()?.clone();
    state.change_presence(&record, PresenceOp::Idle(session.conn_id, idle));
    Ok(Response::Ok)
}
