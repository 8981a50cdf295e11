//! The SFU as its own process: the app drives it over a control connection instead of in
//! memory, with the same [`Sfu`] handle. The process (`confer-sfu`) runs [`serve_control`] on a
//! TCP port; the app calls [`Sfu::connect`], whose task turns each command into a request and
//! each answer back into the reply the in-process router would give, and passes on the
//! connections the SFU reports lost.
//!
//! The wire is newline-delimited JSON. The SFU speaks first with a challenge, fresh for each
//! connection; the app's hello proves it holds the grant key (an HMAC of a fixed label and the
//! challenge: the key never travels, and a hello seen once opens nothing later); the SFU
//! answers with the addresses it advertises. Requests carry ids, answered in any order (an
//! answer overdue by 20 s drops the connection, which is made again); a lost connection comes
//! as an event, kept for the next app while none is connected. Grants travel signed: the SFU
//! checks them as it checks a client's, and never trusts the app's word for who may join.
//!
//! Anyone who can reach the control port and holds the key may drive the SFU: bind it where
//! only the app's hosts reach it.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::{broadcast, mpsc, oneshot},
    task::{JoinHandle, JoinSet},
};
use tracing::{debug, info, warn};

use crate::{
    COMMANDS, Error, GrantError, GrantKey, Lost, PeerId, RecordingManifest, Sfu, Stats,
    router::Command,
};

/// What the hello's proof signs.
const HELLO_LABEL: &[u8] = b"confer-sfu control v1";

/// The longest line either side reads: an offer or answer of tens of lines, or the stats of a
/// large meeting.
const MAX_LINE: usize = 4 << 20;

/// How long the app waits for the SFU's welcome, and between attempts to reconnect.
const HANDSHAKE: Duration = Duration::from_secs(10);
const RECONNECT: Duration = Duration::from_secs(1);

/// The SFU's first line: what the app's hello must sign, fresh for each connection.
#[derive(Debug, Serialize, Deserialize)]
struct Challenge {
    challenge: String,
}

/// The app's first line.
#[derive(Debug, Serialize, Deserialize)]
struct Hello {
    hello: String,
}

/// The SFU's answer to a hello.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Welcome {
    /// The addresses its answers advertise.
    Welcome {
        udp: SocketAddr,
        tcp: Option<SocketAddr>,
    },
    /// Why it hangs up.
    Refused(String),
}

/// A request, as it travels.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    id: u64,
    op: Op,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Join {
        grant: String,
        offer: String,
    },
    Leave {
        peer: u64,
    },
    Stats,
    MuteAll {
        room: String,
        on: bool,
    },
    Mute {
        room: String,
        identity: String,
        on: bool,
    },
    Remove {
        room: String,
        identity: String,
        at_ms: u64,
    },
    Present {
        room: String,
        identity: String,
    },
    CloseRoom {
        room: String,
        at_ms: u64,
    },
    StartRecording {
        room: String,
        dir: PathBuf,
    },
    /// Answered once the files are finished.
    StopRecording {
        room: String,
    },
}

/// What the SFU sends: an answer to a request, or news.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Done { id: u64, done: Done },
    Failed { id: u64, error: WireError },
    Lost(Lost),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Done {
    Joined { peer: u64, answer: String },
    Nothing,
    Count(usize),
    Present(bool),
    Stats(Stats),
    Manifest(Option<RecordingManifest>),
}

/// An [`Error`] as it travels (its kind, and the words for the log).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireError {
    BadOffer(String),
    Grant(GrantError),
    Recording(String),
    Rtc(String),
    Closed,
}

impl From<Error> for WireError {
    fn from(e: Error) -> Self {
        match e {
            Error::BadOffer(why) => Self::BadOffer(why),
            Error::Grant(g) => Self::Grant(g),
            Error::Recording(e) => Self::Recording(e.to_string()),
            Error::Rtc(why) => Self::Rtc(why),
            Error::Io(e) => Self::Rtc(e.to_string()),
            Error::Closed => Self::Closed,
        }
    }
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        match e {
            WireError::BadOffer(why) => Self::BadOffer(why),
            WireError::Grant(g) => Self::Grant(g),
            WireError::Recording(why) => Self::Recording(std::io::Error::other(why)),
            WireError::Rtc(why) => Self::Rtc(why),
            WireError::Closed => Self::Closed,
        }
    }
}

/// The hello's proof that the app holds `key`: the fixed label and the SFU's challenge for
/// this connection, signed (so a hello seen once opens nothing later).
fn proof(key: &GrantKey, challenge: &str) -> String {
    key.sign_label(&[HELLO_LABEL, challenge.as_bytes()].concat())
}

/// Lost-connection reports kept while no app is connected, for the next one.
const BACKLOG: usize = 1024;

/// Serves the control port until `shutdown` resolves: each connection is an actor of its own,
/// owned here, and every connection lost in the SFU (read from `lost`) is told to each app
/// connected, or kept for the next one while none is. `sfu` is the SFU the process runs,
/// `key` the one its grants are checked with.
pub async fn serve_control(
    listener: TcpListener,
    sfu: Sfu,
    key: GrantKey,
    mut lost: mpsc::Receiver<Lost>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let key = Arc::new(key);
    let (news, _) = broadcast::channel::<Lost>(BACKLOG);
    let mut backlog: std::collections::VecDeque<Lost> = std::collections::VecDeque::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, from)) => {
                    info!(%from, "control connection");
                    let (sfu, key, news) = (sfu.clone(), key.clone(), news.subscribe());
                    let missed: Vec<Lost> = backlog.drain(..).collect();
                    connections.spawn(async move {
                        if let Err(e) = control_connection(stream, sfu, &key, news, missed).await {
                            warn!(%from, error = %e, "control connection ended");
                        }
                    });
                }
                Err(e) => warn!(error = %e, "accepting a control connection"),
            },
            Some(report) = lost.recv() => {
                if news.receiver_count() == 0 {
                    if backlog.len() == BACKLOG {
                        backlog.pop_front();
                    }
                    backlog.push_back(report);
                } else {
                    let _ = news.send(report);
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One app's control connection: challenges it and checks its hello, then answers its
/// requests (each in a task of the connection's own, so that a slow one, like a recording
/// being finished, holds no other) and tells it of lost connections, `missed` first (those
/// lost while no app was connected). Lines go out through a writer task of the connection's
/// own, so that reading requests never waits on writing answers.
async fn control_connection(
    stream: TcpStream,
    sfu: Sfu,
    key: &GrantKey,
    mut news: broadcast::Receiver<Lost>,
    missed: Vec<Lost>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = Vec::new();
    let challenge = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>());
    send_line(
        &mut write,
        &Challenge {
            challenge: challenge.clone(),
        },
    )
    .await?;
    let hello = tokio::time::timeout(HANDSHAKE, read_line(&mut lines, &mut line)).await;
    let welcome = match hello {
        Ok(Ok(true)) => match serde_json::from_slice::<Hello>(&line) {
            Ok(h) if key.verify_label(&[HELLO_LABEL, challenge.as_bytes()].concat(), &h.hello) => {
                Welcome::Welcome {
                    udp: sfu.local_addr(),
                    tcp: sfu.tcp_addr(),
                }
            }
            Ok(_) => Welcome::Refused("the hello does not prove the grant key".into()),
            Err(e) => Welcome::Refused(format!("unreadable hello: {e}")),
        },
        _ => return Ok(()),
    };
    let refused = matches!(welcome, Welcome::Refused(_));
    send_line(&mut write, &welcome).await?;
    if refused {
        return Ok(());
    }
    let (replies, outgoing) = mpsc::channel::<Reply>(COMMANDS);
    // The writer and the requests being carried out end with the connection.
    let mut working = JoinSet::new();
    working.spawn(write_lines(write, outgoing));
    for report in missed {
        let _ = replies.send(Reply::Lost(report)).await;
    }
    line.clear();
    loop {
        tokio::select! {
            read = read_line(&mut lines, &mut line) => {
                if !read? {
                    return Ok(());
                }
                let parsed = serde_json::from_slice(&line);
                line.clear();
                let request: Request = match parsed {
                    Ok(r) => r,
                    Err(e) => {
                        debug!(error = %e, "an unreadable control request");
                        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
                    }
                };
                let (sfu, replies) = (sfu.clone(), replies.clone());
                working.spawn(async move {
                    let id = request.id;
                    let reply = match carry_out(&sfu, request.op).await {
                        Ok(done) => Reply::Done { id, done },
                        Err(e) => Reply::Failed { id, error: e.into() },
                    };
                    let _ = replies.send(reply).await;
                });
            }
            report = news.recv() => match report {
                Ok(report) => {
                    if replies.send(Reply::Lost(report)).await.is_err() {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    warn!(n, "lost-connection reports dropped for a slow app");
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            // The writer ended (the app went away), or a request was answered.
            Some(_) = working.join_next(), if !working.is_empty() => {
                if replies.is_closed() {
                    return Ok(());
                }
            }
        }
    }
}

/// Writes each message as a line until the queue closes or the connection fails.
async fn write_lines<T: Serialize>(
    mut write: tokio::net::tcp::OwnedWriteHalf,
    mut queue: mpsc::Receiver<T>,
) {
    while let Some(message) = queue.recv().await {
        if let Err(e) = send_line(&mut write, &message).await {
            debug!(error = %e, "control connection: writing failed");
            return;
        }
    }
}

/// One request, carried out on the SFU.
async fn carry_out(sfu: &Sfu, op: Op) -> Result<Done, Error> {
    Ok(match op {
        Op::Join { grant, offer } => {
            let (peer, answer) = sfu.join(&grant, offer).await?;
            Done::Joined {
                peer: peer.0,
                answer,
            }
        }
        Op::Leave { peer } => {
            sfu.leave(PeerId(peer)).await;
            Done::Nothing
        }
        Op::Stats => Done::Stats(sfu.stats().await?),
        Op::MuteAll { room, on } => {
            sfu.mute_all(&room, on).await?;
            Done::Nothing
        }
        Op::Mute { room, identity, on } => Done::Count(sfu.mute(&room, &identity, on).await?),
        Op::Remove {
            room,
            identity,
            at_ms,
        } => Done::Count(sfu.remove_since(&room, &identity, at_ms).await?),
        Op::Present { room, identity } => Done::Present(sfu.present(&room, &identity).await?),
        Op::CloseRoom { room, at_ms } => Done::Count(sfu.close_room_since(&room, at_ms).await?),
        Op::StartRecording { room, dir } => {
            sfu.start_recording(&room, dir).await?;
            Done::Nothing
        }
        Op::StopRecording { room } => Done::Manifest(sfu.stop_recording(&room).await?),
    })
}

/// Reads up to a newline into `line` (bounded): true once a whole line is there, false at
/// the end of the stream. Cancel safe (the branches of a `select!`): what was read stays in
/// `line` for the next call, so the caller clears it only after using a whole line.
async fn read_line(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> std::io::Result<bool> {
    use tokio::io::AsyncReadExt;
    let room = (MAX_LINE + 1).saturating_sub(line.len()) as u64;
    (&mut *lines).take(room).read_until(b'\n', line).await?;
    if line.ends_with(b"\n") {
        Ok(true)
    } else if line.len() > MAX_LINE {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a control line is too long",
        ))
    } else {
        Ok(false)
    }
}

async fn send_line(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    message: &impl Serialize,
) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await
}

/// A command's reply, waiting for its answer.
enum Pending {
    Join(oneshot::Sender<Result<(PeerId, String), Error>>),
    Stats(oneshot::Sender<Stats>),
    Nothing(oneshot::Sender<()>),
    Count(oneshot::Sender<usize>),
    Present(oneshot::Sender<bool>),
    Started(oneshot::Sender<Result<(), Error>>),
    Stopped(oneshot::Sender<Option<oneshot::Receiver<std::io::Result<RecordingManifest>>>>),
}

impl Sfu {
    /// Connects to an SFU run as its own process (`confer-sfu`) at its control address, with
    /// the grant key the two share: the handle then works as one on an SFU in this process.
    /// Lost connections are reported on `lost` if given. The connection is made before this
    /// returns (so a wrong address or key is an error now); if it drops later, commands fail
    /// until the task has connected again, which it keeps trying. The returned task runs until
    /// every handle is dropped.
    pub async fn connect(
        control: SocketAddr,
        key: GrantKey,
        lost: Option<mpsc::Sender<Lost>>,
    ) -> Result<(Self, JoinHandle<()>), Error> {
        let key = Arc::new(key);
        let (stream, udp, tcp) = handshake(control, &key).await?;
        let (commands, receiver) = mpsc::channel(COMMANDS);
        let task = tokio::spawn(drive(control, key.clone(), stream, receiver, lost));
        Ok((
            Self {
                commands,
                local: udp,
                tcp,
                key,
            },
            task,
        ))
    }
}

/// Reads one line byte by byte, unbuffered: what follows it belongs to the driving task's
/// reader.
async fn read_raw_line(stream: &mut TcpStream) -> Result<Vec<u8>, Error> {
    use tokio::io::AsyncReadExt;
    let mut line = Vec::new();
    let read = async {
        loop {
            let byte = stream.read_u8().await?;
            if byte == b'\n' {
                return Ok::<_, std::io::Error>(());
            }
            if line.len() >= MAX_LINE {
                return Err(std::io::ErrorKind::InvalidData.into());
            }
            line.push(byte);
        }
    };
    tokio::time::timeout(HANDSHAKE, read)
        .await
        .map_err(|_| Error::Io(std::io::ErrorKind::TimedOut.into()))??;
    Ok(line)
}

/// Connects, answers the SFU's challenge; the SFU's advertised addresses.
async fn handshake(
    control: SocketAddr,
    key: &GrantKey,
) -> Result<(TcpStream, SocketAddr, Option<SocketAddr>), Error> {
    let mut stream = tokio::time::timeout(HANDSHAKE, TcpStream::connect(control))
        .await
        .map_err(|_| Error::Io(std::io::ErrorKind::TimedOut.into()))??;
    let not_an_sfu = |e: serde_json::Error| {
        Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an SFU's control port: {e}"),
        ))
    };
    let challenge: Challenge =
        serde_json::from_slice(&read_raw_line(&mut stream).await?).map_err(not_an_sfu)?;
    let hello = Hello {
        hello: proof(key, &challenge.challenge),
    };
    let mut bytes = serde_json::to_vec(&hello).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    stream.write_all(&bytes).await?;
    match serde_json::from_slice::<Welcome>(&read_raw_line(&mut stream).await?) {
        Ok(Welcome::Welcome { udp, tcp }) => Ok((stream, udp, tcp)),
        Ok(Welcome::Refused(why)) => Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("the SFU refused this app: {why}"),
        ))),
        Err(e) => Err(not_an_sfu(e)),
    }
}

/// The app's side of the control connection: commands out as requests, answers back to their
/// callers, lost connections on to `lost`; reconnects when the connection drops.
async fn drive(
    control: SocketAddr,
    key: Arc<GrantKey>,
    stream: TcpStream,
    mut commands: mpsc::Receiver<Command>,
    lost: Option<mpsc::Sender<Lost>>,
) {
    let mut stream = Some(stream);
    loop {
        let Some(connected) = stream.take() else {
            // Down: commands that come meanwhile fail (their replies dropped); between
            // attempts to connect again, at once.
            tokio::select! {
                command = commands.recv() => match command {
                    Some(_) => continue,
                    None => return,
                },
                () = tokio::time::sleep(RECONNECT) => {
                    match handshake(control, &key).await {
                        Ok((s, _, _)) => {
                            info!(%control, "control connection to the SFU is back");
                            stream = Some(s);
                        }
                        Err(e) => debug!(%control, error = %e, "the SFU is still away"),
                    }
                    continue;
                }
            }
        };
        match session(connected, &key, &mut commands, lost.as_ref()).await {
            Ok(()) => return,
            Err(e) => warn!(%control, error = %e, "control connection to the SFU lost"),
        }
    }
}

/// How long a request waits for its answer: past it the caller sees the SFU as stopped (it
/// may have gone without a word), and the connection is dropped and made again.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// One connection's life: Ok when every handle is gone, Err when the connection is (or an
/// answer is overdue). Requests go out through a writer task, so that reading answers never
/// waits on writing requests.
async fn session(
    stream: TcpStream,
    key: &GrantKey,
    commands: &mut mpsc::Receiver<Command>,
    lost: Option<&mpsc::Sender<Lost>>,
) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = Vec::new();
    let (requests, queue) = mpsc::channel::<Request>(COMMANDS);
    // The writer ends with the session.
    let mut writer = JoinSet::new();
    writer.spawn(write_lines(write, queue));
    let mut pending: HashMap<u64, (Pending, tokio::time::Instant)> = HashMap::new();
    let mut next_id = 0u64;
    let mut sweep = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some(command) = command else { return Ok(()) };
                next_id += 1;
                let (op, waiting) = request(command, key);
                if let Some(waiting) = waiting {
                    let due = tokio::time::Instant::now() + ANSWER_WITHIN;
                    pending.insert(next_id, (waiting, due));
                }
                if requests.send(Request { id: next_id, op }).await.is_err() {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
            }
            read = read_line(&mut lines, &mut line) => {
                if !read? {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                let reply: Reply = serde_json::from_slice(&line)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                line.clear();
                match reply {
                    Reply::Lost(report) => {
                        // Never waits: the app may be asking this SFU something meanwhile.
                        if let Some(lost) = lost
                            && lost.try_send(report).is_err()
                        {
                            warn!("a lost-connection report dropped: the app is behind");
                        }
                    }
                    Reply::Done { id, done } => {
                        if let Some((waiting, _)) = pending.remove(&id) {
                            answer(waiting, Ok(done));
                        }
                    }
                    Reply::Failed { id, error } => {
                        if let Some((waiting, _)) = pending.remove(&id) {
                            answer(waiting, Err(error.into()));
                        }
                    }
                }
            }
            _ = sweep.tick() => {
                let now = tokio::time::Instant::now();
                if pending.values().any(|(_, due)| *due <= now) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the SFU did not answer in time",
                    ));
                }
            }
            Some(_) = writer.join_next() => {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
        }
    }
}

/// A command as a request, and the reply that waits for its answer.
fn request(command: Command, key: &GrantKey) -> (Op, Option<Pending>) {
    match command {
        // Checked against the same key on the other side: signed again to travel.
        Command::Join {
            grant,
            offer,
            reply,
        } => (
            Op::Join {
                grant: key.sign(&grant),
                offer,
            },
            Some(Pending::Join(reply)),
        ),
        Command::Leave(peer) => (Op::Leave { peer: peer.0 }, None),
        Command::Stats(reply) => (Op::Stats, Some(Pending::Stats(reply))),
        Command::MuteAll { room, on, reply } => {
            (Op::MuteAll { room, on }, Some(Pending::Nothing(reply)))
        }
        Command::Mute {
            room,
            identity,
            on,
            reply,
        } => (Op::Mute { room, identity, on }, Some(Pending::Count(reply))),
        Command::Remove {
            room,
            identity,
            at_ms,
            reply,
        } => (
            Op::Remove {
                room,
                identity,
                at_ms,
            },
            Some(Pending::Count(reply)),
        ),
        Command::Present {
            room,
            identity,
            reply,
        } => (
            Op::Present { room, identity },
            Some(Pending::Present(reply)),
        ),
        Command::CloseRoom { room, at_ms, reply } => {
            (Op::CloseRoom { room, at_ms }, Some(Pending::Count(reply)))
        }
        Command::StartRecording { room, dir, reply } => (
            Op::StartRecording { room, dir },
            Some(Pending::Started(reply)),
        ),
        Command::StopRecording { room, reply } => {
            (Op::StopRecording { room }, Some(Pending::Stopped(reply)))
        }
    }
}

/// Hands an answer to the reply that waited for it. An answer of the wrong kind (an SFU of
/// another version) drops the reply: its caller sees the SFU as stopped.
fn answer(waiting: Pending, done: Result<Done, Error>) {
    match (waiting, done) {
        (Pending::Join(reply), Ok(Done::Joined { peer, answer })) => {
            let _ = reply.send(Ok((PeerId(peer), answer)));
        }
        (Pending::Join(reply), Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (Pending::Stats(reply), Ok(Done::Stats(stats))) => {
            let _ = reply.send(stats);
        }
        (Pending::Nothing(reply), Ok(Done::Nothing)) => {
            let _ = reply.send(());
        }
        (Pending::Count(reply), Ok(Done::Count(n))) => {
            let _ = reply.send(n);
        }
        (Pending::Present(reply), Ok(Done::Present(here))) => {
            let _ = reply.send(here);
        }
        (Pending::Started(reply), Ok(Done::Nothing)) => {
            let _ = reply.send(Ok(()));
        }
        (Pending::Started(reply), Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (Pending::Stopped(reply), Ok(Done::Manifest(manifest))) => {
            let _ = reply.send(manifest.map(|m| {
                let (tx, rx) = oneshot::channel();
                let _ = tx.send(Ok(m));
                rx
            }));
        }
        (Pending::Stopped(reply), Err(e)) => {
            let (tx, rx) = oneshot::channel();
            let _ = tx.send(Err(std::io::Error::other(e.to_string())));
            let _ = reply.send(Some(rx));
        }
        (_, Ok(other)) => warn!(?other, "an answer of the wrong kind from the SFU"),
        (_, Err(e)) => debug!(error = %e, "the SFU refused a request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_proves_the_key_for_this_connection_only() {
        let key = GrantKey::new(&[7; 32]).unwrap();
        let other = GrantKey::new(&[8; 32]).unwrap();
        let hello = proof(&key, "abc");
        let signed = |challenge: &str| [HELLO_LABEL, challenge.as_bytes()].concat();
        assert!(key.verify_label(&signed("abc"), &hello));
        assert!(!other.verify_label(&signed("abc"), &hello));
        // Another connection's challenge: a hello seen once opens nothing later.
        assert!(!key.verify_label(&signed("abd"), &hello));
        assert!(!key.verify_label(&signed("abc"), "not base64 at all!"));
    }
}
