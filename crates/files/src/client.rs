//! The client side of the server's file endpoints (see `confer-server`'s `files.rs`): an
//! upload that resumes where the server's bytes stop, and downloads. Used by `confer-core`
//! (and so the CLI and the desktop app) and by the server's tests.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use bytes::Bytes;
use confer_proto::{ErrorBody, UploadRequest, UploadState};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::{Method, Request, StatusCode, body::Frame, header};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::blobs::hex;

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server refused, with its reason.
    #[error("{}", .0.reason)]
    Refused(ErrorBody),
    /// The server could not be reached, or the connection broke.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server answered something that is not the protocol.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The server address is not one files can be reached at.
    #[error("not a server address: {0}")]
    BadAddress(String),
}

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// Transfers for one signed-in session.
#[derive(Debug, Clone)]
pub struct FileClient {
    /// `host:port`.
    authority: String,
    token: String,
    /// Upload no faster than this many bytes a second (as `curl --limit-rate`).
    rate: Option<u64>,
}

/// What an upload reports as it goes: bytes the server holds, of the whole.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The task driving a connection: it stops when the request that opened it is done.
struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The SHA-256 of a file (lowercase hex), read in blocks off the async threads.
pub async fn sha256_of(path: &Path) -> Result<String, ClientError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        use std::io::Read;
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(hex(&hasher.finalize()));
            }
            hasher.update(&buf[..n]);
        }
    })
    .await
    .map_err(|e| ClientError::Io(std::io::Error::other(e.to_string())))?
    .map_err(ClientError::Io)
}

/// The size of the reads of a file being uploaded.
const CHUNK: usize = 256 * 1024;

impl FileClient {
    /// For the server at `url` (its WebSocket URL `ws://host:port/...`, or `http://host:port`)
    /// and a session token.
    pub fn new(url: &str, token: &str) -> Result<Self, ClientError> {
        let rest = url
            .strip_prefix("ws://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| ClientError::BadAddress(url.to_owned()))?;
        let authority = rest.split('/').next().unwrap_or("").to_owned();
        if authority.is_empty() {
            return Err(ClientError::BadAddress(url.to_owned()));
        }
        Ok(Self {
            authority,
            token: token.to_owned(),
            rate: None,
        })
    }

    /// Uploads no faster than `bytes_per_second` (not to fill a slow link).
    pub fn with_rate_limit(mut self, bytes_per_second: Option<u64>) -> Self {
        self.rate = bytes_per_second.filter(|r| *r > 0);
        self
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Body,
    ) -> Result<(hyper::Response<hyper::body::Incoming>, Driver), ClientError> {
        let unreachable = |e: &dyn std::fmt::Display| ClientError::Unreachable(e.to_string());
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| unreachable(&e))?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| unreachable(&e))?;
        let driver = Driver(tokio::spawn(async move {
            let _ = connection.await;
        }));
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.authority)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(body)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(&e))?;
        Ok((response, driver))
    }

    /// The response's JSON, or the server's refusal.
    async fn json<T: serde::de::DeserializeOwned>(
        response: hyper::Response<hyper::body::Incoming>,
    ) -> Result<T, ClientError> {
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?
            .to_bytes();
        if !status.is_success() {
            return Err(refusal(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    /// Uploads a file into a conversation and shares it. An upload of the same file into the
    /// same conversation that was interrupted (this process killed, the network gone) resumes
    /// where the server's bytes stop. `progress` hears of the bytes as they go.
    ///
    /// The file is read once. A fresh upload is named by the SHA-256 the server takes as it
    /// receives (one pass over the bytes in all); a resumed one is hashed here as it is sent
    /// (its first part read again for that) and the server checks the hash against what it
    /// holds: a file changed since the interruption is refused, and sent again whole.
    pub async fn upload(
        &self,
        conversation: u64,
        path: &Path,
        mime: Option<String>,
        progress: Option<Progress>,
    ) -> Result<UploadState, ClientError> {
        let size = tokio::fs::metadata(path).await?.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let request = UploadRequest {
            conversation,
            name,
            size,
            blake3: None,
            mime,
        };
        let body =
            serde_json::to_vec(&request).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let mut fresh_start_left = true;
        'declare: loop {
            let (response, _driver) = self
                .send(
                    Method::POST,
                    "/v1/uploads",
                    &[("content-type", "application/json".into())],
                    Full::new(Bytes::from(body.clone()))
                        .map_err(|never| match never {})
                        .boxed_unsync(),
                )
                .await?;
            let mut state: UploadState = Self::json(response).await?;
            let resumed = state.offset > 0;
            // A stale offset (another device of this user raced ahead, or the server lost a
            // tail it had not synced) is corrected once from the server's answer.
            for _ in 0..3 {
                match self.send_from(&state, path, progress.clone()).await {
                    Err(ClientError::Refused(body))
                        if matches!(body.reason, confer_proto::Reason::UploadOffset { .. }) =>
                    {
                        if let confer_proto::Reason::UploadOffset { held } = body.reason {
                            state.offset = held;
                        }
                    }
                    // The interrupted upload found by name and length held other bytes (the
                    // file changed since): the server dropped it, so start again once.
                    Err(ClientError::Refused(body))
                        if resumed
                            && fresh_start_left
                            && matches!(body.reason, confer_proto::Reason::ChecksumMismatch) =>
                    {
                        fresh_start_left = false;
                        continue 'declare;
                    }
                    other => return other,
                }
            }
            return Err(ClientError::Protocol(
                "the upload's offset kept moving".into(),
            ));
        }
    }

    /// Sends the file from the upload's offset to its end in one request. A fresh upload
    /// leaves the hash to the server; a resumed one is hashed as it goes (the bytes before the
    /// offset are read to hash them, not sent) and the hash follows in an empty `PATCH`.
    async fn send_from(
        &self,
        state: &UploadState,
        path: &Path,
        progress: Option<Progress>,
    ) -> Result<UploadState, ClientError> {
        // A fresh upload is named by the server's hash of what it received (one hash, not
        // one at each end). A resumed one is hashed here, the bytes before the offset too, and
        // the server checks: the file may have changed since the interruption, and its first
        // part on the server would not match the rest.
        let hashing = state.offset > 0;
        // One blocking thread reads the file (and hashes it), a few chunks ahead of the
        // connection: no hashing on the async threads.
        let (source, from, size) = (path.to_owned(), state.offset, state.size);
        let (chunks, reader) = crate::ahead::read_ahead(
            CHUNK,
            16,
            blake3::Hasher::new(),
            move |hasher| {
                use std::io::{Read, Seek};
                let mut file = std::fs::File::open(&source)?;
                // Only resuming reads it (to hash it); a fresh upload has no prefix.
                let mut prefix = (&mut file).take(from);
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = prefix.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                file.seek(std::io::SeekFrom::Start(from))?;
                // No more than the declared length: a file that grew since is cut, and
                // refused by its hash.
                Ok(file.take(size.saturating_sub(from)))
            },
            move |hasher, chunk| {
                if hashing {
                    hasher.update(chunk);
                }
            },
        );
        let chunks = crate::ahead::stream_of(chunks);
        let sent = Arc::new(AtomicU64::new(state.offset));
        let total = state.size;
        if let Some(p) = &progress {
            p(state.offset, total);
        }
        let counter = sent.clone();
        let (rate, start) = (self.rate, tokio::time::Instant::now());
        let frames = chunks.then(move |chunk| {
            let counter = counter.clone();
            let progress = progress.clone();
            async move {
                let chunk = chunk?;
                let now =
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
                if let Some(rate) = rate {
                    // Paced: this chunk goes when the rate allows the bytes before it.
                    let due = std::time::Duration::from_secs_f64((now - from) as f64 / rate as f64);
                    tokio::time::sleep_until(start + due).await;
                }
                if let Some(p) = &progress {
                    p(now, total);
                }
                Ok(Frame::data(chunk))
            }
        });
        let patch = format!("/v1/uploads/{}", state.id);
        let (response, _driver) = self
            .send(
                Method::PATCH,
                &patch,
                &[
                    ("upload-offset", state.offset.to_string()),
                    ("content-type", "application/offset+octet-stream".into()),
                    ("content-length", (state.size - state.offset).to_string()),
                    (
                        "upload-server-hash",
                        if hashing { "?0" } else { "?1" }.into(),
                    ),
                ],
                BodyExt::boxed_unsync(StreamBody::new(frames)),
            )
            .await?;
        let answer: UploadState = Self::json(response).await?;
        if answer.file.is_some() || answer.offset < answer.size {
            return Ok(answer);
        }
        if !hashing {
            return Err(ClientError::Protocol(
                "the server kept a complete upload waiting for a hash".into(),
            ));
        }
        // Every byte is in and the server waits for the hash: it comes in an empty PATCH.
        let hasher = reader
            .await
            .map_err(|e| ClientError::Io(std::io::Error::other(e.to_string())))?;
        let blake3 = hasher.finalize().to_hex().to_string();
        let (response, _driver) = self
            .send(
                Method::PATCH,
                &patch,
                &[
                    ("upload-offset", answer.size.to_string()),
                    ("upload-blake3", blake3),
                    ("content-type", "application/offset+octet-stream".into()),
                    ("content-length", "0".into()),
                ],
                empty(),
            )
            .await?;
        Self::json(response).await
    }

    /// Gives an unfinished upload up.
    pub async fn cancel(&self, upload: &str) -> Result<(), ClientError> {
        let (response, _driver) = self
            .send(
                Method::DELETE,
                &format!("/v1/uploads/{upload}"),
                &[],
                empty(),
            )
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?
            .to_bytes();
        Err(refusal(status, &bytes))
    }

    /// Writes a shared file (or its thumbnail) to `out`; returns its length and the name the
    /// server gave it.
    pub async fn download(
        &self,
        file: &str,
        thumbnail: bool,
        out: &mut (impl AsyncWrite + Unpin),
    ) -> Result<(u64, Option<String>), ClientError> {
        let path = if thumbnail {
            format!("/v1/files/{file}/thumbnail")
        } else {
            format!("/v1/files/{file}")
        };
        self.fetch(&path, out, u64::MAX).await
    }

    /// The first `max` bytes of a file (all of it when shorter), for a preview: the transfer
    /// stops there, so previewing the start of a large log costs its start only.
    pub async fn download_head(&self, file: &str, max: u64) -> Result<Vec<u8>, ClientError> {
        let mut out = Vec::new();
        self.fetch(&format!("/v1/files/{file}"), &mut out, max)
            .await?;
        Ok(out)
    }

    /// Downloads a shared file (or its thumbnail) into a file: one blocking thread writes the
    /// received frames as they are (no copy, no trip to the blocking pool per write), while
    /// the connection goes on receiving. Returns its length and the name the server gave it.
    pub async fn download_to_file(
        &self,
        file: &str,
        thumbnail: bool,
        out: std::fs::File,
    ) -> Result<(u64, Option<String>), ClientError> {
        let path = if thumbnail {
            format!("/v1/files/{file}/thumbnail")
        } else {
            format!("/v1/files/{file}")
        };
        // A few megabytes in flight at most: the network does not outrun the disk by more.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(64);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut out = out;
            while let Some(chunk) = rx.blocking_recv() {
                out.write_all(&chunk)?;
            }
            out.flush()
        });
        // The driver keeps the connection going until the body is read.
        let (mut body, name, _driver) = self.get(&path).await?;
        let mut received = Ok(0u64);
        loop {
            match next_data(&mut body).await {
                Ok(Some(chunk)) => {
                    let len = chunk.len() as u64;
                    // A closed channel means the writer failed: its error is the one reported.
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                    received = received.map(|n| n + len);
                }
                Ok(None) => break,
                Err(e) => {
                    received = Err(e);
                    break;
                }
            }
        }
        drop(tx);
        writer
            .await
            .map_err(|e| ClientError::Io(std::io::Error::other(e.to_string())))??;
        Ok((received?, name))
    }

    /// GETs `path` into `out`, at most `max` bytes (the connection is dropped there).
    async fn fetch(
        &self,
        path: &str,
        out: &mut (impl AsyncWrite + Unpin),
        max: u64,
    ) -> Result<(u64, Option<String>), ClientError> {
        let (mut body, name, _driver) = self.get(path).await?;
        // Frames are small (tens of kB): writes are gathered into large ones, which matters
        // for a file, each of whose writes is a trip to a blocking thread.
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, out);
        let mut written = 0u64;
        while written < max
            && let Some(data) = next_data(&mut body).await?
        {
            let take = data
                .len()
                .min(usize::try_from(max - written).unwrap_or(usize::MAX));
            out.write_all(&data[..take]).await?;
            written += take as u64;
        }
        out.flush().await?;
        Ok((written, name))
    }

    /// GETs `path`: the body to read (while the driver lives) and the name the server gave
    /// the file; a refusal is an error.
    async fn get(
        &self,
        path: &str,
    ) -> Result<(hyper::body::Incoming, Option<String>, Driver), ClientError> {
        let (response, driver) = self.send(Method::GET, path, &[], empty()).await?;
        let status = response.status();
        let name = response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_name);
        let body = response.into_body();
        if !status.is_success() {
            let bytes = body
                .collect()
                .await
                .map_err(|e| ClientError::Unreachable(e.to_string()))?
                .to_bytes();
            return Err(refusal(status, &bytes));
        }
        Ok((body, name, driver))
    }
}

/// The next bytes of a body (trailers skipped); `None` at its end.
async fn next_data(body: &mut hyper::body::Incoming) -> Result<Option<Bytes>, ClientError> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// The UTF-8 name of a `Content-Disposition` header (`filename*=UTF-8''…`, RFC 6266).
fn disposition_name(header: &str) -> Option<String> {
    let encoded = header.split(';').find_map(|part| {
        part.trim().strip_prefix("filename*=").and_then(|v| {
            v.strip_prefix("UTF-8''")
                .or_else(|| v.strip_prefix("utf-8''"))
        })
    })?;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|n| !n.is_empty())
}

fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn refusal(status: StatusCode, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ClientError::Refused(body),
        Err(_) => ClientError::Protocol(format!("HTTP {status}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_name_comes_back_from_the_header() {
        let h = "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf";
        assert_eq!(
            super::disposition_name(h).as_deref(),
            Some("r\u{e9}sum\u{e9} \"final\".pdf")
        );
        assert_eq!(super::disposition_name("attachment"), None);
        assert_eq!(
            super::disposition_name("attachment; filename*=UTF-8''%E"),
            None
        );
    }
}
