//! One WebSocket to the server as an actor: a read task and a write task, requests sent over an
//! mpsc with a oneshot for the reply, a connect timeout, heartbeats, and a `close()` that waits
//! for both tasks.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use confer_proto::{ClientFrame, ErrorBody, Event, Request, Response, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::CoreError;

/// How often an idle connection proves it is alive, by default.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a request waits for its reply.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type Reply = oneshot::Sender<Result<Response, ErrorBody>>;

/// What the server pushes, in the order it was sent.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every item is an event: boxing them would allocate once per event for \
              the sake of the one small `Synced`"
)]
pub enum Inbound {
    /// An event.
    Event(Event),
    /// The reply to `sync` arrived here: everything before it was the catch-up, everything
    /// after it is live. (The reply also goes to the requester.)
    Synced {
        /// The new sync cursor.
        position: u64,
        /// Everyone not offline.
        presence: Vec<confer_proto::Presence>,
    },
}
type Pending = Arc<Mutex<HashMap<u64, Reply>>>;

enum Outgoing {
    Frame(String),
    Close,
}

/// A cloneable handle for sending requests over a live connection.
#[derive(Clone)]
pub struct ConnHandle {
    tx: mpsc::Sender<Outgoing>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
}

/// A pending reply.
pub type ReplyRx = oneshot::Receiver<Result<Response, ErrorBody>>;

impl ConnHandle {
    /// Sends a request now; the reply arrives on the returned receiver. Requests sent from one
    /// task reach the server in the order sent.
    pub async fn send(&self, req: Request) -> Result<ReplyRx, CoreError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, rx) = oneshot::channel();
        self.pending
            .lock()
            .expect("pending poisoned")
            .insert(id, reply);
        let text = serde_json::to_string(&ClientFrame { id, req }).expect("frames serialise");
        if self.tx.send(Outgoing::Frame(text)).await.is_err() {
            self.pending.lock().expect("pending poisoned").remove(&id);
            return Err(CoreError::Offline);
        }
        Ok(rx)
    }

    /// Sends a request and waits for its reply.
    pub async fn request(&self, req: Request) -> Result<Response, CoreError> {
        let rx = self.send(req).await?;
        wait_reply(rx).await
    }
}

/// Waits for a reply, mapping refusals and a lost connection to errors.
pub async fn wait_reply(rx: ReplyRx) -> Result<Response, CoreError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, rx).await {
        Err(_) => Err(CoreError::Timeout),
        Ok(Err(_)) => Err(CoreError::Offline),
        Ok(Ok(Err(body))) => Err(CoreError::Refused(body)),
        Ok(Ok(Ok(r))) => Ok(r),
    }
}

/// An open connection.
pub struct Connection {
    handle: ConnHandle,
    read_task: JoinHandle<()>,
    write_task: JoinHandle<()>,
}

impl Connection {
    /// Connects within `timeout`; events arrive on the returned receiver until the connection
    /// ends, when the receiver closes.
    pub async fn connect(
        url: &str,
        timeout: Duration,
        heartbeat: Duration,
    ) -> Result<(Self, mpsc::UnboundedReceiver<Inbound>), CoreError> {
        // tungstenite zero-fills its read buffer (128 KiB by default) on every read, and chat
        // frames are small: 4 KiB costs far less per frame (large ones still arrive whole, in
        // several reads). Small frames go out at once rather than waiting on Nagle.
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4096);
        let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
        let (ws, _) = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| {
                CoreError::Unreachable(
                    crate::i18n::Sentence::ConnectTimedOut {
                        url: url.to_string(),
                    }
                    .into(),
                )
            })?
            .map_err(|e| {
                CoreError::Unreachable(
                    crate::i18n::Sentence::CannotConnect {
                        url: url.to_string(),
                        detail: e.to_string(),
                    }
                    .into(),
                )
            })?;
        let (mut sink, mut stream) = ws.split();
        let (tx, mut rx) = mpsc::channel::<Outgoing>(1024);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();

        let write_task = tokio::spawn(async move {
            let mut beat = tokio::time::interval(heartbeat);
            beat.tick().await;
            loop {
                tokio::select! {
                    out = rx.recv() => match out {
                        Some(Outgoing::Frame(text)) => {
                            if sink.send(WsMessage::Text(text.into())).await.is_err() {
                                break;
                            }
                        }
                        Some(Outgoing::Close) | None => {
                            let _ = sink.send(WsMessage::Close(None)).await;
                            break;
                        }
                    },
                    _ = beat.tick() => {
                        if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = sink.close().await;
        });

        // Silence for three heartbeats (each answered by a pong) means the server is gone.
        let dead_after = heartbeat * 3;
        let read_pending = pending.clone();
        let read_task = tokio::spawn(async move {
            loop {
                let msg = match tokio::time::timeout(dead_after, stream.next()).await {
                    Ok(Some(Ok(m))) => m,
                    Ok(Some(Err(e))) => {
                        tracing::debug!(error = %e, "connection read failed");
                        break;
                    }
                    Ok(None) => break,
                    Err(_) => {
                        tracing::info!("server silent for {dead_after:?}; dropping the connection");
                        break;
                    }
                };
                let WsMessage::Text(text) = msg else {
                    if matches!(msg, WsMessage::Close(_)) {
                        break;
                    }
                    continue;
                };
                match serde_json::from_str::<ServerFrame>(text.as_str()) {
                    Ok(ServerFrame::Response { id, result }) => {
                        if let Response::Synced { position, presence } = &result {
                            let marker = Inbound::Synced {
                                position: *position,
                                presence: presence.clone(),
                            };
                            if events_tx.send(marker).is_err() {
                                break;
                            }
                        }
                        if let Some(reply) =
                            read_pending.lock().expect("pending poisoned").remove(&id)
                        {
                            let _ = reply.send(Ok(result));
                        }
                    }
                    Ok(ServerFrame::Error {
                        id: Some(id),
                        error,
                    }) => {
                        if let Some(reply) =
                            read_pending.lock().expect("pending poisoned").remove(&id)
                        {
                            let _ = reply.send(Err(error));
                        }
                    }
                    Ok(ServerFrame::Error { id: None, error }) => {
                        tracing::warn!(code = ?error.code, reason = ?error.reason, "server refused a frame");
                    }
                    Ok(ServerFrame::Event { event }) => {
                        if events_tx.send(Inbound::Event(event)).is_err() {
                            break;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "unreadable server frame"),
                }
            }
            // Requests still waiting learn that the connection is gone.
            read_pending.lock().expect("pending poisoned").clear();
        });

        let handle = ConnHandle {
            tx,
            pending,
            next_id: Arc::new(AtomicU64::new(1)),
        };
        Ok((
            Self {
                handle,
                read_task,
                write_task,
            },
            events_rx,
        ))
    }

    /// A handle for requests.
    pub fn handle(&self) -> ConnHandle {
        self.handle.clone()
    }

    /// True once the read side has ended.
    pub fn is_closed(&self) -> bool {
        self.read_task.is_finished()
    }

    /// Sends a close frame and waits for both tasks to end.
    pub async fn close(mut self) {
        let _ = self.handle.tx.send(Outgoing::Close).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.write_task).await;
        self.read_task.abort();
        let _ = (&mut self.read_task).await;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.read_task.abort();
        self.write_task.abort();
    }
}
