//! In-process fan-out: every synced device registers a bounded queue; committed changes are
//! pushed to the devices of the users they concern. Presence goes through the tracker's
//! per-connection mailboxes instead ([`crate::presence`]), which hears of favourite changes
//! from here.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use confer_proto::{Change, Event, ServerFrame};
use tokio::sync::mpsc;

use crate::{
    presence::PresenceTracker,
    store::{GuestNotice, GuestUpdate, Published, UserId},
};

/// One event ready to write, serialised once for every recipient.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Stream position, for changes; presence has none.
    pub position: Option<u64>,
    /// The JSON text of the event frame.
    pub json: Arc<str>,
}

struct Device {
    id: u64,
    tx: mpsc::Sender<Outgoing>,
    lagged: Arc<AtomicBool>,
}

/// The fan-out registry.
pub struct Hub {
    devices: Mutex<HashMap<UserId, Vec<Device>>>,
    /// External guests' connections, by connection id: they have no user and no stream.
    guests: Mutex<HashMap<u64, mpsc::Sender<GuestUpdate>>>,
    next_id: AtomicU64,
    capacity: usize,
    /// Told of every published favourite change, which decides who sees and follows whom.
    presence: Option<Arc<PresenceTracker>>,
}

/// A device's registration; dropping it unregisters.
pub struct Subscription {
    hub: Arc<Hub>,
    user: UserId,
    id: u64,
    /// Events for this device.
    pub rx: mpsc::Receiver<Outgoing>,
    lagged: Arc<AtomicBool>,
}

impl Subscription {
    /// True when the device fell so far behind that the hub dropped it.
    pub fn lagged(&self) -> bool {
        self.lagged.load(Ordering::SeqCst)
    }

    /// This device's id, unique in the process (calls address devices by it).
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut devices = self.hub.devices.lock().expect("hub poisoned");
        if let Some(list) = devices.get_mut(&self.user) {
            list.retain(|d| d.id != self.id);
            if list.is_empty() {
                devices.remove(&self.user);
            }
        }
    }
}

/// An external guest connection's registration; dropping it unregisters.
pub struct GuestSubscription {
    hub: Arc<Hub>,
    connection: u64,
    /// Notices for this guest; closed when the guest fell behind.
    pub rx: mpsc::Receiver<GuestUpdate>,
}

impl Drop for GuestSubscription {
    fn drop(&mut self) {
        self.hub
            .guests
            .lock()
            .expect("hub poisoned")
            .remove(&self.connection);
    }
}

impl Hub {
    /// A hub whose per-device queues hold `capacity` events.
    pub fn new(capacity: usize) -> Arc<Self> {
        Self::build(capacity, None)
    }

    /// A hub that also tells `presence` of every published favourite change.
    pub fn with_presence(capacity: usize, presence: Arc<PresenceTracker>) -> Arc<Self> {
        Self::build(capacity, Some(presence))
    }

    fn build(capacity: usize, presence: Option<Arc<PresenceTracker>>) -> Arc<Self> {
        Arc::new(Self {
            devices: Mutex::new(HashMap::new()),
            guests: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            capacity,
            presence,
        })
    }

    /// Registers a device of `user`.
    pub fn subscribe(self: &Arc<Self>, user: UserId) -> Subscription {
        let (tx, rx) = mpsc::channel(self.capacity);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let lagged = Arc::new(AtomicBool::new(false));
        self.devices
            .lock()
            .expect("hub poisoned")
            .entry(user)
            .or_default()
            .push(Device {
                id,
                tx,
                lagged: lagged.clone(),
            });
        Subscription {
            hub: self.clone(),
            user,
            id,
            rx,
            lagged,
        }
    }

    /// Registers an external guest's connection, before its join is written so that no notice
    /// about it can be missed.
    pub fn subscribe_guest(self: &Arc<Self>, connection: u64) -> GuestSubscription {
        let (tx, rx) = mpsc::channel(self.capacity);
        self.guests
            .lock()
            .expect("hub poisoned")
            .insert(connection, tx);
        GuestSubscription {
            hub: self.clone(),
            connection,
            rx,
        }
    }

    /// Delivers notices to external guests' connections.
    pub fn notify_guests(&self, notices: &[GuestNotice]) {
        let mut guests = self.guests.lock().expect("hub poisoned");
        for n in notices {
            if let Some(tx) = guests.get(&n.connection)
                && tx.try_send(n.update.clone()).is_err()
            {
                // A full queue: the guest is dropped, and its connection closes.
                guests.remove(&n.connection);
            }
        }
    }

    /// Pushes a committed change to its recipients' devices.
    pub fn publish(&self, p: &Published) {
        // Before the change goes out, so that a client that sees an acceptance already gets
        // the presence it opened.
        if let (Some(presence), Change::Favourite { favourite }) = (&self.presence, &p.change) {
            presence.favourite_changed(favourite);
        }
        let frame = ServerFrame::Event {
            event: Event::Change {
                position: p.position,
                change: p.change.clone(),
            },
        };
        let out = Outgoing {
            position: Some(p.position),
            json: frame.to_json().into(),
        };
        self.send(p.recipients.iter().copied(), &out);
    }

    /// Pushes an event to every device of the given users.
    pub fn send_event(&self, users: impl IntoIterator<Item = UserId>, event: Event) {
        let out = Outgoing {
            position: None,
            json: ServerFrame::Event { event }.to_json().into(),
        };
        self.send(users, &out);
    }

    /// Pushes an event to one device of a user (a call's events go to the devices in it).
    pub fn send_to_device(&self, user: UserId, device: u64, event: Event) {
        let out = Outgoing {
            position: None,
            json: ServerFrame::Event { event }.to_json().into(),
        };
        let mut devices = self.devices.lock().expect("hub poisoned");
        if let Some(list) = devices.get_mut(&user) {
            // As in `send`: a device whose queue is full is dropped.
            list.retain(|d| {
                if d.id != device || d.tx.try_send(out.clone()).is_ok() {
                    return true;
                }
                d.lagged.store(true, Ordering::SeqCst);
                false
            });
        }
    }

    /// The synced devices of a user on this node.
    pub fn devices_of(&self, user: UserId) -> Vec<u64> {
        let devices = self.devices.lock().expect("hub poisoned");
        devices
            .get(&user)
            .map(|list| list.iter().map(|d| d.id).collect())
            .unwrap_or_default()
    }

    fn send(&self, users: impl IntoIterator<Item = UserId>, out: &Outgoing) {
        let mut devices = self.devices.lock().expect("hub poisoned");
        for user in users {
            let Some(list) = devices.get_mut(&user) else {
                continue;
            };
            // A device whose queue is full is dropped rather than buffered without bound; its
            // connection closes and the client resumes from its cursor.
            list.retain(|d| match d.tx.try_send(out.clone()) {
                Ok(()) => true,
                Err(_) => {
                    d.lagged.store(true, Ordering::SeqCst);
                    false
                }
            });
        }
    }
}
