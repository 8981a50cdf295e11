//! The SFU's one task: it owns the UDP socket and every connection, routes each datagram to
//! its connection, drives their timers, and relays each participant's RTP to the others in its
//! room. One task means no locks; for audio the SRTP work is small enough for one core.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use rtc::shared::{TaggedBytesMut, TransportProtocol};
use tokio::{
    net::{TcpListener, UdpSocket},
    sync::{mpsc, oneshot},
    task::JoinHandle,
};
use tracing::{debug, info};

use crate::{
    Error, Lost, PeerId, RecordingManifest, Stats,
    demux::{self, Kind},
    peer::{MediaKind, SfuPeer},
    record::Recording,
    tcp::{self, TcpEvent},
};

/// Events from the TCP connections waiting for the task.
const TCP_EVENTS: usize = 1024;

/// How a datagram came: the UDP socket, or a frame on a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Via {
    Udp,
    Tcp,
}

/// The TCP fallback: the acceptor (which owns the connections), their events, and where to
/// write to each.
struct TcpSide {
    /// Its advertised address (the candidate's).
    local: SocketAddr,
    events: mpsc::Receiver<TcpEvent>,
    out: HashMap<SocketAddr, mpsc::Sender<Bytes>>,
    acceptor: JoinHandle<()>,
}

impl Drop for TcpSide {
    fn drop(&mut self) {
        // The acceptor ends when its event queue closes; aborting makes it prompt.
        self.acceptor.abort();
    }
}

/// Larger than any datagram WebRTC sends (they stay under the path MTU).
const DATAGRAM: usize = 2048;

/// How long the task sleeps when no connection has a timer sooner.
const IDLE: Duration = Duration::from_secs(1);

/// What an `Sfu` handle asks of the task.
pub(crate) enum Command {
    Join {
        grant: crate::Grant,
        offer: String,
        reply: oneshot::Sender<Result<(PeerId, String), Error>>,
    },
    Leave(PeerId),
    Stats(oneshot::Sender<Stats>),
    MuteAll {
        room: String,
        on: bool,
        reply: oneshot::Sender<()>,
    },
    Mute {
        room: String,
        identity: String,
        on: bool,
        reply: oneshot::Sender<usize>,
    },
    Remove {
        room: String,
        identity: String,
        at_ms: u64,
        reply: oneshot::Sender<usize>,
    },
    Present {
        room: String,
        identity: String,
        reply: oneshot::Sender<bool>,
    },
    CloseRoom {
        room: String,
        at_ms: u64,
        reply: oneshot::Sender<usize>,
    },
    StartRecording {
        room: String,
        dir: std::path::PathBuf,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Answered at once with where the finished manifest will come (none: not recording), so
    /// the task never waits for files to be written.
    StopRecording {
        room: String,
        reply: oneshot::Sender<Option<oneshot::Receiver<std::io::Result<RecordingManifest>>>>,
    },
}

pub(crate) struct Router {
    socket: UdpSocket,
    /// The socket's address, which is the one candidate every answer advertises.
    local: SocketAddr,
    peers: HashMap<PeerId, SfuPeer>,
    by_ufrag: HashMap<String, PeerId>,
    /// Learnt from STUN requests: where each client's datagrams come from.
    by_addr: HashMap<(Via, SocketAddr), PeerId>,
    /// The TCP fallback, if there is one.
    tcp: Option<TcpSide>,
    next_id: u64,
    /// Rooms under mute-for-all.
    muted_rooms: HashSet<Arc<str>>,
    /// Participants muted one by one, by (room, identity): it holds for their next
    /// connections too.
    muted_people: HashSet<(Arc<str>, Arc<str>)>,
    /// Removals by (room, identity): grants minted before this Unix millisecond are refused.
    /// Kept for a grant's lifetime, after which every grant they would refuse has expired.
    removed: HashMap<(Arc<str>, Arc<str>), (u64, Instant)>,
    /// Rooms closed (deleted by the app): grants for them minted before this Unix millisecond
    /// are refused, kept as `removed` is.
    closed: HashMap<Arc<str>, (u64, Instant)>,
    /// Where lost connections are reported, if anyone listens.
    lost: Option<mpsc::Sender<Lost>>,
    /// Rooms being recorded.
    recordings: HashMap<Arc<str>, Recording>,
    /// Recordings stopped whose writers are finishing their files: joined once done.
    finishing: Vec<Recording>,
}

impl Router {
    pub(crate) fn new(
        socket: UdpSocket,
        local: SocketAddr,
        tcp: Option<(TcpListener, SocketAddr)>,
        lost: Option<mpsc::Sender<Lost>>,
    ) -> Self {
        let tcp = tcp.map(|(listener, local)| {
            let (events_tx, events) = mpsc::channel(TCP_EVENTS);
            TcpSide {
                local,
                events,
                out: HashMap::new(),
                acceptor: tokio::spawn(tcp::accept(listener, events_tx)),
            }
        });
        Self {
            socket,
            local,
            peers: HashMap::new(),
            by_ufrag: HashMap::new(),
            by_addr: HashMap::new(),
            tcp,
            next_id: 1,
            muted_rooms: HashSet::new(),
            muted_people: HashSet::new(),
            removed: HashMap::new(),
            closed: HashMap::new(),
            lost,
            recordings: HashMap::new(),
            finishing: Vec::new(),
        }
    }

    /// Runs until every `Sfu` handle is gone, then closes every connection.
    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut buf = vec![0; DATAGRAM];
        loop {
            self.flush().await;
            let deadline = self.next_deadline();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => break,
                },
                event = tcp_event(&mut self.tcp) => self.tcp_event(event),
                received = self.socket.recv_from(&mut buf) => match received {
                    Ok((n, from)) => self.receive(Via::Udp, from, &buf[..n]),
                    // An ICMP error about an earlier send (a client gone away) can surface
                    // here on some platforms; the socket itself is fine.
                    Err(e) => debug!(error = %e, "receiving"),
                },
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {
                    self.timeout(Instant::now());
                }
            }
        }
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            self.remove(id).await;
        }
        // Dropped, a recording's queue closes and its writer finishes the files: wait for
        // them, so that a stopped server leaves whole files.
        let writers: Vec<Recording> = self
            .recordings
            .drain()
            .map(|(_, r)| r)
            .chain(self.finishing.drain(..))
            .collect();
        let _ = tokio::task::spawn_blocking(move || {
            for recording in writers {
                recording.join();
            }
        })
        .await;
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Join {
                grant,
                offer,
                reply,
            } => {
                // A caller that stopped waiting leaves a connection no client will use: ICE
                // fails it in time and `flush` removes it.
                let _ = reply.send(self.join(grant, offer));
            }
            Command::Leave(id) => self.remove(id).await,
            Command::Stats(reply) => {
                let peers = self
                    .peers
                    .values()
                    .map(|p| {
                        let mut stats = p.stats();
                        stats.muted = self.silenced(p);
                        let named = |kind| {
                            p.slots(kind)
                                .into_iter()
                                .map(|s| {
                                    s.and_then(|id| self.peers.get(&id))
                                        .map(|q| q.identity.to_string())
                                })
                                .collect()
                        };
                        stats.hearing = named(MediaKind::Audio);
                        stats.seeing = named(MediaKind::Video);
                        (p.id, stats)
                    })
                    .collect();
                let _ = reply.send(Stats { peers });
            }
            Command::MuteAll { room, on, reply } => {
                let room: Arc<str> = room.into();
                if on {
                    self.muted_rooms.insert(room);
                } else {
                    self.muted_rooms.remove(&room);
                }
                self.release_silenced();
                let _ = reply.send(());
            }
            Command::Mute {
                room,
                identity,
                on,
                reply,
            } => {
                let mut touched = 0;
                for peer in self.peers.values_mut() {
                    if *peer.room == *room && *peer.identity == *identity {
                        peer.muted = on;
                        touched += 1;
                    }
                }
                let key = (Arc::from(room.as_str()), Arc::from(identity.as_str()));
                if on {
                    self.muted_people.insert(key);
                } else {
                    self.muted_people.remove(&key);
                }
                self.release_silenced();
                let _ = reply.send(touched);
            }
            Command::Remove {
                room,
                identity,
                at_ms,
                reply,
            } => {
                let gone: Vec<PeerId> = self
                    .peers
                    .values()
                    .filter(|p| *p.room == *room && *p.identity == *identity)
                    .map(|p| p.id)
                    .collect();
                for &id in &gone {
                    self.remove(id).await;
                }
                let now = Instant::now();
                self.removed
                    .retain(|_, (_, at)| now.duration_since(*at) < crate::GRANT_LIFETIME);
                self.removed
                    .insert((room.into(), identity.into()), (at_ms, now));
                let _ = reply.send(gone.len());
            }
            Command::Present {
                room,
                identity,
                reply,
            } => {
                let present = self
                    .peers
                    .values()
                    .any(|p| *p.room == *room && *p.identity == *identity && !p.is_lost());
                let _ = reply.send(present);
            }
            Command::StartRecording { room, dir, reply } => {
                let _ = reply.send(self.start_recording(room, dir));
            }
            Command::StopRecording { room, reply } => {
                let finished = self.recordings.remove(room.as_str()).map(|mut recording| {
                    let (tx, rx) = oneshot::channel();
                    recording.stop(tx);
                    self.finishing.push(recording);
                    rx
                });
                self.finishing.retain_mut(|r| !r.reap());
                let _ = reply.send(finished);
            }
            Command::CloseRoom { room, at_ms, reply } => {
                let gone: Vec<PeerId> = self
                    .peers
                    .values()
                    .filter(|p| *p.room == *room)
                    .map(|p| p.id)
                    .collect();
                for &id in &gone {
                    self.remove(id).await;
                }
                // Nothing of the room's lives on: a room made later under the same name
                // starts unmuted and unrecorded (a recording's files are finished as they are).
                if let Some(mut recording) = self.recordings.remove(room.as_str()) {
                    recording.close();
                    self.finishing.push(recording);
                }
                self.muted_rooms.remove(room.as_str());
                self.muted_people.retain(|(r, _)| **r != *room);
                let now = Instant::now();
                self.closed
                    .retain(|_, (_, at)| now.duration_since(*at) < crate::GRANT_LIFETIME);
                self.closed.insert(room.into(), (at_ms, now));
                let _ = reply.send(gone.len());
            }
        }
    }

    /// Reports each connection that was lost since the last look (once, until it comes
    /// back). Removals the SFU was asked for are not reported: whoever asked knows.
    fn report_lost(&mut self) {
        let Some(lost) = &self.lost else {
            return;
        };
        for peer in self.peers.values_mut() {
            let now_lost = peer.is_lost();
            if now_lost && !peer.lost_reported {
                debug!(peer = peer.id.0, identity = %peer.identity, "connection lost");
                // A full queue means the listener is far behind; it learns of the loss from
                // `present` when it next looks, and a lost report is only a hint.
                let _ = lost.try_send(Lost {
                    room: peer.room.to_string(),
                    identity: peer.identity.to_string(),
                });
            }
            peer.lost_reported = now_lost;
        }
    }

    /// Whether a moderator has silenced this participant (alone, or with mute-for-all, which
    /// spares moderators).
    fn silenced(&self, peer: &SfuPeer) -> bool {
        peer.muted || (!peer.moderator && self.muted_rooms.contains(&peer.room))
    }

    /// Frees the outgoing audio tracks the silenced held, so that someone still speaking is
    /// heard on them (they are still seen).
    fn release_silenced(&mut self) {
        let silenced: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| self.silenced(p))
            .map(|p| p.id)
            .collect();
        for peer in self.peers.values_mut() {
            for &id in &silenced {
                peer.release(id, Some(MediaKind::Audio));
            }
        }
    }

    fn start_recording(&mut self, room: String, dir: std::path::PathBuf) -> Result<(), Error> {
        if self.recordings.contains_key(room.as_str()) {
            return Err(Error::Recording(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the room is being recorded already",
            )));
        }
        let recording = Recording::start(&room, dir).map_err(Error::Recording)?;
        info!(%room, "recording");
        // Video files start at a keyframe: ask each publisher for one now rather than wait.
        let now = Instant::now();
        for peer in self.peers.values_mut() {
            if *peer.room == *room && peer.publish_video {
                peer.request_keyframe(now, None);
            }
        }
        self.recordings.insert(room.into(), recording);
        Ok(())
    }

    fn join(&mut self, grant: crate::Grant, offer: String) -> Result<(PeerId, String), Error> {
        let key = (
            Arc::from(grant.room.as_str()),
            Arc::from(grant.identity.as_str()),
        );
        let revoked =
            |at: Option<&(u64, Instant)>| at.is_some_and(|(at_ms, _)| grant.issued_ms <= *at_ms);
        if revoked(self.removed.get(&key)) || revoked(self.closed.get(&key.0)) {
            return Err(crate::GrantError::Revoked.into());
        }
        let id = PeerId(self.next_id);
        self.next_id += 1;
        let tcp = self.tcp.as_ref().map(|t| t.local);
        let (mut peer, answer) =
            SfuPeer::answer(id, grant, offer, self.local, tcp, Instant::now())?;
        peer.muted = self.muted_people.contains(&key);
        info!(peer = id.0, room = %peer.room, identity = %peer.identity, "joined");
        tracing::trace!(peer = id.0, %answer, "answered");
        self.by_ufrag.insert(peer.ufrag().to_owned(), id);
        self.peers.insert(id, peer);
        Ok((id, answer))
    }

    fn tcp_event(&mut self, event: TcpEvent) {
        let Some(tcp) = &mut self.tcp else {
            return;
        };
        match event {
            TcpEvent::Opened { from, out } => {
                tcp.out.insert(from, out);
            }
            TcpEvent::Frame { from, data } => self.receive(Via::Tcp, from, &data),
            TcpEvent::Closed { from } => {
                tcp.out.remove(&from);
                self.by_addr.remove(&(Via::Tcp, from));
            }
        }
    }

    fn receive(&mut self, via: Via, from: SocketAddr, datagram: &[u8]) {
        let id = match demux::classify(datagram) {
            // Every address a client's checks come from is mapped to it, so the rest of its
            // traffic finds it whichever pair ICE picks (and after a NAT rebinding, which
            // brings new checks).
            Kind::Stun(Some(ufrag)) => match self.by_ufrag.get(&ufrag) {
                Some(&id) => {
                    self.by_addr.insert((via, from), id);
                    id
                }
                None => return,
            },
            Kind::Stun(None) | Kind::Dtls | Kind::Rtp => match self.by_addr.get(&(via, from)) {
                Some(&id) => id,
                None => return,
            },
            Kind::Other => return,
        };
        let local = match (via, &self.tcp) {
            (Via::Tcp, Some(tcp)) => tcp.local,
            _ => self.local,
        };
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.input(Instant::now(), local, from, datagram, via);
        }
    }

    fn next_deadline(&mut self) -> Instant {
        let idle = Instant::now() + IDLE;
        self.peers
            .values_mut()
            .filter_map(SfuPeer::poll_timeout)
            .fold(idle, Instant::min)
    }

    fn timeout(&mut self, now: Instant) {
        for peer in self.peers.values_mut() {
            peer.timeout(now);
        }
    }

    /// Relays what the connections received, sends what they queued, and drops dead ones.
    ///
    /// Every connection is polled after anything happens, not only the one touched: polling
    /// an idle connection is a few empty queues, and a meeting has tens of them, not thousands.
    async fn flush(&mut self) {
        let mut received = Vec::new();
        let now = Instant::now();
        for peer in self.peers.values_mut() {
            peer.poll(now, &mut received);
        }
        self.report_lost();
        // What the grants allow: audio and video from those who may publish them, to those who
        // may subscribe. No audio from those a moderator silenced (they are still seen).
        received.retain(|(from, _, kind, _)| {
            self.peers.get(from).is_some_and(|p| match kind {
                MediaKind::Audio => p.publish_audio && !self.silenced(p),
                MediaKind::Video => p.publish_video,
            })
        });
        // Who speaks: lines beyond those a client offered go to the speakers.
        for (from, _, kind, packet) in &received {
            if *kind == MediaKind::Audio
                && let Some(publisher) = self.peers.get_mut(from)
            {
                publisher.hear(now, packet);
            }
        }
        let spoke: HashMap<PeerId, Instant> = self
            .peers
            .values()
            .filter_map(|p| p.last_spoke.map(|at| (p.id, at)))
            .collect();
        // Each camera's streams (simulcast layers): each subscriber gets the one that fits.
        let layers: HashMap<PeerId, Vec<(u32, u16)>> = self
            .peers
            .values()
            .filter(|p| p.publish_video)
            .map(|p| (p.id, p.layers()))
            .collect();
        for (from, room, kind, packet) in received {
            let source = self.peers.get(&from).map_or(0, |p| p.source);
            let layers = layers.get(&from).map_or(&[][..], Vec::as_slice);
            if let Some(recording) = self.recordings.get_mut(&room)
                && let Some(publisher) = self.peers.get(&from)
            {
                let identity = publisher.identity.clone();
                recording.packet(identity, source, kind, packet.clone(), layers);
            }
            let mut relayed = 0;
            for peer in self.peers.values_mut() {
                if peer.id != from
                    && peer.room == room
                    && peer.subscribe
                    && peer.forward(now, from, source, kind, packet.clone(), &spoke, layers)
                {
                    relayed += 1;
                }
            }
            if let Some(sender) = self.peers.get_mut(&from) {
                sender.relayed += relayed;
            }
        }
        // Lines handed to a new publisher wait for its keyframe: ask for one.
        let wanted: Vec<(PeerId, u32)> = self
            .peers
            .values_mut()
            .flat_map(|p| std::mem::take(&mut p.keyframes_wanted))
            .collect();
        for (id, layer) in wanted {
            if let Some(publisher) = self.peers.get_mut(&id) {
                publisher.request_keyframe(now, Some(layer));
            }
        }
        for peer in self.peers.values_mut() {
            while let Some(datagram) = peer.poll_write() {
                send(&self.socket, &self.tcp, datagram).await;
            }
        }
        let dead: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| p.is_dead())
            .map(|p| p.id)
            .collect();
        for id in dead {
            self.remove(id).await;
        }
    }

    /// Closes a connection (its goodbye is sent), forgets how to reach it, and frees the
    /// outgoing tracks it owned.
    async fn remove(&mut self, id: PeerId) {
        let Some(mut peer) = self.peers.remove(&id) else {
            return;
        };
        peer.close();
        while let Some(datagram) = peer.poll_write() {
            send(&self.socket, &self.tcp, datagram).await;
        }
        self.by_ufrag.remove(peer.ufrag());
        // Its TCP connections are let go of too: each closes once its queue is written.
        if let Some(tcp) = &mut self.tcp {
            for ((via, addr), owner) in &self.by_addr {
                if *owner == id && *via == Via::Tcp {
                    tcp.out.remove(addr);
                }
            }
        }
        self.by_addr.retain(|_, owner| *owner != id);
        for other in self.peers.values_mut() {
            other.release(id, None);
        }
        info!(peer = id.0, room = %peer.room, "left");
    }
}

/// The next event of the TCP connections; never, without a TCP fallback.
async fn tcp_event(tcp: &mut Option<TcpSide>) -> TcpEvent {
    match tcp {
        Some(tcp) => match tcp.events.recv().await {
            Some(event) => event,
            // The acceptor holds a sender as long as it runs; it never ends first.
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Sends one datagram, on the UDP socket or as a frame on the client's TCP connection; a
/// failure is logged, never fatal. ICE checks go to every candidate a client offered, some of
/// which this socket cannot reach (another interface, another address family): those sends
/// fail, and ICE copes with the checks that do not arrive.
async fn send(socket: &UdpSocket, tcp: &Option<TcpSide>, datagram: TaggedBytesMut) {
    let to = datagram.transport.peer_addr;
    if datagram.transport.transport_protocol == TransportProtocol::TCP {
        // A full queue drops the frame, as a full socket buffer would drop a datagram.
        match tcp.as_ref().and_then(|t| t.out.get(&to)) {
            Some(out) => {
                let _ = out.try_send(datagram.message.freeze());
            }
            None => debug!(%to, "no TCP connection from there"),
        }
        return;
    }
    if let Err(e) = socket.send_to(&datagram.message, to).await {
        debug!(%to, error = %e, "sending");
    }
}
