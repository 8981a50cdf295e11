//! The runtime of 1:1 calls: the node's [`CallBook`] behind a lock, and what its effects do
//! (events to devices through the hub, timeline lines through the writer, ring timers owned by
//! the server's task tracker). The rules are in [`crate::domain::calls`].
//!
//! Calls live in memory on the node whose hub holds the devices: in a cluster a call rings
//! only the callee's devices connected to the caller's node (noted in ARCHITECTURE.md).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::{
    AppState,
    domain::calls::{CallBook, Effect},
    store::WriteOp,
};

/// The node's calls.
#[derive(Default)]
pub(crate) struct Calls {
    book: Mutex<CallBook>,
    /// Ring timers of calls not answered yet.
    timers: Mutex<HashMap<u64, tokio::task::AbortHandle>>,
}

impl Calls {
    /// Runs a transition on the book.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut CallBook) -> T) -> T {
        f(&mut self.book.lock().expect("call book poisoned"))
    }
}

impl AppState {
    /// Carries out the effects of a call transition, in order.
    pub(crate) async fn carry_out(self: &Arc<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Arm { call } => self.arm_ring_timer(call),
                other => self.deliver(other).await,
            }
        }
    }

    /// Every effect but arming a timer (which the timer task itself never needs).
    async fn deliver(&self, effect: Effect) {
        match effect {
            Effect::Notify {
                user,
                device,
                event,
            } => self.hub.send_to_device(user, device, *event),
            Effect::Record {
                conversation,
                caller,
                record,
            } => {
                let op = WriteOp::RecordCall {
                    conversation,
                    caller,
                    record,
                };
                if let Err(e) = self.writer.write(op).await {
                    tracing::warn!(conversation, error = ?e, "a call's line was not written");
                }
            }
            Effect::Disarm { call } => self.disarm(call),
            Effect::Ended { call } => {
                self.disarm(call);
                if let Some(relay) = &self.relay {
                    relay.call_over(call).await;
                }
            }
            Effect::Arm { .. } => unreachable!("armed by carry_out"),
        }
    }

    fn disarm(&self, call: u64) {
        let timer = self
            .calls
            .timers
            .lock()
            .expect("timers poisoned")
            .remove(&call);
        if let Some(timer) = timer {
            timer.abort();
        }
    }

    /// Relay credentials for `user` in `call`, when the relay is on.
    pub(crate) fn ice_servers(&self, call: u64, user: &str) -> Vec<confer_proto::IceServer> {
        self.relay
            .as_ref()
            .map(|r| vec![r.credentials(call, user)])
            .unwrap_or_default()
    }

    fn arm_ring_timer(self: &Arc<Self>, call: u64) {
        let state = self.clone();
        let mut shutdown = self.shutdown.subscribe();
        let ring = Duration::from_millis(self.config.ring_timeout_ms);
        // Owned by the tracker (the server waits for it on shutdown, when it stops at once)
        // and aborted through its handle when the call ends first.
        let task = self.tracker.spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(ring) => {
                    state.calls.timers.lock().expect("timers poisoned").remove(&call);
                    let effects = state.calls.with(|b| b.timeout(call, state.now()));
                    for effect in effects {
                        state.deliver(effect).await;
                    }
                }
                _ = shutdown.recv() => {}
            }
        });
        self.calls
            .timers
            .lock()
            .expect("timers poisoned")
            .insert(call, task.abort_handle());
    }
}
