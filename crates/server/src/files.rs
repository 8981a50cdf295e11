//! Shared files over HTTP, on the server's port: resumable uploads in the manner of tus 1.0's
//! core protocol, downloads and thumbnails. Every rule (who may share or read, the cap, the
//! quota, finding an interrupted upload) is the domain's (`domain::files`); this front end
//! authenticates the bearer token, moves bytes between the socket and the blob store, and
//! draws the thumbnail.
//!
//! - `POST /v1/uploads` with an [`UploadRequest`]: the upload, new or found again, and its
//!   offset.
//! - `HEAD /v1/uploads/{id}`: `Upload-Offset` (where to resume) and `Upload-Length`.
//! - `PATCH /v1/uploads/{id}` with `Upload-Offset` and the bytes from there on (any number of
//!   them): the new offset; with the last byte, the shared file. An upload declared without its
//!   hash is finished by the `PATCH` that carries `Upload-Blake3` once every byte is in (an
//!   empty one after the last byte will do), or by the one with the last byte if it carries
//!   `Upload-Server-Hash: ?1`: the file is then named by the hash the blob store took as it
//!   received. `FileClient` sends a fresh upload that way (one hash, on the server) and hashes
//!   a resumed one itself, which catches a file changed since the interruption.
//! - `DELETE /v1/uploads/{id}`: gives it up.
//! - `GET /v1/files/{id}` and `GET /v1/files/{id}/thumbnail`: the bytes, members only.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use confer_files::{FilesError, ThumbnailError};
use confer_proto::{ErrorBody, ErrorCode, Reason, UploadRequest, UploadState};
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;

use crate::{
    ApiError, AppState,
    http::Deadline,
    store::{FileLimits, FileRecord, Finished, Outcome, UserRecord, WriteOp},
};

/// Images larger than this are shared without a thumbnail (their bytes are read whole to
/// draw it).
const MAX_THUMBNAIL_SOURCE: u64 = 64 * 1024 * 1024;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/uploads", post(start))
        .route(
            "/v1/uploads/{id}",
            axum::routing::head(offset).patch(append).delete(cancel),
        )
        .route("/v1/files/{id}", get(download))
        .route("/v1/files/{id}/thumbnail", get(thumbnail))
        // Upload bodies are streamed to disk, never collected: no body limit applies.
        .layer(DefaultBodyLimit::disable())
}

/// A refusal as an HTTP answer: the status for the code, the body as on the WebSocket.
struct Refusal(ErrorBody);

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self(e.0)
    }
}

impl Refusal {
    fn new(code: ErrorCode, reason: Reason) -> Self {
        Self(ErrorBody::new(code, reason))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = match (self.0.code, &self.0.reason) {
            (_, Reason::FileTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            (ErrorCode::Unauthenticated | ErrorCode::AuthFailed, _) => StatusCode::UNAUTHORIZED,
            (ErrorCode::Forbidden | ErrorCode::AccountDisabled, _) => StatusCode::FORBIDDEN,
            (ErrorCode::NotFound, _) => StatusCode::NOT_FOUND,
            (ErrorCode::Conflict, _) => StatusCode::CONFLICT,
            (ErrorCode::RateLimited, _) => StatusCode::TOO_MANY_REQUESTS,
            (ErrorCode::ShuttingDown | ErrorCode::TooManyConnections, _) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            (ErrorCode::Internal, _) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, Json(self.0)).into_response()
    }
}

type Answer<T> = Result<T, Refusal>;

/// The blob store's failures, as the client hears them.
fn blob_refusal(e: FilesError) -> Refusal {
    match e {
        FilesError::OffsetMismatch { held, .. } => {
            Refusal::new(ErrorCode::Conflict, Reason::UploadOffset { held })
        }
        FilesError::TooLong { declared } => {
            Refusal::new(ErrorCode::Invalid, Reason::UploadTooLong { size: declared })
        }
        FilesError::ChecksumMismatch { .. } => {
            Refusal::new(ErrorCode::Invalid, Reason::ChecksumMismatch)
        }
        FilesError::Busy => Refusal::new(ErrorCode::Conflict, Reason::UploadBusy),
        FilesError::NotFound => Refusal::new(ErrorCode::NotFound, Reason::NoSuchFile),
        FilesError::Interrupted(why) => {
            tracing::debug!(%why, "an upload was interrupted");
            Refusal::new(ErrorCode::Invalid, Reason::UploadInterrupted)
        }
        e => {
            tracing::error!(error = %e, "the blob store failed");
            Refusal(ApiError::fault().0)
        }
    }
}

/// The caller, from `Authorization: Bearer <session token>`. Guests of a meeting have no
/// token, so they can neither upload nor download.
async fn caller(state: &Arc<AppState>, headers: &HeaderMap) -> Answer<UserRecord> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Refusal::new(ErrorCode::Unauthenticated, Reason::SignInFirst))?;
    let hash = crate::auth::token_hash(token);
    let session = state
        .read(move |s| s.session_by_token_hash(&hash))
        .await?
        .ok_or_else(|| Refusal::new(ErrorCode::AuthFailed, Reason::TokenUnknown))?;
    if session.user.disabled {
        return Err(Refusal::new(
            ErrorCode::AccountDisabled,
            Reason::AccountDisabled,
        ));
    }
    Ok(session.user)
}

fn limits(state: &AppState) -> FileLimits {
    FileLimits {
        max_bytes: state.config.max_file_bytes,
        quota: state.config.file_quota_bytes,
    }
}

fn upload_state(file: &FileRecord, offset: u64) -> UploadState {
    UploadState {
        id: file.id.clone(),
        offset,
        size: file.size,
        file: file.seq.map(|_| file.file_ref()),
        seq: file.seq,
        thumbnail_error: None,
    }
}

async fn start(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Json<UploadRequest>, axum::extract::rejection::JsonRejection>,
) -> Answer<Response> {
    let user = caller(&state, &headers).await?;
    let Json(request) = body.map_err(|e| {
        Refusal::new(
            ErrorCode::BadFrame,
            Reason::MalformedFrame {
                detail: e.body_text(),
            },
        )
    })?;
    let op = WriteOp::StartUpload {
        user: user.id,
        request,
        limits: limits(&state),
        id: confer_files::new_upload_id(),
    };
    let committed = state.writer.write(op).await.map_err(ApiError::from)?;
    let Outcome::File(file) = committed.outcome else {
        return Err(Refusal(ApiError::fault().0));
    };
    let held = state.blobs.held(&file.id).await.map_err(blob_refusal)?;
    let status = if held == 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(upload_state(&file, held))).into_response())
}

async fn offset(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer<Response> {
    let user = caller(&state, &headers).await?;
    let file = own_upload(&state, user.id, &id).await?;
    let held = state.blobs.held(&id).await.map_err(blob_refusal)?;
    let mut out = HeaderMap::new();
    out.insert("upload-offset", HeaderValue::from(held));
    out.insert("upload-length", HeaderValue::from(file.size));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

async fn own_upload(state: &Arc<AppState>, user: i64, id: &str) -> Answer<FileRecord> {
    let id = id.to_owned();
    Ok(state.read(move |s| s.upload(user, &id)).await?)
}

async fn append(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    axum::Extension(deadline): axum::Extension<Deadline>,
    headers: HeaderMap,
    body: Body,
) -> Answer<Response> {
    let user = caller(&state, &headers).await?;
    let file = own_upload(&state, user.id, &id).await?;
    let offset = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            Refusal::new(
                ErrorCode::Invalid,
                Reason::MissingHeader {
                    header: "Upload-Offset".into(),
                },
            )
        })?;
    // A transfer outlives the connection's request deadline; silence does not (each read of
    // the body must come within the HTTP timeout).
    let _transfer = deadline.lift();
    let idle = Duration::from_secs(state.config.http_timeout_secs);
    let stream = body.into_data_stream();
    let bytes = futures_util::stream::unfold(stream, move |mut s| async move {
        match tokio::time::timeout(idle, s.next()).await {
            Ok(Some(Ok(b))) => Some((Ok(b), s)),
            Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e.to_string())), s)),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no bytes within the HTTP timeout",
                )),
                s,
            )),
        }
    })
    // The stream ends after its first error.
    .scan(false, |failed, item| {
        let out = if *failed { None } else { Some(item) };
        if let Some(Err(_)) = &out {
            *failed = true;
        }
        std::future::ready(out)
    });
    let held = state
        .blobs
        .append(&id, offset, file.size, Box::pin(bytes))
        .await
        .map_err(blob_refusal)?;
    if held < file.size {
        return Ok(Json(upload_state(&file, held)).into_response());
    }
    let blake3 = if file.content.is_empty() {
        let given = headers
            .get("upload-blake3")
            .map(|v| {
                v.to_str()
                    .ok()
                    .and_then(|h| crate::domain::files::check_hash(h).ok())
                    .ok_or_else(|| Refusal::new(ErrorCode::Invalid, Reason::BadChecksum))
            })
            .transpose()?;
        // A client that sends no hash of its own asks for the server's (its bytes are
        // hashed on receipt anyway): hashing on both ends costs a second pass over the file.
        let server_hash = headers
            .get("upload-server-hash")
            .is_some_and(|v| v.as_bytes() == b"?1");
        match given {
            Some(h) => Some(h),
            None if server_hash => None,
            // Every byte is in; the hash comes with the next request.
            None => return Ok(Json(upload_state(&file, held)).into_response()),
        }
    } else {
        // Declared at the start, as a content key.
        let key = &file.content;
        Some(key.strip_prefix("blake3:").unwrap_or(key).to_owned())
    };
    finish(&state, user.id, file, blake3).await
}

/// The last byte is in: check it against `blake3` if there is one, draw the thumbnail, share
/// the file under its content key.
async fn finish(
    state: &Arc<AppState>,
    user: i64,
    mut file: FileRecord,
    blake3: Option<String>,
) -> Answer<Response> {
    let content = match state.blobs.finish(&file.id, blake3.as_deref()).await {
        Ok(actual) => actual,
        Err(e) => {
            if matches!(e, FilesError::ChecksumMismatch { .. }) {
                // The bytes are gone: the upload starts again from nothing, under a new id.
                let _ = state
                    .writer
                    .write(WriteOp::CancelUpload {
                        user,
                        id: file.id.clone(),
                    })
                    .await;
            }
            return Err(blob_refusal(e));
        }
    };
    file.content = content;
    let (finished, thumbnail_error) = examine(state, &file).await;
    let committed = state
        .writer
        .write(WriteOp::FinishUpload {
            user,
            id: file.id.clone(),
            finished,
        })
        .await
        .map_err(ApiError::from)?;
    let Outcome::File(done) = committed.outcome else {
        return Err(Refusal(ApiError::fault().0));
    };
    let mut answer = upload_state(&done, done.size);
    answer.thumbnail_error = thumbnail_error;
    Ok(Json(answer).into_response())
}

/// What the bytes are: an image's type comes from its bytes, and its thumbnail is drawn
/// (off the async threads); anything else keeps the client's guess.
async fn examine(state: &Arc<AppState>, file: &FileRecord) -> (Finished, Option<Reason>) {
    let mut finished = Finished {
        content: file.content.clone(),
        mime: file.mime.clone(),
        thumbnail: None,
        dimensions: None,
    };
    let Ok((len, mut reader)) = state.blobs.open(&file.content).await else {
        return (finished, None);
    };
    let mut head = vec![0u8; 16];
    let n = read_up_to(&mut reader, &mut head).await;
    head.truncate(n);
    let Some(mime) = confer_files::sniff_image(&head) else {
        // Not an image at all, whatever its name or declared type says.
        if finished.mime.starts_with("image/") {
            finished.mime = "application/octet-stream".into();
            return (finished, Some(Reason::ImageUnreadable));
        }
        return (finished, None);
    };
    finished.mime = mime.to_owned();
    if len > MAX_THUMBNAIL_SOURCE {
        return (
            finished,
            Some(Reason::ImageTooLarge {
                width: 0,
                height: 0,
            }),
        );
    }
    let mut bytes = head;
    if reader.read_to_end(&mut bytes).await.is_err() {
        return (finished, None);
    }
    let drawn = tokio::task::spawn_blocking(move || confer_files::thumbnail(&bytes)).await;
    match drawn {
        Ok(Ok(t)) => {
            finished.dimensions = Some((t.width, t.height));
            match state.blobs.put(t.bytes).await {
                Ok(hash) => finished.thumbnail = Some((hash, t.mime.to_owned())),
                Err(e) => tracing::warn!(error = %e, "a thumbnail could not be stored"),
            }
            (finished, None)
        }
        Ok(Err(ThumbnailError::TooLarge { width, height })) => {
            (finished, Some(Reason::ImageTooLarge { width, height }))
        }
        Ok(Err(e)) => {
            tracing::debug!(file = %file.id, error = %e, "no thumbnail");
            (finished, Some(Reason::ImageUnreadable))
        }
        Err(e) => {
            // The decoder panicked: the file is still shared, without a thumbnail.
            tracing::warn!(file = %file.id, error = %e, "drawing a thumbnail failed");
            (finished, Some(Reason::ImageUnreadable))
        }
    }
}

async fn read_up_to(reader: &mut confer_files::BlobReader, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]).await {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer<Response> {
    let user = caller(&state, &headers).await?;
    state
        .writer
        .write(WriteOp::CancelUpload {
            user: user.id,
            id: id.clone(),
        })
        .await
        .map_err(ApiError::from)?;
    state.blobs.discard(&id).await.map_err(blob_refusal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn shared_file(state: &Arc<AppState>, headers: &HeaderMap, id: &str) -> Answer<FileRecord> {
    let user = caller(state, headers).await?;
    let id = id.to_owned();
    Ok(state.read(move |s| s.file(user.id, &id)).await?)
}

async fn download(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    axum::Extension(deadline): axum::Extension<Deadline>,
    headers: HeaderMap,
) -> Answer<Response> {
    let file = shared_file(&state, &headers, &id).await?;
    let (len, chunks) = state
        .blobs
        .stream(&file.content)
        .await
        .map_err(blob_refusal)?;
    let transfer = deadline.lift();
    // The deadline stays lifted until the last byte is handed to the socket.
    let stream = chunks.map(move |b| {
        let _ = &transfer;
        b
    });
    let mut out = HeaderMap::new();
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&file.name)) {
        out.insert(header::CONTENT_DISPOSITION, v);
    }
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    Ok((out, Body::from_stream(stream)).into_response())
}

async fn thumbnail(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer<Response> {
    let file = shared_file(&state, &headers, &id).await?;
    let Some((hash, mime)) = file.thumbnail else {
        return Err(Refusal::new(ErrorCode::NotFound, Reason::NoThumbnail));
    };
    let (_, mut reader) = state.blobs.open(&hash).await.map_err(blob_refusal)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| blob_refusal(e.into()))?;
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime).unwrap_or_else(|_| HeaderValue::from_static("image/jpeg")),
    );
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok((out, bytes).into_response())
}

/// `attachment` with the name for any client: an ASCII fallback and the UTF-8 name (RFC 6266).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_download_name_survives_quotes_and_accents() {
        assert_eq!(
            super::content_disposition("r\u{e9}sum\u{e9} \"final\".pdf"),
            "attachment; filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
