//! `join_by_link`: a member, an internal guest or an external guest joins a meeting by its link.

use std::sync::Arc;

use confer_proto::{ErrorCode, Field, Reason, Response};

use super::{check_len, unexpected, write};
use crate::{
    ApiError, AppState,
    connection::{GuestSession, Session},
    store::{Outcome, WriteOp},
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    link: String,
    name: Option<String>,
) -> Result<Response, ApiError> {
    check_len(Field::Link, &link, 256)?;
    if let Some(user) = &session.user {
        let op = WriteOp::JoinByLink {
            user: Some(user.record.id),
            link,
            name: None,
            connection: session.conn_id,
        };
        return joined(write(state, op).await?.outcome).map(|s| Response::Joined { session: s });
    }
    if session.guest.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, Reason::AlreadyGuest));
    }
    if name.is_none() {
        return Err(ApiError::new(ErrorCode::Invalid, Reason::GuestNeedsName));
    }
    if !state.guest_joins.take(session.peer.ip()) {
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            Reason::TooManyGuestJoins,
        ));
    }
    // Registered before the write: a moderator may admit the guest the moment it is stored.
    let sub = state.hub.subscribe_guest(session.conn_id);
    let op = WriteOp::JoinByLink {
        user: None,
        link,
        name,
        connection: session.conn_id,
    };
    let joined = joined(write(state, op).await?.outcome)?;
    session.guest = Some(GuestSession {
        id: joined.guest.unwrap_or_default(),
        conversation: joined.conversation,
        sub,
    });
    Ok(Response::Joined { session: joined })
}

fn joined(outcome: Outcome) -> Result<confer_proto::MeetingSession, ApiError> {
    match outcome {
        Outcome::Joined(session) => Ok(*session),
        other => Err(unexpected(other)),
    }
}
