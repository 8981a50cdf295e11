//! `set_idle`: a device reports its user idle (or back); idle on every device means Away.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    idle: bool,
) -> Result<Response, ApiError> {
    let record = session.user()?.clone();
    if let Some(presence) = state.presence.set_idle(&record, session.conn_id, idle) {
        state.publish_presence(record.id, presence).await;
    }
    Ok(Response::Ok)
}
