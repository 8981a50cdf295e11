//! `add_favourite`: add a user to the caller's favourites; a subscription request under the
//! `subscribers` presence policy.

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
    let policy = state.config.presence_policy;
    write_ok(
        state,
        WriteOp::AddFavourite {
            user,
            target,
            policy,
        },
    )
    .await
}
