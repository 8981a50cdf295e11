//! Shared files from the client's side: uploads that resume, downloads that never overwrite,
//! a conversation's file list. The bytes go over the server's HTTP endpoints with this
//! device's session token (`confer_files::FileClient`); the rest over the WebSocket.

use std::path::{Path, PathBuf};

use confer_files::{ClientError, FileClient, Progress};
use confer_proto::{Request, Response, SharedFile, UploadState};
use serde::Serialize;
use ts_rs::TS;

use crate::{Client, CoreError, unexpected, ws_url};

impl From<ClientError> for CoreError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Refused(body) => CoreError::Refused(body),
            ClientError::Unreachable(detail) => CoreError::Unreachable(detail.into()),
            ClientError::Io(e) => CoreError::Invalid(e.to_string().into()),
            e => CoreError::Unreachable(e.to_string().into()),
        }
    }
}

/// How far an upload is: bytes the server holds, of the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct TransferProgress {
    /// Bytes sent so far.
    #[ts(type = "number")]
    pub sent: u64,
    /// The file's length.
    #[ts(type = "number")]
    pub total: u64,
}

/// What the preview window shows of a shared file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FilePreview {
    /// An image, as a `data:` URL.
    Image {
        /// The picture.
        url: String,
    },
    /// The beginning of a text file.
    Text {
        /// Up to [`PREVIEW_TEXT_BYTES`] of it, as UTF-8 (invalid sequences replaced).
        text: String,
        /// Whether there is more.
        truncated: bool,
    },
    /// Nothing this app can show (download it instead).
    None,
}

/// The most of a text file a preview shows.
pub const PREVIEW_TEXT_BYTES: u64 = 256 * 1024;
/// Images larger than this are not previewed (downloaded instead).
const PREVIEW_IMAGE_BYTES: u64 = 20 * 1000 * 1000;

fn data_url(mime: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Whether a media type is text a preview can show.
fn is_text(mime: &str, name: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/x-yaml"
        )
        || [
            ".txt", ".md", ".csv", ".log", ".json", ".xml", ".yaml", ".yml", ".toml", ".rs", ".ts",
            ".py",
        ]
        .iter()
        .any(|ext| name.to_ascii_lowercase().ends_with(ext))
}

/// Where a download goes.
#[derive(Debug, Clone, Copy)]
pub enum DownloadTo<'a> {
    /// This very path (replaced if it exists: the caller chose it).
    Path(&'a Path),
    /// This folder, under the file's name, never replacing a file (the Downloads folder).
    Folder(&'a Path),
}

/// Where a download named `name` goes in `dir` without replacing anything there: the name
/// itself, else "name (1).ext", "name (2).ext"… Only the name's last component is used.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let base = if base.is_empty() || base == "." || base == ".." {
        "download"
    } else {
        base
    };
    let (stem, ext) = match base.rfind('.') {
        Some(i) if i > 0 => (&base[..i], &base[i..]),
        _ => (base, ""),
    };
    let mut path = dir.join(base);
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("{stem} ({n}){ext}"));
        n += 1;
    }
    path
}

impl Client {
    /// The file endpoints of the server this device signed in to, with its session token.
    fn file_client(&self) -> Result<FileClient, CoreError> {
        let token = self.inner.tokens.load().ok_or(CoreError::Offline)?;
        let url = self
            .server_info()
            .map_or_else(|| ws_url(self.server()), |(url, _)| url);
        Ok(FileClient::new(&url, &token)?)
    }

    /// Uploads a file into a conversation and shares it there; an interrupted upload of the
    /// same file resumes. Cancelled by dropping the future (the server keeps what it got).
    pub async fn upload_file(
        &self,
        conversation: u64,
        path: &Path,
        progress: Option<Progress>,
        rate: Option<u64>,
    ) -> Result<UploadState, CoreError> {
        if !path.is_file() {
            return Err(CoreError::NotFound(
                format!("There is no file at {}.", path.display()).into(),
            ));
        }
        Ok(self
            .file_client()?
            .with_rate_limit(rate)
            .upload(conversation, path, None, progress)
            .await?)
    }

    /// Downloads a shared file (or its thumbnail) to `to`: that path, or under the server's
    /// name in that folder without replacing anything there. The bytes go to a temporary
    /// file beside it first: an interrupted download leaves nothing under the final name.
    /// Returns where it went and its length.
    pub async fn download_file(
        &self,
        file: &str,
        thumbnail: bool,
        to: DownloadTo<'_>,
    ) -> Result<(PathBuf, u64), CoreError> {
        let dir = match to {
            DownloadTo::Path(p) => p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_owned),
            DownloadTo::Folder(d) => d.to_owned(),
        };
        let local = |e: std::io::Error, p: &Path| {
            CoreError::Invalid(format!("{}: {e}", p.display()).into())
        };
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| local(e, &dir))?;
        let part = dir.join(format!(".{}.confer-part", confer_files::new_upload_id()));
        let out = tokio::fs::File::create(&part)
            .await
            .map_err(|e| local(e, &part))?
            .into_std()
            .await;
        let result = self
            .file_client()?
            .download_to_file(file, thumbnail, out)
            .await;
        let (len, name) = match result {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(e.into());
            }
        };
        let dest = match to {
            DownloadTo::Path(p) => p.to_owned(),
            DownloadTo::Folder(d) => {
                let name = name.unwrap_or_else(|| file.to_owned());
                let name = if thumbnail {
                    format!("thumbnail of {name}.jpg")
                } else {
                    name
                };
                free_path(d, &name)
            }
        };
        tokio::fs::rename(&part, &dest)
            .await
            .map_err(|e| local(e, &dest))?;
        Ok((dest, len))
    }

    /// A file's thumbnail as a `data:` URL, kept in the profile once fetched (thumbnails never
    /// change: a file's id names its bytes).
    pub async fn thumbnail_url(&self, file: &str) -> Result<String, CoreError> {
        if !confer_files::is_upload_id(file) {
            return Err(CoreError::Refused(confer_proto::ErrorBody::new(
                confer_proto::ErrorCode::NotFound,
                confer_proto::Reason::NoSuchFile,
            )));
        }
        let dir = self.inner.config.profile.join("thumbnails");
        let path = dir.join(file);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(_) => {
                self.download_file(file, true, DownloadTo::Path(&path))
                    .await?;
                tokio::fs::read(&path)
                    .await
                    .map_err(|e| CoreError::Cache(e.to_string()))?
            }
        };
        let mime = confer_files::sniff_image(&bytes).unwrap_or("image/jpeg");
        Ok(data_url(mime, &bytes))
    }

    /// What a preview shows of a shared file: an image whole, the beginning of a text.
    pub async fn preview(&self, file: &SharedFile) -> Result<FilePreview, CoreError> {
        let f = &file.file;
        let image = confer_files::is_image_type(&f.mime);
        let text = is_text(&f.mime, &f.name);
        if !(image && f.size <= PREVIEW_IMAGE_BYTES || text) {
            return Ok(FilePreview::None);
        }
        // Only what the preview shows crosses the network (a 100 MB log shows its start).
        let want = if image { f.size } else { PREVIEW_TEXT_BYTES };
        let bytes = self.file_client()?.download_head(&f.id, want).await?;
        let preview = if image {
            FilePreview::Image {
                url: data_url(&f.mime, &bytes),
            }
        } else {
            FilePreview::Text {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                truncated: f.size > PREVIEW_TEXT_BYTES,
            }
        };
        Ok(preview)
    }

    /// Keeps bytes given by the UI (a pasted picture, a file picked in the web view) as a file
    /// of the profile, under its name, for [`Client::upload_file`]; [`Client::unstage`] drops it.
    pub async fn stage_bytes(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, CoreError> {
        let dir = self
            .inner
            .config
            .profile
            .join("outgoing")
            .join(confer_files::new_upload_id());
        let local = |e: std::io::Error| CoreError::Cache(e.to_string());
        tokio::fs::create_dir_all(&dir).await.map_err(local)?;
        let path = free_path(&dir, name);
        tokio::fs::write(&path, bytes).await.map_err(local)?;
        Ok(path)
    }

    /// Drops a file [`Client::stage_bytes`] kept (and nothing else).
    pub async fn unstage(&self, path: &Path) {
        let outgoing = self.inner.config.profile.join("outgoing");
        if let Some(dir) = path
            .parent()
            .filter(|d| d.parent() == Some(outgoing.as_path()))
        {
            let _ = tokio::fs::remove_dir_all(dir).await;
        }
    }

    /// The files shared in a conversation, newest first.
    pub async fn shared_files(&self, conversation: u64) -> Result<Vec<SharedFile>, CoreError> {
        match self
            .inner
            .handle()?
            .request(Request::ListFiles { conversation })
            .await?
        {
            Response::Files { files } => Ok(files),
            other => Err(unexpected(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::free_path;

    #[test]
    fn a_download_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            free_path(dir.path(), "report.pdf"),
            dir.path().join("report.pdf")
        );
        std::fs::write(dir.path().join("report.pdf"), b"mine").unwrap();
        assert_eq!(
            free_path(dir.path(), "report.pdf"),
            dir.path().join("report (1).pdf")
        );
        std::fs::write(dir.path().join("report (1).pdf"), b"mine too").unwrap();
        assert_eq!(
            free_path(dir.path(), "report.pdf"),
            dir.path().join("report (2).pdf")
        );
        assert_eq!(
            free_path(dir.path(), "../../.bashrc"),
            dir.path().join(".bashrc")
        );
        assert_eq!(free_path(dir.path(), ".."), dir.path().join("download"));
    }
}
