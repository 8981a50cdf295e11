//! `set_privacy`: turn privacy mode on or off.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    enabled: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let response = write_ok(state, WriteOp::SetPrivacy { user, enabled }).await?;
    if let Some(u) = session.user.as_mut() {
        u.record.settings.privacy = enabled;
    }
    Ok(response)
}
