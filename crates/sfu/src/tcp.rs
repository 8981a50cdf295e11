//! ICE over TCP (RFC 6544), the fallback for clients whose UDP is blocked: the SFU offers a
//! passive TCP candidate beside its UDP one, and a client that cannot reach the UDP port opens
//! a TCP connection and sends the same STUN, DTLS and SRTP there, each framed by a 16-bit
//! length (RFC 4571).
//!
//! Each connection is an actor of its own: it reads frames and hands them to the router's task
//! (which treats them as datagrams from the connection's address), and writes the frames the
//! router queues for it. The acceptor owns the connections; the router owns the acceptor.

use std::{net::SocketAddr, time::Duration};

use bytes::Bytes;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::JoinSet,
};
use tracing::debug;

/// Connections at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 1024;

/// Frames waiting to be written to one connection; past that they are dropped, as a full UDP
/// socket would drop them.
const OUT_QUEUE: usize = 512;

/// A connection that carries nothing for this long is closed: ICE's consent checks cross it
/// every few seconds while it is in use.
const IDLE: Duration = Duration::from_secs(30);

/// The largest frame taken: WebRTC packets stay under the path MTU.
const MAX_FRAME: usize = 4096;

/// What the connections tell the router.
pub(crate) enum TcpEvent {
    /// A client connected from `from`; frames for it go to `out`.
    Opened {
        from: SocketAddr,
        out: mpsc::Sender<Bytes>,
    },
    /// A frame arrived.
    Frame { from: SocketAddr, data: Bytes },
    /// The connection ended.
    Closed { from: SocketAddr },
}

/// Accepts connections until the router stops listening for their events.
pub(crate) async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => accepted,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = events.closed() => return,
        };
        match accepted {
            Ok((stream, from)) => {
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, from, events.clone()));
            }
            // A connection that failed before it was accepted (reset); the listener is fine.
            Err(e) => debug!(error = %e, "accepting"),
        }
    }
}

async fn connection(stream: TcpStream, from: SocketAddr, events: mpsc::Sender<TcpEvent>) {
    let (mut reader, mut writer) = stream.into_split();
    let (out, mut queued) = mpsc::channel::<Bytes>(OUT_QUEUE);
    if events.send(TcpEvent::Opened { from, out }).await.is_err() {
        return;
    }
    // Reading and writing run side by side for the connection's whole life (a read is never
    // cut short halfway through a frame); whichever ends first ends the connection.
    let reading = async {
        let mut len = [0u8; 2];
        loop {
            match tokio::time::timeout(IDLE, reader.read_exact(&mut len)).await {
                Ok(Ok(_)) => {}
                _ => return,
            }
            let n = usize::from(u16::from_be_bytes(len));
            if n == 0 || n > MAX_FRAME {
                debug!(%from, n, "a frame no WebRTC packet makes: closing");
                return;
            }
            let mut data = vec![0; n];
            if reader.read_exact(&mut data).await.is_err() {
                return;
            }
            let frame = TcpEvent::Frame {
                from,
                data: data.into(),
            };
            if events.send(frame).await.is_err() {
                return;
            }
        }
    };
    let writing = async {
        // None: the router let go of the connection (its participant left).
        while let Some(frame) = queued.recv().await {
            let Ok(n) = u16::try_from(frame.len()) else {
                continue;
            };
            let mut framed = Vec::with_capacity(2 + frame.len());
            framed.extend_from_slice(&n.to_be_bytes());
            framed.extend_from_slice(&frame);
            if writer.write_all(&framed).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = reading => {}
        () = writing => {}
    }
    let _ = events.send(TcpEvent::Closed { from }).await;
}
