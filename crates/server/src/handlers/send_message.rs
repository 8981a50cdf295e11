//! `send_message`: validate, hand to the writer, acknowledge after the commit.

use confer_proto::{ErrorCode, MAX_TEXT_BYTES, SendAck};

use crate::{
    ApiError, AppState,
    connection::Session,
    store::{Committed, Outcome, StoreError, WriteOp},
};

/// Checks the request and builds the write op.
pub(crate) fn prepare(
    session: &Session,
    conversation: u64,
    client_id: String,
    text: String,
) -> Result<WriteOp, ApiError> {
    let user = session.user()?.id;
    if client_id.is_empty() || client_id.len() > 64 {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "A client id must have 1 to 64 bytes.",
        ));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::new(
            ErrorCode::TextTooLong,
            format!(
                "A message may hold at most {MAX_TEXT_BYTES} bytes; this one has {}.",
                text.len()
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "A message cannot be empty.",
        ));
    }
    Ok(WriteOp::SendMessage {
        user,
        conversation,
        client_id,
        text,
    })
}

/// Turns the writer's result into the ack.
pub(crate) fn finish(
    state: &AppState,
    result: Result<Committed, StoreError>,
) -> Result<SendAck, ApiError> {
    match result?.outcome {
        Outcome::Sent(ack) => {
            if !ack.duplicate {
                state.metrics.message_stored();
            }
            Ok(ack)
        }
        _ => Err(ApiError::new(
            ErrorCode::Internal,
            "Unexpected store reply.",
        )),
    }
}
