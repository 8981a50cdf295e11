//! `answer_subscription`: accept or decline another user's request to see the caller's presence.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    requester: String,
    accept: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    // The published acceptance is what shows the caller's presence to the new watcher's
    // connections (see `PresenceTracker::favourite_changed`).
    write_ok(
        state,
        WriteOp::AnswerSubscription {
            user,
            requester,
            accept,
        },
    )
    .await
}
