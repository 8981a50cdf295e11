//! Live presence: which users have devices connected, what they chose, whether they are idle.
//! Presence is ephemeral (not in the change stream); only the chosen status, the custom message
//! and the last-seen time are stored.

use std::{collections::HashMap, sync::Mutex};

use confer_proto::{Presence, PresenceChoice, PresenceStatus};

use crate::store::{UserId, UserRecord};

#[derive(Debug, Clone)]
struct Live {
    name: String,
    choice: PresenceChoice,
    message: Option<String>,
    last_seen: Option<i64>,
    /// Connection id → idle flag.
    devices: HashMap<u64, bool>,
}

impl Live {
    fn from_record(user: &UserRecord) -> Self {
        Self {
            name: user.info.name.clone(),
            choice: user.settings.status,
            message: user.settings.status_message.clone(),
            last_seen: user.last_seen,
            devices: HashMap::new(),
        }
    }

    fn presence(&self) -> Presence {
        let idle = !self.devices.is_empty() && self.devices.values().all(|idle| *idle);
        let status = if self.devices.is_empty() {
            PresenceStatus::Offline
        } else {
            match self.choice {
                PresenceChoice::Offline => PresenceStatus::Offline,
                PresenceChoice::Away => PresenceStatus::Away,
                PresenceChoice::Dnd => PresenceStatus::Dnd,
                PresenceChoice::Available if idle => PresenceStatus::Away,
                PresenceChoice::Available => PresenceStatus::Online,
            }
        };
        let offline = status == PresenceStatus::Offline;
        Presence {
            user: self.name.clone(),
            status,
            message: if offline { None } else { self.message.clone() },
            idle: idle && self.choice == PresenceChoice::Available,
            last_seen: self.last_seen,
        }
    }
}

/// Presence of every user seen since start.
#[derive(Default)]
pub struct PresenceTracker {
    users: Mutex<HashMap<UserId, Live>>,
}

/// A change to a user's live presence.
#[derive(Debug, Clone)]
pub enum PresenceOp {
    /// A device connected.
    Connected(u64),
    /// A device disconnected at a time (ms).
    Disconnected(u64, i64),
    /// The user chose a status and message.
    Choice(PresenceChoice, Option<String>),
    /// A device reported idle or back.
    Idle(u64, bool),
}

impl PresenceTracker {
    /// Applies a change; when the visible presence changed, `publish` runs with it while the
    /// lock is held, so watchers receive one user's updates in the order they happened.
    pub fn apply(
        &self,
        user: &UserRecord,
        op: PresenceOp,
        publish: impl FnOnce(&Presence),
    ) -> Option<Presence> {
        let mut users = self.users.lock().expect("presence poisoned");
        let live = users
            .entry(user.id)
            .or_insert_with(|| Live::from_record(user));
        let before = live.presence();
        match op {
            PresenceOp::Connected(conn) => {
                live.devices.insert(conn, false);
            }
            PresenceOp::Disconnected(conn, now) => {
                live.devices.remove(&conn);
                if live.devices.is_empty() {
                    live.last_seen = Some(now);
                }
            }
            PresenceOp::Choice(choice, message) => {
                live.choice = choice;
                live.message = message.filter(|m| !m.trim().is_empty());
            }
            PresenceOp::Idle(conn, idle) => {
                if let Some(flag) = live.devices.get_mut(&conn) {
                    *flag = idle;
                }
            }
        }
        let after = live.presence();
        if before == after {
            return None;
        }
        publish(&after);
        Some(after)
    }

    /// The user's presence as others see it.
    pub fn presence_of(&self, user: &UserRecord) -> Presence {
        let users = self.users.lock().expect("presence poisoned");
        users
            .get(&user.id)
            .map_or_else(|| Live::from_record(user).presence(), Live::presence)
    }

    /// Everyone not offline, with their ids.
    pub fn online(&self) -> Vec<(UserId, Presence)> {
        let users = self.users.lock().expect("presence poisoned");
        users
            .iter()
            .map(|(id, l)| (*id, l.presence()))
            .filter(|(_, p)| p.status != PresenceStatus::Offline)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use confer_proto::{UserInfo, UserSettings};

    use super::*;

    fn user() -> UserRecord {
        UserRecord {
            id: 1,
            info: UserInfo {
                name: "alice".into(),
                display_name: "Alice".into(),
                email: None,
            },
            password_hash: String::new(),
            disabled: false,
            settings: UserSettings::default(),
            last_seen: None,
        }
    }

    impl PresenceTracker {
        fn connected(&self, u: &UserRecord, conn: u64) -> Option<Presence> {
            self.apply(u, PresenceOp::Connected(conn), |_| {})
        }
        fn disconnected(&self, u: &UserRecord, conn: u64, now: i64) -> Option<Presence> {
            self.apply(u, PresenceOp::Disconnected(conn, now), |_| {})
        }
        fn set_idle(&self, u: &UserRecord, conn: u64, idle: bool) -> Option<Presence> {
            self.apply(u, PresenceOp::Idle(conn, idle), |_| {})
        }
        fn set_choice(
            &self,
            u: &UserRecord,
            c: PresenceChoice,
            m: Option<String>,
        ) -> Option<Presence> {
            self.apply(u, PresenceOp::Choice(c, m), |_| {})
        }
    }

    #[test]
    fn online_while_any_device_is_connected() {
        let t = PresenceTracker::default();
        let u = user();
        assert_eq!(t.connected(&u, 1).unwrap().status, PresenceStatus::Online);
        assert!(t.connected(&u, 2).is_none());
        assert!(t.disconnected(&u, 1, 5).is_none());
        let p = t.disconnected(&u, 2, 7).unwrap();
        assert_eq!((p.status, p.last_seen), (PresenceStatus::Offline, Some(7)));
    }

    #[test]
    fn idle_on_every_device_means_away_and_choices_win() {
        let t = PresenceTracker::default();
        let u = user();
        t.connected(&u, 1);
        t.connected(&u, 2);
        assert!(t.set_idle(&u, 1, true).is_none());
        let p = t.set_idle(&u, 2, true).unwrap();
        assert_eq!((p.status, p.idle), (PresenceStatus::Away, true));
        let p = t
            .set_choice(&u, PresenceChoice::Dnd, Some("busy".into()))
            .unwrap();
        assert_eq!(
            (p.status, p.message.as_deref()),
            (PresenceStatus::Dnd, Some("busy"))
        );
        let p = t
            .set_choice(&u, PresenceChoice::Offline, Some("busy".into()))
            .unwrap();
        assert_eq!((p.status, p.message), (PresenceStatus::Offline, None));
        assert!(t.online().is_empty());
    }
}
