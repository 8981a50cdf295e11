//! `set_mute_all`: a moderator turns the room's mute-for-all on or off.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{
    ApiError, AppState,
    connection::Session,
    media::{self, MediaOrder},
    store::WriteOp,
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    muted: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let done = write_ok(
        state,
        WriteOp::SetMuteAll {
            user,
            conversation,
            muted,
        },
    )
    .await?;
    // Stored (so the rules allowed it): now the SFU enforces it.
    if state.meeting_media.is_some() {
        let _ = media::order(state, conversation, MediaOrder::MuteAll { on: muted }).await;
    }
    Ok(done)
}
