//! `search_users`: the directory ("Chat with…" and the People view), a page at a time, with
//! presence where the caller may see it.

use std::sync::Arc;

use confer_proto::{DirectoryEntry, Field, PresenceStatus, Response};

use super::check_len;
use crate::{ApiError, AppState, connection::Session};

/// Rows read from the store at a time while only online users are wanted.
const ONLINE_BATCH: u32 = 200;
/// Rows one request reads at most while only online users are wanted: past that the page goes
/// back short (even empty), with `next`, so one request never walks a huge directory.
const ONLINE_SCAN: usize = 5_000;

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    query: String,
    limit: Option<u32>,
    after: Option<String>,
    online: bool,
) -> Result<Response, ApiError> {
    let viewer = session.user()?.clone();
    check_len(Field::Search, &query, 128)?;
    if let Some(after) = &after {
        check_len(Field::Search, after, 128)?;
    }
    let limit = limit.unwrap_or(20).clamp(1, 100) as usize;
    let query = query.trim().to_owned();
    // Aliases head the first page (they have no presence, so `online` keeps them).
    let aliases = if after.is_none() {
        let q = query.clone();
        state.read(move |s| s.search_aliases(&q)).await?
    } else {
        Vec::new()
    };
    let reply = |users, next| Response::Users {
        users,
        next,
        aliases,
    };
    // One more row than needed says whether a next page exists.
    let batch = if online {
        ONLINE_BATCH
    } else {
        limit as u32 + 1
    };
    let mut users = Vec::with_capacity(limit);
    let mut cursor = after;
    let mut scanned = 0;
    loop {
        let (q, from) = (query.clone(), cursor.clone());
        let found = state
            .read(move |s| s.search_users(&q, from.as_deref(), batch))
            .await?;
        let exhausted = found.len() < batch as usize;
        let count = found.len();
        for (i, record) in found.into_iter().enumerate() {
            if users.len() == limit {
                // A row past the page: there is a next one, starting after the last shown.
                return Ok(reply(users, cursor));
            }
            scanned += 1;
            cursor = Some(record.info.name.clone());
            let presence = if state.can_see_presence(&viewer, &record).await? {
                Some(state.presence.presence_of(&record))
            } else {
                None
            };
            let shown_online = presence
                .as_ref()
                .is_some_and(|p| p.status != PresenceStatus::Offline);
            if online && !shown_online {
                continue;
            }
            users.push(DirectoryEntry {
                user: record.info,
                presence,
            });
            if online && users.len() == limit && i + 1 == count && exhausted {
                return Ok(reply(users, None));
            }
        }
        if exhausted {
            return Ok(reply(users, None));
        }
        if users.len() == limit || scanned >= ONLINE_SCAN {
            return Ok(reply(users, cursor));
        }
    }
}
