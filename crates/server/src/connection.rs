//! One WebSocket session: reads frames, answers requests, pipelines message sends through the
//! writer, and forwards live events once the client has synced.

use std::{net::SocketAddr, pin::Pin, sync::Arc};

use tokio::sync::mpsc;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use confer_proto::{ClientFrame, ErrorCode, Event, Reason, Request, Response, ServerFrame};
use futures_util::{
    SinkExt, StreamExt,
    stream::{FuturesUnordered, SplitSink},
};

use crate::{
    ApiError, AppState,
    auth::RateLimiter,
    handlers,
    hub::{GuestSubscription, Subscription},
    presence::PresenceWatch,
    store::{Committed, GuestUpdate, StoreError, UserRecord, WriteOp},
};

/// The signed-in user of a session.
pub(crate) struct AuthUser {
    pub record: UserRecord,
    pub session_id: i64,
}

/// An external guest's session on this connection.
pub(crate) struct GuestSession {
    /// The guest's id in the meeting.
    pub id: u64,
    /// The room.
    pub conversation: u64,
    /// Its notices.
    pub sub: GuestSubscription,
}

/// Per-connection state shared with the handlers.
pub(crate) struct Session {
    pub conn_id: u64,
    pub peer: SocketAddr,
    pub user: Option<AuthUser>,
    /// Set while the connection is an external guest's session.
    pub guest: Option<GuestSession>,
    /// Live events, once synced.
    pub sub: Option<Subscription>,
    /// Presence of the users this connection watches, once it asked or synced.
    pub presence: Option<PresenceWatch>,
    /// The newest stream position written to this client.
    pub last_position: u64,
    /// Frames for the socket's writer task, in order.
    pub out: mpsc::Sender<WsMessage>,
}

impl Session {
    pub async fn send(&mut self, frame: &ServerFrame) -> Result<(), axum::Error> {
        self.send_text(frame.to_json()).await
    }

    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<(), axum::Error> {
        self.send_message(WsMessage::Text(text.into().into())).await
    }

    async fn send_message(&mut self, message: WsMessage) -> Result<(), axum::Error> {
        self.out
            .send(message)
            .await
            .map_err(|_| axum::Error::new("the socket's writer stopped"))
    }

    /// The signed-in user, or `unauthenticated`.
    pub fn user(&self) -> Result<&UserRecord, ApiError> {
        self.user
            .as_ref()
            .map(|u| &u.record)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, Reason::SignInFirst))
    }
}

/// A send handed to the writer: the request id, the link a card is wanted for, the result.
type PendingSend = Pin<
    Box<
        dyn std::future::Future<Output = (u64, Option<String>, Result<Committed, StoreError>)>
            + Send,
    >,
>;

pub(crate) async fn serve(state: Arc<AppState>, socket: WebSocket, peer: SocketAddr) {
    state.metrics.connection_opened();
    let (sink, mut stream) = socket.split();
    let (out, queued) = mpsc::channel(OUT_QUEUE);
    // Owned here: awaited before the connection ends.
    let writer = tokio::spawn(write_frames(sink, queued));
    let mut session = Session {
        conn_id: state.next_conn_id(),
        peer,
        user: None,
        guest: None,
        sub: None,
        presence: None,
        last_position: 0,
        out,
    };
    let mut shutdown = state.shutdown.subscribe();
    let mut revocations = state.revocations.subscribe();
    let mut limiter =
        RateLimiter::new(state.config.requests_per_second, state.config.request_burst);
    let mut pending: FuturesUnordered<PendingSend> = FuturesUnordered::new();

    // Clients send heartbeats; one that goes silent (a half-open socket) is closed, so its
    // presence, and a guest's place in a meeting, do not outlive it.
    let idle_for = std::time::Duration::from_secs(state.config.idle_timeout_secs);
    let idle = tokio::time::sleep(idle_for);
    tokio::pin!(idle);

    let close = loop {
        tokio::select! {
            () = &mut idle => break Some((
                ErrorCode::Idle,
                Reason::Idle { seconds: idle_for.as_secs() },
            )),
            _ = shutdown.recv() => break Some((ErrorCode::ShuttingDown, Reason::ShuttingDown)),
            Ok(revoked) = revocations.recv() => {
                if session.user.as_ref().is_some_and(|u| revoked.contains(&u.session_id)) {
                    break Some((ErrorCode::AuthFailed, Reason::SessionRevoked));
                }
            }
            update = next_guest_update(&mut session.guest) => match update {
                Some(GuestUpdate::Session(s)) => {
                    let frame = ServerFrame::Event { event: Event::GuestSession { session: *s } };
                    if session.send(&frame).await.is_err() {
                        break None;
                    }
                }
                Some(GuestUpdate::Ended(reason)) => {
                    // The store already took the guest out.
                    session.guest = None;
                    break Some((ErrorCode::AccessEnded, reason));
                }
                None => break Some((ErrorCode::SlowConsumer, Reason::FellBehind)),
            },
            Some((id, link, result)) = pending.next(), if !pending.is_empty() => {
                if reply_sent(&state, &mut session, id, link, result).await.is_err() {
                    break None;
                }
            }
            event = next_event(&mut session.sub) => match event {
                Some(out) => {
                    if let Some(p) = out.position {
                        // Already sent in the sync backlog.
                        if p <= session.last_position {
                            continue;
                        }
                        session.last_position = p;
                    }
                    if session.send_text(&*out.json).await.is_err() {
                        break None;
                    }
                }
                None => break Some((ErrorCode::SlowConsumer, Reason::FellBehind)),
            },
            // Like other events, presence flows once synced; what piled up meanwhile goes out
            // as one frame.
            () = next_presence(&session.presence), if session.sub.is_some() => {
                if send_presence(&mut session).await.is_err() {
                    break None;
                }
            },
            msg = stream.next() => {
                idle.as_mut().reset(tokio::time::Instant::now() + idle_for);
                match msg {
                Some(Ok(WsMessage::Text(text))) => {
                    if on_text(&state, &mut session, &mut limiter, &mut pending, text.as_str()).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    let err = ApiError::new(ErrorCode::BadFrame, Reason::NotText);
                    if send_error(&state, &mut session, None, err).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(WsMessage::Close(_))) | None => break None,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::debug!(peer = %session.peer, error = %e, "socket error");
                    break None;
                }
                }
            }
        }
    };

    // Writes already handed to the writer finish and are acknowledged before the socket closes.
    while let Some((id, link, result)) = pending.next().await {
        let _ = reply_sent(&state, &mut session, id, link, result).await;
    }
    if let Some((code, reason)) = close {
        let _ = session
            .send(&ServerFrame::Event {
                event: Event::Closing { code, reason },
            })
            .await;
        let ws_code = match code {
            ErrorCode::ShuttingDown => 1001,
            ErrorCode::AccessEnded => 1000,
            _ => 1008,
        };
        let _ = session
            .send_message(WsMessage::Close(Some(CloseFrame {
                code: ws_code,
                reason: code.as_str().into(),
            })))
            .await;
    }
    // The writer task flushes what is queued, closes the socket and ends.
    let (closed, _) = mpsc::channel(1);
    drop(std::mem::replace(&mut session.out, closed));
    let _ = writer.await;
    handlers::disconnected(&state, &mut session).await;
    state.metrics.connection_closed();
}

/// Frames queued for one socket's writer at most; a full queue makes the connection wait.
const OUT_QUEUE: usize = 256;

/// The socket's write half as its own task: it writes every frame already queued before one
/// flush, so a burst of acks and events costs one write to the socket instead of one each.
async fn write_frames(
    mut sink: SplitSink<WebSocket, WsMessage>,
    mut queued: mpsc::Receiver<WsMessage>,
) {
    while let Some(first) = queued.recv().await {
        if sink.feed(first).await.is_err() {
            return;
        }
        while let Ok(next) = queued.try_recv() {
            if sink.feed(next).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    let _ = sink.close().await;
}

async fn next_event(sub: &mut Option<Subscription>) -> Option<crate::hub::Outgoing> {
    match sub {
        Some(s) => match s.rx.recv().await {
            Some(out) => Some(out),
            None if s.lagged() => None,
            // Unregistered for another reason: nothing more will come.
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

async fn next_presence(watch: &Option<PresenceWatch>) {
    match watch {
        Some(w) => w.mailbox.ready().await,
        None => std::future::pending().await,
    }
}

/// Sends the presence changes waiting for this connection: one `presence` event, or one
/// `presence_batch` when several piled up.
async fn send_presence(session: &mut Session) -> Result<(), axum::Error> {
    let Some(watch) = &session.presence else {
        return Ok(());
    };
    let mut all = watch.mailbox.take();
    let event = match all.len() {
        0 => return Ok(()),
        1 => Event::Presence {
            presence: all.remove(0),
        },
        _ => Event::PresenceBatch { presence: all },
    };
    session.send(&ServerFrame::Event { event }).await
}

async fn next_guest_update(guest: &mut Option<GuestSession>) -> Option<GuestUpdate> {
    match guest {
        Some(g) => g.sub.rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn on_text(
    state: &Arc<AppState>,
    session: &mut Session,
    limiter: &mut RateLimiter,
    pending: &mut FuturesUnordered<PendingSend>,
    text: &str,
) -> Result<(), axum::Error> {
    state.metrics.frame_in();
    // Over the rate, the connection is throttled: nothing more is read until the bucket
    // refills, so a flooding client slows to the allowed rate and its requests keep their order.
    let wait = limiter.take();
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if text.len() > state.config.max_frame_bytes {
        let err = ApiError::new(
            ErrorCode::FrameTooLarge,
            Reason::FrameTooLarge {
                max: state.config.max_frame_bytes as u64,
            },
        );
        return send_error(state, session, None, err).await;
    }
    let frame = match ClientFrame::parse(text) {
        Ok(f) => f,
        Err((id, e)) => {
            return send_error(state, session, id, ApiError::new(e.code(), e.reason())).await;
        }
    };
    if let Request::SendMessage {
        conversation,
        client_id,
        text,
        reply_to,
    } = frame.req
    {
        // Sends are pipelined: queued in arrival order, acknowledged as the writer commits.
        let link = state.previews.link_in(&text);
        let prepared =
            handlers::send_message::prepare(session, conversation, client_id, text, reply_to);
        let queued = match prepared {
            Ok(op) => enqueue(state, op).await,
            Err(e) => Err(e),
        };
        return match queued {
            Ok(rx) => {
                let id = frame.id;
                pending.push(Box::pin(async move {
                    (id, link, rx.await.unwrap_or(Err(StoreError::Closed)))
                }));
                Ok(())
            }
            Err(e) => send_error(state, session, Some(frame.id), e).await,
        };
    }
    match handlers::dispatch(state, session, frame.req).await {
        Ok(result) => {
            session
                .send(&ServerFrame::Response {
                    id: frame.id,
                    result,
                })
                .await
        }
        Err(e) => send_error(state, session, Some(frame.id), e).await,
    }
}

async fn enqueue(state: &AppState, op: WriteOp) -> Result<crate::writer::Pending, ApiError> {
    state.writer.enqueue(op).await.map_err(ApiError::from)
}

async fn reply_sent(
    state: &AppState,
    session: &mut Session,
    id: u64,
    link: Option<String>,
    result: Result<Committed, StoreError>,
) -> Result<(), axum::Error> {
    match handlers::send_message::finish(state, result, link) {
        Ok(ack) => {
            session
                .send(&ServerFrame::Response {
                    id,
                    result: Response::Sent { ack },
                })
                .await
        }
        Err(e) => send_error(state, session, Some(id), e).await,
    }
}

async fn send_error(
    state: &AppState,
    session: &mut Session,
    id: Option<u64>,
    e: ApiError,
) -> Result<(), axum::Error> {
    state.metrics.error(e.0.code);
    session.send(&ServerFrame::Error { id, error: e.0 }).await
}
