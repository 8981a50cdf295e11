//! `mark_delivered`: a receipt that a device received messages up to a sequence number (ignored in privacy mode).

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
        WriteOp::MarkDelivered {
            user,
            conversation,
            seq,
        },
    )
    .await
}
