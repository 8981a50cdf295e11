//! `place_call`, `answer_call`, `decline_call`, `hang_up`, `call_signal`: the WebSocket front
//! of the call rules ([`crate::domain::calls`]). A call's events go to devices, so only a
//! synced connection (one with a device in the hub) takes part.

use std::sync::Arc;

use confer_proto::{CallSignal, Reason, Response};

use crate::{
    ApiError, AppState,
    connection::Session,
    domain::calls::{CallBook, DeviceId, Effect, Party},
    store::{StoreError, UserId},
};

/// The caller's user and device, or `sync_first`.
fn device(session: &Session) -> Result<(UserId, DeviceId), ApiError> {
    let user = session.user()?.id;
    let sub = session
        .sub
        .as_ref()
        .ok_or(StoreError::Invalid(Reason::SyncFirst))?;
    Ok((user, sub.id()))
}

pub(super) async fn place(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    video: bool,
) -> Result<Response, ApiError> {
    let (user, device) = device(session)?;
    let name = session.user()?.info.name.clone();
    let me = name.clone();
    let callee = state
        .read(move |s| {
            let members = s.call_members(user, conversation)?;
            let peer = members.iter().find(|m| **m != me).unwrap_or(&me);
            let record = s.user_by_name(peer)?;
            Ok(record.map(|r| Party {
                user: r.id,
                name: r.info.name,
            }))
        })
        .await?
        .ok_or(StoreError::Invalid(Reason::NoCalls { conversation }))?;
    let caller = Party { user, name };
    let devices = state.hub.devices_of(callee.user);
    let ice = |call: u64, user: &str| state.ice_servers(call, user);
    let now = state.now();
    let (placed, effects) = state.calls.with(|b| {
        b.place(
            caller,
            device,
            callee,
            conversation,
            video,
            devices,
            ice,
            now,
        )
    });
    state.carry_out(effects).await;
    Ok(Response::Call { call: placed? })
}

pub(super) async fn answer(
    state: &Arc<AppState>,
    session: &mut Session,
    call: u64,
) -> Result<Response, ApiError> {
    let (user, device) = device(session)?;
    let now = state.now();
    let (info, effects) = state.calls.with(|b| b.answer(user, device, call, now))?;
    state.carry_out(effects).await;
    Ok(Response::Call { call: info })
}

pub(super) async fn decline(
    state: &Arc<AppState>,
    session: &mut Session,
    call: u64,
) -> Result<Response, ApiError> {
    end(state, session, call, CallBook::decline).await
}

pub(super) async fn hang_up(
    state: &Arc<AppState>,
    session: &mut Session,
    call: u64,
) -> Result<Response, ApiError> {
    end(state, session, call, CallBook::hang_up).await
}

/// A transition that ends a call: `CallBook::decline` or `CallBook::hang_up`.
type Ending = fn(&mut CallBook, UserId, DeviceId, u64, i64) -> Result<Vec<Effect>, StoreError>;

/// Declining and hanging up: one transition of this device's call, then its effects.
async fn end(
    state: &Arc<AppState>,
    session: &mut Session,
    call: u64,
    transition: Ending,
) -> Result<Response, ApiError> {
    let (user, device) = device(session)?;
    let now = state.now();
    let effects = state
        .calls
        .with(|b| transition(b, user, device, call, now))?;
    state.carry_out(effects).await;
    Ok(Response::Ok)
}

pub(super) async fn signal(
    state: &Arc<AppState>,
    session: &mut Session,
    call: u64,
    signal: CallSignal,
) -> Result<Response, ApiError> {
    let (user, device) = device(session)?;
    let effect = state.calls.with(|b| b.signal(user, device, call, signal))?;
    state.carry_out(vec![effect]).await;
    Ok(Response::Ok)
}
