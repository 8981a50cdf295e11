//! A notification server on the test's own session bus: it owns
//! `org.freedesktop.Notifications` like a desktop's daemon, records every `Notify` call, and can
//! "click" a notification by emitting `ActionInvoked` as a daemon does.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Result, bail};
use zbus::zvariant::OwnedValue;

const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// One `Notify` call.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The id the server answered with.
    pub id: u32,
    /// Application name.
    pub app: String,
    /// Title.
    pub summary: String,
    /// Body.
    pub body: String,
    /// Action keys and labels, alternating.
    pub actions: Vec<String>,
}

struct Daemon {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Daemon {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().expect("poisoned");
        let id = shown.len() as u32 + 1;
        shown.push(Shown {
            id,
            app: app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "confer-e2e".into(),
            "confer".into(),
            "0.1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// The running server.
pub struct NotificationServer {
    conn: zbus::blocking::Connection,
    shown: Arc<Mutex<Vec<Shown>>>,
}

impl NotificationServer {
    /// Serves on the bus at `address`.
    pub fn start(address: &str) -> Result<Self> {
        let shown = Arc::new(Mutex::new(Vec::new()));
        let conn = zbus::blocking::connection::Builder::address(address)?
            .name(INTERFACE)?
            .serve_at(
                PATH,
                Daemon {
                    shown: shown.clone(),
                },
            )?
            .build()?;
        Ok(Self { conn, shown })
    }

    /// Every notification so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().expect("poisoned").clone()
    }

    /// Waits for a notification whose summary is `summary` and whose body contains `body`.
    pub fn wait_for(&self, summary: &str, body: &str, timeout: Duration) -> Result<Shown> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(n) = self
                .shown()
                .into_iter()
                .find(|n| n.summary == summary && n.body.contains(body))
            {
                return Ok(n);
            }
            if Instant::now() > deadline {
                bail!(
                    "no notification {summary:?}/{body:?} after {timeout:?}; shown: {:?}",
                    self.shown()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks a notification: the daemon reports its `default` action, then closes it.
    pub fn click(&self, id: u32) -> Result<()> {
        self.conn.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "ActionInvoked",
            &(id, "default"),
        )?;
        // Reason 2: dismissed by the user.
        self.conn.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "NotificationClosed",
            &(id, 2u32),
        )?;
        Ok(())
    }
}
