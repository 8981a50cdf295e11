//! `search_messages`: full-text search of what the caller may see, a page at a time.

use std::sync::Arc;

use confer_proto::{Field, MAX_SEARCH_BYTES, Response, SearchCursor};

use super::check_len;
use crate::{ApiError, AppState, connection::Session, domain::views, store::MessageSearch};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &Session,
    query: String,
    conversation: Option<u64>,
    limit: Option<u32>,
    after: Option<SearchCursor>,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    check_len(Field::Search, &query, MAX_SEARCH_BYTES)?;
    let search = MessageSearch {
        terms: views::search_terms(&query),
        conversation,
        after,
        limit: limit.unwrap_or(20).clamp(1, 100),
    };
    let page = state
        .read(move |s| s.search_messages(user, &search))
        .await?;
    Ok(Response::Messages {
        messages: page.messages,
        next: page.next,
    })
}
