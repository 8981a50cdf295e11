//! Moving a file's bytes between the disk and a connection on one blocking thread, without a
//! trip to the blocking pool per read or write and without copying them on the way: an
//! upload's source (the client), a download's blob (the server), and an upload's partial file
//! (the server).

use std::io::{IoSlice, Read, Write};
use std::sync::mpsc;

use bytes::{Buf, Bytes};
use futures_util::Stream;

/// Chunks read ahead of a connection.
pub(crate) type Chunks = tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>;

/// Reads what `open` opens, `chunk` bytes at a time, on one blocking thread that keeps up to
/// `depth` chunks ahead of the receiver; `each` sees every chunk as it goes (to hash it).
/// `open` and `each` share `state`, which the thread gives back at the end: when the file is
/// read, when a read failed (the receiver gets the error), or when the receiver was dropped
/// (the transfer stopped).
pub(crate) fn read_ahead<S, R>(
    chunk: usize,
    depth: usize,
    state: S,
    open: impl FnOnce(&mut S) -> std::io::Result<R> + Send + 'static,
    mut each: impl FnMut(&mut S, &[u8]) + Send + 'static,
) -> (Chunks, tokio::task::JoinHandle<S>)
where
    S: Send + 'static,
    R: Read,
{
    let (tx, rx) = tokio::sync::mpsc::channel(depth);
    let reader = tokio::task::spawn_blocking(move || {
        let mut state = state;
        let mut file = match open(&mut state) {
            Ok(file) => file,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return state;
            }
        };
        let mut pool = Pool::new(chunk);
        loop {
            let mut buf = pool.take();
            let sent = match file.read(&mut buf) {
                Ok(0) => return state,
                Ok(n) => {
                    each(&mut state, &buf[..n]);
                    tx.blocking_send(Ok(pool.lend(buf, n)))
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return state;
                }
            };
            if sent.is_err() {
                return state;
            }
        }
    });
    (rx, reader)
}

/// The chunks as a stream.
pub(crate) fn stream_of(
    mut chunks: Chunks,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| chunks.poll_recv(cx))
}

/// Buffers of one size that come back once the connection is done with what was lent of
/// them. Fresh memory for every chunk would cost a page fault every 4 KiB, and a buffer that
/// had to be zeroed before each read would cost a pass over every byte: these are zeroed once,
/// when first made, and read into as they are after.
struct Pool {
    size: usize,
    home: mpsc::Sender<Vec<u8>>,
    back: mpsc::Receiver<Vec<u8>>,
}

/// What was read into a pooled buffer, on its way to the connection; the buffer goes back to
/// its pool when the last handle on it is dropped (or is freed when the pool is gone).
struct Lent {
    buf: Vec<u8>,
    len: usize,
    home: mpsc::Sender<Vec<u8>>,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let _ = self.home.send(std::mem::take(&mut self.buf));
    }
}

impl Pool {
    fn new(size: usize) -> Self {
        let (home, back) = mpsc::channel();
        Self { size, home, back }
    }

    /// A buffer back from the connection, else a new one: as many exist as are in flight at
    /// once, which the channel's depth bounds.
    fn take(&mut self) -> Vec<u8> {
        self.back.try_recv().unwrap_or_else(|_| vec![0; self.size])
    }

    /// The first `len` bytes of `buf`, lent out.
    fn lend(&self, buf: Vec<u8>, len: usize) -> Bytes {
        Bytes::from_owner(Lent {
            buf,
            len,
            home: self.home.clone(),
        })
    }
}

/// Writes what arrives on `chunks` to `out` on one blocking thread: the chunks waiting are
/// gathered into one vectored write (no copy into a buffer of its own), and `each` sees every
/// chunk first (to hash it). Gives back `state`, how many bytes were written and the first
/// error; after an error the thread stops and the channel closes, so the sender learns it.
pub(crate) fn write_behind<S: Send + 'static>(
    mut out: std::fs::File,
    mut chunks: tokio::sync::mpsc::Receiver<Bytes>,
    state: S,
    mut each: impl FnMut(&mut S, &[u8]) + Send + 'static,
) -> tokio::task::JoinHandle<(S, u64, std::io::Result<()>)> {
    tokio::task::spawn_blocking(move || {
        let mut state = state;
        let mut written = 0u64;
        let mut batch: Vec<Bytes> = Vec::with_capacity(GATHER);
        while let Some(first) = chunks.blocking_recv() {
            batch.push(first);
            while batch.len() < GATHER {
                match chunks.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
            let mut len = 0;
            for chunk in &batch {
                each(&mut state, chunk);
                len += chunk.len() as u64;
            }
            if let Err(e) = write_all(&mut out, &mut batch) {
                return (state, written, Err(e));
            }
            written += len;
        }
        (state, written, Ok(()))
    })
}

/// How many chunks one write gathers at most (the kernel takes up to 1024 slices).
const GATHER: usize = 64;

/// Writes every chunk of `batch` (emptied on success), however the kernel splits the writes.
fn write_all(out: &mut std::fs::File, batch: &mut Vec<Bytes>) -> std::io::Result<()> {
    let mut first = 0;
    while first < batch.len() {
        let slices: Vec<IoSlice<'_>> = batch[first..].iter().map(|b| IoSlice::new(b)).collect();
        let mut n = match out.write_vectored(&slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        while n > 0 {
            let b = &mut batch[first];
            if n >= b.len() {
                n -= b.len();
                first += 1;
            } else {
                b.advance(n);
                n = 0;
            }
        }
    }
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_come_in_order_and_their_buffers_are_reused() -> anyhow::Result<()> {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let source = std::io::Cursor::new(data.clone());
        let (mut rx, reader) = read_ahead(
            4096,
            2,
            0usize,
            move |_| Ok(source),
            |seen: &mut usize, chunk: &[u8]| *seen += chunk.len(),
        );
        let mut got = Vec::new();
        let mut places = std::collections::HashSet::new();
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk?;
            places.insert(chunk.as_ptr() as usize);
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, data);
        assert_eq!(reader.await?, data.len());
        // 25 chunks went through no more than the few buffers in flight at once.
        assert!(places.len() <= 5, "{} buffers for 25 chunks", places.len());
        Ok(())
    }

    #[tokio::test]
    async fn gathered_writes_keep_every_byte_in_order() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out");
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let writer = write_behind(std::fs::File::create(&path)?, rx, 0u64, |seen, chunk| {
            *seen += chunk.len() as u64
        });
        let mut want = Vec::new();
        for i in 0..300u32 {
            let chunk: Vec<u8> = (0..(i * 37 % 5000)).map(|j| (i + j) as u8).collect();
            want.extend_from_slice(&chunk);
            tx.send(Bytes::from(chunk)).await?;
        }
        drop(tx);
        let (seen, len, written) = writer.await?;
        written?;
        assert_eq!((seen, len), (want.len() as u64, want.len() as u64));
        assert_eq!(std::fs::read(&path)?, want);
        Ok(())
    }
}
