//! `mark_read`: move the caller's read cursor (and, unless private, their public read receipt).

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    seq: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    write_ok(
        state,
        WriteOp::MarkRead {
            user,
            conversation,
            seq,
        },
    )
    .await
}
