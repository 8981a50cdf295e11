//! `list_favourites`: the caller's favourites and the pending requests addressed to them.

use std::sync::Arc;

use confer_proto::Response;

use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let (outgoing, incoming) = state.read(move |s| s.favourites(user)).await?;
    Ok(Response::Favourites { outgoing, incoming })
}
