//! Keeps one connection: connect, authenticate, resume, drain the outbox, apply events; on loss,
//! try the next server of the list at once, and once every server has failed in turn, back off
//! (exponentially, with jitter) and go round again.

use std::{collections::BTreeMap, pin::Pin, sync::Arc, time::Duration};

use confer_proto::{
    Change, ErrorCode, Event, MAX_WATCHED_USERS, PROTOCOL_VERSION, Request, Response, UserSettings,
};
use futures_util::{StreamExt, stream::FuturesUnordered};
use rand::Rng;

use crate::{
    ClientEvent, ConnState, CoreError, Inner,
    cache::{OpKind, OutboxItem, OutboxOp},
    connection::{ConnHandle, Connection, Inbound, wait_reply},
    notify,
};

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Events applied in one cache transaction at most.
const APPLY_BATCH: usize = 2000;
/// Outbox messages sent and not yet acknowledged, at most.
const SEND_WINDOW: usize = 64;

enum End {
    /// Credentials refused: stop until the user signs in again.
    AuthFailed,
    /// The client is closing: the connection was closed cleanly.
    Closed,
    /// The connection failed or dropped.
    Lost {
        /// It had been online (reset the backoff).
        was_online: bool,
    },
}

/// Which server to try: the list in order, round robin. A round is one failure per server since
/// the last connection that went online; only a whole round of failures waits for the backoff,
/// so a server that is down costs the next one no delay.
#[derive(Debug)]
struct Rotation {
    len: usize,
    current: usize,
    failures: usize,
}

impl Rotation {
    fn new(len: usize) -> Self {
        Self {
            len: len.max(1),
            current: 0,
            failures: 0,
        }
    }

    /// The current server failed, or dropped a connection that had been online: moves to the
    /// next one; true when a whole round has failed (back off before going on).
    fn failed(&mut self, was_online: bool) -> bool {
        if was_online {
            self.failures = 0;
        }
        self.failures += 1;
        self.current = (self.current + 1) % self.len;
        if self.failures >= self.len {
            self.failures = 0;
            true
        } else {
            false
        }
    }
}

pub(crate) async fn run(inner: Arc<Inner>) {
    let urls = inner.config.ws_urls();
    let mut rotation = Rotation::new(urls.len());
    let mut backoff = FIRST_BACKOFF;
    loop {
        inner.set_state(ConnState::Connecting);
        let url = &urls[rotation.current];
        match session(&inner, url).await {
            End::AuthFailed => {
                inner.set_state(ConnState::AuthFailed);
                return;
            }
            End::Closed => {
                inner.set_state(ConnState::Offline);
                return;
            }
            End::Lost { was_online } => {
                if was_online {
                    backoff = FIRST_BACKOFF;
                }
                if !rotation.failed(was_online) {
                    tracing::info!(
                        from = %url,
                        to = %urls[rotation.current],
                        "server unreachable; trying the next one"
                    );
                    continue;
                }
                inner.set_state(ConnState::Offline);
            }
        }
        // Jitter spreads the reconnects of many clients after a server restart.
        let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64 / 2);
        tokio::select! {
            _ = tokio::time::sleep(backoff + Duration::from_millis(jitter)) => {}
            _ = inner.reconnect.notified() => {}
            _ = inner.closing() => {
                inner.set_state(ConnState::Offline);
                return;
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

type InFlight = Pin<Box<dyn Future<Output = (OutboxItem, Result<Response, CoreError>)> + Send>>;
/// The edit, deletion or reaction sent and not answered yet (one at a time: they are rare).
type OpInFlight = Pin<Box<dyn Future<Output = (OutboxOp, Result<Response, CoreError>)> + Send>>;

async fn session(inner: &Arc<Inner>, url: &str) -> End {
    let connect = Connection::connect(url, inner.config.connect_timeout, inner.config.heartbeat);
    let connected = tokio::select! {
        c = connect => c,
        _ = inner.closing() => return End::Closed,
    };
    let (conn, mut events) = match connected {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "connect failed");
            return End::Lost { was_online: false };
        }
    };
    let handle = conn.handle();
    let authenticated = tokio::select! {
        a = authenticate(inner, &handle) => a,
        _ = inner.closing() => {
            conn.close().await;
            return End::Closed;
        }
    };
    match authenticated {
        Ok((settings, version)) => {
            *inner.server.lock().expect("server poisoned") = Some((url.to_owned(), version));
            let s2 = settings.clone();
            let _ = inner.cache.run(move |c| c.set_settings(&s2)).await;
            inner.notify_ctx.lock().expect("ctx poisoned").status = settings.status;
        }
        Err(CoreError::AuthFailed(reason)) => {
            // The caller reports it; a warning here would say it twice.
            tracing::info!(%reason, "sign-in refused");
            conn.close().await;
            return End::AuthFailed;
        }
        Err(e) => {
            tracing::debug!(error = %e, "authentication did not complete");
            conn.close().await;
            return End::Lost { was_online: false };
        }
    }
    // Watched before the sync, so that its presence snapshot covers them.
    *inner.watched.lock().expect("watched poisoned") = None;
    send_watch(inner, &handle).await;
    let cursor = inner.cache.run(|c| c.sync_cursor()).await.unwrap_or(0);
    let sync_rx = match handle
        .send(Request::Sync {
            since: Some(cursor),
        })
        .await
    {
        Ok(rx) => rx,
        Err(_) => return End::Lost { was_online: false },
    };
    *inner.conn.lock().expect("conn poisoned") = Some(handle.clone());
    inner.set_state(ConnState::Online);

    let mut sync = Some(Box::pin(wait_reply(sync_rx)));
    // A cache that was synced before treats what it missed while away as news; a new cache
    // treats its first catch-up as history.
    let mut live = cursor > 0;
    let mut synced = false;
    let mut in_flight: FuturesUnordered<InFlight> = FuturesUnordered::new();
    // Outbox items up to this local id have been sent on this connection.
    let mut sent_through: i64 = 0;
    let mut retry_at: Option<tokio::time::Instant> = None;
    let mut op: Option<OpInFlight> = None;
    let mut op_retry_at: Option<tokio::time::Instant> = None;
    let mut closing = false;
    loop {
        tokio::select! {
            // Polled between branches, so a batch being applied finishes (and its receipts are
            // queued) before the connection closes.
            _ = inner.closing() => {
                closing = true;
                break;
            }
            inbound = events.recv() => match inbound {
                Some(first) => {
                    let mut batch = vec![first];
                    while batch.len() < APPLY_BATCH {
                        match events.try_recv() {
                            Ok(e) => batch.push(e),
                            Err(_) => break,
                        }
                    }
                    let mut chunk = Vec::new();
                    let mut failed = false;
                    for item in batch {
                        match item {
                            Inbound::Event(e) => chunk.push(e),
                            Inbound::Synced { position, presence } => {
                                // Everything before the marker is in the cache before the
                                // cursor moves past it.
                                if apply_events(inner, &handle, std::mem::take(&mut chunk), live).await.is_err()
                                    || finish_sync(inner, &handle, position, presence).await.is_err()
                                {
                                    failed = true;
                                    break;
                                }
                                live = true;
                                synced = true;
                                // The catch-up may have brought conversations.
                                send_watch(inner, &handle).await;
                                send_outbox(inner, &handle, &mut in_flight, &mut sent_through).await;
                                send_op(inner, &handle, &mut op).await;
                            }
                        }
                    }
                    if failed || apply_events(inner, &handle, chunk, live).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            reply = async { sync.as_mut().expect("guarded").await }, if sync.is_some() => {
                sync = None;
                // A successful reply is handled at its marker, in stream order.
                if !matches!(reply, Ok(Response::Synced { .. })) {
                    tracing::debug!(?reply, "sync failed");
                    break;
                }
            },
            _ = inner.rewatch.notified(), if synced => {
                send_watch(inner, &handle).await;
            },
            _ = inner.wake.notified(), if synced => {
                send_outbox(inner, &handle, &mut in_flight, &mut sent_through).await;
                send_op(inner, &handle, &mut op).await;
            },
            _ = async { tokio::time::sleep_until(op_retry_at.expect("guarded")).await }, if op_retry_at.is_some() => {
                op_retry_at = None;
                send_op(inner, &handle, &mut op).await;
            },
            (sent, result) = async { op.as_mut().expect("guarded").await }, if op.is_some() => {
                op = None;
                let id = sent.id;
                match result {
                    Ok(_) => {
                        let _ = inner.cache.run(move |c| c.op_done(id)).await;
                        inner.emit(ClientEvent::OpDone { op: id });
                    }
                    Err(CoreError::Refused(body)) if is_permanent(body.code) => {
                        let _ = inner.cache.run(move |c| c.op_refused(id, &body)).await;
                        // What was shown at once is undone: the server's copy comes back.
                        undo_op(inner, &handle, &sent).await;
                        inner.emit(ClientEvent::OpDone { op: id });
                    }
                    Err(CoreError::Refused(_)) | Err(CoreError::Timeout) => {
                        op_retry_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                        continue;
                    }
                    _ => {}
                }
                send_op(inner, &handle, &mut op).await;
            },
            _ = async { tokio::time::sleep_until(retry_at.expect("guarded")).await }, if retry_at.is_some() => {
                retry_at = None;
                send_outbox(inner, &handle, &mut in_flight, &mut sent_through).await;
            },
            Some((item, result)) = in_flight.next(), if !in_flight.is_empty() => {
                match result {
                    Ok(Response::Sent { ack }) => {
                        let local_id = item.local_id;
                        let me = inner.me().to_owned();
                        let stored = inner.cache.run(move |c| {
                            c.acked(local_id, &ack)?;
                            c.message(local_id, &me)
                        }).await;
                        if let Ok(Some(message)) = stored {
                            inner.emit(ClientEvent::Updated { message });
                        }
                        send_outbox(inner, &handle, &mut in_flight, &mut sent_through).await;
                        // An edit or deletion made while it was pending may follow it now.
                        send_op(inner, &handle, &mut op).await;
                    }
                    Err(CoreError::Refused(body)) if is_permanent(body.code) => {
                        let local_id = item.local_id;
                        let me = inner.me().to_owned();
                        let stored = inner.cache.run(move |c| {
                            c.refused(local_id, &body)?;
                            c.message(local_id, &me)
                        }).await;
                        if let Ok(Some(message)) = stored {
                            inner.emit(ClientEvent::Updated { message });
                        }
                        send_outbox(inner, &handle, &mut in_flight, &mut sent_through).await;
                    }
                    Err(CoreError::Refused(_)) | Err(CoreError::Timeout) => {
                        // A passing fault: resend from this item on, soon. Items after it that
                        // did get stored come back as duplicates of their first ack.
                        sent_through = sent_through.min(item.local_id - 1);
                        retry_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                    }
                    _ => {}
                }
            },
        }
    }
    *inner.conn.lock().expect("conn poisoned") = None;
    inner.synced.send_replace(None);
    // Close sends whatever is queued first (receipts, for example), then the close frame.
    conn.close().await;
    if closing {
        End::Closed
    } else {
        End::Lost { was_online: true }
    }
}

/// The catch-up is applied: move the cursor, take the presence snapshot, send the delivered
/// receipts that a dropped connection may have lost, and tell subscribers.
async fn finish_sync(
    inner: &Arc<Inner>,
    handle: &ConnHandle,
    position: u64,
    presence: Vec<confer_proto::Presence>,
) -> Result<(), CoreError> {
    let me = inner.me().to_owned();
    let (latest, privacy) = inner
        .cache
        .run(move |c| {
            c.advance_cursor(position)?;
            c.presence_snapshot(&presence)?;
            Ok((c.latest_from_others(&me)?, c.settings()?.privacy))
        })
        .await?;
    if !privacy {
        for (conversation, seq) in latest {
            // The server keeps the highest receipt, so repeating one is harmless.
            let _ = handle
                .send(Request::MarkDelivered { conversation, seq })
                .await;
        }
    }
    inner.synced.send_replace(Some(position));
    inner.emit(ClientEvent::Conversations);
    inner.emit(ClientEvent::Synced { position });
    inner.refresh_totals().await
}

/// Tells the server whose presence to send when the list changed: the users the UI shows,
/// then the members of the conversations, most recently active first, within the protocol's
/// bound. Their presence arrives as events, in order with the rest.
async fn send_watch(inner: &Arc<Inner>, handle: &ConnHandle) {
    let shown = inner.shown.lock().expect("shown poisoned").clone();
    let me = inner.me().to_owned();
    let Ok(members) = inner
        .cache
        .run(move |c| c.watch_list(&me, MAX_WATCHED_USERS))
        .await
    else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut list: Vec<String> = shown
        .into_iter()
        .chain(members)
        .filter(|u| seen.insert(u.to_lowercase()))
        .take(MAX_WATCHED_USERS)
        .collect();
    list.sort();
    {
        let mut watched = inner.watched.lock().expect("watched poisoned");
        if watched.as_ref() == Some(&list) {
            return;
        }
        *watched = Some(list.clone());
    }
    // The reply is only `ok`: nothing waits for it.
    let _ = handle.send(Request::WatchPresence { users: list }).await;
}

fn is_permanent(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Forbidden
            | ErrorCode::NotFound
            | ErrorCode::Invalid
            | ErrorCode::TextTooLong
            | ErrorCode::Conflict
            | ErrorCode::FrameTooLarge
            | ErrorCode::BadFrame
    )
}

/// Signs in on a new connection: the user's settings and the server's version.
async fn authenticate(
    inner: &Arc<Inner>,
    handle: &ConnHandle,
) -> Result<(UserSettings, Option<String>), CoreError> {
    if let Some(token) = inner.tokens.load() {
        match handle
            .request(Request::Auth {
                protocol: PROTOCOL_VERSION,
                token,
            })
            .await
        {
            Ok(Response::Authenticated {
                settings,
                server_version,
                ..
            }) => return Ok((settings, server_version)),
            Err(CoreError::Refused(b)) if b.code == ErrorCode::AuthFailed => inner.tokens.clear(),
            Err(CoreError::Refused(b)) if b.code == ErrorCode::UnsupportedVersion => {
                return Err(CoreError::AuthFailed(
                    crate::i18n::Sentence::SignInRefused(b.clone()).into(),
                ));
            }
            Err(e) => return Err(e),
            Ok(other) => {
                return Err(CoreError::Invalid(
                    format!("unexpected reply {other:?}").into(),
                ));
            }
        }
    }
    let Some(password) = inner.config.password.clone() else {
        return Err(CoreError::AuthFailed(
            crate::i18n::Sentence::NoPassword.into(),
        ));
    };
    let req = Request::Login {
        protocol: PROTOCOL_VERSION,
        username: inner.config.user.clone(),
        password,
        device: Some(inner.config.device.clone()),
    };
    match handle.request(req).await {
        Ok(Response::LoggedIn {
            token,
            settings,
            server_version,
            ..
        }) => {
            inner.tokens.save(&token)?;
            Ok((settings, server_version))
        }
        Err(CoreError::Refused(b))
            if matches!(
                b.code,
                ErrorCode::AuthFailed | ErrorCode::AccountDisabled | ErrorCode::UnsupportedVersion
            ) =>
        {
            Err(CoreError::AuthFailed(
                crate::i18n::Sentence::SignInRefused(b.clone()).into(),
            ))
        }
        Err(e) => Err(e),
        Ok(other) => Err(CoreError::Invalid(
            format!("unexpected reply {other:?}").into(),
        )),
    }
}

async fn send_outbox(
    inner: &Arc<Inner>,
    handle: &ConnHandle,
    in_flight: &mut FuturesUnordered<InFlight>,
    sent_through: &mut i64,
) {
    let room = SEND_WINDOW.saturating_sub(in_flight.len());
    if room == 0 {
        return;
    }
    let after = *sent_through;
    let Ok(items) = inner
        .cache
        .run(move |c| c.outbox_after(after, room as u32))
        .await
    else {
        return;
    };
    for item in items {
        let req = Request::SendMessage {
            conversation: item.conversation,
            client_id: item.client_id.clone(),
            text: item.text.clone(),
            reply_to: item.reply_to,
        };
        // Sent from this one task, so the server commits them in outbox order.
        let Ok(rx) = handle.send(req).await else {
            return;
        };
        *sent_through = item.local_id;
        in_flight.push(Box::pin(async move { (item, wait_reply(rx).await) }));
    }
}

/// Sends the oldest ready op unless one is on its way.
async fn send_op(inner: &Arc<Inner>, handle: &ConnHandle, op: &mut Option<OpInFlight>) {
    if op.is_some() {
        return;
    }
    let Ok(mut ready) = inner.cache.run(|c| c.ops_ready(1)).await else {
        return;
    };
    let Some(next) = ready.pop() else {
        return;
    };
    let (conversation, seq) = (next.conversation, next.seq);
    let req = match &next.kind {
        OpKind::Edit(text) => Request::EditMessage {
            conversation,
            seq,
            text: text.clone(),
        },
        OpKind::Delete => Request::DeleteMessage { conversation, seq },
        OpKind::React(emoji, on) => Request::SetReaction {
            conversation,
            seq,
            emoji: emoji.clone(),
            on: *on,
        },
    };
    let Ok(rx) = handle.send(req).await else {
        return;
    };
    *op = Some(Box::pin(async move { (next, wait_reply(rx).await) }));
}

/// A refused op's message as the server has it, over what was shown at once.
async fn undo_op(inner: &Arc<Inner>, handle: &ConnHandle, op: &OutboxOp) {
    let (conversation, seq) = (op.conversation, op.seq);
    let req = Request::History {
        conversation,
        before: Some(seq.saturating_add(1)),
        limit: Some(1),
    };
    let Ok(Response::History { page }) = handle.request(req).await else {
        return;
    };
    let me = inner.me().to_owned();
    let restored = inner
        .cache
        .run(move |c| {
            c.insert_history(&page.messages)?;
            match c.local_id_at(conversation, seq)? {
                Some(id) => c.message(id, &me),
                None => Ok(None),
            }
        })
        .await;
    if let Ok(Some(message)) = restored {
        inner.emit(ClientEvent::Changed { message });
    }
}

/// Applies a batch of events to the cache and tells subscribers. While catching up (`live`
/// false) messages raise no per-message events and no notifications: they are history.
async fn apply_events(
    inner: &Arc<Inner>,
    handle: &ConnHandle,
    batch: Vec<Event>,
    live: bool,
) -> Result<(), CoreError> {
    let mut changes: Vec<(u64, Change)> = Vec::new();
    for event in batch {
        match event {
            Event::Change { position, change } => changes.push((position, change)),
            Event::Presence { presence } => {
                let p = presence.clone();
                inner.cache.run(move |c| c.set_presence(&p)).await?;
                inner.emit(ClientEvent::Presence { presence });
            }
            Event::PresenceBatch { presence } => {
                let all = presence.clone();
                inner
                    .cache
                    .run(move |c| all.iter().try_for_each(|p| c.set_presence(p)))
                    .await?;
                for presence in presence {
                    inner.emit(ClientEvent::Presence { presence });
                }
            }
            Event::Typing {
                conversation,
                user,
                typing,
            } => inner.emit(ClientEvent::Typing {
                conversation,
                user,
                typing,
            }),
            Event::Closing { code, reason } => {
                tracing::info!(?code, ?reason, "server closing the connection")
            }
            // Only external guests' connections get these; a signed-in client never does.
            Event::GuestSession { .. } => {}
            // Nobody listening (no call engine running) is fine: the call then rings out.
            call @ (Event::CallRinging { .. }
            | Event::CallAnswered { .. }
            | Event::CallSignal { .. }
            | Event::CallEnded { .. }) => {
                let _ = inner.calls.send(call);
            }
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let me = inner.me().to_owned();
    // One blocking call for the whole batch: apply, then read back what the events will show.
    let (applied, shown, changed, privacy) = inner
        .cache
        .run(move |c| {
            let applied = c.apply(&changes, &me)?;
            let mut shown = Vec::new();
            let mut changed = Vec::new();
            if live {
                for &(conversation, seq) in &applied.changed {
                    if let Some(id) = c.local_id_at(conversation, seq)?
                        && let Some(m) = c.message(id, &me)?
                    {
                        changed.push(m);
                    }
                }
            }
            // While catching up only missed calls are news: someone tried to reach the user
            // while they were away, and they are told when they next sign in.
            for m in applied.new_messages.iter().chain(&applied.confirmed) {
                if live || notify::is_missed_call(m) {
                    let id = c.local_id_of(&m.sender, &m.client_id)?;
                    if let Some(cached) = id.map(|id| c.message(id, &me)).transpose()?.flatten() {
                        shown.push((m.clone(), cached, c.muted(m.conversation)?));
                    }
                }
            }
            Ok((applied, shown, changed, c.settings()?.privacy))
        })
        .await?;
    for message in changed {
        inner.emit(ClientEvent::Changed { message });
    }

    if let Some(settings) = &applied.settings {
        inner.notify_ctx.lock().expect("ctx poisoned").status = settings.status;
        inner.emit(ClientEvent::Settings {
            settings: settings.clone(),
        });
    }
    if live && !applied.conversations.is_empty() {
        inner.emit(ClientEvent::Conversations);
        // Members came or went.
        inner.rewatch.notify_one();
    }
    for (m, message, muted) in shown {
        if m.sender == inner.me() {
            inner.emit(ClientEvent::Updated { message });
        } else {
            let ctx = inner.notify_ctx.lock().expect("ctx poisoned").clone();
            let decision = notify::decide(&m, muted, &ctx);
            inner.emit(ClientEvent::Message { message, decision });
        }
    }
    if live {
        for (conversation, delivered_through, read_through) in applied.ticks {
            inner.emit(ClientEvent::Ticks {
                conversation,
                delivered_through,
                read_through,
            });
        }
        for (conversation, read_through, unread) in applied.read_cursors {
            inner.emit(ClientEvent::ReadCursor {
                conversation,
                read_through,
                unread,
            });
        }
        for favourite in applied.favourites {
            inner.emit(ClientEvent::Favourite { favourite });
        }
        if applied.invitations {
            inner.emit(ClientEvent::Invitations);
        }
        for (conversation, ended) in applied.meetings {
            inner.emit(ClientEvent::Meetings {
                conversation,
                ended,
            });
        }
    }
    // Receipts: this device has the messages. Privacy mode sends none.
    if !privacy {
        let mut delivered: BTreeMap<u64, u64> = BTreeMap::new();
        for m in applied
            .new_messages
            .iter()
            .filter(|m| m.sender != inner.me())
        {
            let entry = delivered.entry(m.conversation).or_default();
            *entry = (*entry).max(m.seq);
        }
        for (conversation, seq) in delivered {
            // Fire and forget: a lost receipt is sent again with the next message.
            let _ = handle
                .send(Request::MarkDelivered { conversation, seq })
                .await;
        }
    }
    if live {
        inner.refresh_totals().await
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Rotation;

    /// Tries `rotation` through a run of outcomes; returns the server tried each time and
    /// whether a backoff followed.
    fn trace(rotation: &mut Rotation, outcomes: &[bool]) -> Vec<(usize, bool)> {
        outcomes
            .iter()
            .map(|&was_online| {
                let tried = rotation.current;
                (tried, rotation.failed(was_online))
            })
            .collect()
    }

    #[test]
    fn one_server_backs_off_after_every_failure_as_before() {
        let mut r = Rotation::new(1);
        assert_eq!(
            trace(&mut r, &[false, false, true, false]),
            [(0, true), (0, true), (0, true), (0, true)]
        );
    }

    #[test]
    fn several_servers_are_tried_in_turn_and_only_a_whole_round_backs_off() {
        let mut r = Rotation::new(3);
        assert_eq!(
            trace(&mut r, &[false, false, false, false, false]),
            [(0, false), (1, false), (2, true), (0, false), (1, false)]
        );
        // Server 1 went online, then dropped: that starts a new round, so servers 2 and 0 are
        // tried before the backoff.
        let mut r = Rotation::new(3);
        assert_eq!(
            trace(&mut r, &[false, true, false, false, false]),
            [(0, false), (1, false), (2, false), (0, true), (1, false)]
        );
    }
}
