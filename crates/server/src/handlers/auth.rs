//! `auth`: authenticate the connection with a session token.

use std::sync::Arc;

use confer_proto::{ErrorCode, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, Reason, Response};

use crate::{
    ApiError, AppState, auth,
    connection::{AuthUser, Session},
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    protocol: u32,
    token: String,
) -> Result<Response, ApiError> {
    check_version(protocol)?;
    may_sign_in(session)?;
    let hash = auth::token_hash(&token);
    let found = state.read(move |s| s.session_by_token_hash(&hash)).await?;
    let Some(record) = found else {
        return Err(ApiError::new(ErrorCode::AuthFailed, Reason::TokenUnknown));
    };
    let (user, settings) = (record.user.info.clone(), record.user.settings.clone());
    signed_in(
        state,
        session,
        AuthUser {
            record: record.user,
            session_id: record.id,
        },
    )
    .await;
    Ok(Response::Authenticated {
        user,
        settings,
        server_version: Some(crate::VERSION.to_owned()),
    })
}

pub(super) fn check_version(protocol: u32) -> Result<(), ApiError> {
    if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&protocol) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedVersion,
            Reason::ProtocolVersion {
                supported: PROTOCOL_VERSION,
                requested: protocol,
            },
        ));
    }
    Ok(())
}

/// Binds the user to the connection and marks them present.
pub(super) async fn signed_in(state: &Arc<AppState>, session: &mut Session, user: AuthUser) {
    state.change_presence(
        &user.record,
        crate::presence::PresenceOp::Connected(session.conn_id),
    );
    session.user = Some(user);
}

/// A connection signs in once, and not while it is an external guest's session (whose place in
/// the meeting would outlive its meaning).
pub(super) fn may_sign_in(session: &Session) -> Result<(), ApiError> {
    if session.user.is_some() {
        return Err(ApiError::new(ErrorCode::Invalid, Reason::AlreadySignedIn));
    }
    if session.guest.is_some() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            Reason::GuestCannotSignIn,
        ));
    }
    Ok(())
}
