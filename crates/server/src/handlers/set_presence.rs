//! `set_presence`: choose Available, Away, Do Not Disturb or Offline, with a custom message.

use std::sync::Arc;

use confer_proto::{Field, MAX_STATUS_MESSAGE_BYTES, PresenceChoice, Response};

use super::{check_len, write_ok};
use crate::{ApiError, AppState, connection::Session, presence::PresenceOp, store::WriteOp};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    status: PresenceChoice,
    message: Option<String>,
) -> Result<Response, ApiError> {
    let record = session.user()?.clone();
    let message = match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => {
            check_len(Field::StatusMessage, &m, MAX_STATUS_MESSAGE_BYTES)?;
            Some(crate::domain::names::clean(
                Field::StatusMessage,
                &m,
                MAX_STATUS_MESSAGE_BYTES as u32,
            )?)
        }
        None => None,
    };
    let response = write_ok(
        state,
        WriteOp::SetStatus {
            user: record.id,
            status,
            message: message.clone(),
        },
    )
    .await?;
    if let Some(u) = session.user.as_mut() {
        u.record.settings.status = status;
        u.record.settings.status_message = message.clone();
    }
    state.change_presence(&record, PresenceOp::Choice(status, message));
    Ok(response)
}
