//! Fan-out of committed changes, on one node or across a cluster.
//!
//! On one node the writer hands each committed batch straight to the [`Hub`]. In a cluster
//! (PostgreSQL + NATS) every node's writer commits on its own, so a node hears of changes from
//! two sources: its writer, and the other nodes' announcements over NATS (`confer.stream`). The
//! database is the truth; NATS only announces. Each batch carries `after`, the newest position
//! committed before it (the stream lock makes commits follow position order), so a node can
//! chain batches: it delivers a batch once everything up to its `after` was delivered, holds
//! it otherwise, and when a gap stays open (an announcement lost while NATS restarted, or a
//! node killed between its commit and its announcement) it reads the missing rows from the
//! database. A node that hears nothing still notices, by polling the newest position.
//!
//! Within a node, changes therefore reach the hub strictly in position order, which is what
//! lets a connection skip live changes at or below the position it resumed from.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::{
    hub::Hub,
    metrics::Metrics,
    presence::{PresenceOp, PresenceTracker, remote_record},
    store::{GuestNotice, Published, Store, UserId},
};

/// A typing indicator for the users it concerns, whichever node their devices are on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypingNote {
    /// The node it comes from (which delivered it to its own devices already).
    pub node: String,
    /// The recipients with the event each gets (the typist's name differs by viewer in an
    /// alias conversation).
    pub events: Vec<(UserId, confer_proto::Event)>,
}

/// A change to a user's presence on one node, for the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceNote {
    /// The user.
    pub user: UserId,
    /// Their account name.
    pub name: String,
    /// Their chosen status as stored (for a node that has not seen them yet).
    pub choice: confer_proto::PresenceChoice,
    /// Their custom message as stored.
    pub message: Option<String>,
    /// When they were last seen.
    pub last_seen: Option<i64>,
    /// The change (its connection id names the node).
    pub op: PresenceOp,
}

impl PresenceNote {
    /// The note for a change of `user`'s presence.
    pub fn new(user: &crate::store::UserRecord, op: PresenceOp) -> Self {
        Self {
            user: user.id,
            name: user.info.name.clone(),
            choice: user.settings.status,
            message: user.settings.status_message.clone(),
            last_seen: user.last_seen,
            op,
        }
    }
}

/// What nodes say about themselves; `base` is a node's connection id base.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum NodeNote {
    /// Just started (a restart too: its earlier devices are gone).
    Hello { base: u64 },
    /// Still here.
    Alive { base: u64 },
    /// Please announce your devices again (sent on hearing of a node one had given up on).
    Resend { base: u64 },
}

/// The node a connection id belongs to.
fn node_of(conn: u64) -> u64 {
    conn >> 40
}

/// A node's presence side: its own devices' notes out, the others' in, and who is alive.
pub struct ClusterPresence {
    /// This node's connection id base.
    pub base: u64,
    /// The tracker both sides update.
    pub tracker: Arc<PresenceTracker>,
    /// Notes of this node's changes.
    pub notes: mpsc::Receiver<PresenceNote>,
    /// Typing indicators of this node's users, for the other nodes' devices.
    pub typing: mpsc::Receiver<TypingNote>,
}

/// NATS subject of committed batches.
const STREAM_SUBJECT: &str = "confer.stream";
/// NATS subject of notices for external guests' connections (ids are cluster-wide).
const GUESTS_SUBJECT: &str = "confer.guests";
/// NATS subject of presence changes (each node tracks its own devices and the others').
const PRESENCE_SUBJECT: &str = "confer.presence";
/// NATS subject of typing indicators (never stored; best effort).
const TYPING_SUBJECT: &str = "confer.typing";
/// NATS subject of node heartbeats and greetings.
const NODES_SUBJECT: &str = "confer.nodes";
/// How often a node says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A node not heard of for this long is gone: its devices go offline everywhere.
const NODE_TIMEOUT: Duration = Duration::from_secs(5);
/// Presence notes queued from the connections to the fan-out task.
pub const PRESENCE_QUEUE: usize = 65_536;
/// How often a node checks for a gap.
const TICK: Duration = Duration::from_millis(100);
/// How long a gap may stay open before the node reads the database.
const GAP_GRACE: Duration = Duration::from_millis(200);
/// Rows read per catch-up query.
const CATCH_UP_PAGE: u32 = 1000;
/// Batches queued from the writer to the fan-out task.
pub const LOCAL_QUEUE: usize = 4096;

/// A committed batch as the nodes announce it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Announcement {
    /// The announcing node.
    pub node: String,
    /// The newest position committed before the batch.
    pub after: u64,
    /// Its changes, in position order.
    pub changes: Vec<Published>,
}

/// Where the writer hands committed batches.
#[derive(Clone)]
pub enum Fanout {
    /// One process: straight to the hub.
    Local(Arc<Hub>),
    /// A node of a cluster: through the ordering task.
    Cluster(mpsc::Sender<(Announcement, Vec<GuestNotice>)>),
}

impl Fanout {
    /// A committed batch (called on the writer thread, after the commit).
    pub fn committed(
        &self,
        node: &str,
        after: u64,
        changes: Vec<Published>,
        notices: Vec<GuestNotice>,
    ) {
        match self {
            Self::Local(hub) => {
                for p in &changes {
                    hub.publish(p);
                }
                hub.notify_guests(&notices);
            }
            Self::Cluster(tx) => {
                let a = Announcement {
                    node: node.to_owned(),
                    after,
                    changes,
                };
                // Blocking is right here: the writer waits rather than drop a committed
                // change (the task drains quickly; it never waits on the writer).
                if tx.blocking_send((a, notices)).is_err() {
                    tracing::warn!("the fan-out task is gone; clients will catch up on resume");
                }
            }
        }
    }
}

/// Delivers changes to the hub in position order.
struct Sequencer {
    /// Every position up to here was delivered (or never concerned anyone).
    delivered: u64,
    /// Batches waiting for an earlier one, by their `after`.
    pending: BTreeMap<u64, Vec<Vec<Published>>>,
    /// Since when a gap below the newest known position has been open.
    gap_since: Option<Instant>,
}

impl Sequencer {
    fn new(delivered: u64) -> Self {
        Self {
            delivered,
            pending: BTreeMap::new(),
            gap_since: None,
        }
    }

    /// Takes a batch; delivers it and whatever it unblocks, in order.
    fn offer(&mut self, hub: &Hub, after: u64, changes: Vec<Published>) {
        if changes.is_empty() {
            return;
        }
        self.pending.entry(after).or_default().push(changes);
        self.drain(hub);
    }

    fn drain(&mut self, hub: &Hub) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > self.delivered {
                break;
            }
            for batch in entry.remove() {
                self.deliver(hub, batch);
            }
        }
        if self.pending.is_empty() {
            self.gap_since = None;
        } else if self.gap_since.is_none() {
            self.gap_since = Some(Instant::now());
        }
    }

    fn deliver(&mut self, hub: &Hub, changes: Vec<Published>) {
        for p in changes {
            // Already delivered from another source (the database, or a duplicate).
            if p.position > self.delivered {
                hub.publish(&p);
                self.delivered = p.position;
            }
        }
    }
}

/// Runs a node's fan-out until `shutdown` fires: local batches, the other nodes' batches and
/// guest notices from NATS, and catch-up reads when a gap stays open.
#[allow(clippy::too_many_arguments)]
pub async fn run_node(
    node: String,
    nats: async_nats::Client,
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    metrics: Arc<Metrics>,
    mut local: mpsc::Receiver<(Announcement, Vec<GuestNotice>)>,
    mut presence: ClusterPresence,
    mut shutdown: tokio::sync::broadcast::Receiver<()>,
) {
    let start = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.max_position()).await
    };
    let Ok(Ok(start)) = start else {
        tracing::error!("cannot read the newest stream position; the fan-out task stops");
        return;
    };
    let mut seq = Sequencer::new(start);
    let mut stream = match nats.subscribe(STREAM_SUBJECT).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to the cluster's stream");
            return;
        }
    };
    let mut guests = match nats.subscribe(GUESTS_SUBJECT).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to the cluster's guest notices");
            return;
        }
    };
    let (mut presence_in, mut nodes_in, mut typing_in) = match (
        nats.subscribe(PRESENCE_SUBJECT).await,
        nats.subscribe(NODES_SUBJECT).await,
        nats.subscribe(TYPING_SUBJECT).await,
    ) {
        (Ok(p), Ok(n), Ok(t)) => (p, n, t),
        _ => {
            tracing::error!("cannot subscribe to the cluster's presence");
            return;
        }
    };
    let say = |note: NodeNote| {
        let nats = nats.clone();
        async move {
            if let Ok(bytes) = serde_json::to_vec(&note) {
                let _ = nats.publish(NODES_SUBJECT, bytes.into()).await;
            }
        }
    };
    say(NodeNote::Hello {
        base: presence.base,
    })
    .await;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    // Other nodes by base, and when each was last heard of.
    let mut alive: std::collections::HashMap<u64, Instant> = std::collections::HashMap::new();
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    };
    let mut tick = tokio::time::interval(TICK);
    // Behind the newest committed position since when (the poll that catches what NATS lost).
    let mut behind_since: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = shutdown.recv() => break,
            Some((a, notices)) = local.recv() => {
                if !a.changes.is_empty() {
                    match serde_json::to_vec(&a) {
                        Ok(bytes) => {
                            // Lost while NATS is down: the other nodes then read the database.
                            if let Err(e) = nats.publish(STREAM_SUBJECT, bytes.into()).await {
                                tracing::debug!(error = %e, "announcing a batch failed");
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "cannot encode a batch"),
                    }
                }
                if !notices.is_empty() {
                    hub.notify_guests(&notices);
                    if let Ok(bytes) = serde_json::to_vec(&notices) {
                        let _ = nats.publish(GUESTS_SUBJECT, bytes.into()).await;
                    }
                }
                seq.offer(&hub, a.after, a.changes);
            }
            Some(msg) = stream.next() => {
                match serde_json::from_slice::<Announcement>(&msg.payload) {
                    Ok(a) if a.node != node => seq.offer(&hub, a.after, a.changes),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "an unreadable announcement"),
                }
            }
            Some(note) = presence.typing.recv() => {
                if let Ok(bytes) = serde_json::to_vec(&note) {
                    let _ = nats.publish(TYPING_SUBJECT, bytes.into()).await;
                }
            }
            Some(msg) = typing_in.next() => {
                match serde_json::from_slice::<TypingNote>(&msg.payload) {
                    Ok(note) if note.node != node => {
                        for (user, event) in note.events {
                            hub.send_event([user], event);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "an unreadable typing note"),
                }
            }
            Some(note) = presence.notes.recv() => {
                if let Ok(bytes) = serde_json::to_vec(&note) {
                    // Lost while NATS is down: then the node's heartbeats stop too, the others
                    // give up on its devices, and ask for them again when it comes back.
                    let _ = nats.publish(PRESENCE_SUBJECT, bytes.into()).await;
                }
            }
            Some(msg) = presence_in.next() => {
                if let Ok(note) = serde_json::from_slice::<PresenceNote>(&msg.payload) {
                    let record =
                        remote_record(note.user, &note.name, note.choice, note.message, note.last_seen);
                    presence.tracker.apply(&record, note.op);
                }
            }
            Some(msg) = nodes_in.next() => {
                let Ok(note) = serde_json::from_slice::<NodeNote>(&msg.payload) else {
                    continue;
                };
                match note {
                    NodeNote::Hello { base } => {
                        // A node (re)started: whatever it had before is gone; it learns ours.
                        presence.tracker.drop_devices(|c| node_of(c) == node_of(base), now_ms());
                        alive.insert(base, Instant::now());
                        announce_devices(&nats, &presence).await;
                    }
                    NodeNote::Alive { base } => {
                        if alive.insert(base, Instant::now()).is_none() {
                            say(NodeNote::Resend { base }).await;
                        }
                    }
                    NodeNote::Resend { base } if base == presence.base => {
                        announce_devices(&nats, &presence).await;
                    }
                    NodeNote::Resend { .. } => {}
                }
            }
            _ = heartbeat.tick() => {
                say(NodeNote::Alive { base: presence.base }).await;
                let gone: Vec<u64> = alive
                    .iter()
                    .filter(|(_, at)| at.elapsed() > NODE_TIMEOUT)
                    .map(|(b, _)| *b)
                    .collect();
                for base in gone {
                    tracing::warn!(base, "a cluster node went silent; its devices go offline");
                    alive.remove(&base);
                    presence.tracker.drop_devices(|c| node_of(c) == node_of(base), now_ms());
                }
            }
            Some(msg) = guests.next() => {
                // Connection ids are cluster-wide: only the node holding one delivers.
                if let Ok(notices) = serde_json::from_slice::<Vec<GuestNotice>>(&msg.payload) {
                    hub.notify_guests(&notices);
                }
            }
            _ = tick.tick() => {
                let gap_open = seq.gap_since.is_some_and(|t| t.elapsed() >= GAP_GRACE);
                let newest = {
                    let store = store.clone();
                    tokio::task::spawn_blocking(move || store.max_position()).await
                };
                let behind = matches!(newest, Ok(Ok(n)) if n > seq.delivered);
                behind_since = match (behind, behind_since) {
                    (false, _) => None,
                    (true, None) => Some(Instant::now()),
                    (true, since) => since,
                };
                let lost = behind_since.is_some_and(|t| t.elapsed() >= GAP_GRACE);
                if gap_open || lost {
                    metrics.catch_up();
                    catch_up(&store, &hub, &mut seq).await;
                    behind_since = None;
                }
            }
        }
    }
}

/// Tells the other nodes about every device of this node.
async fn announce_devices(nats: &async_nats::Client, presence: &ClusterPresence) {
    let base = node_of(presence.base);
    for (record, ops) in presence.tracker.devices_matching(|c| node_of(c) == base) {
        for op in ops {
            if let Ok(bytes) = serde_json::to_vec(&PresenceNote::new(&record, op)) {
                let _ = nats.publish(PRESENCE_SUBJECT, bytes.into()).await;
            }
        }
    }
}

/// Reads what this node missed from the database and delivers it, then whatever waited.
async fn catch_up(store: &Arc<dyn Store>, hub: &Hub, seq: &mut Sequencer) {
    loop {
        let after = seq.delivered;
        let page = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.stream_since(after, CATCH_UP_PAGE)).await
        };
        let rows = match page {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "catching up from the database failed");
                return;
            }
            Err(_) => return,
        };
        let full = rows.len() == CATCH_UP_PAGE as usize;
        seq.deliver(hub, rows);
        if !full {
            break;
        }
    }
    seq.drain(hub);
}

/// Connects to NATS; the client reconnects by itself for as long as the node runs.
pub async fn connect(url: &str, node: &str) -> Result<async_nats::Client, crate::ServerError> {
    async_nats::ConnectOptions::new()
        .name(format!("confer-server {node}"))
        .no_echo()
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(|e| crate::ServerError::Config(format!("cannot connect to NATS at {url}: {e}")))
}
