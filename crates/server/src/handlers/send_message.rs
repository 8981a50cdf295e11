//! `send_message`: validate, hand to the writer, acknowledge after the commit.

use confer_proto::{ErrorCode, MAX_TEXT_BYTES, Reason, SendAck};

use crate::{
    ApiError, AppState,
    connection::Session,
    store::{Committed, Outcome, StoreError, WriteOp},
};

/// Longest client id, in bytes.
const MAX_CLIENT_ID_BYTES: usize = 64;

/// Checks the request and builds the write op.
pub(crate) fn prepare(
    session: &Session,
    conversation: u64,
    client_id: String,
    text: String,
    reply_to: Option<u64>,
) -> Result<WriteOp, ApiError> {
    let user = session.user()?.id;
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_BYTES {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            Reason::ClientIdLength {
                max: MAX_CLIENT_ID_BYTES as u32,
            },
        ));
    }
    check_text(&text)?;
    Ok(WriteOp::SendMessage {
        user,
        conversation,
        client_id,
        text,
        reply_to,
    })
}

/// A message text: not blank, at most [`MAX_TEXT_BYTES`] (sends and edits alike).
pub(crate) fn check_text(text: &str) -> Result<(), ApiError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::new(
            ErrorCode::TextTooLong,
            Reason::TextTooLong {
                max: MAX_TEXT_BYTES as u64,
                size: text.len() as u64,
            },
        ));
    }
    if text.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::Invalid, Reason::EmptyMessage));
    }
    Ok(())
}

/// Turns the writer's result into the ack; a new message with a `link` gets its card asked
/// for.
pub(crate) fn finish(
    state: &AppState,
    result: Result<Committed, StoreError>,
    link: Option<String>,
) -> Result<SendAck, ApiError> {
    match result?.outcome {
        Outcome::Sent(ack) => {
            if !ack.duplicate {
                state.metrics.message_stored();
                if let Some(url) = link {
                    state.previews.request(ack.conversation, ack.seq, url);
                }
            }
            Ok(ack)
        }
        other => Err(super::unexpected(other)),
    }
}
