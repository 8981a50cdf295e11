//! `edit_message`, `delete_message`, `set_reaction`: checked here for size, decided by
//! `domain::messages` in the writer.

use confer_proto::{ErrorCode, MAX_EMOJI_BYTES, Reason, Response};

use super::{send_message::check_text, write_ok};
use crate::{ApiError, AppState, connection::Session, store::WriteOp};

pub(super) async fn edit(
    state: &AppState,
    session: &Session,
    conversation: u64,
    seq: u64,
    text: String,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    check_text(&text)?;
    let link = state.previews.link_in(&text);
    let op = WriteOp::EditMessage {
        user,
        conversation,
        seq,
        text,
    };
    let done = write_ok(state, op).await?;
    // The edited text's link gets its card (the same card again changes nothing).
    if let Some(url) = link {
        state.previews.request(conversation, seq, url);
    }
    Ok(done)
}

pub(super) async fn delete(
    state: &AppState,
    session: &Session,
    conversation: u64,
    seq: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let op = WriteOp::DeleteMessage {
        user,
        conversation,
        seq,
    };
    write_ok(state, op).await
}

pub(super) async fn react(
    state: &AppState,
    session: &Session,
    conversation: u64,
    seq: u64,
    emoji: String,
    on: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    // The rule checks the emoji itself; this only keeps a huge string out of the writer.
    if emoji.len() > MAX_EMOJI_BYTES {
        return Err(ApiError::new(ErrorCode::Invalid, Reason::InvalidReaction));
    }
    let op = WriteOp::SetReaction {
        user,
        conversation,
        seq,
        emoji,
        on,
    };
    write_ok(state, op).await
}
