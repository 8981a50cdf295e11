//! `remove_guest`: a moderator refuses a waiting guest or sends a present one out.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    guest: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(
        state,
        WriteOp::RemoveGuest {
            user,
            conversation,
            guest,
        },
    )
    .await
}
