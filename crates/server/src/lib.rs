//! `confer-server` as a library: [`run`] serves HTTP and the WebSocket protocol on a listener
//! until a shutdown future resolves; the binary is a thin wrapper around it.
#![warn(missing_docs)]

/// This server's version, told to clients when they sign in.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod admin;
pub mod auth;
mod calls;
pub mod cluster;
pub mod config;
mod connection;
mod domain;
mod files;
mod guest_page;
mod handlers;
mod http;
pub mod hub;
mod mail;
mod media;
pub mod metrics;
pub mod presence;
mod previews;
mod recording;
mod relay;
pub mod store;
pub mod writer;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use confer_proto::{ErrorBody, ErrorCode, Presence, Reason};
pub use config::Config;
use tokio::{
    net::TcpListener,
    sync::{Semaphore, broadcast},
};
use tokio_util::task::TaskTracker;

use crate::{
    auth::{AddressLimiter, LoginLimiter},
    hub::Hub,
    metrics::Metrics,
    presence::PresenceTracker,
    store::{Clock, SqliteStore, Store, StoreError},
    writer::WriterHandle,
};

/// Errors that stop the server or an admin command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Socket or file I/O failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The TLS certificate or key could not be used.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A password could not be hashed.
    #[error("password hashing failed: {0}")]
    Password(String),
}

/// A refusal sent to a client as an error frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    /// Builds a refusal.
    pub fn new(code: ErrorCode, reason: Reason) -> Self {
        Self(ErrorBody::new(code, reason))
    }

    /// A fault on the server (logged where it happened); the client may retry.
    pub fn fault() -> Self {
        Self::new(ErrorCode::Internal, Reason::ServerFault)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(r) => Self::new(ErrorCode::NotFound, r),
            StoreError::Forbidden(r) => Self::new(ErrorCode::Forbidden, r),
            StoreError::Conflict(r) => Self::new(ErrorCode::Conflict, r),
            StoreError::Invalid(r) => Self::new(ErrorCode::Invalid, r),
            StoreError::Closed => Self::new(ErrorCode::ShuttingDown, Reason::ShuttingDown),
            e => {
                tracing::error!(error = %e, "store failure");
                Self::fault()
            }
        }
    }
}

/// Shared state of a running server.
pub(crate) struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub writer: WriterHandle,
    pub hub: Arc<Hub>,
    pub presence: Arc<PresenceTracker>,
    /// Threads for argon2 work (see [`auth::PasswordPool`]).
    pub passwords: auth::PasswordPool,
    pub metrics: Arc<Metrics>,
    pub logins: LoginLimiter,
    pub guest_joins: AddressLimiter,
    pub connections: Arc<Semaphore>,
    /// Connections that have not upgraded to WebSocket yet.
    pub http_connections: Arc<Semaphore>,
    /// The last write probe of `GET /healthz`: when, and whether it went through.
    health: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
    pub shutdown: broadcast::Sender<()>,
    /// Ids of sessions revoked since the last poll (by any process sharing the database).
    pub revocations: broadcast::Sender<Arc<Vec<i64>>>,
    pub tracker: TaskTracker,
    /// The node's 1:1 calls.
    pub calls: calls::Calls,
    /// The TURN relay, when on.
    pub relay: Option<relay::Relay>,
    /// Meetings' media (the SFU), when on.
    pub meeting_media: Option<media::MeetingMedia>,
    /// Shared files' bytes.
    pub blobs: Arc<dyn confer_files::BlobStore>,
    /// Fetches link cards after messages are stored.
    pub previews: previews::Previewer,
    /// Sends histories by email.
    pub mail: mail::Mailer,
    pub clock: Clock,
    next_conn: AtomicU64,
    /// In a cluster: this node's presence changes, for the other nodes.
    presence_notes: Option<tokio::sync::mpsc::Sender<cluster::PresenceNote>>,
    /// Where typing indicators go to the other nodes of a cluster (none on one node).
    typing_notes: Option<tokio::sync::mpsc::Sender<cluster::TypingNote>>,
}

impl AppState {
    /// Runs a read on a blocking thread, off the async runtime.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a read task failed");
                ApiError::fault()
            })?
            .map_err(ApiError::from)
    }

    /// Whether writes go through: a no-op write committed by the writer within
    /// `health_timeout_ms`. Probes at most once a second, however often it is asked.
    pub async fn writes_go_through(&self) -> bool {
        let mut last = self.health.lock().await;
        if let Some((at, ok)) = *last
            && at.elapsed() < Duration::from_secs(1)
        {
            return ok;
        }
        let wait = Duration::from_millis(self.config.health_timeout_ms);
        let ok = matches!(
            tokio::time::timeout(wait, self.writer.write(store::WriteOp::Probe)).await,
            Ok(Ok(_))
        );
        if !ok {
            self.metrics.health_failed();
        }
        *last = Some((std::time::Instant::now(), ok));
        ok
    }

    pub fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// May `viewer` see `target`'s presence? Answered from memory while a connection of the
    /// viewer watches presence (always, once synced); from the store otherwise.
    pub async fn can_see_presence(
        &self,
        viewer: &store::UserRecord,
        target: &store::UserRecord,
    ) -> Result<bool, ApiError> {
        if let Some(known) = self.presence.may_see(&viewer.info.name, &target.info.name) {
            return Ok(known);
        }
        let (viewer, target) = (viewer.id, target.id);
        Ok(self
            .read(move |s| s.presence_watchers(target))
            .await?
            .contains(&viewer))
    }

    /// Changes a user's presence; the tracker passes it to the connections watching the user
    /// and allowed to see it.
    pub fn change_presence(
        &self,
        user: &store::UserRecord,
        op: presence::PresenceOp,
    ) -> Option<Presence> {
        if let Some(notes) = &self.presence_notes {
            // The other nodes of a cluster track this node's devices too.
            let _ = notes.try_send(cluster::PresenceNote::new(user, op.clone()));
        }
        self.presence.apply(user, op)
    }

    /// Checks a password on the password pool (see [`auth::PasswordPool`]).
    pub async fn verify_password(&self, password: String, phc: String) -> Result<bool, ApiError> {
        self.passwords
            .verify(password, phc)
            .await
            .ok_or_else(|| ApiError::new(ErrorCode::ShuttingDown, Reason::ShuttingDown))
    }
}

/// Polls the store for revoked sessions (logout elsewhere, `user passwd`, `user disable`, even
/// from another process) and tells the connections, which close the revoked ones.
async fn spawn_revocation_watcher(state: &Arc<AppState>) -> Result<(), ServerError> {
    // Off the async threads, like every read (a synchronous database client blocks).
    let store = state.store.clone();
    let (_, mut mark) = tokio::task::spawn_blocking(move || store.revoked_since(0))
        .await
        .map_err(|e| ServerError::Config(format!("reading revocations failed: {e}")))??;
    let state2 = state.clone();
    let mut shutdown = state.shutdown.subscribe();
    let every = Duration::from_millis(state.config.revocation_poll_ms);
    state.tracker.spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.recv() => return,
            }
            let after = mark;
            match state2.read(move |s| s.revoked_since(after)).await {
                Ok((ids, new_mark)) => {
                    mark = new_mark;
                    if !ids.is_empty() {
                        let _ = state2.revocations.send(Arc::new(ids));
                    }
                }
                Err(e) => tracing::warn!(error = ?e.0, "revocation poll failed"),
            }
        }
    });
    Ok(())
}

/// Starts the TURN relay the configuration asks for: on `turn_listen`, else on the listening
/// address with any free port. On every interface it needs `turn_public_ip`; without it the
/// relay stays off (and says so), rather than hand out an address nobody can reach.
async fn start_relay(
    config: &Config,
    listener: &TcpListener,
) -> Result<Option<relay::Relay>, ServerError> {
    if !config.turn {
        return Ok(None);
    }
    let bind = config.turn_listen.unwrap_or_else(|| {
        let ip = listener
            .local_addr()
            .map_or(std::net::Ipv4Addr::LOCALHOST.into(), |a| a.ip());
        std::net::SocketAddr::new(ip, 0)
    });
    let advertised = match (config.turn_public_ip, bind.ip()) {
        (Some(ip), _) => ip,
        (None, ip) if !ip.is_unspecified() => ip,
        (None, _) => {
            tracing::warn!(
                "the TURN relay is off: it listens on every interface, so set turn_public_ip"
            );
            return Ok(None);
        }
    };
    let lifetime = Duration::from_secs(config.turn_credential_secs);
    Ok(Some(relay::Relay::start(bind, advertised, lifetime).await?))
}

/// Serves until `shutdown` resolves, then stops accepting, closes every session cleanly, lets
/// the writer commit what is in flight, and returns.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    config.validate()?;
    let store: Arc<dyn Store> = match &config.database {
        Some(url) => {
            let (url, node) = (url.clone(), config.node.clone());
            // The synchronous client must not run on the async runtime's threads.
            Arc::new(
                tokio::task::spawn_blocking(move || {
                    store::PgStore::open(&url, &node, store::system_clock())
                })
                .await
                .map_err(|e| ServerError::Config(format!("opening the database failed: {e}")))??,
            )
        }
        None => {
            std::fs::create_dir_all(&config.data_dir)?;
            Arc::new(SqliteStore::open_dir(&config.data_dir)?)
        }
    };
    let tls = http::tls_acceptor(&config)?;
    let metrics = Arc::new(Metrics::default());
    let presence = Arc::new(PresenceTracker::new(config.presence_policy));
    let hub = Hub::with_presence(config.device_queue, presence.clone());
    let (shutdown_tx, _) = broadcast::channel(1);
    let tracker = TaskTracker::new();
    let connection_base = store.connection_base();
    let mut media_bus = None;
    let (fanout, presence_notes, typing_notes) = match &config.bus {
        None => (cluster::Fanout::Local(hub.clone()), None, None),
        Some(url) => {
            let nats = cluster::connect(url, &config.node).await?;
            media_bus = Some(nats.clone());
            let (tx, rx) = tokio::sync::mpsc::channel(cluster::LOCAL_QUEUE);
            let (notes_tx, notes) = tokio::sync::mpsc::channel(cluster::PRESENCE_QUEUE);
            let (typing_tx, typing) = tokio::sync::mpsc::channel(cluster::PRESENCE_QUEUE);
            tracker.spawn(cluster::run_node(
                config.node.clone(),
                nats,
                store.clone(),
                hub.clone(),
                metrics.clone(),
                rx,
                cluster::ClusterPresence {
                    base: connection_base,
                    tracker: presence.clone(),
                    notes,
                    typing,
                },
                shutdown_tx.subscribe(),
            ));
            (
                cluster::Fanout::Cluster(tx),
                Some(notes_tx),
                Some(typing_tx),
            )
        }
    };
    let relay = start_relay(&config, &listener).await?;
    let (meeting_media, sfu_task, lost_media) =
        match media::MeetingMedia::start(&config, listener.local_addr()?, media_bus).await? {
            Some((media, task, lost)) => (Some(media), Some(task), Some(lost)),
            None => (None, None, None),
        };
    let files_dir = config
        .files_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("files"));
    let blobs: Arc<dyn confer_files::BlobStore> =
        Arc::new(confer_files::FsBlobStore::open(&files_dir).map_err(|e| {
            ServerError::Config(format!("cannot use {} for files: {e}", files_dir.display()))
        })?);
    let passwords = auth::PasswordPool::new(config.password_slots())?;
    let (writer, writer_thread) =
        writer::spawn(store.clone(), fanout, config.node.clone(), metrics.clone());
    let previews = previews::Previewer::start(
        &config,
        writer.clone(),
        metrics.clone(),
        &tracker,
        shutdown_tx.subscribe(),
    );
    let mail = mail::Mailer::new(&config)?;
    let state = Arc::new(AppState {
        previews,
        mail,
        logins: LoginLimiter::new(
            config.login_failures_per_account,
            config.login_failures_per_address,
            Duration::from_secs(config.login_window_secs),
        ),
        guest_joins: AddressLimiter::new(
            config.guest_joins_per_address,
            Duration::from_secs(config.login_window_secs),
        ),
        connections: Arc::new(Semaphore::new(config.max_connections)),
        http_connections: Arc::new(Semaphore::new(config.max_http_connections)),
        health: tokio::sync::Mutex::new(None),
        config,
        store,
        writer: writer.clone(),
        hub,
        presence,
        presence_notes,
        typing_notes,
        passwords,
        metrics,
        shutdown: shutdown_tx,
        revocations: broadcast::channel(64).0,
        tracker,
        calls: calls::Calls::default(),
        relay,
        meeting_media,
        blobs,
        clock: store::system_clock(),
        next_conn: AtomicU64::new(connection_base + 1),
    });
    // Guests without an account lived only as long as their connections, all gone with the
    // previous run.
    state
        .writer
        .write(store::WriteOp::ForgetExternalGuests)
        .await?;
    spawn_revocation_watcher(&state).await?;
    if let Some(lost) = lost_media {
        state.tracker.spawn(media::follow_lost(state.clone(), lost));
        state.tracker.spawn(media::serve_cluster(state.clone()));
    }
    tracing::info!(addr = %listener.local_addr()?, tls = tls.is_some(), "confer-server listening");
    http::accept_loop(&state, listener, tls, shutdown).await;

    // Stop: no new connections; every session gets a close frame and finishes what it has.
    let _ = state.shutdown.send(());
    state.tracker.close();
    state.tracker.wait().await;
    writer.stop().await;
    if let Some(relay) = &state.relay {
        relay.close().await;
    }
    drop(state);
    // Its last handle went with the state: it says goodbye to every connection and ends.
    if let Some(task) = sfu_task {
        let _ = task.await;
    }
    tokio::task::spawn_blocking(move || writer_thread.join())
        .await
        .ok();
    tracing::info!("confer-server stopped");
    Ok(())
}
