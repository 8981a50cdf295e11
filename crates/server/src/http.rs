//! HTTP: the accept loop (TLS optional), `/healthz`, `/metrics` and the WebSocket upgrade.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{State, WebSocketUpgrade, ws::WebSocket},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use confer_proto::{ErrorBody, ErrorCode, Reason};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    sync::watch,
    time::Instant,
};
use tokio_rustls::{TlsAcceptor, rustls};
use tower::ServiceExt;

use crate::{AppState, Config, ServerError, connection};

/// The peer address of the TCP connection a request came on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// When the connection a request came on is closed unless it finished: `http_timeout_secs`
/// after it was accepted, or after the last file transfer on it ended. A transfer lifts it
/// (a 1 GB upload takes longer than a request may), and bounds its own silences instead.
#[derive(Debug, Clone)]
pub(crate) struct Deadline {
    state: Arc<watch::Sender<DeadlineState>>,
    limit: Duration,
}

#[derive(Debug, Clone, Copy)]
struct DeadlineState {
    /// Transfers under way on the connection.
    lifted: u32,
    /// When it closes once none is.
    at: Instant,
}

/// Keeps a connection's deadline lifted while it lives.
pub(crate) struct Lifted(Deadline);

impl Deadline {
    fn new(limit: Duration) -> (Self, watch::Receiver<DeadlineState>) {
        let (tx, rx) = watch::channel(DeadlineState {
            lifted: 0,
            at: Instant::now() + limit,
        });
        (
            Self {
                state: Arc::new(tx),
                limit,
            },
            rx,
        )
    }

    /// Lifts the deadline until the guard is dropped.
    pub(crate) fn lift(&self) -> Lifted {
        self.state.send_modify(|s| s.lifted += 1);
        Lifted(self.clone())
    }
}

impl Drop for Lifted {
    fn drop(&mut self) {
        let limit = self.0.limit;
        self.0.state.send_modify(|s| {
            s.lifted = s.lifted.saturating_sub(1);
            s.at = Instant::now() + limit;
        });
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/ws", get(upgrade))
        .merge(crate::files::routes())
        .merge(crate::guest_page::routes())
        .with_state(state)
}

/// Healthy means writes go through: a server whose writer is stuck or whose database refuses
/// writes answers 503, however well it still reads.
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    if state.writes_go_through().await {
        "ok\n".into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "writes are not going through\n",
        )
            .into_response()
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut text = state.metrics.render();
    // The SFU's connections, by the transport their media comes over (the TCP fallback is
    // worth watching: many there means UDP is blocked somewhere).
    if let Some(media) = &state.meeting_media
        && let Ok(stats) = media.sfu().stats().await
    {
        let tcp = stats.peers.values().filter(|p| p.over_tcp).count();
        let udp = stats.peers.len() - tcp;
        text.push_str(
            "# HELP confer_sfu_connections Meeting media connections, by transport.\n\
             # TYPE confer_sfu_connections gauge\n",
        );
        text.push_str(&format!(
            "confer_sfu_connections{{transport=\"udp\"}} {udp}\nconfer_sfu_connections{{transport=\"tcp\"}} {tcp}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn upgrade(
    State(state): State<Arc<AppState>>,
    axum::Extension(Peer(peer)): axum::Extension<Peer>,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        state.metrics.connection_rejected();
        let body = ErrorBody::new(ErrorCode::TooManyConnections, Reason::ServerFull);
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    };
    // Frames past the protocol cap still arrive whole so that they can be refused with an
    // error frame; only absurd ones make the socket layer drop the connection.
    let hard_cap = (state.config.max_frame_bytes * 4).max(1 << 20);
    let token = state.tracker.token();
    // tungstenite zero-fills its read buffer (128 KiB by default) on every read; chat frames
    // are small, so a 4 KiB buffer costs far less per message (larger frames still arrive
    // whole, in several reads) and a tenth of the memory per connection.
    ws.max_message_size(hard_cap)
        .max_frame_size(hard_cap)
        .read_buffer_size(4096)
        .on_upgrade(move |socket: WebSocket| async move {
            connection::serve(state, socket, peer).await;
            drop(permit);
            drop(token);
        })
}

/// Builds the TLS acceptor when a certificate and key are configured.
pub(crate) fn tls_acceptor(config: &Config) -> Result<Option<TlsAcceptor>, ServerError> {
    let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) else {
        return Ok(None);
    };
    let tls_err = |e: &dyn std::fmt::Display| ServerError::Tls(e.to_string());
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| ServerError::Tls(format!("cannot read {}: {e}", p.display())))
    };
    let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(&e))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!(
            "{} holds no certificate",
            cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .map_err(|e| tls_err(&e))?
        .ok_or_else(|| ServerError::Tls(format!("{} holds no private key", key.display())))?;
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| tls_err(&e))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| tls_err(&e))?;
    Ok(Some(TlsAcceptor::from(Arc::new(server))))
}

/// Accepts connections until `shutdown` resolves.
pub(crate) async fn accept_loop(
    state: &Arc<AppState>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let app = router(state.clone());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Every connection counts until it upgrades (or closes): one client cannot hold
        // file descriptors without limit by never finishing a request.
        let Ok(permit) = state.http_connections.clone().try_acquire_owned() else {
            state.metrics.connection_rejected();
            tracing::debug!(%peer, "too many connections before upgrade; closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let state2 = state.clone();
        state.tracker.spawn(async move {
            let limit = Duration::from_secs(state2.config.http_timeout_secs);
            let (deadline, mut watch) = Deadline::new(limit);
            let served = async move {
                match tls {
                    None => serve_http(state2, app, stream, peer, deadline).await,
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(stream) => serve_http(state2, app, stream, peer, deadline).await,
                        Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    },
                }
            };
            tokio::pin!(served);
            loop {
                let now = *watch.borrow_and_update();
                let expiry = async move {
                    if now.lifted > 0 {
                        std::future::pending::<()>().await;
                    }
                    tokio::time::sleep_until(now.at).await;
                };
                tokio::select! {
                    _ = &mut served => break,
                    _ = expiry => {
                        tracing::debug!(%peer, "closed: no complete request within the HTTP timeout");
                        break;
                    }
                    changed = watch.changed() => if changed.is_err() {
                        // The connection let go of its deadline: it is closing.
                        served.as_mut().await;
                        break;
                    },
                }
            }
            drop(permit);
        });
    }
}

async fn serve_http<I>(
    state: Arc<AppState>,
    app: Router,
    io: I,
    peer: SocketAddr,
    deadline: Deadline,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = app.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(Peer(peer));
        req.extensions_mut().insert(deadline.clone());
        req
    });
    let mut shutdown = state.shutdown.subscribe();
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn =
        builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.recv() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
