//! Test and benchmark helpers: a real `confer-server` on 127.0.0.1 with a temp data dir, a
//! raw protocol client that speaks JSON frames over a real WebSocket, and real PostgreSQL and
//! NATS servers on 127.0.0.1 ([`PostgresServer`], [`NatsServer`]).

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    path::PathBuf,
    time::Duration,
};

use anyhow::{Context, Result, anyhow, bail};
use confer_proto::{
    ClientFrame, ErrorBody, Event, PROTOCOL_VERSION, Request, Response, ServerFrame,
};
pub use confer_server::Config;
use futures_util::{SinkExt, StreamExt};
use tokio::{net::TcpStream, sync::oneshot, task::JoinHandle};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message as WsMessage};

#[cfg(unix)]
mod services;
mod web;
pub use services::{
    NatsServer, POSTGRES_USER, PostgresServer, PulseServer, ReceivedMail, SmtpServer,
};
#[cfg(unix)]
pub use web::{Page, WebServer};

/// How long a test waits for any single reply or event.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running in this process.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Where its accounts are (the data directory, or its PostgreSQL database).
    pub location: confer_server::admin::Location,
    /// Its configuration: start another server with it to restart on the same data.
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), confer_server::ServerError>>>,
    _tmp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server on a fresh temp dir.
    pub async fn start() -> Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// Starts a server on a fresh temp dir after adjusting the config. With
    /// `CONFER_TEST_STORE=postgres` in the environment, its store is a fresh database on the
    /// shared PostgreSQL cluster instead (how `cargo xtask test` runs the suite on both).
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Result<Self> {
        let tmp = tempfile::tempdir()?;
        let mut config = Config {
            data_dir: tmp.path().to_owned(),
            database: test_database()?,
            // Tests that want link cards turn them on and serve their pages on 127.0.0.1;
            // the others' links must not send the server out to the network.
            link_previews: false,
            ..Config::default()
        };
        adjust(&mut config);
        let mut server = Self::start_config(config).await?;
        server._tmp = Some(tmp);
        Ok(server)
    }

    /// Starts a server with a complete config (its data dir is kept).
    pub async fn start_config(config: Config) -> Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, config).await
    }

    /// Starts a server on a given address (to restart one where clients expect it).
    pub async fn start_on(addr: SocketAddr, config: Config) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let data_dir = config.data_dir.clone();
        let location = confer_server::admin::Location::of(&config);
        let kept = config.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(confer_server::run(listener, config, async {
            let _ = stopped.await;
        }));
        // Report a server that failed to start instead of a later "connection refused".
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if task.is_finished() {
                task.await??;
                bail!("the server stopped right after starting");
            }
            if healthy(addr).await {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                bail!("the server did not become healthy");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Self {
            addr,
            data_dir,
            location,
            config: kept,
            stop: Some(stop),
            task: Some(task),
            _tmp: None,
        })
    }

    /// The WebSocket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Creates an account (directly in the store, as `confer-server user add` does).
    pub fn add_user(&self, name: &str, password: &str) -> Result<()> {
        add_user(&self.location, name, password)
    }

    /// Creates many accounts sharing `password` (hashed once), given as (name, display name).
    pub fn add_users(&self, users: &[(String, String)], password: &str) -> Result<()> {
        confer_server::admin::add_users(&self.location, users, password)?;
        Ok(())
    }

    /// Stops the server cleanly and waits for it; returns the temp dir so a restart can reuse it.
    pub async fn stop(mut self) -> Result<Option<tempfile::TempDir>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .context("server did not stop in time")???;
        }
        Ok(self._tmp.take())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// True when `GET /healthz` answers 200.
pub async fn healthy(addr: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return false;
    };
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out).await;
    out.starts_with("HTTP/1.1 200")
}

/// The database the tests' servers use: `None` (SQLite in their data dirs) unless
/// `CONFER_TEST_STORE=postgres`, then a fresh database on the shared PostgreSQL cluster.
pub fn test_database() -> Result<Option<String>> {
    match std::env::var("CONFER_TEST_STORE").as_deref() {
        Err(_) | Ok("" | "sqlite") => Ok(None),
        #[cfg(unix)]
        Ok("postgres") => Ok(Some(PostgresServer::shared()?.fresh_database("server")?)),
        Ok(other) => bail!("CONFER_TEST_STORE={other:?}: use sqlite or postgres"),
    }
}

/// The display name the test accounts get: people's names for the usual cast (they show in
/// screenshots), "<login> Example" for anyone else.
pub fn display_name(login: &str) -> String {
    match login {
        "alice" => "Alice Martin".into(),
        "bob" => "Bob Carter".into(),
        "carol" => "Carol Diaz".into(),
        "dave" => "Dave Wilson".into(),
        "erin" => "Erin Walsh".into(),
        "frank" => "Frank Moreau".into(),
        other => format!("{other} Example"),
    }
}

/// Creates an account in a data dir or database, named by [`display_name`].
pub fn add_user(
    at: impl Into<confer_server::admin::Location>,
    name: &str,
    password: &str,
) -> Result<()> {
    confer_server::admin::add_user(at, name, Some(&display_name(name)), None, password)?;
    Ok(())
}

/// A raw protocol client over a real WebSocket.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events received while waiting for replies, in order.
    events: VecDeque<Event>,
    /// Replies that arrived while waiting for another.
    replies: HashMap<u64, Result<Response, ErrorBody>>,
    /// The highest change position seen.
    pub position: u64,
    /// The signed-in user's name.
    pub user: Option<String>,
    /// The session token from `login` (for the HTTP file endpoints).
    pub token: Option<String>,
}

impl Client {
    /// Connects without signing in.
    pub async fn connect(url: &str) -> Result<Self> {
        // Like the app's client (`confer-core`): a small read buffer, which tungstenite
        // zero-fills on every read, and no Nagle delay.
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4096);
        let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
        let (ws, _) = tokio::time::timeout(WAIT, connecting)
            .await
            .context("connect timed out")??;
        Ok(Self {
            ws,
            next_id: 1,
            events: VecDeque::new(),
            replies: HashMap::new(),
            position: 0,
            user: None,
            token: None,
        })
    }

    /// Connects, logs in and syncs from the start.
    pub async fn login(url: &str, user: &str, password: &str) -> Result<Self> {
        let mut c = Self::connect(url).await?;
        if let Response::LoggedIn { token, .. } = c
            .request(Request::Login {
                protocol: PROTOCOL_VERSION,
                username: user.into(),
                password: password.into(),
                device: Some("testkit".into()),
            })
            .await?
        {
            c.token = Some(token);
        }
        c.sync(None).await?;
        Ok(c)
    }

    /// Sends a raw text frame.
    pub async fn send_raw(&mut self, text: String) -> Result<()> {
        self.ws.send(WsMessage::Text(text.into())).await?;
        Ok(())
    }

    /// Sends a raw binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.ws.send(WsMessage::Binary(bytes.into())).await?;
        Ok(())
    }

    /// Sends a request without waiting; returns its id.
    pub async fn send_request(&mut self, req: Request) -> Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let text = serde_json::to_string(&ClientFrame { id, req })?;
        self.send_raw(text).await?;
        Ok(id)
    }

    /// Reads the next server frame (any kind).
    pub async fn next_frame(&mut self) -> Result<ServerFrame> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .context("timed out waiting for a frame")?
                .ok_or_else(|| anyhow!("connection closed"))??;
            match msg {
                WsMessage::Text(t) => {
                    let frame: ServerFrame = serde_json::from_str(t.as_str())
                        .with_context(|| format!("unreadable server frame {t}"))?;
                    if let ServerFrame::Event {
                        event: Event::Change { position, .. },
                    } = &frame
                    {
                        self.position = self.position.max(*position);
                    }
                    return Ok(frame);
                }
                WsMessage::Close(c) => bail!("connection closed: {c:?}"),
                _ => continue,
            }
        }
    }

    /// Waits for the reply to `id`, queueing events seen meanwhile.
    pub async fn reply(&mut self, id: u64) -> Result<Result<Response, ErrorBody>> {
        if let Some(r) = self.replies.remove(&id) {
            return Ok(r);
        }
        loop {
            match self.next_frame().await? {
                ServerFrame::Response { id: rid, result } if rid == id => return Ok(Ok(result)),
                ServerFrame::Error {
                    id: Some(rid),
                    error,
                } if rid == id => return Ok(Err(error)),
                ServerFrame::Response { id: rid, result } => {
                    self.replies.insert(rid, Ok(result));
                }
                ServerFrame::Error {
                    id: Some(rid),
                    error,
                } => {
                    self.replies.insert(rid, Err(error));
                }
                ServerFrame::Event { event } => self.events.push_back(event),
                other => bail!("unexpected frame while waiting for reply {id}: {other:?}"),
            }
        }
    }

    /// Sends a request and waits for a successful reply.
    pub async fn request(&mut self, req: Request) -> Result<Response> {
        let id = self.send_request(req).await?;
        let response = self
            .reply(id)
            .await?
            .map_err(|e| anyhow!("request refused: {:?}: {}", e.code, e.reason))?;
        if let Response::LoggedIn { user, .. } | Response::Authenticated { user, .. } = &response {
            self.user = Some(user.name.clone());
        }
        Ok(response)
    }

    /// Sends a request that must be refused; returns the error.
    pub async fn refused(&mut self, req: Request) -> Result<ErrorBody> {
        let id = self.send_request(req).await?;
        match self.reply(id).await? {
            Ok(r) => bail!("expected a refusal, got {r:?}"),
            Err(e) => Ok(e),
        }
    }

    /// Syncs from `since` (or the start); returns the new cursor.
    pub async fn sync(&mut self, since: Option<u64>) -> Result<u64> {
        match self.request(Request::Sync { since }).await? {
            Response::Synced { position, .. } => {
                self.position = self.position.max(position);
                Ok(position)
            }
            other => bail!("unexpected sync reply {other:?}"),
        }
    }

    /// The next event (queued or from the socket). A `presence_batch` comes out as one
    /// `presence` event per user, in order, so that a test waits for a user's presence
    /// whether or not the server batched it (`next_frame` shows the frames as sent).
    pub async fn next_event(&mut self) -> Result<Event> {
        if let Some(e) = self.events.pop_front() {
            return Ok(self.unbatch(e));
        }
        loop {
            match self.next_frame().await? {
                ServerFrame::Event { event } => return Ok(self.unbatch(event)),
                // A reply to a request sent earlier without waiting: keep it for `reply`.
                ServerFrame::Response { id, result } => {
                    self.replies.insert(id, Ok(result));
                }
                ServerFrame::Error {
                    id: Some(id),
                    error,
                } => {
                    self.replies.insert(id, Err(error));
                }
                other => bail!("unexpected frame while waiting for an event: {other:?}"),
            }
        }
    }

    /// A batch's first presence; the others go to the front of the queue.
    fn unbatch(&mut self, event: Event) -> Event {
        match event {
            Event::PresenceBatch { presence } if !presence.is_empty() => {
                let mut all = presence.into_iter();
                let first = all.next().expect("not empty");
                for (i, presence) in all.enumerate() {
                    self.events.insert(i, Event::Presence { presence });
                }
                Event::Presence { presence: first }
            }
            e => e,
        }
    }

    /// Asks for these users' presence on this connection, replacing the previous list.
    pub async fn watch_presence(&mut self, users: &[&str]) -> Result<()> {
        let users = users.iter().map(|u| u.to_string()).collect();
        match self.request(Request::WatchPresence { users }).await? {
            Response::Ok => Ok(()),
            other => bail!("unexpected watch_presence reply {other:?}"),
        }
    }

    /// Waits for the first event that `pick` maps to a value, skipping others.
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(&Event) -> Option<T>) -> Result<T> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.next_event())
                .await
                .context("timed out waiting for an event")??;
            if let Some(v) = pick(&event) {
                return Ok(v);
            }
        }
    }

    /// Drains events already received, waiting at most `quiet` for more (presence batches
    /// split as by `next_event`).
    pub async fn drain_events(&mut self, quiet: Duration) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(e) = self.events.pop_front() {
            out.push(self.unbatch(e));
        }
        while let Ok(Ok(ServerFrame::Event { event })) =
            tokio::time::timeout(quiet, self.next_frame()).await
        {
            out.push(self.unbatch(event));
            while let Some(e) = self.events.pop_front() {
                out.push(e);
            }
        }
        out
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
