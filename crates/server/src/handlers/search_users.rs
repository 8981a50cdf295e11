//! `search_users`: the directory ("Chat with…"), with presence where the caller may see it.

use std::sync::Arc;

use confer_proto::{DirectoryEntry, Field, Response};

use super::check_len;
use crate::{ApiError, AppState, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    query: String,
    limit: Option<u32>,
) -> Result<Response, ApiError> {
    let viewer = session.user()?.clone();
    check_len(Field::Search, &query, 128)?;
    let limit = limit.unwrap_or(20).clamp(1, 100);
    let query = query.trim().to_owned();
    let found = state.read(move |s| s.search_users(&query, limit)).await?;
    let mut users = Vec::with_capacity(found.len());
    for record in found {
        let presence = if state.can_see_presence(&viewer, &record).await? {
            Some(state.presence.presence_of(&record))
        } else {
            None
        };
        users.push(DirectoryEntry {
            user: record.info,
            presence,
        });
    }
    Ok(Response::Users { users })
}
