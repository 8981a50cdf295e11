//! `sync`: replay every change after the client's cursor, then switch the connection to live
//! events with no gap and no duplicate.

use std::sync::Arc;

use confer_proto::{ErrorCode, Event, Reason, Response, ServerFrame};

use crate::{ApiError, AppState, connection::Session};

/// Stream rows read per query while replaying.
const PAGE: u32 = 1000;

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    since: u64,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    // Subscribe before reading: a change committed during the replay is then either in the
    // replay or queued live, and the live copy is skipped by position if it was in both.
    session.sub = Some(state.hub.subscribe(user));
    let max_at_start = state.read(|s| s.max_position()).await?;
    let mut cursor = since;
    loop {
        let page = state
            .read(move |s| s.changes_since(user, cursor, PAGE))
            .await?;
        for (position, change) in page.changes {
            let frame = ServerFrame::Event {
                event: Event::Change { position, change },
            };
            session.send(&frame).await.map_err(closed)?;
        }
        if page.scanned_to == cursor {
            break;
        }
        cursor = page.scanned_to;
    }
    // Everything concerning the user up to max_at_start was committed before the replay read.
    let position = cursor.max(max_at_start).max(since);
    session.last_position = position;

    // Registered before the snapshot: a change after it waits in the connection's mailbox,
    // which is sent after this reply.
    let presence = super::watching(state, session).await?.snapshot();
    Ok(Response::Synced { position, presence })
}

/// The socket went away mid-replay; nobody reads this reply, but the handler must end.
fn closed(_: axum::Error) -> ApiError {
    ApiError::new(ErrorCode::Internal, Reason::ServerFault)
}
