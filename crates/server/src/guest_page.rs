//! The guest page: external guests open a room's link in a browser (`/join/TOKEN`, the same
//! token as `confer://join/TOKEN`) and get the web UI's guest entry, which then speaks the
//! WebSocket protocol and WebRTC like any client. The files come from the built UI
//! (`web_dir`); the token is the page's to read and the server's to check when the guest
//! joins, so any token gets the page.

use std::{path::PathBuf, sync::Arc};

use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::AppState;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/join/{token}", get(page))
        .route("/assets/{file}", get(asset))
}

/// What a server without the built UI answers.
fn no_page() -> Response {
    (
        StatusCode::NOT_FOUND,
        "This server does not serve the guest page (its web_dir is not set).\n",
    )
        .into_response()
}

async fn page(State(state): State<Arc<AppState>>, Path(_token): Path<String>) -> Response {
    let Some(dir) = &state.config.web_dir else {
        return no_page();
    };
    serve(dir.join("guest.html"), "text/html; charset=utf-8").await
}

async fn asset(State(state): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    let Some(dir) = &state.config.web_dir else {
        return no_page();
    };
    // One plain name: Vite's assets sit flat in `assets/`, and nothing else is served.
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    let kind = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    serve(dir.join("assets").join(&file), kind).await
}

async fn serve(path: PathBuf, kind: &'static str) -> Response {
    match tokio::fs::read(&path).await {
        Ok(body) => ([(header::CONTENT_TYPE, kind)], body).into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "the guest page could not be read");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
