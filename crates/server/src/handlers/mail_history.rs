//! `mail_history`: the conversation's history, as the caller sees it, sent by email; then the
//! notice every member sees.

use std::{collections::HashMap, sync::Arc};

use confer_proto::{ErrorCode, HISTORY_MAX_PAGE, Reason, Response};

use crate::{
    ApiError, AppState,
    connection::Session,
    mail::{self, History, Lang, MAX_MESSAGES},
    store::WriteOp,
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    to: String,
    language: Option<String>,
    utc_offset_minutes: Option<i32>,
) -> Result<Response, ApiError> {
    let user = session.user()?;
    let (user_id, sender) = (user.id, user.info.name.clone());
    let server = state.mail.server()?;
    let recipient = mail::recipient(&to)?;
    let to = recipient.email.to_string();
    let per_hour = state.mail.per_hour;
    let now = state.now();
    let history = state
        .read(move |s| {
            s.check_history_mail(user_id, conversation, per_hour, now)?;
            let summary = s.conversation(user_id, conversation)?;
            // Newest pages first, until the start or the cap.
            let mut pages = Vec::new();
            let (mut before, mut count, mut truncated) = (None, 0, false);
            loop {
                let page = s.history(user_id, conversation, before, Some(HISTORY_MAX_PAGE), now)?;
                count += page.messages.len();
                before = page.messages.first().map(|m| m.seq);
                let more = page.has_more && before.is_some();
                pages.push(page.messages);
                if !more {
                    break;
                }
                if count >= MAX_MESSAGES {
                    truncated = true;
                    break;
                }
            }
            let mut messages: Vec<_> = pages.into_iter().rev().flatten().collect();
            if messages.len() > MAX_MESSAGES {
                messages.drain(..messages.len() - MAX_MESSAGES);
                truncated = true;
            }
            let mut names = HashMap::new();
            let people = summary
                .info
                .members
                .iter()
                .chain(messages.iter().map(|m| &m.sender));
            for name in people {
                if !names.contains_key(name)
                    && let Some(u) = s.user_by_name(name)?
                {
                    names.insert(name.clone(), u.info.display_name);
                }
            }
            Ok(History {
                kind: summary.info.kind,
                name: summary.info.name,
                members: summary.info.members,
                names,
                messages,
                truncated,
            })
        })
        .await
        .map_err(|e| match e.0.reason {
            // The limit is a rate, whatever the store calls it.
            Reason::TooManyMails { per_hour } => {
                ApiError::new(ErrorCode::RateLimited, Reason::TooManyMails { per_hour })
            }
            _ => e,
        })?;
    let lang = Lang::from_tag(language.as_deref());
    // Offsets on Earth run from UTC-12:00 to UTC+14:00.
    let offset = utc_offset_minutes.unwrap_or(0).clamp(-12 * 60, 14 * 60);
    let (subject, body) = mail::render(&history, &sender, lang, offset, now);
    mail::send(server, recipient, &subject, body).await?;
    state
        .writer
        .write(WriteOp::RecordHistoryMail {
            user: user_id,
            conversation,
            to,
        })
        .await?;
    Ok(Response::Ok)
}
