//! `remove_guest`: a moderator refuses a waiting guest or sends a present one out.

use std::sync::Arc;

use confer_proto::Response;

use super::write_ok;
use crate::{
    ApiError, AppState,
    connection::Session,
    domain::meetings,
    media::{self, MediaOrder},
    store::WriteOp,
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    guest: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    // A guest's media goes by its account name (internal) or its id (external): known
    // before the row goes.
    let media_identity = match &state.meeting_media {
        Some(_) => {
            let now = state.now();
            state
                .read(move |s| {
                    let (ongoing, _) = s.meetings(user, now)?;
                    Ok(ongoing
                        .into_iter()
                        .find(|m| m.conversation == conversation)
                        .and_then(|m| m.guests.into_iter().find(|g| g.id == guest))
                        .map(|g| match g.external {
                            true => meetings::external_identity(g.id),
                            false => g.name,
                        }))
                })
                .await?
        }
        None => None,
    };
    let done = write_ok(
        state,
        WriteOp::RemoveGuest {
            user,
            conversation,
            guest,
        },
    )
    .await?;
    // Sent out of the meeting, so out of its media at once.
    if let Some(identity) = media_identity {
        let _ = media::order(state, conversation, MediaOrder::Remove { identity }).await;
    }
    Ok(done)
}
