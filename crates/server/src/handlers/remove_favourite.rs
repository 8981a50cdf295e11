//! `remove_favourite`: remove a user from the caller's favourites.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    target: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(state, WriteOp::RemoveFavourite { user, target }).await
}
