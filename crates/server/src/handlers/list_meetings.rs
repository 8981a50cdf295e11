//! `list_meetings`: the ongoing and scheduled meetings of the caller's rooms.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let now = state.now();
    let (ongoing, scheduled) = state.read(move |s| s.meetings(user, now)).await?;
    Ok(Response::Meetings { ongoing, scheduled })
}
