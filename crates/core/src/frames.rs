//! Video frames to the web UI: a WebSocket on 127.0.0.1 that the desktop process opens, carrying
//! binary I420 frames (no JSON, no base64; the UI draws them with WebGL). A page connects with
//! a token minted for it ([`FrameServer::mint`]), good for one connection.
//!
//! Each stream (the other side's video, this side's preview, a meeting's tiles) keeps only its
//! newest frame: a page that draws slowly skips frames instead of falling behind.
//!
//! A frame on the wire: a 12-byte header (`stream` u8, 3 bytes zero, `width` u16 LE,
//! `height` u16 LE, `sequence` u32 LE), then the Y, U and V planes, tightly packed.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use confer_media::{Frame, MediaError, VideoSink};
use futures_util::SinkExt;
use tokio::{net::TcpListener, sync::watch};
use tokio_tungstenite::tungstenite::{
    Message,
    handshake::server::{ErrorResponse, Request, Response},
};

use crate::CoreError;

/// Which picture a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStream {
    /// The other side of the call (stream 0).
    Remote,
    /// This side's camera: the self view, the device test's preview (stream 1).
    Local,
    /// A meeting's tile: the `n`th video line to carry someone (stream 2 + n; the meeting's
    /// view says whose picture each holds).
    Tile(u8),
}

/// Streams there are: the two of a call and one per tile of the largest grid.
const STREAMS: usize = 2 + crate::meeting::MAX_SEEN;

impl FrameStream {
    /// Its number on the wire.
    pub fn index(self) -> usize {
        match self {
            Self::Remote => 0,
            Self::Local => 1,
            Self::Tile(n) => 2 + usize::from(n),
        }
    }
}

/// Bytes before the planes.
pub const HEADER_BYTES: usize = 12;

type Latest = watch::Sender<Option<Arc<Vec<u8>>>>;

/// The server: where frames are published and pages connect.
pub struct FrameServer {
    port: u16,
    tokens: Arc<Mutex<HashSet<String>>>,
    streams: Vec<Latest>,
    /// The accept loop; it stops when the server is dropped.
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FrameServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Encodes a frame for the wire.
pub fn encode(stream: FrameStream, sequence: u32, frame: &Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + frame.data.len());
    out.extend_from_slice(&[stream.index() as u8, 0, 0, 0]);
    out.extend_from_slice(&(frame.width.min(u32::from(u16::MAX)) as u16).to_le_bytes());
    out.extend_from_slice(&(frame.height.min(u32::from(u16::MAX)) as u16).to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&frame.data);
    out
}

impl FrameServer {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> Result<Self, CoreError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| CoreError::Invalid(format!("the frame socket: {e}").into()))?;
        let port = listener
            .local_addr()
            .map_err(|e| CoreError::Invalid(format!("the frame socket: {e}").into()))?
            .port();
        let tokens: Arc<Mutex<HashSet<String>>> = Arc::default();
        let streams: Vec<Latest> = (0..STREAMS).map(|_| watch::channel(None).0).collect();
        let task = tokio::spawn(accept_loop(listener, tokens.clone(), streams.clone()));
        Ok(Self {
            port,
            tokens,
            streams,
            task,
        })
    }

    /// A URL with a fresh token, good for one connection.
    pub fn mint(&self) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.tokens
            .lock()
            .expect("tokens poisoned")
            .insert(token.clone());
        format!("ws://127.0.0.1:{}/frames?token={token}", self.port)
    }

    /// A video sink that publishes into `stream` (a tile past the largest grid's publishes
    /// nowhere).
    pub fn sink(&self, stream: FrameStream) -> FrameSink {
        FrameSink {
            stream,
            latest: self
                .streams
                .get(stream.index())
                .cloned()
                .unwrap_or_else(|| watch::channel(None).0),
            sequence: 0,
        }
    }

    /// Clears a stream (the call ended: the page shows no stale picture).
    pub fn clear(&self, stream: FrameStream) {
        if let Some(latest) = self.streams.get(stream.index()) {
            latest.send_replace(None);
        }
    }

    /// A meeting's view: each video line that comes to carry someone publishes into a tile
    /// of its own.
    pub fn tiles(self: &Arc<Self>) -> Tiles {
        Tiles {
            frames: self.clone(),
        }
    }

    /// Clears every tile (the meeting's pictures ended).
    pub fn clear_tiles(&self) {
        for n in 0..crate::meeting::MAX_SEEN {
            self.clear(FrameStream::Tile(n as u8));
        }
    }
}

/// A meeting's view: hands each video line a [`FrameStream::Tile`] of its own.
pub struct Tiles {
    frames: Arc<FrameServer>,
}

impl VideoSink for Tiles {
    /// Never called: every line gets a tile.
    fn frame(&mut self, _: &Frame) -> Result<(), MediaError> {
        Ok(())
    }

    fn tile(&mut self, index: usize) -> Option<Box<dyn VideoSink>> {
        let n = u8::try_from(index).ok()?;
        Some(Box::new(self.frames.sink(FrameStream::Tile(n))))
    }
}

/// Publishes frames into one stream of a [`FrameServer`].
pub struct FrameSink {
    stream: FrameStream,
    latest: Latest,
    sequence: u32,
}

impl VideoSink for FrameSink {
    fn frame(&mut self, frame: &Frame) -> Result<(), MediaError> {
        self.sequence = self.sequence.wrapping_add(1);
        self.latest
            .send_replace(Some(Arc::new(encode(self.stream, self.sequence, frame))));
        Ok(())
    }
}

async fn accept_loop(
    listener: TcpListener,
    tokens: Arc<Mutex<HashSet<String>>>,
    streams: Vec<Latest>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let tokens = tokens.clone();
        let watched: Vec<_> = streams.iter().map(Latest::subscribe).collect();
        // Each page's connection is its own task; it ends when the page goes.
        tokio::spawn(async move {
            // The signature is tungstenite's callback's: its error is an HTTP response.
            #[allow(clippy::result_large_err)]
            let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
                let token = req
                    .uri()
                    .query()
                    .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
                let known =
                    token.is_some_and(|t| tokens.lock().expect("tokens poisoned").remove(t));
                if known && req.uri().path() == "/frames" {
                    Ok(resp)
                } else {
                    let mut refusal = ErrorResponse::new(Some("unknown token".into()));
                    *refusal.status_mut() =
                        tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
                    Err(refusal)
                }
            };
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await else {
                return;
            };
            let _ = serve(ws, watched).await;
        });
    }
}

/// Sends each stream's newest frame as it changes, until the page or the server goes.
async fn serve(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    mut streams: Vec<watch::Receiver<Option<Arc<Vec<u8>>>>>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    loop {
        let changed = streams.iter_mut().map(|s| Box::pin(s.changed()));
        let (result, n, _) = futures_util::future::select_all(changed).await;
        if result.is_err() {
            return Ok(());
        }
        let frame = streams[n].borrow_and_update().clone();
        if let Some(frame) = frame {
            ws.send(Message::Binary(frame.as_ref().clone().into()))
                .await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn a_page_with_a_token_gets_the_newest_frames_and_a_token_serves_once() {
        let server = Arc::new(FrameServer::start().await.unwrap());
        let url = server.mint();
        let (mut page, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let mut sink = server.sink(FrameStream::Remote);
        let frame = Frame::black(64, 36).unwrap();
        sink.frame(&frame).unwrap();
        let got = page.next().await.unwrap().unwrap().into_data();
        assert_eq!(got.len(), HEADER_BYTES + frame.data.len());
        assert_eq!(&got[..8], &[0, 0, 0, 0, 64, 0, 36, 0]);
        assert_eq!(u32::from_le_bytes(got[8..12].try_into().unwrap()), 1);
        // A meeting's tiles are streams 2 and up.
        let mut tiles = server.tiles();
        let mut second = tiles.tile(1).unwrap();
        second.frame(&frame).unwrap();
        let got = page.next().await.unwrap().unwrap().into_data();
        assert_eq!(got[0], 3);
        // The same token again, and no token, are refused.
        assert!(tokio_tungstenite::connect_async(&url).await.is_err());
        let bare = url.split('?').next().unwrap();
        assert!(tokio_tungstenite::connect_async(bare).await.is_err());
    }
}
