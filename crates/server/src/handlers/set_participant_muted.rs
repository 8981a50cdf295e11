//! `set_participant_muted`: a moderator mutes one participant of the meeting, or lifts it.

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
    participant: String,
    muted: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    // Names match whatever their case: the meeting and the SFU know the name as stored. One
    // that names nobody goes on as typed, for the rules to refuse.
    let typed = participant.clone();
    let participant = match state.read(move |s| s.user_by_name(&typed)).await? {
        Some(found) => found.info.name,
        None => participant,
    };
    let op = WriteOp::SetParticipantMuted {
        user,
        conversation,
        participant: participant.clone(),
        muted,
    };
    let done = write_ok(state, op).await?;
    // Stored (so the rules allowed it): now the SFU enforces it.
    if state.meeting_media.is_some() {
        let order = MediaOrder::Mute {
            identity: participant,
            on: muted,
        };
        let _ = media::order(state, conversation, order).await;
    }
    Ok(done)
}
