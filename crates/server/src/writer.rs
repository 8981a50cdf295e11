//! The single writer: batches write ops from every connection into one transaction each, then
//! acks and fans out. One fsync serves many messages, and an ack always follows the commit, so
//! an acknowledged message is never lost.

use std::{sync::Arc, thread::JoinHandle};

use tokio::sync::{mpsc, oneshot};

use crate::{
    cluster::Fanout,
    metrics::Metrics,
    store::{Committed, Store, StoreError, WriteOp, panic_text},
};

/// Ops taken into one transaction at most.
const MAX_BATCH: usize = 512;

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<Committed, StoreError>>,
}

enum Msg {
    Job(Job),
    /// Look for changes another process committed (see [`Outside`]).
    Tick,
    /// Commit what is queued, then exit.
    Stop,
}

/// How often the writer looks for changes that another process (an admin command: `alias
/// add-member`, say) wrote to the store while it idles.
const OUTSIDE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Changes committed by another process on a one-node store reach the clients through this
/// writer, in position order: it knows every position it fanned out, so a newer position it
/// did not write is someone else's, read back and fanned out before anything newer. (A
/// cluster's sequencer catches up from the database the same way on its own.)
struct Outside {
    /// Every position up to here was fanned out.
    known: u64,
}

impl Outside {
    /// Fans out what others committed up to `upto` (the newest position, as read).
    fn catch_up(&mut self, store: &dyn Store, fanout: &Fanout, node: &str, upto: u64) {
        while self.known < upto {
            match store.stream_since(self.known, 1_000) {
                Ok(rows) if !rows.is_empty() => {
                    let after = self.known;
                    self.known = rows.iter().map(|p| p.position).max().unwrap_or(upto);
                    let rows = rows.into_iter().filter(|p| p.position <= upto).collect();
                    fanout.committed(node, after, rows, Vec::new());
                }
                // Nothing readable (deleted since): clients find out on their next sync.
                Ok(_) => self.known = upto,
                Err(e) => {
                    tracing::warn!(error = %e, "reading changes committed elsewhere failed");
                    return;
                }
            }
        }
    }
}

/// Submits ops to the writer; cloned by every connection. The writer stops once every handle is
/// dropped and the queue is drained.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<Msg>,
}

/// Pending result of a submitted op.
pub type Pending = oneshot::Receiver<Result<Committed, StoreError>>;

impl WriterHandle {
    /// Queues an op. Ops queued by one task commit in the order they were queued.
    pub async fn enqueue(&self, op: WriteOp) -> Result<Pending, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Job(Job { op, reply }))
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(rx)
    }

    /// Asks the writer to commit what is queued and exit; later ops fail with `Closed`.
    pub async fn stop(&self) {
        let _ = self.tx.send(Msg::Stop).await;
    }

    /// Queues an op and waits for its commit.
    pub async fn write(&self, op: WriteOp) -> Result<Committed, StoreError> {
        self.enqueue(op)
            .await?
            .await
            .map_err(|_| StoreError::Closed)?
    }
}

/// The store's upkeep between batches; a failure is logged and retried on the next turn.
fn upkeep(store: &dyn Store) {
    if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| store.maintain()))
        .unwrap_or_else(|panic| Err(StoreError::Fault(panic_text(&panic))))
    {
        tracing::warn!(error = %e, "store upkeep failed");
    }
}

/// Starts the writer thread.
pub fn spawn(
    store: Arc<dyn Store>,
    fanout: Fanout,
    node: String,
    metrics: Arc<Metrics>,
) -> (WriterHandle, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Msg>(4096);
    let local = matches!(fanout, Fanout::Local(_));
    if local {
        // Owned by the writer's channel: it ends once the writer's last handle is gone.
        let weak = tx.downgrade();
        std::thread::Builder::new()
            .name("confer-writer-tick".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(OUTSIDE_EVERY);
                    let Some(tx) = weak.upgrade() else { return };
                    // A full queue means a busy writer, which looks at every batch anyway.
                    if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(Msg::Tick) {
                        return;
                    }
                }
            })
            .expect("spawn writer tick thread");
    }
    let thread = std::thread::Builder::new()
        .name("confer-writer".into())
        .spawn(move || {
            let mut outside = Outside {
                known: store.max_position().unwrap_or(0),
            };
            let mut stopping = false;
            while !stopping {
                let mut jobs = Vec::new();
                let mut tick = false;
                match rx.blocking_recv() {
                    Some(Msg::Job(job)) => jobs.push(job),
                    Some(Msg::Tick) => tick = true,
                    Some(Msg::Stop) | None => stopping = true,
                }
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Msg::Job(job)) => jobs.push(job),
                        Ok(Msg::Tick) => tick = true,
                        Ok(Msg::Stop) => stopping = true,
                        Err(_) => break,
                    }
                }
                if local && tick && jobs.is_empty() {
                    match store.max_position() {
                        Ok(max) => outside.catch_up(store.as_ref(), &fanout, &node, max),
                        Err(e) => tracing::warn!(error = %e, "reading the newest position failed"),
                    }
                }
                if jobs.is_empty() {
                    upkeep(store.as_ref());
                    continue;
                }
                let (ops, replies): (Vec<_>, Vec<_>) =
                    jobs.into_iter().map(|j| (j.op, j.reply)).unzip();
                metrics.batch(ops.len());
                // The store isolates a faulty op; this is the backstop for a fault outside any
                // op, so that the thread every write depends on never dies alone.
                let batch =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| store.write(ops)))
                        .unwrap_or_else(|panic| Err(StoreError::Fault(panic_text(&panic))));
                match batch {
                    Ok(batch) => {
                        // What another process committed before this batch goes out first.
                        if local {
                            outside.catch_up(store.as_ref(), &fanout, &node, batch.after);
                        }
                        let mut changes = Vec::new();
                        let mut notices = Vec::new();
                        for result in &batch.results {
                            match result {
                                Ok(committed) => {
                                    changes.extend(committed.published.iter().cloned());
                                    notices.extend(committed.guest_notices.iter().cloned());
                                }
                                Err(StoreError::Fault(e)) => {
                                    metrics.writer_fault();
                                    tracing::error!(error = %e, "a write op failed on a fault");
                                }
                                Err(_) => {}
                            }
                        }
                        if let Some(newest) = changes.iter().map(|p| p.position).max() {
                            outside.known = outside.known.max(newest);
                        }
                        // Fanned out before the acks, as one batch: a client that sees its ack
                        // has its change on the way to every device.
                        fanout.committed(&node, batch.after, changes, notices);
                        for (result, reply) in batch.results.into_iter().zip(replies) {
                            let _ = reply.send(result);
                        }
                    }
                    Err(e) => {
                        metrics.writer_fault();
                        tracing::error!(error = %e, "write batch failed");
                        for reply in replies {
                            let _ =
                                reply.send(Err(StoreError::Corrupt(format!("write failed: {e}"))));
                        }
                    }
                }
                // After the acks: the upkeep delays the next batch, never this one.
                upkeep(store.as_ref());
            }
            rx.close();
        })
        .expect("spawn writer thread");
    (WriterHandle { tx }, thread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    fn user(name: &str) -> WriteOp {
        WriteOp::CreateUser {
            name: name.into(),
            display_name: name.into(),
            email: None,
            password_hash: "x".into(),
        }
    }

    #[tokio::test]
    async fn a_panicking_op_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let metrics = Arc::new(Metrics::default());
        let fanout = Fanout::Local(crate::hub::Hub::new(64));
        let (writer, thread) = spawn(store.clone(), fanout, "local".into(), metrics.clone());
        // Queued together, so that they usually share one transaction with the faulty op.
        let before = writer.enqueue(user("alice")).await.unwrap();
        let faulty = writer.enqueue(WriteOp::Panic).await.unwrap();
        let after = writer.enqueue(user("bob")).await.unwrap();
        assert!(before.await.unwrap().is_ok());
        assert!(matches!(faulty.await.unwrap(), Err(StoreError::Fault(m)) if m == "a faulty op"));
        assert!(after.await.unwrap().is_ok());
        // Later writes go through, and what the others wrote was committed.
        writer.write(user("carol")).await.unwrap();
        for name in ["alice", "bob", "carol"] {
            assert!(store.user_by_name(name).unwrap().is_some(), "{name}");
        }
        assert!(
            metrics
                .render()
                .contains("\nconfer_writer_faults_total 1\n")
        );
        writer.stop().await;
        thread.join().unwrap();
    }
}
