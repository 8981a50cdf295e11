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
    let record = session.user()?.clone();
    let name = requester.clone();
    let response = write_ok(
        state,
        WriteOp::AnswerSubscription {
            user: record.id,
            requester,
            accept,
        },
    )
    .await?;
    if accept {
        // The new watcher sees the caller's presence from now on.
        if let Some(watcher) = state.read(move |s| s.user_by_name(&name)).await? {
            let presence = state.presence.presence_of(&record);
            state
                .hub
                .send_event([watcher.id], confer_proto::Event::Presence { presence });
        }
    }
    Ok(response)
}
