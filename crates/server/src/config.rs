//! Server configuration: defaults, then a TOML file, then environment and flags (applied by the
//! binary), in rising precedence.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::{ServerError, store::PresencePolicy};

/// Everything the server can be told.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory holding `confer.db` (the embedded store, used unless `database` is set).
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user@host:port/db`): the store of a cluster of nodes.
    /// Unset, the server keeps its data in SQLite under `data_dir`.
    pub database: Option<String>,
    /// A NATS URL (`nats://host:port`) over which the nodes of a cluster announce what they
    /// committed and share presence. Unset, fan-out stays inside the process.
    pub bus: Option<String>,
    /// This node's name, unique in its cluster: ids that name a connection are scoped by it.
    pub node: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PEM certificate chain; TLS is on when this and `tls_key` are set.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// Most WebSocket sessions at once; more are refused with HTTP 503.
    pub max_connections: usize,
    /// Largest client frame, in bytes; larger ones get `frame_too_large`.
    pub max_frame_bytes: usize,
    /// Sustained requests per second per connection; faster clients are slowed to this rate.
    pub requests_per_second: u32,
    /// Requests a connection may send in a burst.
    pub request_burst: u32,
    /// Failed logins allowed per account per window.
    pub login_failures_per_account: u32,
    /// Failed logins allowed per client address per window.
    pub login_failures_per_address: u32,
    /// Length of the login-failure window, in seconds.
    pub login_window_secs: u64,
    /// Events queued per device before a slow device is disconnected.
    pub device_queue: usize,
    /// Who sees presence.
    pub presence_policy: PresencePolicy,
    /// How often revoked sessions are looked for, in milliseconds.
    pub revocation_poll_ms: u64,
    /// Most members of a group, its creator and pending invitations included.
    pub max_group_members: usize,
    /// Guests without an account one client address may bring into meetings per
    /// `login_window_secs`.
    pub guest_joins_per_address: u32,
    /// Seconds a connection may stay silent (no frame, no ping) before it is closed; clients
    /// send heartbeats well within it.
    pub idle_timeout_secs: u64,
    /// Seconds a TCP connection may take (TLS handshake included) to send its HTTP request and
    /// get its answer; then it is closed. A WebSocket session is exempt once upgraded, so this
    /// bounds silent, trickling and idle keep-alive connections.
    pub http_timeout_secs: u64,
    /// Connections not yet upgraded to WebSocket at once; more are closed as they arrive.
    pub max_http_connections: usize,
    /// Milliseconds `GET /healthz` waits for a write to go through before it answers 503.
    pub health_timeout_ms: u64,
    /// Password hashes and checks (argon2id) run at once at most; 0 means half the cores (at
    /// least one), which leaves the other half to message traffic during a sign-in storm.
    pub password_hash_concurrency: usize,
    /// Milliseconds a call rings before it ends as missed.
    pub ring_timeout_ms: u64,
    /// Run the TURN relay for calls whose devices cannot reach each other directly.
    pub turn: bool,
    /// UDP address of the relay. Unset: the address the server listens on, any free port
    /// (set a fixed port for a firewall).
    pub turn_listen: Option<SocketAddr>,
    /// The address devices reach the relay at, when it listens on every interface (0.0.0.0).
    pub turn_public_ip: Option<std::net::IpAddr>,
    /// Seconds a call's relay credentials are good for unless the call goes on.
    pub turn_credential_secs: u64,
    /// Carry meetings' audio through the SFU run in this process (off: meetings are presence
    /// only, and `join_meeting_media` is refused with `no_meeting_media`).
    pub sfu: bool,
    /// UDP address of the SFU, which is also what it tells devices to send to. Unset: the
    /// address the server listens on, any free port (set a fixed port for a firewall, and an
    /// address devices reach when the server listens on 0.0.0.0).
    pub sfu_listen: Option<SocketAddr>,
    /// Offer the SFU's TCP fallback beside its UDP port, for devices whose UDP is blocked
    /// (ICE over TCP).
    pub sfu_tcp: bool,
    /// The TCP fallback's address. Unset: the SFU's address, any free port (set a fixed one
    /// for a firewall).
    pub sfu_tcp_listen: Option<SocketAddr>,
    /// The address devices reach the SFU at, when it is not the one bound: `sfu_listen` on
    /// 0.0.0.0, or behind a NAT that forwards its ports. Unset: the bound address.
    pub sfu_public_ip: Option<std::net::IpAddr>,
    /// The control address of an SFU run as its own process (`confer-sfu --control`): the
    /// server then drives that one instead of running its own (`sfu_listen` and the rest are
    /// the other process's). Needs `sfu_key_file`.
    pub sfu_control: Option<SocketAddr>,
    /// The file holding the grant key shared with that SFU (at least 32 bytes).
    pub sfu_key_file: Option<std::path::PathBuf>,
    /// Seconds a participant whose media connection was lost (their device stopped answering
    /// for a few seconds, or hung up) stays in the meeting before it is left for them: long
    /// enough for a device that changes network to come back.
    pub meeting_grace_secs: u64,
    /// Record meetings when a moderator asks (an optional component, off by default): each
    /// track is written without re-encoding under `data_dir/recordings`, then mixed into one
    /// file with `ffmpeg` (when it runs) and shared in the room. Needs the SFU.
    pub recording: bool,
    /// The `ffmpeg` that mixes recordings (a path, or a name looked up on `PATH`). When it
    /// cannot run, each track is shared as it was written instead.
    pub ffmpeg: PathBuf,
    /// The built web UI (`ui/dist`: `guest.html` and `assets/`), from which the guest page is
    /// served at `/join/TOKEN` for external guests joining from a browser. Unset: no guest
    /// page (`/join/…` answers 404 saying so); guests still join from `confer-cli`.
    pub web_dir: Option<PathBuf>,
    /// Where shared files are kept. Unset: `files` under `data_dir`. The nodes of a cluster
    /// must share it.
    pub files_dir: Option<PathBuf>,
    /// The largest file that can be shared, in bytes.
    pub max_file_bytes: u64,
    /// What one user's shared files may take in all, in bytes.
    pub file_quota_bytes: u64,
    /// Whether the server fetches a card (title, description, image) for the first link of
    /// each message.
    pub link_previews: bool,
    /// Addresses or CIDR ranges (`"127.0.0.1"`, `"10.1.0.0/16"`) that link previews may reach
    /// although they are not public: an intranet's wiki. Everything private is refused
    /// otherwise.
    pub link_preview_allow: Vec<String>,
    /// The mail server that sends histories by email (`smtp://host:port`, or `smtps://` for
    /// TLS from the first byte). Unset, sending a history by email is refused
    /// (`mail_not_configured`).
    pub smtp_url: Option<String>,
    /// The sender address of those mails.
    pub smtp_from: String,
    /// Histories one user may send by email per hour.
    pub history_mails_per_hour: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("confer-data"),
            database: None,
            bus: None,
            node: "local".to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 7300)),
            tls_cert: None,
            tls_key: None,
            max_connections: 10_000,
            // A 16 KiB text of control characters escapes to 96 KiB of JSON: leave room.
            max_frame_bytes: 128 * 1024,
            requests_per_second: 200,
            request_burst: 500,
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window_secs: 60,
            device_queue: 4096,
            presence_policy: PresencePolicy::Organization,
            revocation_poll_ms: 2000,
            max_group_members: 5,
            guest_joins_per_address: 30,
            idle_timeout_secs: 90,
            http_timeout_secs: 10,
            max_http_connections: 1024,
            health_timeout_ms: 3000,
            password_hash_concurrency: 0,
            ring_timeout_ms: confer_proto::RING_TIMEOUT_MS,
            turn: true,
            turn_listen: None,
            turn_public_ip: None,
            turn_credential_secs: 300,
            sfu: true,
            sfu_listen: None,
            sfu_tcp: true,
            sfu_tcp_listen: None,
            sfu_public_ip: None,
            sfu_control: None,
            sfu_key_file: None,
            meeting_grace_secs: 20,
            recording: false,
            ffmpeg: PathBuf::from("ffmpeg"),
            files_dir: None,
            web_dir: None,
            max_file_bytes: 100 * 1000 * 1000,
            file_quota_bytes: 10 * 1000 * 1000 * 1000,
            link_previews: true,
            link_preview_allow: Vec::new(),
            smtp_url: None,
            smtp_from: "confer@localhost".to_owned(),
            history_mails_per_hour: 10,
        }
    }
}

impl Config {
    /// Reads a TOML file over the defaults.
    pub fn from_toml_file(path: &Path) -> Result<Self, ServerError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServerError::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| ServerError::Config(format!("{}: {e}", path.display())))
    }

    /// Threads for argon2 work: `password_hash_concurrency`, or half the cores when it is 0.
    pub fn password_slots(&self) -> usize {
        match self.password_hash_concurrency {
            0 => std::thread::available_parallelism()
                .map_or(1, |n| n.get() / 2)
                .max(1),
            n => n,
        }
    }

    /// Checks values that would make the server misbehave.
    pub fn validate(&self) -> Result<(), ServerError> {
        let bad = |m: &str| Err(ServerError::Config(m.to_owned()));
        if self.max_connections == 0 {
            return bad("max_connections must be at least 1");
        }
        if self.max_frame_bytes < 1024 {
            return bad("max_frame_bytes must be at least 1024");
        }
        if self.requests_per_second == 0 || self.request_burst == 0 {
            return bad("requests_per_second and request_burst must be at least 1");
        }
        if self.max_group_members < 2 {
            return bad("max_group_members must be at least 2");
        }
        if self.guest_joins_per_address == 0 {
            return bad("guest_joins_per_address must be at least 1");
        }
        if self.max_file_bytes == 0 || self.file_quota_bytes < self.max_file_bytes {
            return bad("max_file_bytes must be at least 1 and file_quota_bytes at least as large");
        }
        if let Some(bad_range) = self
            .link_preview_allow
            .iter()
            .find(|r| confer_preview::AllowRange::parse(r).is_none())
        {
            return Err(ServerError::Config(format!(
                "link_preview_allow: {bad_range:?} is neither an address nor a CIDR range"
            )));
        }
        if let Some(url) = &self.smtp_url
            && crate::mail::MailServer::parse(url, &self.smtp_from).is_err()
        {
            return Err(ServerError::Config(format!(
                "smtp_url {url:?} or smtp_from {:?} is not usable: smtp://host:port or \
                 smtps://host:port, and an address",
                self.smtp_from
            )));
        }
        if self.history_mails_per_hour == 0 {
            return bad("history_mails_per_hour must be at least 1");
        }
        if self.idle_timeout_secs == 0 {
            return bad("idle_timeout_secs must be at least 1");
        }
        if self.http_timeout_secs == 0 || self.max_http_connections == 0 {
            return bad("http_timeout_secs and max_http_connections must be at least 1");
        }
        if self.health_timeout_ms == 0 {
            return bad("health_timeout_ms must be at least 1");
        }
        if self.revocation_poll_ms == 0 {
            return bad("revocation_poll_ms must be at least 1");
        }
        if self.turn_credential_secs == 0 || self.ring_timeout_ms == 0 {
            return bad("turn_credential_secs and ring_timeout_ms must be at least 1");
        }
        if self.device_queue < 16 {
            return bad("device_queue must be at least 16");
        }
        if let Some(url) = &self.database
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return bad("database must be a postgres:// URL");
        }
        if let Some(url) = &self.bus
            && !url.starts_with("nats://")
        {
            return bad("bus must be a nats:// URL");
        }
        if self.bus.is_some() && self.database.is_none() {
            return bad("bus is for nodes sharing a PostgreSQL database: set database too");
        }
        if self.node.is_empty()
            || self.node.len() > 64
            || !self
                .node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return bad("node must be 1 to 64 ASCII letters, digits, '-', '_' or '.'");
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return bad("tls_cert and tls_key must be given together");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_defaults_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\npresence_policy = \"subscribers\"\n",
        )
        .unwrap();
        let c = Config::from_toml_file(&path).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.presence_policy, PresencePolicy::Subscribers);
        assert_eq!(c.max_frame_bytes, Config::default().max_frame_bytes);
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = Config::from_toml_file(&path).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn password_work_takes_half_the_cores_unless_told() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(Config::default().password_slots(), (cores / 2).max(1));
        let c = Config {
            password_hash_concurrency: 3,
            ..Config::default()
        };
        assert_eq!(c.password_slots(), 3);
    }

    #[test]
    fn half_a_tls_pair_is_refused() {
        let c = Config {
            tls_cert: Some("c.pem".into()),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        assert!(Config::default().validate().is_ok());
    }
}
