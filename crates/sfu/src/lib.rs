//! Confer's selective forwarding unit (SFU) for meetings. Each participant sends its audio
//! once, to the SFU, which relays every packet, untouched but for its RTP header, to the other
//! participants in the same room. Nothing is decoded or mixed here.
//!
//! It is built on `rtc`, the sans-I/O WebRTC core under the client's webrtc-rs: the same
//! stack at both ends, and nothing new to build. Sans-I/O means a connection is a state
//! machine fed datagrams and clock readings, so one task owns one UDP socket for every
//! participant (one port to open) and routes datagrams to connections itself, with no locks.
//!
//! Who may join, publish and subscribe comes from grants the app signs ([`grant`]): the SFU
//! checks them and never reads the chat store.
//!
//! A client offers once: one audio m-line for its microphone, and one more for each other
//! participant it wants to hear at once (slots, see `peer`). The SFU answers every line with a
//! track of its own and fills them with whoever speaks; nobody renegotiates.

mod demux;
pub mod grant;
mod peer;
pub mod record;
mod remote;
mod reports;
mod router;
mod tcp;

use std::{
    collections::BTreeMap,
    io,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::Arc,
    time::SystemTime,
};

pub use grant::{GRANT_LIFETIME, Grant, GrantError, GrantKey};
pub use peer::{MAX_AUDIO_LINES, MAX_VIDEO_LINES};
pub use record::{RecordingManifest, TrackFile};
pub use remote::serve_control;

use tokio::{
    net::{TcpListener, UdpSocket},
    sync::{mpsc, oneshot},
    task::JoinHandle,
};

use crate::router::{Command, Router};

/// Commands waiting for the task; a full queue makes callers wait, which is what they should
/// do while the task is busy.
pub(crate) const COMMANDS: usize = 64;

/// Why the SFU could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket could not be bound or read.
    #[error("socket: {0}")]
    Io(#[from] io::Error),
    /// The WebRTC stack failed.
    #[error("webrtc: {0}")]
    Rtc(String),
    /// The client's offer is not one the SFU can answer.
    #[error("the offer was refused: {0}")]
    BadOffer(String),
    /// The grant presented to join was refused.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// A recording could not be started or finished (its files could not be written), or the
    /// room is being recorded already.
    #[error("recording: {0}")]
    Recording(io::Error),
    /// The SFU's task has ended.
    #[error("the SFU has stopped")]
    Closed,
}

impl From<rtc::shared::error::Error> for Error {
    fn from(e: rtc::shared::error::Error) -> Self {
        Self::Rtc(e.to_string())
    }
}

/// A participant's connection to the SFU, for as long as it lasts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct PeerId(pub u64);

/// What the SFU has relayed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Every connection still open.
    pub peers: BTreeMap<PeerId, PeerStats>,
}

/// One connection's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeerStats {
    /// The room it joined.
    pub room: String,
    /// Who, as the grant named them.
    pub identity: String,
    /// ICE and DTLS are up.
    pub connected: bool,
    /// RTP packets received from this participant.
    pub received: u64,
    /// RTP packets sent to this participant (other participants' audio).
    pub forwarded: u64,
    /// This participant's packets sent on to others (one per subscriber).
    pub relayed: u64,
    /// Keyframes asked of this participant (a video line of someone else's came to carry it).
    pub keyframes_asked: u64,
    /// Silenced by a moderator (alone, or by mute-for-all): its audio is not forwarded.
    pub muted: bool,
    /// Whom it hears on each of its audio lines, in the offer's order (by identity; none for
    /// a line free now).
    pub hearing: Vec<Option<String>>,
    /// Whom it sees on each of its video lines, likewise.
    pub seeing: Vec<Option<String>>,
    /// Its media comes over the TCP fallback (its UDP did not get through).
    pub over_tcp: bool,
    /// Its camera's streams now (simulcast layers, or one), narrowest first: (SSRC, width;
    /// 0 until a keyframe told it).
    pub layers: Vec<(u32, u16)>,
    /// The stream each of its video lines carries now, in the offer's order (none: free, or
    /// waiting for a keyframe).
    pub seeing_layers: Vec<Option<u32>>,
    /// Reception reports it sent on its video lines.
    pub video_reports: u64,
    /// Layers its video lines are taken down for the loss it reports.
    pub steps_down: u8,
}

/// A participant's connection that stopped on its own: its client stopped answering (ICE's
/// consent checks, a few seconds) or hung up. Connections closed because the SFU was asked to
/// are not reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lost {
    /// The room it had joined.
    pub room: String,
    /// Who, as the grant named them.
    pub identity: String,
}

/// Where an SFU listens, and what it tells clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfuOptions {
    /// The UDP socket's address (port 0: any free one).
    pub udp: SocketAddr,
    /// The TCP fallback's address, for clients whose UDP is blocked (none: UDP only).
    pub tcp: Option<SocketAddr>,
    /// The address clients reach the SFU at, when it is not the one bound (a socket bound to
    /// every interface, or behind a NAT that forwards the ports). None: the bound address,
    /// which then must not be unspecified.
    pub public_ip: Option<IpAddr>,
}

impl SfuOptions {
    /// UDP only, on `udp`, advertised as it is.
    pub fn udp(udp: SocketAddr) -> Self {
        Self {
            udp,
            tcp: None,
            public_ip: None,
        }
    }
}

/// A handle to a running SFU. Clones are cheap and all talk to the same task.
#[derive(Debug, Clone)]
pub struct Sfu {
    commands: mpsc::Sender<Command>,
    local: SocketAddr,
    tcp: Option<SocketAddr>,
    key: Arc<GrantKey>,
}

impl Sfu {
    /// Binds the SFU's UDP socket and starts the task that owns it; it admits participants
    /// with grants signed by `key`.
    ///
    /// `addr` is also the one candidate every answer advertises, so it must be an address
    /// clients can reach: an unspecified one (`0.0.0.0`) is refused, as no candidate can name
    /// it.
    ///
    /// The returned handle owns the task, which runs until every `Sfu` clone has been dropped,
    /// then closes each connection (the clients are told) and ends: await it after dropping
    /// the handles to know the goodbyes have been sent.
    pub async fn bind(addr: SocketAddr, key: GrantKey) -> Result<(Self, JoinHandle<()>), Error> {
        Self::start(SfuOptions::udp(addr), key, None).await
    }

    /// [`Sfu::bind`], and every lost connection is reported on `lost` (see [`Lost`]): the app
    /// decides what a lost connection means for its meeting.
    pub async fn bind_reporting(
        addr: SocketAddr,
        key: GrantKey,
        lost: mpsc::Sender<Lost>,
    ) -> Result<(Self, JoinHandle<()>), Error> {
        Self::start(SfuOptions::udp(addr), key, Some(lost)).await
    }

    /// Binds what `options` ask (the UDP socket, and the TCP fallback's listener) and starts
    /// the task; lost connections are reported on `lost` if given. See [`Sfu::bind`].
    pub async fn start(
        options: SfuOptions,
        key: GrantKey,
        lost: Option<mpsc::Sender<Lost>>,
    ) -> Result<(Self, JoinHandle<()>), Error> {
        let advertised = options.public_ip.unwrap_or(options.udp.ip());
        if advertised.is_unspecified() {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the SFU advertises the address it binds, so it cannot be unspecified without a public address",
            )));
        }
        let socket = UdpSocket::bind(options.udp).await?;
        let local = SocketAddr::new(advertised, socket.local_addr()?.port());
        let tcp = match options.tcp {
            Some(addr) => {
                let listener = TcpListener::bind(addr).await?;
                let port = listener.local_addr()?.port();
                Some((listener, SocketAddr::new(advertised, port)))
            }
            None => None,
        };
        let tcp_addr = tcp.as_ref().map(|(_, a)| *a);
        let (commands, receiver) = mpsc::channel(COMMANDS);
        let task = tokio::spawn(Router::new(socket, local, tcp, lost).run(receiver));
        let key = Arc::new(key);
        Ok((
            Self {
                commands,
                local,
                tcp: tcp_addr,
                key,
            },
            task,
        ))
    }

    /// The address clients send to (with the actual port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The TCP fallback's address, as answers advertise it (none without one).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp
    }

    /// Adds a participant to the room its grant names, as the grant allows (a refused grant
    /// is an error): answers its offer (SDP) with a description that holds every candidate, as
    /// the client expects. Once it connects its audio goes to the others in the room if it may
    /// publish, and theirs to it if it may subscribe.
    pub async fn join(&self, grant: &str, offer_sdp: String) -> Result<(PeerId, String), Error> {
        let grant = self.key.verify(grant, SystemTime::now())?;
        let (reply, answer) = oneshot::channel();
        self.ask(Command::Join {
            grant,
            offer: offer_sdp,
            reply,
        })
        .await?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Mute-for-all: from now on the audio of everyone in `room` but its moderators is not
    /// forwarded (`on`), or is again (`off`; those muted one by one stay muted). It holds for
    /// those who join later.
    pub async fn mute_all(&self, room: &str, on: bool) -> Result<(), Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::MuteAll {
            room: room.to_owned(),
            on,
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)
    }

    /// Mutes one participant (every connection of theirs in `room`, and those they open
    /// later), or lifts it; returns how many connections it touched.
    pub async fn mute(&self, room: &str, identity: &str, on: bool) -> Result<usize, Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::Mute {
            room: room.to_owned(),
            identity: identity.to_owned(),
            on,
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)
    }

    /// Removes a participant from `room`: every connection of theirs is closed now, and the
    /// grants minted for them before this moment are refused from now on (a new one lets them
    /// back). Returns how many connections were closed.
    pub async fn remove(&self, room: &str, identity: &str) -> Result<usize, Error> {
        self.remove_since(room, identity, grant::unix_ms(SystemTime::now()))
            .await
    }

    /// [`Sfu::remove`], refusing the grants minted before `at_ms` (Unix ms): the app's
    /// moment, for an SFU run as its own process.
    pub async fn remove_since(
        &self,
        room: &str,
        identity: &str,
        at_ms: u64,
    ) -> Result<usize, Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::Remove {
            room: room.to_owned(),
            identity: identity.to_owned(),
            at_ms,
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)
    }

    /// Closes a room that is no more (the app deleted it): every connection in it is closed
    /// now, grants for it minted before this moment are refused, and its mutes are forgotten.
    /// Returns how many connections were closed.
    pub async fn close_room(&self, room: &str) -> Result<usize, Error> {
        self.close_room_since(room, grant::unix_ms(SystemTime::now()))
            .await
    }

    /// [`Sfu::close_room`], refusing the grants minted before `at_ms` (Unix ms).
    pub async fn close_room_since(&self, room: &str, at_ms: u64) -> Result<usize, Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::CloseRoom {
            room: room.to_owned(),
            at_ms,
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)
    }

    /// Starts recording `room` into `dir` (see [`record`]): from now on every track forwarded
    /// there is also written, as it arrives, and every video publisher in it is asked for a
    /// keyframe so that its file starts at once. A room recorded already is an error.
    pub async fn start_recording(&self, room: &str, dir: PathBuf) -> Result<(), Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::StartRecording {
            room: room.to_owned(),
            dir,
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)?
    }

    /// Stops recording `room`: every file is finished and the manifest written, which is
    /// returned (none if the room was not being recorded).
    pub async fn stop_recording(&self, room: &str) -> Result<Option<RecordingManifest>, Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::StopRecording {
            room: room.to_owned(),
            reply,
        })
        .await?;
        let Some(finished) = done.await.map_err(|_| Error::Closed)? else {
            return Ok(None);
        };
        match finished.await {
            Ok(Ok(manifest)) => Ok(Some(manifest)),
            Ok(Err(e)) => Err(Error::Recording(e)),
            Err(_) => Err(Error::Recording(io::Error::other(
                "the recording's writer stopped before finishing",
            ))),
        }
    }

    /// Whether `identity` has a connection in `room` that is not lost (connected, or still
    /// connecting).
    pub async fn present(&self, room: &str, identity: &str) -> Result<bool, Error> {
        let (reply, done) = oneshot::channel();
        self.ask(Command::Present {
            room: room.to_owned(),
            identity: identity.to_owned(),
            reply,
        })
        .await?;
        done.await.map_err(|_| Error::Closed)
    }

    /// Hangs up on a participant. One already gone (or an SFU stopped) is not an error: either
    /// way it is out.
    pub async fn leave(&self, peer: PeerId) {
        let _ = self.ask(Command::Leave(peer)).await;
    }

    /// Every open connection's figures.
    pub async fn stats(&self) -> Result<Stats, Error> {
        let (reply, stats) = oneshot::channel();
        self.ask(Command::Stats(reply)).await?;
        stats.await.map_err(|_| Error::Closed)
    }

    async fn ask(&self, command: Command) -> Result<(), Error> {
        self.commands.send(command).await.map_err(|_| Error::Closed)
    }
}
