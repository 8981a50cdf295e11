//! Counters served at `GET /metrics` in the Prometheus text format.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        Mutex,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};

use confer_proto::ErrorCode;

/// Process-wide counters.
#[derive(Default)]
pub struct Metrics {
    connections_active: AtomicI64,
    connections_total: AtomicU64,
    connections_rejected: AtomicU64,
    frames_in: AtomicU64,
    messages_stored: AtomicU64,
    write_batches: AtomicU64,
    write_ops: AtomicU64,
    login_failures: AtomicU64,
    writer_faults: AtomicU64,
    health_failures: AtomicU64,
    catch_ups: AtomicU64,
    errors: Mutex<BTreeMap<&'static str, u64>>,
    link_previews: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// A WebSocket session opened.
    pub fn connection_opened(&self) {
        self.connections_active.fetch_add(1, Ordering::Relaxed);
        self.connections_total.fetch_add(1, Ordering::Relaxed);
    }
    /// A WebSocket session closed.
    pub fn connection_closed(&self) {
        self.connections_active.fetch_sub(1, Ordering::Relaxed);
    }
    /// A WebSocket upgrade was refused for lack of room.
    pub fn connection_rejected(&self) {
        self.connections_rejected.fetch_add(1, Ordering::Relaxed);
    }
    /// A client frame arrived.
    pub fn frame_in(&self) {
        self.frames_in.fetch_add(1, Ordering::Relaxed);
    }
    /// A new message was stored.
    pub fn message_stored(&self) {
        self.messages_stored.fetch_add(1, Ordering::Relaxed);
    }
    /// The writer committed a batch of `ops`.
    pub fn batch(&self, ops: usize) {
        self.write_batches.fetch_add(1, Ordering::Relaxed);
        self.write_ops.fetch_add(ops as u64, Ordering::Relaxed);
    }
    /// A write op (or a whole batch) failed on a fault (a panic or a database error).
    pub fn writer_fault(&self) {
        self.writer_faults.fetch_add(1, Ordering::Relaxed);
    }
    /// `GET /healthz` found that writes do not go through.
    pub fn health_failed(&self) {
        self.health_failures.fetch_add(1, Ordering::Relaxed);
    }
    /// A cluster node read missed changes from the database.
    pub fn catch_up(&self) {
        self.catch_ups.fetch_add(1, Ordering::Relaxed);
    }
    /// A login failed.
    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }
    /// An error frame was sent.
    pub fn error(&self, code: ErrorCode) {
        *self
            .errors
            .lock()
            .expect("metrics poisoned")
            .entry(code.as_str())
            .or_default() += 1;
    }

    /// A link preview was tried: `card`, `refused` (an address the policy forbids) or
    /// `failed` (anything else: no page, no title, too slow).
    pub fn link_preview(&self, outcome: &'static str) {
        *self
            .link_previews
            .lock()
            .expect("metrics lock poisoned")
            .entry(outcome)
            .or_default() += 1;
    }

    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        metric(
            "confer_connections_active",
            "gauge",
            "Open WebSocket sessions.",
            self.connections_active.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "confer_connections_total",
            "counter",
            "WebSocket sessions opened.",
            get(&self.connections_total),
        );
        metric(
            "confer_connections_rejected_total",
            "counter",
            "WebSocket upgrades refused by the connection cap.",
            get(&self.connections_rejected),
        );
        metric(
            "confer_frames_received_total",
            "counter",
            "Client frames received.",
            get(&self.frames_in),
        );
        metric(
            "confer_messages_stored_total",
            "counter",
            "Messages stored.",
            get(&self.messages_stored),
        );
        metric(
            "confer_cluster_catch_ups_total",
            "counter",
            "Times this node read changes it had not heard of from the database.",
            get(&self.catch_ups),
        );
        metric(
            "confer_write_batches_total",
            "counter",
            "Transactions committed by the writer.",
            get(&self.write_batches),
        );
        metric(
            "confer_write_ops_total",
            "counter",
            "Write ops committed by the writer.",
            get(&self.write_ops),
        );
        metric(
            "confer_login_failures_total",
            "counter",
            "Failed logins.",
            get(&self.login_failures),
        );
        metric(
            "confer_writer_faults_total",
            "counter",
            "Write ops or batches that failed on a server fault; the writer went on.",
            get(&self.writer_faults),
        );
        metric(
            "confer_health_failures_total",
            "counter",
            "Health checks that found writes not going through.",
            get(&self.health_failures),
        );
        let _ = writeln!(
            out,
            "# HELP confer_errors_total Error frames sent, by code.\n# TYPE confer_errors_total counter"
        );
        for (code, n) in self.errors.lock().expect("metrics poisoned").iter() {
            let _ = writeln!(out, "confer_errors_total{{code=\"{code}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP confer_link_previews_total Link previews tried, by outcome.\n\
             # TYPE confer_link_previews_total counter"
        );
        for (outcome, n) in self.link_previews.lock().expect("metrics poisoned").iter() {
            let _ = writeln!(
                out,
                "confer_link_previews_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        out
    }
}
