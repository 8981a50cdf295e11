//! The blob store: partial uploads that grow and resume, finished blobs under their content
//! key: `blake3:<hex>`, or `sha256:<hex>` for blobs stored before BLAKE3 (kept where they were).
//!
//! BLAKE3 because the server hashes every upload as it arrives, on the path of the bytes:
//! SHA-256 (even with the CPU's SHA instructions, about 0.7 s a GB here) held uploads to
//! 0.75x of curl's speed, and uploading without any hash reached 1.28x
//! (`confer-bench files --mb 1000 --runs 5`).

use std::{
    collections::{HashMap, HashSet},
    io::Read,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, Mutex},
};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncRead;

use crate::FilesError;

/// The bytes of one chunk of an upload, as they arrive.
pub type Body = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;
/// A blob being read.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// Where uploads and blobs are kept. Upload ids come from [`new_upload_id`]; blobs are named
/// by their content key ([`content_key`]: the lowercase hex BLAKE3 of their bytes, marked).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// How many bytes upload `upload` holds (0 before its first chunk).
    async fn held(&self, upload: &str) -> Result<u64, FilesError>;
    /// Appends a chunk that starts at `offset` (which must be what the upload holds) and
    /// returns what it holds after. Bytes that arrived before an interruption are kept, so
    /// that the upload resumes after them; more than `declared` in all is refused.
    async fn append(
        &self,
        upload: &str,
        offset: u64,
        declared: u64,
        body: Body,
    ) -> Result<u64, FilesError>;
    /// Keeps a complete upload as the blob named by its content key, which it returns; with a
    /// declared BLAKE3 (hex), checks it first (a mismatch drops the partial).
    async fn finish(&self, upload: &str, blake3: Option<&str>) -> Result<String, FilesError>;
    /// Drops an upload's bytes (cancelled, or refused at the end).
    async fn discard(&self, upload: &str) -> Result<(), FilesError>;
    /// Stores small bytes (a thumbnail) whole; returns their content key.
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FilesError>;
    /// Opens a blob: its length and its bytes.
    async fn open(&self, key: &str) -> Result<(u64, BlobReader), FilesError>;
    /// A blob's length and its bytes as a stream of chunks, for sending it whole.
    async fn stream(&self, key: &str) -> Result<(u64, BlobStream), FilesError> {
        let (len, reader) = self.open(key).await?;
        Ok((
            len,
            Box::pin(tokio_util::io::ReaderStream::with_capacity(
                reader,
                STREAM_CHUNK,
            )),
        ))
    }
}

/// A blob being sent: its bytes in chunks.
pub type BlobStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// The size of the chunks a blob is sent in.
const STREAM_CHUNK: usize = 256 * 1024;

/// A fresh upload id: 128 random bits in hex (also the file's id once finished).
pub fn new_upload_id() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// Whether `id` has the form of an upload id (it becomes a file name: nothing else passes).
pub fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The content key of bytes whose BLAKE3 is `hex`: what names their blob.
pub fn content_key(hex: &str) -> String {
    format!("blake3:{hex}")
}

/// The lowercase hex BLAKE3 of bytes.
pub fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Blobs in a directory: `partial/<upload id>` while uploading, `blobs/blake3/<first two hex
/// digits>/<hex>` when finished (`blobs/<first two>/<hex>` for those named by SHA-256 before).
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    /// Uploads a chunk is being written to: a second writer at once would interleave bytes.
    busy: Arc<Mutex<HashSet<String>>>,
    /// The BLAKE3 of each upload's bytes so far, fed as they are written, so that finishing
    /// does not read the file back. Only a hint: one that does not cover exactly what the
    /// partial holds (the process restarted, a write failed) is rebuilt from the file.
    running: Arc<Mutex<HashMap<String, Running>>>,
}

/// A hash of an upload's first `len` bytes.
#[derive(Debug)]
struct Running {
    len: u64,
    hasher: blake3::Hasher,
}

/// Running hashes kept at most (one is about 2 KB); past that they are dropped and
/// rebuilt from their files when their uploads go on.
const MAX_RUNNING: usize = 10_000;

/// Marks an upload busy for as long as it lives.
struct Busy {
    set: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl FsBlobStore {
    /// A store under `root`, created when missing.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, FilesError> {
        let root = root.into();
        std::fs::create_dir_all(root.join("partial"))?;
        std::fs::create_dir_all(root.join("blobs"))?;
        Ok(Self {
            root,
            busy: Arc::default(),
            running: Arc::default(),
        })
    }

    /// The running hash of an upload that holds `held` bytes: the one kept if it covers them,
    /// else read from the partial file (an upload resumed after a restart).
    async fn running_at(
        &self,
        upload: &str,
        path: &Path,
        held: u64,
    ) -> Result<Running, FilesError> {
        let kept = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(upload);
        match kept {
            Some(r) if r.len == held => Ok(r),
            _ if held == 0 => Ok(Running {
                len: 0,
                hasher: blake3::Hasher::new(),
            }),
            _ => {
                let path = path.to_owned();
                tokio::task::spawn_blocking(move || hash_prefix(&path, held))
                    .await
                    .map_err(|e| FilesError::Io(std::io::Error::other(e.to_string())))?
            }
        }
    }

    fn keep_running(&self, upload: &str, running: Running) {
        let mut map = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_RUNNING {
            map.clear();
        }
        map.insert(upload.to_owned(), running);
    }

    fn partial(&self, upload: &str) -> Result<PathBuf, FilesError> {
        if !is_upload_id(upload) {
            return Err(FilesError::NotFound);
        }
        Ok(self.root.join("partial").join(upload))
    }

    fn blob(&self, key: &str) -> Result<PathBuf, FilesError> {
        let blobs = self.root.join("blobs");
        match key.split_once(':') {
            Some(("blake3", h)) if is_hash(h) => Ok(blobs.join("blake3").join(&h[..2]).join(h)),
            // Stored before BLAKE3: left where they were.
            Some(("sha256", h)) if is_hash(h) => Ok(blobs.join(&h[..2]).join(h)),
            _ => Err(FilesError::NotFound),
        }
    }

    fn claim(&self, upload: &str) -> Result<Busy, FilesError> {
        let mut set = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if !set.insert(upload.to_owned()) {
            return Err(FilesError::Busy);
        }
        Ok(Busy {
            set: self.busy.clone(),
            id: upload.to_owned(),
        })
    }

    /// Moves a file under its content key (or drops it when that blob exists already).
    fn keep(&self, from: &Path, key: &str) -> Result<(), FilesError> {
        let to = self.blob(key)?;
        if to.exists() {
            std::fs::remove_file(from)?;
            return Ok(());
        }
        std::fs::create_dir_all(to.parent().expect("a blob's path has a parent"))?;
        std::fs::rename(from, &to)?;
        Ok(())
    }
}

fn len_of(path: &Path) -> Result<u64, FilesError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// The running hash of a file's first `len` bytes, read in blocks (memory stays flat whatever
/// its size).
fn hash_prefix(path: &Path, len: u64) -> Result<Running, FilesError> {
    let mut file = std::fs::File::open(path)?.take(len);
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut read = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        read += n as u64;
    }
    Ok(Running { len: read, hasher })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn held(&self, upload: &str) -> Result<u64, FilesError> {
        len_of(&self.partial(upload)?)
    }

    async fn append(
        &self,
        upload: &str,
        offset: u64,
        declared: u64,
        mut body: Body,
    ) -> Result<u64, FilesError> {
        let path = self.partial(upload)?;
        let _busy = self.claim(upload)?;
        let held = len_of(&path)?;
        if held != offset {
            return Err(FilesError::OffsetMismatch { held, offset });
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await?
            .into_std()
            .await;
        let running = self.running_at(upload, &path, held).await?;
        // One blocking thread takes what arrives while the connection goes on receiving: it
        // hashes each chunk, then writes the chunks waiting in one go (no copy). Hashed as it
        // arrives: far cheaper than reading the file back. (A thread each for hashing and
        // writing was slower with both ends of the transfer on the same two cores: upload
        // medians of 693 against 753 MB/s with SHA-256, `confer-bench files --runs 5` each.)
        let (to_disk, disk_rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let writer = crate::ahead::write_behind(file, disk_rx, running, |running, chunk| {
            running.hasher.update(chunk);
            running.len += chunk.len() as u64;
        });
        let mut len = held;
        let mut failure = None;
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(bytes) => {
                    if len + bytes.len() as u64 > declared {
                        failure = Some(FilesError::TooLong { declared });
                        break;
                    }
                    len += bytes.len() as u64;
                    // A closed channel means the writer failed: its error is the one reported.
                    if to_disk.send(bytes).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(FilesError::Interrupted(e.to_string()));
                    break;
                }
            }
        }
        drop(to_disk);
        // What arrived stays: the upload resumes after it. After a failed write the running
        // hash covers more than the file holds, and is rebuilt from the file if it goes on.
        let joined =
            |e: tokio::task::JoinError| FilesError::Io(std::io::Error::other(e.to_string()));
        let (running, written_len, written) = writer.await.map_err(joined)?;
        let len = held + written_len;
        self.keep_running(upload, running);
        written?;
        match failure {
            None => Ok(len),
            Some(e) => Err(e),
        }
    }

    async fn finish(&self, upload: &str, blake3: Option<&str>) -> Result<String, FilesError> {
        let path = self.partial(upload)?;
        let _busy = self.claim(upload)?;
        let declared = blake3.map(str::to_ascii_lowercase);
        let kept = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(upload);
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            if !path.exists() {
                // An empty file never had a chunk.
                std::fs::File::create(&path)?;
            }
            let held = len_of(&path)?;
            let running = match kept {
                Some(r) if r.len == held => r,
                _ => hash_prefix(&path, held)?,
            };
            let actual = running.hasher.finalize().to_hex().to_string();
            if let Some(declared) = declared
                && actual != declared
            {
                std::fs::remove_file(&path)?;
                return Err(FilesError::ChecksumMismatch { declared, actual });
            }
            let key = content_key(&actual);
            this.keep(&path, &key)?;
            Ok(key)
        })
        .await
        .map_err(|e| FilesError::Io(std::io::Error::other(e.to_string())))?
    }

    async fn discard(&self, upload: &str) -> Result<(), FilesError> {
        let path = self.partial(upload)?;
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(upload);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn put(&self, bytes: Vec<u8>) -> Result<String, FilesError> {
        let key = content_key(&blake3_hex(&bytes));
        let tmp = self.partial(&new_upload_id())?;
        tokio::fs::write(&tmp, &bytes).await?;
        let this = self.clone();
        let kept = key.clone();
        tokio::task::spawn_blocking(move || this.keep(&tmp, &kept))
            .await
            .map_err(|e| FilesError::Io(std::io::Error::other(e.to_string())))??;
        Ok(key)
    }

    async fn open(&self, key: &str) -> Result<(u64, BlobReader), FilesError> {
        let path = self.blob(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FilesError::NotFound);
            }
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        Ok((len, Box::pin(file)))
    }

    async fn stream(&self, key: &str) -> Result<(u64, BlobStream), FilesError> {
        let path = self.blob(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f.into_std().await,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FilesError::NotFound);
            }
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata()?.len();
        let (chunks, _reader) =
            crate::ahead::read_ahead(STREAM_CHUNK, 8, (), move |_| Ok(file), |_, _| {});
        Ok((len, Box::pin(crate::ahead::stream_of(chunks))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn body(chunks: Vec<Result<&'static [u8], &'static str>>) -> Body {
        Box::pin(futures_util::stream::iter(chunks.into_iter().map(|c| {
            c.map(Bytes::from_static)
                .map_err(|e| std::io::Error::other(e.to_owned()))
        })))
    }

    /// The BLAKE3 a client declares.
    fn b3(bytes: &[u8]) -> String {
        blake3_hex(bytes)
    }

    /// The content key the store names the blob by.
    fn key(bytes: &[u8]) -> String {
        content_key(&b3(bytes))
    }

    #[tokio::test]
    async fn without_a_declared_hash_the_blob_is_named_by_its_own() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FsBlobStore::open(dir.path())?;
        let id = new_upload_id();
        store
            .append(&id, 0, 5, body(vec![Ok(b"he"), Ok(b"llo")]))
            .await?;
        assert_eq!(store.finish(&id, None).await?, key(b"hello"));
        let (len, mut reader) = store.open(&key(b"hello")).await?;
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await?;
        assert_eq!((len, back.as_slice()), (5, b"hello".as_slice()));
        Ok(())
    }

    #[tokio::test]
    async fn an_interrupted_upload_keeps_its_bytes_and_resumes_to_the_declared_hash()
    -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FsBlobStore::open(dir.path())?;
        let id = new_upload_id();
        let whole = b"hello, shared world";
        assert_eq!(store.held(&id).await?, 0);
        // The client goes away after the first bytes.
        let cut = store
            .append(&id, 0, 19, body(vec![Ok(b"hello, "), Err("reset")]))
            .await;
        assert!(matches!(cut, Err(FilesError::Interrupted(_))), "{cut:?}");
        assert_eq!(store.held(&id).await?, 7);
        // A stale offset is refused, and changes nothing.
        let stale = store.append(&id, 0, 19, body(vec![Ok(b"x")])).await;
        assert!(matches!(
            stale,
            Err(FilesError::OffsetMismatch { held: 7, offset: 0 })
        ));
        assert_eq!(
            store
                .append(&id, 7, 19, body(vec![Ok(b"shared world")]))
                .await?,
            19
        );
        assert_eq!(store.finish(&id, Some(&b3(whole))).await?, key(whole));
        let (len, mut reader) = store.open(&key(whole)).await?;
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await?;
        assert_eq!((len, back.as_slice()), (19, &whole[..]));
        assert_eq!(store.held(&id).await?, 0, "the partial is gone");
        Ok(())
    }

    #[tokio::test]
    async fn the_hash_kept_on_receipt_gives_way_to_the_bytes_on_disk() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let id = new_upload_id();
        {
            let store = FsBlobStore::open(dir.path())?;
            store
                .append(&id, 0, 12, body(vec![Ok(b"abcd"), Err("reset")]))
                .await
                .unwrap_err();
        }
        // A restarted server has no running hash: it reads the partial's bytes once.
        let store = FsBlobStore::open(dir.path())?;
        store.append(&id, 4, 12, body(vec![Ok(b"efgh")])).await?;
        // Bytes changed behind the store's back (a disk repaired, a partial truncated): the
        // hash follows what the partial holds, not what was received.
        let partial = dir.path().join("partial").join(&id);
        std::fs::write(&partial, b"abcdEF")?;
        store.append(&id, 6, 12, body(vec![Ok(b"ghijkl")])).await?;
        let wrong = store.finish(&id, Some(&b3(b"abcdefghijkl"))).await;
        assert!(
            matches!(wrong, Err(FilesError::ChecksumMismatch { .. })),
            "{wrong:?}"
        );
        // Appends in one process, finished from the running hash.
        let id = new_upload_id();
        store.append(&id, 0, 12, body(vec![Ok(b"abcdEF")])).await?;
        store.append(&id, 6, 12, body(vec![Ok(b"ghijkl")])).await?;
        store.finish(&id, Some(&b3(b"abcdEFghijkl"))).await?;
        let (len, _) = store.open(&key(b"abcdEFghijkl")).await?;
        assert_eq!(len, 12);
        Ok(())
    }

    #[tokio::test]
    async fn too_many_bytes_or_the_wrong_hash_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FsBlobStore::open(dir.path())?;
        let id = new_upload_id();
        let long = store
            .append(&id, 0, 4, body(vec![Ok(b"abc"), Ok(b"de")]))
            .await;
        assert!(
            matches!(long, Err(FilesError::TooLong { declared: 4 })),
            "{long:?}"
        );
        assert_eq!(store.held(&id).await?, 3);
        store.append(&id, 3, 4, body(vec![Ok(b"d")])).await?;
        let wrong = store.finish(&id, Some(&b3(b"abcx"))).await;
        assert!(
            matches!(wrong, Err(FilesError::ChecksumMismatch { .. })),
            "{wrong:?}"
        );
        assert!(matches!(
            store.open(&key(b"abcd")).await,
            Err(FilesError::NotFound)
        ));
        assert_eq!(store.held(&id).await?, 0, "a refused upload starts again");
        Ok(())
    }

    #[tokio::test]
    async fn blobs_stored_under_their_sha256_before_blake3_still_open() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        // Where a store kept "hello" before BLAKE3 named blobs.
        let sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        let old = dir.path().join("blobs").join(&sha[..2]);
        std::fs::create_dir_all(&old)?;
        std::fs::write(old.join(sha), b"hello")?;
        let store = FsBlobStore::open(dir.path())?;
        let (len, mut reader) = store.open(&format!("sha256:{sha}")).await?;
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await?;
        assert_eq!((len, back.as_slice()), (5, b"hello".as_slice()));
        // The same bytes uploaded now are named by their BLAKE3, beside it.
        assert_eq!(store.put(b"hello".to_vec()).await?, key(b"hello"));
        assert!(key(b"hello").starts_with("blake3:"));
        Ok(())
    }

    #[tokio::test]
    async fn ids_and_hashes_that_are_not_hex_never_reach_the_disk() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FsBlobStore::open(dir.path())?;
        for bad in ["../../etc/passwd", "", "ABCDEF0123456789ABCDEF0123456789"] {
            assert!(
                matches!(store.held(bad).await, Err(FilesError::NotFound)),
                "{bad}"
            );
            assert!(
                matches!(store.open(bad).await, Err(FilesError::NotFound)),
                "{bad}"
            );
        }
        // A key names its hash: bare hex, or an unknown hash, is no key.
        for bad in [b3(b"same"), format!("md5:{}", b3(b"same"))] {
            assert!(
                matches!(store.open(&bad).await, Err(FilesError::NotFound)),
                "{bad}"
            );
        }
        // The same bytes twice are one blob.
        let a = store.put(b"same".to_vec()).await?;
        let b = store.put(b"same".to_vec()).await?;
        assert_eq!(a, b);
        assert_eq!(std::fs::read_dir(dir.path().join("partial"))?.count(), 0);
        Ok(())
    }
}
