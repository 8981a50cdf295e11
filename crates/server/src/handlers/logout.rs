//! `logout`: revoke this connection's session token; the connection stays open, signed out.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
) -> Result<Response, ApiError> {
    session.user()?;
    let session_id = session
        .user
        .as_ref()
        .map(|u| u.session_id)
        .unwrap_or_default();
    let response = write_ok(
        state,
        WriteOp::RevokeSession {
            session: session_id,
        },
    )
    .await?;
    super::disconnected(state, session).await;
    Ok(response)
}
