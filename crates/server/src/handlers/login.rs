//! `login`: check a password, open a session and authenticate the connection.

use std::sync::Arc;

use confer_proto::{ErrorCode, Reason, Response};

use super::{
    auth::{check_version, may_sign_in},
    write,
};
use crate::{
    ApiError, AppState, auth,
    connection::{AuthUser, Session},
    store::{Outcome, WriteOp},
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    protocol: u32,
    username: String,
    password: String,
    device: Option<String>,
) -> Result<Response, ApiError> {
    check_version(protocol)?;
    may_sign_in(session)?;
    let addr = session.peer.ip();
    if !state.logins.allowed(&username, addr) {
        return Err(ApiError::new(ErrorCode::RateLimited, Reason::TooManyLogins));
    }
    // Count the attempt as failed before the slow check, so parallel attempts cannot slip past
    // the limit; a success takes it back.
    state.logins.failed(&username, addr);
    let name = username.clone();
    let user = state.read(move |s| s.user_by_name(&name)).await?;
    // Verify even for unknown users so that timing does not reveal which names exist.
    let phc = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = state.verify_password(password, phc).await?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            state.metrics.login_failed();
            return Err(ApiError::new(ErrorCode::AuthFailed, Reason::WrongPassword));
        }
    };
    if user.disabled {
        return Err(ApiError::new(
            ErrorCode::AccountDisabled,
            Reason::AccountDisabled,
        ));
    }
    state.logins.succeeded(&username, addr);
    let token = auth::new_token();
    let device = device.map(|d| d.chars().take(128).collect());
    let committed = write(
        state,
        WriteOp::CreateSession {
            user: user.id,
            token_hash: auth::token_hash(&token),
            device,
        },
    )
    .await?;
    let session_id = match committed.outcome {
        Outcome::Session(id) => id,
        other => return Err(super::unexpected(other)),
    };
    let info = user.info.clone();
    let settings = user.settings.clone();
    super::auth::signed_in(
        state,
        session,
        AuthUser {
            record: user,
            session_id,
        },
    )
    .await;
    Ok(Response::LoggedIn {
        token,
        user: info,
        settings,
        server_version: Some(crate::VERSION.to_owned()),
    })
}

/// A valid argon2id hash of a random string, verified against when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8xJgJ8o3fhcuH5UOdTbmIXvd9Ryg2W0bL0wZBmCnd5M";
