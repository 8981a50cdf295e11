//! `watch_presence`: the users whose presence this connection follows, replacing the previous
//! list (the user and their accepted favourites are always followed).

use std::sync::Arc;

use confer_proto::{ErrorCode, MAX_WATCHED_USERS, Reason, Response};

use crate::{ApiError, AppState, connection::Session};

/// Longest account name worth looking up; longer ones name nobody.
const MAX_NAME_BYTES: usize = 256;

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    users: Vec<String>,
) -> Result<Response, ApiError> {
    session.user()?;
    if users.len() > MAX_WATCHED_USERS {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            Reason::TooManyWatched {
                max: MAX_WATCHED_USERS as u32,
            },
        ));
    }
    let users: Vec<String> = users
        .into_iter()
        .filter(|u| u.len() <= MAX_NAME_BYTES)
        .collect();
    // Before sync, its snapshot will cover them.
    let synced = session.sub.is_some();
    super::watching(state, session).await?.watch(&users, synced);
    Ok(Response::Ok)
}
