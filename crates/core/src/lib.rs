//! The Confer client core, shared by the desktop app, `confer-cli` and the end-to-end tests.
//!
//! A [`Client`] owns a local SQLite [`cache`] and a supervisor task that keeps one connection to
//! the server: it connects with a timeout, authenticates, resumes from the cache's sync cursor,
//! drains the outbox in order, applies every event to the cache, and reconnects when the
//! connection drops: to the next server of its list at once, with exponential backoff and
//! jitter once every server has failed in turn. The UI reads only from the cache
//! (snapshots) and from [`ClientEvent`]s (changes), so it works offline with what it has.
#![warn(missing_docs)]

pub mod cache;
pub mod calendar;
pub mod call;
pub mod connection;
pub mod credentials;
pub mod device_test;
pub mod files;
pub mod frames;
pub mod guest;
pub mod i18n;
pub mod meeting;
pub mod notify;
pub mod phone;
mod search;
mod supervisor;
mod typescript;

pub use typescript::typescript_bindings;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use cache::Cache;
pub use cache::{CachedMessage, ConversationView, Invitation, UnreadTotals};
use confer_proto::{
    DirectoryEntry, ErrorBody, ErrorCode, Favourite, MAX_TEXT_BYTES, Message, Presence,
    PresenceChoice, Reason, Request, Response, UserSettings,
};
use connection::ConnHandle;
use credentials::TokenStore;
pub use notify::{Decision, NotifyContext};
use serde::Serialize;
use tokio::sync::{Notify, broadcast, watch};
use ts_rs::TS;

/// Errors from the client core.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The server could not be reached.
    #[error("{0}")]
    Unreachable(i18n::Text),
    /// The action needs the server and there is no connection.
    #[error("not connected to the server")]
    Offline,
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// Sign-in failed.
    #[error("{0}")]
    AuthFailed(i18n::Text),
    /// The server refused the request (rendered in English; the UI words the reason itself).
    #[error("{}", refusal_text(.0))]
    Refused(ErrorBody),
    /// Bad input from the caller.
    #[error("{0}")]
    Invalid(i18n::Text),
    /// No such user or conversation.
    #[error("{0}")]
    NotFound(i18n::Text),
    /// The local cache failed.
    #[error("local cache: {0}")]
    Cache(String),
    /// The token could not be stored.
    #[error("credentials: {0}")]
    Credentials(String),
}

/// A message text as the server takes it: not blank, at most [`MAX_TEXT_BYTES`].
fn check_text(text: &str) -> Result<(), CoreError> {
    if text.trim().is_empty() {
        return Err(CoreError::Invalid(
            crate::i18n::Sentence::EmptyMessage.into(),
        ));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(CoreError::Invalid(
            crate::i18n::Sentence::MessageTooLong {
                max: MAX_TEXT_BYTES,
                len: text.len(),
            }
            .into(),
        ));
    }
    Ok(())
}

/// A refusal in one plain English sentence, for `confer-cli` and logs (the desktop UI words
/// reasons from its own catalogue, in the user's language). A reason this build does not know
/// falls back on the code.
pub fn refusal_text(body: &ErrorBody) -> String {
    match body.reason {
        Reason::Unknown => format!("The server refused the request ({}).", body.code.as_str()),
        ref reason => reason.to_string(),
    }
}

/// How to reach the server and where to keep local state.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Server addresses, each `ws://host:port/v1/ws`, `http://host:port` or `host:port`, tried
    /// in this order when one is down (see [`parse_servers`]). They serve the same data; the
    /// first one names the stored session token, so a profile made with one address keeps its
    /// token when more are added after it.
    pub servers: Vec<String>,
    /// Account name.
    pub user: String,
    /// Password, used when no stored token works.
    pub password: Option<String>,
    /// Profile directory (cache and, without a keyring, the token).
    pub profile: PathBuf,
    /// Device label.
    pub device: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Keep the session token in the OS keyring (else only in a 0600 file in the profile).
    pub use_keyring: bool,
    /// Ping interval; three silent intervals mean the server is gone.
    pub heartbeat: Duration,
}

impl ClientConfig {
    /// The WebSocket URLs of the servers, in the order they are tried.
    pub fn ws_urls(&self) -> Vec<String> {
        self.servers.iter().map(|s| ws_url(s)).collect()
    }

    /// The servers for people: "the server at URL", or "any of the servers URL, URL".
    fn servers_text(&self) -> String {
        match self.ws_urls().as_slice() {
            [one] => format!("the server at {one}"),
            many => format!("any of the servers {}", many.join(", ")),
        }
    }
}

/// Splits a comma-separated list of server addresses (one address is a list of one), trimming
/// each; empty items are skipped, and at least one address is required.
pub fn parse_servers(text: &str) -> Result<Vec<String>, CoreError> {
    let servers: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        return Err(CoreError::Invalid(crate::i18n::Sentence::NoServer.into()));
    }
    Ok(servers)
}

/// Normalises a server address to its WebSocket URL.
pub fn ws_url(server: &str) -> String {
    let s = server.trim().trim_end_matches('/');
    let (scheme, rest) = if let Some(r) = s.strip_prefix("ws://") {
        ("ws", r)
    } else if let Some(r) = s.strip_prefix("wss://") {
        ("wss", r)
    } else if let Some(r) = s.strip_prefix("http://") {
        ("ws", r)
    } else if let Some(r) = s.strip_prefix("https://") {
        ("wss", r)
    } else {
        ("ws", s)
    };
    let rest = rest.strip_suffix("/v1/ws").unwrap_or(rest);
    format!("{scheme}://{rest}/v1/ws")
}

/// How the desktop app was launched: `--server` and `--user` on the command line sign in without
/// the form (the password comes from `CONFER_PASSWORD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct LaunchOptions {
    /// Server address, or several separated by commas, as given.
    pub server: Option<String>,
    /// Account name.
    pub user: Option<String>,
    /// Whether a password was given in the environment.
    pub has_password: bool,
}

/// Settings kept on this device only (privacy mode lives on the server, in [`UserSettings`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(default)]
pub struct DeviceSettings {
    /// Raise OS notifications for new messages.
    pub notifications: bool,
    /// Minutes of system idle time before the status turns Away; 0 turns auto-away off.
    pub auto_away_minutes: u32,
    /// Colour scheme.
    pub theme: Theme,
    /// The microphone calls use (`None`: the system default).
    pub microphone: Option<String>,
    /// The speaker calls play on (`None`: the system default).
    pub speaker: Option<String>,
    /// The camera video calls send (`None`: the first one).
    pub camera: Option<String>,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            notifications: true,
            auto_away_minutes: 10,
            theme: Theme::System,
            microphone: None,
            speaker: None,
            camera: None,
        }
    }
}

/// Colour scheme of the desktop UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// Every setting the desktop's settings panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct Settings {
    /// Privacy mode (on the server: no receipts sent, only the server tick seen).
    pub privacy: bool,
    /// This device's settings.
    pub device: DeviceSettings,
}

/// The meetings of the user's rooms.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Meetings {
    /// Going on now.
    pub ongoing: Vec<confer_proto::OngoingMeeting>,
    /// On the calendar, soonest first.
    pub scheduled: Vec<confer_proto::ScheduledMeeting>,
}

/// The user's favourites and the requests addressed to them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Favourites {
    /// People this user follows (or asked to).
    pub outgoing: Vec<Favourite>,
    /// Requests from others waiting for an answer.
    pub incoming: Vec<Favourite>,
}

/// What the About box shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct About {
    /// The app's version.
    pub app_version: String,
    /// Its licence (SPDX).
    pub licence: String,
    /// The server of the last sign-in, as connected to.
    pub server: Option<String>,
    /// The version that server told, when it did.
    pub server_version: Option<String>,
}

/// A page of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DirectoryPage {
    /// Users in directory order (display name, then account name), with presence where the
    /// server shows it.
    pub users: Vec<DirectoryEntry>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// On the first page: the aliases matching the query, shown above the users.
    pub aliases: Vec<confer_proto::AliasInfo>,
}

/// The connection's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    /// Connecting or authenticating.
    Connecting,
    /// Connected and synced (or syncing).
    Online,
    /// Not connected; retrying with backoff.
    Offline,
    /// The server refused the credentials; no retry until new ones are given.
    AuthFailed,
}

/// A change for the UI (or the CLI's `follow`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ClientEvent {
    /// The connection state changed.
    State {
        /// New state.
        state: ConnState,
    },
    /// The cache caught up with the server.
    Synced {
        /// The new sync cursor.
        #[ts(type = "number")]
        position: u64,
    },
    /// A message arrived (from anyone, including this user's other devices).
    Message {
        /// It.
        message: CachedMessage,
        /// What the desktop should do about it.
        decision: Decision,
    },
    /// One of this user's messages changed (queued, acknowledged, refused).
    Updated {
        /// Its new state.
        message: CachedMessage,
    },
    /// A message was edited, deleted or reacted to (here or elsewhere).
    Changed {
        /// It now.
        message: CachedMessage,
    },
    /// An edit, deletion or reaction made here was taken or refused by the server (see
    /// [`Client::wait_op`]).
    OpDone {
        /// The op.
        #[ts(type = "number")]
        op: i64,
    },
    /// Someone started or stopped typing in a conversation (drop it after
    /// [`confer_proto::TYPING_TIMEOUT_MS`] without a repeat).
    Typing {
        /// The conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// Who.
        user: String,
        /// Typing, or stopped.
        typing: bool,
    },
    /// Receipts for this user's messages in a conversation moved.
    Ticks {
        /// Conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// Delivered up to this seq.
        #[ts(type = "number")]
        delivered_through: u64,
        /// Read up to this seq.
        #[ts(type = "number")]
        read_through: u64,
    },
    /// The user's read cursor moved (on any device).
    ReadCursor {
        /// Conversation.
        #[ts(type = "number")]
        conversation: u64,
        /// Read up to this seq.
        #[ts(type = "number")]
        read_through: u64,
        /// Unread left.
        unread: u32,
    },
    /// Someone's presence changed.
    Presence {
        /// New presence.
        presence: Presence,
    },
    /// Unread totals changed.
    Unread {
        /// Per tab.
        totals: UnreadTotals,
    },
    /// The conversation list changed (new conversation, settings).
    Conversations,
    /// The user's settings changed.
    Settings {
        /// New settings.
        settings: UserSettings,
    },
    /// A favourite or subscription request changed.
    Favourite {
        /// It.
        favourite: Favourite,
    },
    /// Invitations to groups came or ended (see [`Client::invitations`]).
    Invitations,
    /// A room's meeting or calendar changed (see [`Client::meetings`]).
    Meetings {
        /// The room.
        #[ts(type = "number")]
        conversation: u64,
        /// Set when this user's guest access to the meeting ended, and why.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        ended: Option<Reason>,
    },
    /// A call rang, was placed, connected, changed or ended (see [`phone::Phone`]).
    Call {
        /// The call as it is now.
        call: phone::CallView,
    },
    /// This device's sound in a meeting connected, changed or ended (see
    /// [`phone::Phone::join_meeting_sound`]).
    MeetingSound {
        /// The sound as it is now.
        sound: phone::MeetingSoundView,
    },
}

pub(crate) struct Inner {
    config: ClientConfig,
    cache: Cache,
    tokens: TokenStore,
    state: watch::Sender<ConnState>,
    events: broadcast::Sender<ClientEvent>,
    conn: Mutex<Option<ConnHandle>>,
    /// Wakes the supervisor: the outbox has new items.
    wake: Notify,
    /// Wakes a supervisor waiting to reconnect.
    reconnect: Notify,
    /// Set when the client is closing: the supervisor closes the connection cleanly and stops.
    closing: watch::Sender<bool>,
    /// The sync cursor once the current connection has caught up; `None` while not.
    synced: watch::Sender<Option<u64>>,
    notify_ctx: Mutex<NotifyContext>,
    last_totals: Mutex<Option<UnreadTotals>>,
    /// Users the UI shows besides the conversations' members (directory rows, requests):
    /// their presence is watched too.
    shown: Mutex<Vec<String>>,
    /// The watch list sent on the current connection.
    watched: Mutex<Option<Vec<String>>>,
    /// Wakes the supervisor: the watch list may have changed.
    rewatch: Notify,
    /// The server of the last sign-in: its address and the version it told.
    server: Mutex<Option<(String, Option<String>)>>,
    /// Call events of this device (ringing, answered, signals, ended), for the call engine.
    calls: broadcast::Sender<confer_proto::Event>,
    /// Display names the directory told, by account name, kept for the client's life: a
    /// notification names its sender without asking each time.
    names: Mutex<std::collections::HashMap<String, String>>,
}

impl Inner {
    fn emit(&self, event: ClientEvent) {
        let _ = self.events.send(event);
    }

    fn set_state(&self, state: ConnState) {
        if *self.state.borrow() != state {
            self.state.send_replace(state);
            self.emit(ClientEvent::State { state });
        }
    }

    fn me(&self) -> &str {
        &self.config.user
    }

    /// Resolves once the client is closing.
    async fn closing(&self) {
        let mut rx = self.closing.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    fn handle(&self) -> Result<ConnHandle, CoreError> {
        self.conn
            .lock()
            .expect("conn poisoned")
            .clone()
            .ok_or(CoreError::Offline)
    }

    /// Emits the unread totals if they changed.
    async fn refresh_totals(&self) -> Result<(), CoreError> {
        let me = self.me().to_owned();
        let totals = self.cache.run(move |c| c.unread_totals(&me)).await?;
        let mut last = self.last_totals.lock().expect("totals poisoned");
        if *last != Some(totals) {
            *last = Some(totals);
            drop(last);
            self.emit(ClientEvent::Unread { totals });
        }
        Ok(())
    }
}

/// Aborts its task when dropped, so no task outlives its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A signed-in client.
pub struct Client {
    inner: Arc<Inner>,
    supervisor: Option<AbortOnDrop>,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Client {
    /// Opens the profile's cache and, when `connect` is true, starts keeping a connection.
    pub fn open(config: ClientConfig, connect: bool) -> Result<Self, CoreError> {
        let cache = Cache::open(&config.profile.join("cache.db"))?;
        match cache.get("user")? {
            Some(owner) if !owner.eq_ignore_ascii_case(&config.user) => {
                return Err(CoreError::Invalid(
                    crate::i18n::Sentence::ProfileOfAnother {
                        profile: config.profile.display().to_string(),
                        owner,
                        user: config.user.clone(),
                    }
                    .into(),
                ));
            }
            Some(_) => {}
            None => cache.set("user", &config.user.to_lowercase())?,
        }
        let mut config = config;
        config.user = config.user.to_lowercase();
        let Some(first) = config.ws_urls().into_iter().next() else {
            return Err(CoreError::Invalid(crate::i18n::Sentence::NoServer.into()));
        };
        // Keyed by the first server: every server in the list serves the same accounts.
        let tokens = TokenStore::new(&config.profile, &first, &config.user, config.use_keyring);
        let (state, _) = watch::channel(if connect {
            ConnState::Connecting
        } else {
            ConnState::Offline
        });
        let (events, _) = broadcast::channel(4096);
        let notify_ctx = NotifyContext {
            me: config.user.clone(),
            status: cache.settings()?.status,
            open_conversation: None,
            window_focused: false,
            notifications_enabled: cache.device_settings()?.notifications,
        };
        let inner = Arc::new(Inner {
            config,
            cache,
            tokens,
            state,
            events,
            conn: Mutex::new(None),
            wake: Notify::new(),
            reconnect: Notify::new(),
            closing: watch::channel(false).0,
            synced: watch::channel(None).0,
            notify_ctx: Mutex::new(notify_ctx),
            last_totals: Mutex::new(None),
            shown: Mutex::new(Vec::new()),
            watched: Mutex::new(None),
            calls: broadcast::channel(256).0,
            names: Mutex::default(),
            rewatch: Notify::new(),
            server: Mutex::new(None),
        });
        let supervisor = connect.then(|| AbortOnDrop(tokio::spawn(supervisor::run(inner.clone()))));
        Ok(Self { inner, supervisor })
    }

    /// The first server address this client was opened with.
    pub fn server(&self) -> &str {
        &self.inner.config.servers[0]
    }

    /// Every server address this client was opened with, in the order they are tried.
    pub fn servers(&self) -> &[String] {
        &self.inner.config.servers
    }

    /// The signed-in user's name.
    pub fn me(&self) -> &str {
        self.inner.me()
    }

    /// The connection state, observable.
    pub fn state(&self) -> watch::Receiver<ConnState> {
        self.inner.state.subscribe()
    }

    /// Changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// Waits until the connection is online (or sign-in failed).
    pub async fn wait_online(&self, timeout: Duration) -> Result<(), CoreError> {
        let mut state = self.state();
        let wait = async {
            loop {
                match *state.borrow_and_update() {
                    ConnState::Online => return Ok(()),
                    ConnState::AuthFailed => {
                        return Err(CoreError::AuthFailed(
                            crate::i18n::Sentence::WrongCredentials.into(),
                        ));
                    }
                    _ => {}
                }
                if state.changed().await.is_err() {
                    return Err(CoreError::Offline);
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            CoreError::Unreachable(
                crate::i18n::Sentence::CannotReach {
                    servers: self.inner.config.servers_text(),
                }
                .into(),
            )
        })?
    }

    /// Waits until the cache has caught up with the server on the current connection; returns
    /// the sync cursor.
    pub async fn wait_synced(&self, timeout: Duration) -> Result<u64, CoreError> {
        let mut synced = self.inner.synced.subscribe();
        let mut state = self.state();
        let wait = async {
            loop {
                if let Some(p) = *synced.borrow_and_update() {
                    return Ok(p);
                }
                if *state.borrow_and_update() == ConnState::AuthFailed {
                    return Err(CoreError::AuthFailed(
                        crate::i18n::Sentence::WrongCredentials.into(),
                    ));
                }
                tokio::select! {
                    r = synced.changed() => r.map_err(|_| CoreError::Offline)?,
                    r = state.changed() => r.map_err(|_| CoreError::Offline)?,
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            CoreError::Unreachable(
                crate::i18n::Sentence::CannotReach {
                    servers: self.inner.config.servers_text(),
                }
                .into(),
            )
        })?
    }

    /// Queues a message: written to the cache as pending (0 ticks) before anything is sent;
    /// the supervisor sends it, in order, once the connection is up.
    pub async fn send(&self, conversation: u64, text: &str) -> Result<CachedMessage, CoreError> {
        self.send_reply(conversation, text, None).await
    }

    /// Queues an answer to message `reply_to` of the same conversation (as [`Client::send`]).
    pub async fn send_reply(
        &self,
        conversation: u64,
        text: &str,
        reply_to: Option<u64>,
    ) -> Result<CachedMessage, CoreError> {
        check_text(text)?;
        let (me, text2) = (self.me().to_owned(), text.to_owned());
        let message = self
            .inner
            .cache
            .run(move |c| c.enqueue(conversation, &me, &text2, reply_to, now_ms()))
            .await?;
        self.inner.emit(ClientEvent::Updated {
            message: message.clone(),
        });
        self.inner.wake.notify_one();
        Ok(message)
    }

    /// The direct conversation with `user`: from the cache, or opened on the server.
    pub async fn direct_conversation(&self, user: &str) -> Result<u64, CoreError> {
        let (me, other) = (self.me().to_owned(), user.to_owned());
        if let Some(id) = self
            .inner
            .cache
            .run(move |c| c.direct_with(&me, &other))
            .await?
        {
            return Ok(id);
        }
        self.conversation_request(Request::OpenDirect { user: user.into() })
            .await
    }

    /// Waits until a queued message is acknowledged (or refused).
    pub async fn wait_sent(
        &self,
        local_id: i64,
        timeout: Duration,
    ) -> Result<CachedMessage, CoreError> {
        let mut rx = self.subscribe();
        let wait = async {
            loop {
                if let Some(m) = self.find_local(local_id).await? {
                    if m.seq.is_some() {
                        return Ok(m);
                    }
                    if let Some(e) = m.error {
                        return Err(CoreError::Refused(e));
                    }
                }
                match rx.recv().await {
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Err(CoreError::Offline),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| CoreError::Timeout)?
    }

    async fn find_local(&self, local_id: i64) -> Result<Option<CachedMessage>, CoreError> {
        let me = self.me().to_owned();
        self.inner
            .cache
            .run(move |c| c.message(local_id, &me))
            .await
    }

    /// Messages, edits, deletions and reactions still waiting for the server.
    pub async fn outbox_len(&self) -> Result<usize, CoreError> {
        self.inner
            .cache
            .run(|c| Ok(c.outbox()?.len() + c.ops_len()?))
            .await
    }

    /// Finds a message: `CONVERSATION:SEQ`, a local id (`#12`), or a message id (its client
    /// id, as `send` and `history` show it; one's own first). Returns its local id.
    pub async fn message_ref(&self, reference: &str) -> Result<i64, CoreError> {
        let reference = reference.trim().to_owned();
        let me = self.me().to_owned();
        let not_found = || {
            CoreError::NotFound(
                crate::i18n::Sentence::NoSuchMessage {
                    reference: reference.to_string(),
                }
                .into(),
            )
        };
        if let Some((c, s)) = reference.split_once(':')
            && let (Ok(conversation), Ok(seq)) = (c.parse::<u64>(), s.parse::<u64>())
        {
            if let Some(id) = self
                .inner
                .cache
                .run(move |c| c.local_id_at(conversation, seq))
                .await?
            {
                return Ok(id);
            }
            // Not cached: fetch that one message into the cache.
            self.fetch_message(conversation, seq).await?;
            return self
                .inner
                .cache
                .run(move |c| c.local_id_at(conversation, seq))
                .await?
                .ok_or_else(not_found);
        }
        if reference.is_empty() || reference.len() > 64 {
            return Err(CoreError::Invalid(
                crate::i18n::Sentence::NotAMessageRef {
                    reference: reference.to_string(),
                }
                .into(),
            ));
        }
        let key = reference.clone();
        let ids = self
            .inner
            .cache
            .run(move |c| c.local_ids_by_client_id(&key, &me))
            .await?;
        ids.first().copied().ok_or_else(not_found)
    }

    /// Reads message `seq` of a conversation from the server into the cache (for a reference
    /// or a quote outside the cached pages).
    async fn fetch_message(&self, conversation: u64, seq: u64) -> Result<(), CoreError> {
        let req = Request::History {
            conversation,
            before: Some(seq.saturating_add(1)),
            limit: Some(1),
        };
        if let Response::History { page } = self.inner.handle()?.request(req).await? {
            let found: Vec<_> = page.messages.into_iter().filter(|m| m.seq == seq).collect();
            if !found.is_empty() {
                self.inner
                    .cache
                    .run(move |c| c.insert_history(&found))
                    .await?;
            }
        }
        Ok(())
    }

    /// One cached message by local id.
    pub async fn message(&self, local_id: i64) -> Result<Option<CachedMessage>, CoreError> {
        self.find_local(local_id).await
    }

    /// Edits one's own message (by local id); see [`cache::Cache::edit`]. Returns the op to
    /// wait for with [`Client::wait_op`], if one was queued.
    pub async fn edit(&self, local_id: i64, text: &str) -> Result<Option<i64>, CoreError> {
        check_text(text)?;
        let (me, text) = (self.me().to_owned(), text.to_owned());
        let op = self
            .inner
            .cache
            .run(move |c| c.edit(local_id, &text, &me, now_ms()))
            .await?;
        self.changed_here(local_id).await;
        Ok(op)
    }

    /// Deletes one's own message (by local id); see [`cache::Cache::delete`].
    pub async fn delete(&self, local_id: i64) -> Result<Option<i64>, CoreError> {
        let me = self.me().to_owned();
        let op = self
            .inner
            .cache
            .run(move |c| c.delete(local_id, &me))
            .await?;
        self.changed_here(local_id).await;
        Ok(op)
    }

    /// Adds (`on`) or takes back a reaction to a sent message (by local id). Returns the op.
    pub async fn react(&self, local_id: i64, emoji: &str, on: bool) -> Result<i64, CoreError> {
        let message = self.find_local(local_id).await?.ok_or_else(|| {
            CoreError::NotFound(
                crate::i18n::Sentence::NoSuchMessage {
                    reference: local_id.to_string(),
                }
                .into(),
            )
        })?;
        let Some(seq) = message.seq else {
            return Err(CoreError::Invalid(
                crate::i18n::Sentence::ReactOnceSent.into(),
            ));
        };
        if emoji.is_empty() || emoji.len() > confer_proto::MAX_EMOJI_BYTES {
            return Err(CoreError::Refused(ErrorBody::new(
                ErrorCode::Invalid,
                Reason::InvalidReaction,
            )));
        }
        let (me, emoji) = (self.me().to_owned(), emoji.to_owned());
        let conversation = message.conversation;
        let op = self
            .inner
            .cache
            .run(move |c| c.react(conversation, seq, &emoji, on, &me))
            .await?;
        self.changed_here(local_id).await;
        Ok(op)
    }

    /// Tells the UI a message changed here, and wakes the supervisor to send the op.
    async fn changed_here(&self, local_id: i64) {
        if let Ok(Some(message)) = self.find_local(local_id).await {
            self.inner.emit(ClientEvent::Changed { message });
        }
        self.inner.wake.notify_one();
    }

    /// Waits until the server took a queued op (`Ok`), or refused it (`Refused`).
    pub async fn wait_op(&self, op: i64, timeout: Duration) -> Result<(), CoreError> {
        let mut rx = self.subscribe();
        let wait = async {
            loop {
                match self.inner.cache.run(move |c| c.op_outcome(op)).await? {
                    None => return Ok(()),
                    Some(Some(refusal)) => return Err(CoreError::Refused(refusal)),
                    Some(None) => {}
                }
                match rx.recv().await {
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Err(CoreError::Offline),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| CoreError::Timeout)?
    }

    /// Says the user is typing (or stopped) in a conversation; nothing when offline (an
    /// indicator is only worth it live).
    pub async fn set_typing(&self, conversation: u64, typing: bool) -> Result<(), CoreError> {
        let Ok(handle) = self.inner.handle() else {
            return Ok(());
        };
        let _ = handle
            .send(Request::SetTyping {
                conversation,
                typing,
            })
            .await;
        Ok(())
    }

    /// Searches the cached texts, newest first: works offline, folds accents, and finds
    /// English and French words by their stems ("meetings" finds "meeting", "reunions"
    /// finds "réunion"). The server's search reaches what the cache does not hold.
    pub async fn search_local(
        &self,
        query: &str,
        conversation: Option<u64>,
        limit: u32,
    ) -> Result<Vec<CachedMessage>, CoreError> {
        let (query, me) = (query.to_owned(), self.me().to_owned());
        self.inner
            .cache
            .run(move |c| c.search(&query, conversation, limit, &me))
            .await
    }

    /// Searches the server's history (everything the user may see, beyond the cache), newest
    /// first; needs a connection.
    pub async fn search(
        &self,
        query: &str,
        conversation: Option<u64>,
        limit: Option<u32>,
        after: Option<confer_proto::SearchCursor>,
    ) -> Result<(Vec<Message>, Option<confer_proto::SearchCursor>), CoreError> {
        let req = Request::SearchMessages {
            query: query.to_owned(),
            conversation,
            limit,
            after,
        };
        match self.inner.handle()?.request(req).await? {
            Response::Messages { messages, next } => Ok((messages, next)),
            other => Err(unexpected(other)),
        }
    }

    /// Waits until the outbox is empty.
    pub async fn flush(&self, timeout: Duration) -> Result<(), CoreError> {
        let mut rx = self.subscribe();
        self.inner.wake.notify_one();
        let wait = async {
            loop {
                if self.outbox_len().await? == 0 {
                    return Ok(());
                }
                match rx.recv().await {
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return Err(CoreError::Offline),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| CoreError::Timeout)?
    }

    /// A page of the timeline from the cache, oldest first; fetches older messages from the
    /// server when the cache runs out.
    pub async fn history(
        &self,
        conversation: u64,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<CachedMessage>, CoreError> {
        let me = self.me().to_owned();
        let page = self
            .inner
            .cache
            .run(move |c| c.timeline(conversation, before, limit, &me))
            .await?;
        let cached = page.iter().filter(|m| m.seq.is_some()).count() as u32;
        if cached >= limit {
            return Ok(page);
        }
        let oldest = self
            .inner
            .cache
            .run(move |c| c.oldest_seq(conversation))
            .await?;
        let from = before.into_iter().chain(oldest).min();
        if from.is_some_and(|s| s <= 1) {
            return Ok(page);
        }
        let Ok(handle) = self.inner.handle() else {
            return Ok(page);
        };
        let req = Request::History {
            conversation,
            before: from,
            limit: Some(limit),
        };
        match handle.request(req).await {
            Ok(Response::History { page: fetched }) if !fetched.messages.is_empty() => {
                self.inner
                    .cache
                    .run(move |c| c.insert_history(&fetched.messages))
                    .await?;
                let me = self.me().to_owned();
                self.inner
                    .cache
                    .run(move |c| c.timeline(conversation, before, limit, &me))
                    .await
            }
            Ok(_) | Err(CoreError::Offline) | Err(CoreError::Timeout) => Ok(page),
            Err(e) => Err(e),
        }
    }

    /// The conversation list from the cache.
    pub async fn conversations(&self) -> Result<Vec<ConversationView>, CoreError> {
        let me = self.me().to_owned();
        self.inner.cache.run(move |c| c.conversations(&me)).await
    }

    /// The conversation list now, and the changes from now on.
    pub async fn subscribe_conversations(
        &self,
    ) -> Result<(Vec<ConversationView>, broadcast::Receiver<ClientEvent>), CoreError> {
        let rx = self.subscribe();
        Ok((self.conversations().await?, rx))
    }

    /// Drops cached messages older than `seq`; `history` fetches them again when needed.
    pub async fn evict_before(&self, conversation: u64, seq: u64) -> Result<usize, CoreError> {
        self.inner
            .cache
            .run(move |c| c.evict_before(conversation, seq))
            .await
    }

    /// A conversation's newest page now, and the changes from now on (filter the stream by
    /// conversation: `Message`, `Updated`, `Ticks`).
    pub async fn subscribe_timeline(
        &self,
        conversation: u64,
        limit: u32,
    ) -> Result<(Vec<CachedMessage>, broadcast::Receiver<ClientEvent>), CoreError> {
        let rx = self.subscribe();
        Ok((self.history(conversation, None, limit).await?, rx))
    }

    /// Presence now, and the changes from now on (`Presence` events).
    pub async fn subscribe_presence(
        &self,
    ) -> Result<(Vec<Presence>, broadcast::Receiver<ClientEvent>), CoreError> {
        let rx = self.subscribe();
        Ok((self.presence().await?, rx))
    }

    /// Unread totals now, and the changes from now on (`Unread` events).
    pub async fn subscribe_unread(
        &self,
    ) -> Result<(UnreadTotals, broadcast::Receiver<ClientEvent>), CoreError> {
        let rx = self.subscribe();
        Ok((self.unread_totals().await?, rx))
    }

    /// Unread totals per tab, from the cache.
    pub async fn unread_totals(&self) -> Result<UnreadTotals, CoreError> {
        let me = self.me().to_owned();
        self.inner.cache.run(move |c| c.unread_totals(&me)).await
    }

    /// Presence as last known.
    pub async fn presence(&self) -> Result<Vec<Presence>, CoreError> {
        self.inner.cache.run(|c| c.presence()).await
    }

    /// The user's settings as last synced.
    pub async fn settings(&self) -> Result<UserSettings, CoreError> {
        self.inner.cache.run(|c| c.settings()).await
    }

    /// Marks a conversation read up to `seq` (its newest message when `None`).
    pub async fn mark_read(&self, conversation: u64, seq: Option<u64>) -> Result<(), CoreError> {
        let seq = match seq {
            Some(s) => s,
            None => {
                self.inner
                    .cache
                    .run(move |c| c.last_seq(conversation))
                    .await?
            }
        };
        self.request_ok(Request::MarkRead { conversation, seq })
            .await
    }

    /// Marks the conversation unread again from the newest message of someone else (what
    /// "Mark as unread" does): the unread count comes back on every device of the user.
    pub async fn mark_unread(&self, conversation: u64) -> Result<(), CoreError> {
        let me = self.me().to_owned();
        let newest = self
            .inner
            .cache
            .run(move |c| c.latest_from_others(&me))
            .await?
            .into_iter()
            .find(|(c, _)| *c == conversation)
            .map(|(_, seq)| seq)
            .ok_or_else(|| CoreError::Invalid(crate::i18n::Sentence::NothingToMarkUnread.into()))?;
        self.request_ok(Request::MarkUnread {
            conversation,
            seq: newest,
        })
        .await
    }

    /// Hides the conversation from the list until its next message (or shows it again), on
    /// every device of the user.
    pub async fn hide_conversation(
        &self,
        conversation: u64,
        hidden: bool,
    ) -> Result<(), CoreError> {
        self.request_ok(Request::HideConversation {
            conversation,
            hidden,
        })
        .await
    }

    /// Chooses a status and custom message.
    pub async fn set_status(
        &self,
        status: PresenceChoice,
        message: Option<String>,
    ) -> Result<(), CoreError> {
        self.request_ok(Request::SetPresence { status, message })
            .await?;
        self.inner.notify_ctx.lock().expect("ctx poisoned").status = status;
        Ok(())
    }

    /// Reports the user idle (or back) on this device.
    pub async fn set_idle(&self, idle: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetIdle { idle }).await
    }

    /// Turns privacy mode on or off.
    pub async fn set_privacy(&self, enabled: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetPrivacy { enabled }).await
    }

    /// Mutes or unmutes a conversation.
    pub async fn set_muted(&self, conversation: u64, muted: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetMuted {
            conversation,
            muted,
        })
        .await
    }

    /// What the user was writing in a conversation (kept on this device across restarts).
    pub async fn draft(&self, conversation: u64) -> Result<Option<String>, CoreError> {
        self.inner.cache.run(move |c| c.draft(conversation)).await
    }

    /// Keeps what the user is writing in a conversation; a blank draft is dropped.
    pub async fn set_draft(&self, conversation: u64, text: String) -> Result<(), CoreError> {
        self.inner
            .cache
            .run(move |c| c.set_draft(conversation, &text, now_ms()))
            .await
    }

    /// Clears a conversation's history for this user.
    pub async fn clear_history(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::ClearHistory { conversation })
            .await
    }

    /// Sends the conversation's history as this user sees it to `to` by email, worded in
    /// `lang` with times at `utc_offset_minutes` from UTC. Every member then sees the notice.
    pub async fn mail_history(
        &self,
        conversation: u64,
        to: &str,
        lang: i18n::Lang,
        utc_offset_minutes: i32,
    ) -> Result<(), CoreError> {
        self.request_ok(Request::MailHistory {
            conversation,
            to: to.trim().to_owned(),
            language: Some(lang.as_str().to_owned()),
            utc_offset_minutes: Some(utc_offset_minutes),
        })
        .await
    }

    /// Adds a favourite (a subscription request under the `subscribers` policy).
    pub async fn add_favourite(&self, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::AddFavourite { user: user.into() })
            .await
    }

    /// Removes a favourite.
    pub async fn remove_favourite(&self, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::RemoveFavourite { user: user.into() })
            .await
    }

    /// Answers a subscription request.
    pub async fn answer_subscription(&self, user: &str, accept: bool) -> Result<(), CoreError> {
        self.request_ok(Request::AnswerSubscription {
            user: user.into(),
            accept,
        })
        .await
    }

    /// The user's favourites, and the pending requests addressed to them.
    pub async fn favourites(&self) -> Result<Favourites, CoreError> {
        match self
            .inner
            .handle()?
            .request(Request::ListFavourites)
            .await?
        {
            Response::Favourites { outgoing, incoming } => Ok(Favourites { outgoing, incoming }),
            other => Err(unexpected(other)),
        }
    }

    /// The users the UI shows besides the conversations' members (directory rows, requests):
    /// their presence is kept live with the members', replacing the previous list. The server
    /// sends presence only for the users a connection watches (and the user's accepted
    /// favourites), so what is not shown costs nothing.
    pub fn watch_presence(&self, users: Vec<String>) {
        *self.inner.shown.lock().expect("shown poisoned") = users;
        self.inner.rewatch.notify_one();
    }

    /// Searches the directory: the first page.
    pub async fn search_users(
        &self,
        query: &str,
        limit: Option<u32>,
    ) -> Result<Vec<DirectoryEntry>, CoreError> {
        Ok(self.directory(query, None, false, limit).await?.users)
    }

    /// A page of the directory after the user named `after`; `online` leaves out users not
    /// shown online.
    pub async fn directory(
        &self,
        query: &str,
        after: Option<String>,
        online: bool,
        limit: Option<u32>,
    ) -> Result<DirectoryPage, CoreError> {
        match self
            .inner
            .handle()?
            .request(Request::SearchUsers {
                query: query.into(),
                limit,
                after,
                online,
            })
            .await?
        {
            Response::Users {
                users,
                next,
                aliases,
            } => Ok(DirectoryPage {
                users,
                next,
                aliases,
            }),
            other => Err(unexpected(other)),
        }
    }

    /// The name to show for `user` where only text goes (OS notifications, the tray): their
    /// display name, asked of the directory once and then kept; the account name when the
    /// server cannot be asked or does not know them (asked again next time).
    pub async fn display_name(&self, user: &str) -> String {
        if let Some(name) = self.inner.names.lock().expect("names poisoned").get(user) {
            return name.clone();
        }
        let Ok(page) = self.directory(user, None, false, Some(100)).await else {
            return user.to_owned();
        };
        let mut names = self.inner.names.lock().expect("names poisoned");
        // The search matches parts of names: every exact account seen is worth keeping.
        for entry in &page.users {
            names.insert(entry.user.name.clone(), entry.user.display_name.clone());
        }
        names.get(user).cloned().unwrap_or_else(|| user.to_owned())
    }

    /// Tells the notification policy what the desktop shows.
    pub fn set_view(&self, open_conversation: Option<u64>, window_focused: bool) {
        let mut ctx = self.inner.notify_ctx.lock().expect("ctx poisoned");
        ctx.open_conversation = open_conversation;
        ctx.window_focused = window_focused;
    }

    /// The settings panel's values: privacy from the server's last sync, the rest from this
    /// device.
    pub async fn all_settings(&self) -> Result<Settings, CoreError> {
        self.inner
            .cache
            .run(|c| {
                Ok(Settings {
                    privacy: c.settings()?.privacy,
                    device: c.device_settings()?,
                })
            })
            .await
    }

    /// Applies the settings panel: privacy goes to the server (only when it changed), the rest
    /// is stored on this device and takes effect at once.
    pub async fn set_all_settings(&self, settings: Settings) -> Result<(), CoreError> {
        if settings.device.auto_away_minutes > 24 * 60 {
            return Err(CoreError::Invalid(
                "Auto-away must be between 0 (off) and 1440 minutes.".into(),
            ));
        }
        if self.all_settings().await?.privacy != settings.privacy {
            self.set_privacy(settings.privacy).await?;
        }
        let device = settings.device.clone();
        self.inner
            .cache
            .run(move |c| c.set_device_settings(&device))
            .await?;
        self.inner
            .notify_ctx
            .lock()
            .expect("ctx poisoned")
            .notifications_enabled = settings.device.notifications;
        Ok(())
    }

    /// Creates a group and invites `invite` to it; returns its id.
    pub async fn create_group(
        &self,
        invite: &[String],
        name: Option<String>,
    ) -> Result<u64, CoreError> {
        self.conversation_request(Request::CreateGroup {
            invite: invite.to_vec(),
            name,
        })
        .await
    }

    /// Invites someone to a group this user is in.
    pub async fn invite_to_group(&self, conversation: u64, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::InviteToGroup {
            conversation,
            user: user.into(),
        })
        .await
    }

    /// Accepts an invitation; returns the group's id.
    pub async fn join_group(&self, conversation: u64) -> Result<u64, CoreError> {
        self.conversation_request(Request::JoinGroup { conversation })
            .await
    }

    /// Refuses an invitation.
    pub async fn decline_group(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::DeclineGroup { conversation })
            .await
    }

    /// Leaves a group (the last member out deletes it).
    pub async fn leave_group(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::LeaveGroup { conversation }).await
    }

    /// Creates a Virtual Room owned by this user; returns its id.
    pub async fn create_room(&self, name: &str) -> Result<u64, CoreError> {
        self.conversation_request(Request::CreateRoom { name: name.into() })
            .await
    }

    /// Adds a member to a room (moderators).
    pub async fn add_room_member(&self, conversation: u64, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::AddRoomMember {
            conversation,
            user: user.into(),
        })
        .await
    }

    /// Removes a member from a room (moderators; never the owner).
    pub async fn remove_room_member(&self, conversation: u64, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::RemoveRoomMember {
            conversation,
            user: user.into(),
        })
        .await
    }

    /// Makes a member a moderator (moderators).
    pub async fn promote_moderator(&self, conversation: u64, user: &str) -> Result<(), CoreError> {
        self.request_ok(Request::PromoteModerator {
            conversation,
            user: user.into(),
        })
        .await
    }

    /// Turns a room's mute-for-all on or off (moderators).
    pub async fn set_mute_all(&self, conversation: u64, muted: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetMuteAll {
            conversation,
            muted,
        })
        .await
    }

    /// Starts or stops recording a room's meeting (moderators; the server must record).
    pub async fn set_recording(&self, conversation: u64, on: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetRecording { conversation, on })
            .await
    }

    /// Mutes one participant of a room's meeting, or lifts it (moderators).
    pub async fn set_participant_muted(
        &self,
        conversation: u64,
        user: &str,
        muted: bool,
    ) -> Result<(), CoreError> {
        self.request_ok(Request::SetParticipantMuted {
            conversation,
            user: user.to_owned(),
            muted,
        })
        .await
    }

    /// Leaves a room.
    pub async fn leave_room(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::LeaveRoom { conversation }).await
    }

    /// Deletes a room (its owner).
    pub async fn delete_room(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::DeleteRoom { conversation }).await
    }

    /// A room's join link token (moderators).
    pub async fn room_link(&self, conversation: u64) -> Result<String, CoreError> {
        Ok(self
            .link_request(Request::RoomLink { conversation })
            .await?
            .2)
    }

    /// Replaces a room's join link; the old one stops working at once (moderators).
    pub async fn rotate_room_link(&self, conversation: u64) -> Result<String, CoreError> {
        Ok(self
            .link_request(Request::RotateRoomLink { conversation })
            .await?
            .2)
    }

    /// The room a join link token opens: its id and name.
    pub async fn resolve_link(&self, link: &str) -> Result<(u64, String), CoreError> {
        let (conversation, name, _) = self
            .link_request(Request::ResolveLink { link: link.into() })
            .await?;
        Ok((conversation, name))
    }

    async fn link_request(&self, req: Request) -> Result<(u64, String, String), CoreError> {
        match self.inner.handle()?.request(req).await? {
            Response::RoomLink {
                conversation,
                name,
                link,
            } => Ok((conversation, name, link)),
            other => Err(unexpected(other)),
        }
    }

    /// Starts a room's meeting, or joins it when it is going on.
    pub async fn start_meeting(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::StartMeeting { conversation })
            .await
    }

    /// Leaves a room's meeting (it ends with its last participant).
    pub async fn leave_meeting(&self, conversation: u64) -> Result<(), CoreError> {
        self.request_ok(Request::LeaveMeeting { conversation })
            .await
    }

    /// Joins a meeting by its link: as a member of the room, or as an internal guest of its
    /// ongoing meeting.
    pub async fn join_by_link(
        &self,
        link: &str,
    ) -> Result<confer_proto::MeetingSession, CoreError> {
        let link = guest::link_token(link)?;
        match self
            .inner
            .handle()?
            .request(Request::JoinByLink { link, name: None })
            .await?
        {
            Response::Joined { session } => Ok(session),
            other => Err(unexpected(other)),
        }
    }

    /// Lets a guest waiting in the lobby into the meeting (moderators).
    pub async fn admit_guest(&self, conversation: u64, guest: u64) -> Result<(), CoreError> {
        self.request_ok(Request::AdmitGuest {
            conversation,
            guest,
        })
        .await
    }

    /// Refuses a waiting guest, or sends a present one out of the meeting (moderators).
    pub async fn remove_guest(&self, conversation: u64, guest: u64) -> Result<(), CoreError> {
        self.request_ok(Request::RemoveGuest {
            conversation,
            guest,
        })
        .await
    }

    /// Turns a room's lobby for external guests on or off (moderators).
    pub async fn set_lobby(&self, conversation: u64, enabled: bool) -> Result<(), CoreError> {
        self.request_ok(Request::SetLobby {
            conversation,
            enabled,
        })
        .await
    }

    /// Puts a meeting on a room's calendar (moderators).
    pub async fn schedule_meeting(
        &self,
        conversation: u64,
        title: &str,
        starts_at: i64,
        minutes: u32,
    ) -> Result<confer_proto::ScheduledMeeting, CoreError> {
        match self
            .inner
            .handle()?
            .request(Request::ScheduleMeeting {
                conversation,
                title: title.into(),
                starts_at,
                minutes,
            })
            .await?
        {
            Response::Scheduled { meeting } => Ok(meeting),
            other => Err(unexpected(other)),
        }
    }

    /// Removes a scheduled meeting (the room's owner).
    pub async fn delete_scheduled_meeting(&self, meeting: u64) -> Result<(), CoreError> {
        self.request_ok(Request::DeleteScheduledMeeting { meeting })
            .await
    }

    /// The ongoing and scheduled meetings of this user's rooms (from the server).
    pub async fn meetings(
        &self,
    ) -> Result<
        (
            Vec<confer_proto::OngoingMeeting>,
            Vec<confer_proto::ScheduledMeeting>,
        ),
        CoreError,
    > {
        match self.inner.handle()?.request(Request::ListMeetings).await? {
            Response::Meetings { ongoing, scheduled } => Ok((ongoing, scheduled)),
            other => Err(unexpected(other)),
        }
    }

    /// A scheduled meeting of this user's rooms as an `.ics` invitation with the room's link
    /// (moderators, who hold the link).
    pub async fn meeting_ics(&self, meeting: u64) -> Result<String, CoreError> {
        Ok(self.meeting_invitation(meeting).await?.1)
    }

    /// Saves a scheduled meeting's `.ics` invitation in `dir` (never over another file) and
    /// returns its path.
    pub async fn save_meeting_ics(
        &self,
        meeting: u64,
        dir: &std::path::Path,
    ) -> Result<PathBuf, CoreError> {
        let (title, text) = self.meeting_invitation(meeting).await?;
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || calendar::save_ics(&dir, &title, &text))
            .await
            .map_err(|e| CoreError::Invalid(format!("saving the invitation failed: {e}").into()))?
    }

    /// A scheduled meeting's title and `.ics` text.
    async fn meeting_invitation(&self, meeting: u64) -> Result<(String, String), CoreError> {
        let (_, scheduled) = self.meetings().await?;
        let m = scheduled
            .into_iter()
            .find(|m| m.id == meeting)
            .ok_or_else(|| {
                CoreError::NotFound(
                    format!("There is no scheduled meeting {meeting} in your rooms.").into(),
                )
            })?;
        let link = format!("confer://join/{}", self.room_link(m.conversation).await?);
        let url = ws_url(self.server());
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or("localhost")
            .to_owned();
        Ok((m.title.clone(), calendar::ics(&m, &link, &host, now_ms())))
    }

    /// Invitations waiting for an answer, as last synced.
    pub async fn invitations(&self) -> Result<Vec<Invitation>, CoreError> {
        self.inner.cache.run(|c| c.invitations()).await
    }

    /// The conversation a command-line target names: a number is a conversation id, anything
    /// else a user to chat with directly.
    pub async fn conversation_for(&self, target: &str) -> Result<u64, CoreError> {
        match target.parse::<u64>() {
            Ok(id) => Ok(id),
            Err(_) => self.direct_conversation(target).await,
        }
    }

    async fn conversation_request(&self, req: Request) -> Result<u64, CoreError> {
        match self.inner.handle()?.request(req).await? {
            Response::Conversation { conversation } => {
                // Known at once, before the stream brings the same change.
                let id = conversation.info.id;
                self.inner
                    .cache
                    .run(move |c| c.upsert_summary(&conversation))
                    .await?;
                self.inner.emit(ClientEvent::Conversations);
                Ok(id)
            }
            other => Err(unexpected(other)),
        }
    }

    /// Revokes the session on the server and forgets the token.
    /// The server of the last sign-in on this client: its address and the version it told
    /// (absent from servers older than the field).
    pub fn server_info(&self) -> Option<(String, Option<String>)> {
        self.inner.server.lock().expect("server poisoned").clone()
    }

    /// Signs out: the server revokes this device's session; the stored token is forgotten
    /// even when the server cannot be told.
    pub async fn logout(&self) -> Result<(), CoreError> {
        let result = self.request_ok(Request::Logout).await;
        self.inner.tokens.clear();
        result
    }

    /// Rings the other member of a direct conversation.
    pub async fn place_call(
        &self,
        conversation: u64,
        video: bool,
    ) -> Result<confer_proto::CallInfo, CoreError> {
        self.request_call(Request::PlaceCall {
            conversation,
            video,
        })
        .await
    }

    /// Answers a call ringing on this device.
    pub async fn answer_call(&self, call: u64) -> Result<confer_proto::CallInfo, CoreError> {
        self.request_call(Request::AnswerCall { call }).await
    }

    /// Declines a ringing call.
    pub async fn decline_call(&self, call: u64) -> Result<(), CoreError> {
        self.request_ok(Request::DeclineCall { call }).await
    }

    /// Ends a call.
    pub async fn hang_up(&self, call: u64) -> Result<(), CoreError> {
        self.request_ok(Request::HangUp { call }).await
    }

    /// Passes a signal to the other device of an answered call.
    pub async fn call_signal(
        &self,
        call: u64,
        signal: confer_proto::CallSignal,
    ) -> Result<(), CoreError> {
        self.request_ok(Request::CallSignal { call, signal }).await
    }

    /// Call events of this device from now on: a call ringing here, the answer to a call placed
    /// here, the other party's signals, ends.
    pub fn subscribe_calls(&self) -> broadcast::Receiver<confer_proto::Event> {
        self.inner.calls.subscribe()
    }

    async fn request_call(&self, req: Request) -> Result<confer_proto::CallInfo, CoreError> {
        match self.inner.handle()?.request(req).await? {
            Response::Call { call } => Ok(call),
            other => Err(unexpected(other)),
        }
    }

    async fn request_ok(&self, req: Request) -> Result<(), CoreError> {
        match self.inner.handle()?.request(req).await? {
            Response::Ok => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Stops the connection.
    /// Closes the connection cleanly (queued frames go out first) and stops; gives up and
    /// aborts after two seconds.
    pub async fn close(mut self) {
        if let Some(mut s) = self.supervisor.take() {
            // send_replace: the supervisor may hold no receiver at this instant.
            self.inner.closing.send_replace(true);
            if tokio::time::timeout(Duration::from_secs(2), &mut s.0)
                .await
                .is_err()
            {
                s.0.abort();
                let _ = (&mut s.0).await;
            }
        }
    }
}

/// The server answered with another request's reply: a fault on its side (logged here, where
/// the reply is known).
pub(crate) fn unexpected(r: Response) -> CoreError {
    tracing::warn!(reply = ?r, "unexpected reply from the server");
    CoreError::Refused(ErrorBody::new(ErrorCode::Internal, Reason::ServerFault))
}
