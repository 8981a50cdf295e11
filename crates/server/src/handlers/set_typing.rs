//! `set_typing`: told to the other members at once, never stored (like presence). On a
//! cluster the other nodes get it over the bus for their devices.

use std::sync::Arc;

use confer_proto::{Event, Response};

use crate::{ApiError, AppState, cluster::TypingNote, connection::Session};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &Session,
    conversation: u64,
    typing: bool,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let recipients = state
        .read(move |s| s.typing_recipients(user, conversation))
        .await?;
    let events: Vec<_> = recipients
        .into_iter()
        .map(|(to, name)| {
            let event = Event::Typing {
                conversation,
                user: name,
                typing,
            };
            (to, event)
        })
        .collect();
    for (to, event) in &events {
        state.hub.send_event([*to], event.clone());
    }
    if let Some(notes) = &state.typing_notes
        && !events.is_empty()
    {
        // Best effort: a full queue drops an indicator the next repeat brings back.
        let _ = notes.try_send(TypingNote {
            node: state.config.node.clone(),
            events,
        });
    }
    Ok(Response::Ok)
}
