//! Live presence: which users have devices connected, what they chose, whether they are idle,
//! and which connections hear of it.
//!
//! Presence is ephemeral (not in the change stream); only the chosen status, the custom message
//! and the last-seen time are stored. A connection watches the users it asked for
//! (`watch_presence`), its own user and the users of its user's accepted favourites; a change
//! goes only to the connections watching that user and allowed to see it, so a storm of N
//! sign-ins costs work in proportion to N and the watch lists, never N². Whether a viewer may
//! see a user under the `subscribers` policy is the viewer's own set of accepted favourites,
//! read once when its first connection starts watching and kept up to date from the published
//! favourite changes: no store read per change, per snapshot or per sync.
//!
//! Changes wait in a per-connection [`Mailbox`], one entry per user (the newest), so a
//! connection that falls behind gets several changes in one frame instead of a growing queue.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use confer_proto::{Favourite, FavouriteState, Presence, PresenceChoice, PresenceStatus};
use tokio::sync::Notify;

use crate::store::{PresencePolicy, UserId, UserRecord};

/// User names match in any case; every map here is keyed by the lower-cased name.
fn key(name: &str) -> String {
    name.to_lowercase()
}

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
    /// The facts of a user record presence needs, for another node.
    fn record(&self, id: UserId) -> UserRecord {
        remote_record(
            id,
            &self.name,
            self.choice,
            self.message.clone(),
            self.last_seen,
        )
    }

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

/// A user record carrying only what presence needs (a user known from another node's note).
pub fn remote_record(
    id: UserId,
    name: &str,
    choice: PresenceChoice,
    message: Option<String>,
    last_seen: Option<i64>,
) -> UserRecord {
    UserRecord {
        id,
        info: confer_proto::UserInfo {
            name: name.to_owned(),
            display_name: name.to_owned(),
            email: None,
        },
        password_hash: String::new(),
        disabled: false,
        settings: confer_proto::UserSettings {
            privacy: false,
            status: choice,
            status_message: message,
        },
        last_seen,
    }
}

/// Presence changes waiting for one connection: the newest per user, in the order the users
/// first changed (so that a change made after another is never listed before it).
#[derive(Default)]
pub struct Mailbox {
    pending: Mutex<Pending>,
    ready: Notify,
}

#[derive(Default)]
struct Pending {
    /// User → place in `list`.
    at: HashMap<String, usize>,
    list: Vec<Presence>,
}

impl Mailbox {
    fn put(&self, user: &str, presence: Presence) {
        let mut p = self.pending.lock().expect("mailbox poisoned");
        match p.at.get(user) {
            Some(&i) => p.list[i] = presence,
            None => {
                let i = p.list.len();
                p.at.insert(user.to_owned(), i);
                p.list.push(presence);
            }
        }
        drop(p);
        self.ready.notify_one();
    }

    /// Resolves once something was put since the last [`Mailbox::take`] (possibly already
    /// taken: `take` may then return nothing).
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Everything waiting.
    pub fn take(&self) -> Vec<Presence> {
        let mut p = self.pending.lock().expect("mailbox poisoned");
        p.at.clear();
        std::mem::take(&mut p.list)
    }
}

/// A user whose connections watch presence: whose presence they may see and follow.
#[derive(Default)]
struct Viewer {
    /// The accepted favourites have been read.
    ready: bool,
    /// Reads under way and registered connections; the entry goes when none is left.
    holders: usize,
    /// Favourite changes published while the favourites were being read, replayed over them:
    /// (target, accepted).
    missed: Vec<(String, bool)>,
    /// Users of the accepted favourites: always watched, and (under `subscribers`) the only
    /// others whose presence this user may see.
    follows: HashSet<String>,
    /// Registered connections.
    conns: Vec<u64>,
}

/// One registered connection.
struct Watcher {
    /// Its user.
    user: String,
    /// Asked for with `watch_presence`.
    asked: HashSet<String>,
    /// What the interest index holds for it: asked, followed, and its own user.
    watching: HashSet<String>,
    mailbox: Arc<Mailbox>,
}

#[derive(Default)]
struct State {
    /// Every user seen since start.
    users: HashMap<UserId, Live>,
    /// The users above by name.
    ids: HashMap<String, UserId>,
    viewers: HashMap<String, Viewer>,
    watchers: HashMap<u64, Watcher>,
    /// User → connections watching them.
    interest: HashMap<String, HashSet<u64>>,
}

impl State {
    fn may_see(&self, policy: PresencePolicy, viewer: &str, target: &str) -> bool {
        policy == PresencePolicy::Organization
            || viewer == target
            || self
                .viewers
                .get(viewer)
                .is_some_and(|v| v.follows.contains(target))
    }

    /// The presence of `target` if `viewer` may see it and it is not offline.
    fn visible(&self, policy: PresencePolicy, viewer: &str, target: &str) -> Option<Presence> {
        let live = self.ids.get(target).and_then(|id| self.users.get(id))?;
        let p = live.presence();
        (p.status != PresenceStatus::Offline && self.may_see(policy, viewer, target)).then_some(p)
    }

    /// Brings a connection's entries in the interest index to what it should watch now.
    fn rewatch(&mut self, conn: u64) {
        let Some(w) = self.watchers.get(&conn) else {
            return;
        };
        let mut want = w.asked.clone();
        want.insert(w.user.clone());
        if let Some(v) = self.viewers.get(&w.user) {
            want.extend(v.follows.iter().cloned());
        }
        let Some(w) = self.watchers.get_mut(&conn) else {
            return;
        };
        for gone in w.watching.difference(&want) {
            if let Some(set) = self.interest.get_mut(gone) {
                set.remove(&conn);
                if set.is_empty() {
                    self.interest.remove(gone);
                }
            }
        }
        for new in want.difference(&w.watching) {
            self.interest.entry(new.clone()).or_default().insert(conn);
        }
        w.watching = want;
    }
}

/// Presence of every user seen since start, and the connections watching it.
pub struct PresenceTracker {
    policy: PresencePolicy,
    state: Mutex<State>,
}

/// A change to a user's live presence (nodes of a cluster send them to each other: connection
/// ids are unique across a cluster).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// A tracker applying `policy` to who sees whom.
    pub fn new(policy: PresencePolicy) -> Self {
        Self {
            policy,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("presence poisoned")
    }

    /// Applies a change; when the visible presence changed, it goes to the mailboxes of the
    /// connections watching the user and allowed to see it, while the lock is held, so they
    /// receive one user's updates in the order they happened.
    pub fn apply(&self, user: &UserRecord, op: PresenceOp) -> Option<Presence> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let name = key(&user.info.name);
        state.ids.entry(name.clone()).or_insert(user.id);
        let live = state
            .users
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
        self.tell_watchers(state, &name, &after);
        Some(after)
    }

    /// Puts a user's new presence in the mailboxes of the connections watching them and
    /// allowed to see it.
    fn tell_watchers(&self, state: &State, name: &str, presence: &Presence) {
        if let Some(conns) = state.interest.get(name) {
            for conn in conns {
                let Some(w) = state.watchers.get(conn) else {
                    continue;
                };
                if state.may_see(self.policy, &w.user, name) {
                    w.mailbox.put(name, presence.clone());
                }
            }
        }
    }

    /// Forgets every device whose connection id `gone` matches (the devices of a cluster node
    /// that died or restarted) as disconnected at `now`, and tells the watchers.
    pub fn drop_devices(&self, gone: impl Fn(u64) -> bool, now: i64) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut changed = Vec::new();
        for live in state.users.values_mut() {
            if !live.devices.keys().any(|c| gone(*c)) {
                continue;
            }
            let before = live.presence();
            live.devices.retain(|c, _| !gone(*c));
            if live.devices.is_empty() {
                live.last_seen = Some(now);
            }
            let after = live.presence();
            if before != after {
                changed.push((key(&live.name), after));
            }
        }
        for (name, presence) in changed {
            self.tell_watchers(state, &name, &presence);
        }
    }

    /// The devices whose connection id `mine` matches, as the ops that would recreate them
    /// elsewhere: for each user, its record's facts and its ops.
    pub fn devices_matching(
        &self,
        mine: impl Fn(u64) -> bool,
    ) -> Vec<(UserRecord, Vec<PresenceOp>)> {
        let state = self.lock();
        state
            .users
            .iter()
            .filter(|(_, live)| live.devices.keys().any(|c| mine(*c)))
            .map(|(id, live)| {
                let mut ops = vec![PresenceOp::Choice(live.choice, live.message.clone())];
                for (conn, idle) in live.devices.iter().filter(|(c, _)| mine(**c)) {
                    ops.push(PresenceOp::Connected(*conn));
                    if *idle {
                        ops.push(PresenceOp::Idle(*conn, true));
                    }
                }
                (live.record(*id), ops)
            })
            .collect()
    }

    /// The user's presence as others see it.
    pub fn presence_of(&self, user: &UserRecord) -> Presence {
        self.lock()
            .users
            .get(&user.id)
            .map_or_else(|| Live::from_record(user).presence(), Live::presence)
    }

    /// Whether `viewer` may see `target`'s presence; `None` when the viewer's favourites are
    /// not in memory (no connection of theirs watches presence).
    pub fn may_see(&self, viewer: &str, target: &str) -> Option<bool> {
        let state = self.lock();
        let (viewer, target) = (key(viewer), key(target));
        if self.policy == PresencePolicy::Organization || viewer == target {
            return Some(true);
        }
        state
            .viewers
            .get(&viewer)
            .filter(|v| v.ready)
            .map(|v| v.follows.contains(&target))
    }

    /// Takes a hold on `user`'s favourites before a connection of theirs registers; true when
    /// they are not in memory yet: the caller reads them and passes them to
    /// [`PresenceTracker::loaded`] (or gives the hold back with [`PresenceTracker::release`]).
    pub fn hold(&self, user: &str) -> bool {
        let mut state = self.lock();
        let v = state.viewers.entry(key(user)).or_default();
        v.holders += 1;
        !v.ready
    }

    /// The user's accepted favourites, as read from the store after [`PresenceTracker::hold`].
    /// Changes published since the hold are replayed over them, so none is lost between the
    /// read and now; when another read got there first, this one is dropped.
    pub fn loaded(&self, user: &str, follows: impl IntoIterator<Item = String>) {
        let mut state = self.lock();
        let Some(v) = state.viewers.get_mut(&key(user)) else {
            return;
        };
        if v.ready {
            return;
        }
        v.follows = follows.into_iter().map(|n| key(&n)).collect();
        for (target, accepted) in std::mem::take(&mut v.missed) {
            if accepted {
                v.follows.insert(target);
            } else {
                v.follows.remove(&target);
            }
        }
        v.ready = true;
    }

    /// Gives back a hold whose read failed.
    pub fn release(&self, user: &str) {
        let mut state = self.lock();
        let name = key(user);
        if let Some(v) = state.viewers.get_mut(&name) {
            v.holders = v.holders.saturating_sub(1);
            if v.holders == 0 {
                state.viewers.remove(&name);
            }
        }
    }

    /// Registers a connection of `user` (holding a loaded hold, which the registration keeps):
    /// from now on it watches its user and their accepted favourites, and what it asks for.
    pub fn register(self: &Arc<Self>, conn: u64, user: &str) -> PresenceWatch {
        let mailbox = Arc::new(Mailbox::default());
        let mut state = self.lock();
        let name = key(user);
        state
            .viewers
            .entry(name.clone())
            .or_default()
            .conns
            .push(conn);
        state.watchers.insert(
            conn,
            Watcher {
                user: name,
                asked: HashSet::new(),
                watching: HashSet::new(),
                mailbox: mailbox.clone(),
            },
        );
        state.rewatch(conn);
        PresenceWatch {
            tracker: self.clone(),
            conn,
            mailbox,
        }
    }

    fn unregister(&self, conn: u64) {
        let mut state = self.lock();
        let Some(w) = state.watchers.remove(&conn) else {
            return;
        };
        for name in &w.watching {
            if let Some(set) = state.interest.get_mut(name) {
                set.remove(&conn);
                if set.is_empty() {
                    state.interest.remove(name);
                }
            }
        }
        if let Some(v) = state.viewers.get_mut(&w.user) {
            v.conns.retain(|c| *c != conn);
            v.holders = v.holders.saturating_sub(1);
            if v.holders == 0 {
                state.viewers.remove(&w.user);
            }
        }
    }

    /// Replaces what a connection asked to watch. With `push`, the presence of each user it
    /// did not watch before, may see and who was seen since start (offline included, so that
    /// a stale status is corrected) goes to its mailbox.
    fn watch(&self, conn: u64, users: &[String], push: bool) {
        let mut state = self.lock();
        let Some(w) = state.watchers.get_mut(&conn) else {
            return;
        };
        w.asked = users.iter().map(|n| key(n)).collect();
        let before = w.watching.clone();
        state.rewatch(conn);
        if !push {
            return;
        }
        let Some(w) = state.watchers.get(&conn) else {
            return;
        };
        for target in w.watching.difference(&before) {
            let live = state.ids.get(target).and_then(|id| state.users.get(id));
            if let Some(live) = live
                && state.may_see(self.policy, &w.user, target)
            {
                w.mailbox.put(target, live.presence());
            }
        }
    }

    /// The presence of everyone a connection watches and may see, who is not offline.
    fn snapshot(&self, conn: u64) -> Vec<Presence> {
        let state = self.lock();
        let Some(w) = state.watchers.get(&conn) else {
            return Vec::new();
        };
        let mut out: Vec<Presence> = w
            .watching
            .iter()
            .filter_map(|t| state.visible(self.policy, &w.user, t))
            .collect();
        out.sort_by(|a, b| a.user.cmp(&b.user));
        out
    }

    /// A favourite changed (as published after its commit): the owner now follows the target,
    /// or no longer does. The owner's connections start or stop watching the target; on
    /// acceptance they get the target's presence at once, without reconnecting.
    pub fn favourite_changed(&self, favourite: &Favourite) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let (owner, target) = (key(&favourite.owner), key(&favourite.target));
        let accepted = favourite.state == FavouriteState::Accepted;
        let Some(v) = state.viewers.get_mut(&owner) else {
            // Read from the store when a connection of theirs starts watching.
            return;
        };
        if !v.ready {
            v.missed.push((target, accepted));
            return;
        }
        let changed = if accepted {
            v.follows.insert(target.clone())
        } else {
            v.follows.remove(&target)
        };
        if !changed {
            return;
        }
        let conns = v.conns.clone();
        for conn in &conns {
            state.rewatch(*conn);
        }
        if accepted {
            let presence = state
                .ids
                .get(&target)
                .and_then(|id| state.users.get(id))
                .map(Live::presence);
            if let Some(p) = presence {
                for conn in &conns {
                    if let Some(w) = state.watchers.get(conn) {
                        w.mailbox.put(&target, p.clone());
                    }
                }
            }
        }
    }
}

/// A connection's registration with the tracker; dropping it unregisters.
pub struct PresenceWatch {
    tracker: Arc<PresenceTracker>,
    conn: u64,
    /// Changes for this connection.
    pub mailbox: Arc<Mailbox>,
}

impl PresenceWatch {
    /// Replaces the users this connection asked to watch; with `push` (once synced), the
    /// presence of those newly watched goes to the mailbox.
    pub fn watch(&self, users: &[String], push: bool) {
        self.tracker.watch(self.conn, users, push)
    }

    /// The presence of everyone this connection watches and may see, who is not offline.
    pub fn snapshot(&self) -> Vec<Presence> {
        self.tracker.snapshot(self.conn)
    }
}

impl Drop for PresenceWatch {
    fn drop(&mut self) {
        self.tracker.unregister(self.conn);
    }
}

#[cfg(test)]
mod tests {
    use confer_proto::{UserInfo, UserSettings};

    use super::*;

    fn user(id: UserId, name: &str) -> UserRecord {
        UserRecord {
            id,
            info: UserInfo {
                name: name.into(),
                display_name: name.into(),
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
            self.apply(u, PresenceOp::Connected(conn))
        }
        fn disconnected(&self, u: &UserRecord, conn: u64, now: i64) -> Option<Presence> {
            self.apply(u, PresenceOp::Disconnected(conn, now))
        }
        fn set_idle(&self, u: &UserRecord, conn: u64, idle: bool) -> Option<Presence> {
            self.apply(u, PresenceOp::Idle(conn, idle))
        }
        fn set_choice(
            &self,
            u: &UserRecord,
            c: PresenceChoice,
            m: Option<String>,
        ) -> Option<Presence> {
            self.apply(u, PresenceOp::Choice(c, m))
        }
        /// Registers a connection for a user with these accepted favourites.
        fn watching(self: &Arc<Self>, conn: u64, u: &str, follows: &[&str]) -> PresenceWatch {
            if self.hold(u) {
                self.loaded(u, follows.iter().map(|s| s.to_string()));
            }
            self.register(conn, u)
        }
    }

    fn statuses(ps: &[Presence]) -> Vec<(&str, PresenceStatus)> {
        ps.iter().map(|p| (p.user.as_str(), p.status)).collect()
    }

    fn favourite(owner: &str, target: &str, state: FavouriteState) -> Favourite {
        Favourite {
            owner: owner.into(),
            target: target.into(),
            state,
        }
    }

    #[test]
    fn online_while_any_device_is_connected() {
        let t = PresenceTracker::new(PresencePolicy::Organization);
        let u = user(1, "alice");
        assert_eq!(t.connected(&u, 1).unwrap().status, PresenceStatus::Online);
        assert!(t.connected(&u, 2).is_none());
        assert!(t.disconnected(&u, 1, 5).is_none());
        let p = t.disconnected(&u, 2, 7).unwrap();
        assert_eq!((p.status, p.last_seen), (PresenceStatus::Offline, Some(7)));
    }

    #[test]
    fn idle_on_every_device_means_away_and_choices_win() {
        let t = PresenceTracker::new(PresencePolicy::Organization);
        let u = user(1, "alice");
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
    }

    #[test]
    fn changes_go_only_to_connections_watching_the_user_and_pile_up_as_one_per_user() {
        let t = Arc::new(PresenceTracker::new(PresencePolicy::Organization));
        let (alice, bob, carol) = (user(1, "alice"), user(2, "bob"), user(3, "carol"));
        let a = t.watching(10, "alice", &[]);
        let c = t.watching(30, "carol", &[]);
        a.watch(&["Bob".into()], true);
        assert!(a.mailbox.take().is_empty(), "bob was never seen");
        t.connected(&bob, 20);
        t.set_choice(&bob, PresenceChoice::Dnd, None);
        t.connected(&carol, 30);
        // Two changes of bob's: only the newest waits; carol watches only herself.
        assert_eq!(statuses(&a.mailbox.take()), [("bob", PresenceStatus::Dnd)]);
        assert_eq!(
            statuses(&c.mailbox.take()),
            [("carol", PresenceStatus::Online)]
        );
        t.connected(&alice, 10);
        t.set_idle(&carol, 30, true);
        assert_eq!(
            statuses(&a.mailbox.take()),
            [("alice", PresenceStatus::Online)]
        );
        assert_eq!(
            statuses(&a.snapshot()),
            [
                ("alice", PresenceStatus::Online),
                ("bob", PresenceStatus::Dnd)
            ]
        );
        // Asking for another list replaces the first; once synced, the newcomers' presence
        // follows at once.
        a.watch(&["carol".into()], true);
        assert_eq!(
            statuses(&a.mailbox.take()),
            [("carol", PresenceStatus::Away)]
        );
        t.set_choice(&bob, PresenceChoice::Available, None);
        assert!(a.mailbox.take().is_empty());
        a.watch(&["carol".into(), "bob".into()], false);
        assert!(
            a.mailbox.take().is_empty(),
            "before sync, its snapshot covers them"
        );
        drop(c);
        drop(a);
        let state = t.lock();
        assert!(state.interest.is_empty() && state.viewers.is_empty());
    }

    #[test]
    fn under_subscribers_only_accepted_favourites_are_seen_and_acceptance_shows_at_once() {
        let t = Arc::new(PresenceTracker::new(PresencePolicy::Subscribers));
        let bob = user(2, "bob");
        t.connected(&bob, 20);
        let a = t.watching(10, "alice", &[]);
        a.watch(&["bob".into()], true);
        assert!(a.snapshot().is_empty() && a.mailbox.take().is_empty());
        t.set_choice(&bob, PresenceChoice::Dnd, None);
        assert!(a.mailbox.take().is_empty(), "not a watcher of bob");
        assert_eq!(t.may_see("alice", "bob"), Some(false));
        t.favourite_changed(&favourite("alice", "bob", FavouriteState::Accepted));
        assert_eq!(statuses(&a.mailbox.take()), [("bob", PresenceStatus::Dnd)]);
        assert_eq!(t.may_see("alice", "BOB"), Some(true));
        t.favourite_changed(&favourite("alice", "bob", FavouriteState::Removed));
        t.set_choice(&bob, PresenceChoice::Away, None);
        assert!(a.mailbox.take().is_empty());
        assert_eq!(
            t.may_see("carol", "bob"),
            None,
            "carol's favourites were never read"
        );
    }

    #[test]
    fn favourite_changes_during_the_read_are_replayed_over_it() {
        let t = Arc::new(PresenceTracker::new(PresencePolicy::Subscribers));
        assert!(t.hold("alice"));
        // Published while the read was under way: the read may or may not have seen them.
        t.favourite_changed(&favourite("alice", "bob", FavouriteState::Accepted));
        t.favourite_changed(&favourite("alice", "carol", FavouriteState::Removed));
        t.loaded("alice", ["carol".to_string()]);
        let a = t.register(10, "alice");
        assert_eq!(t.may_see("alice", "bob"), Some(true));
        assert_eq!(t.may_see("alice", "carol"), Some(false));
        // A second connection reuses what is in memory.
        assert!(!t.hold("alice"));
        let a2 = t.register(11, "alice");
        drop(a);
        assert_eq!(t.may_see("alice", "bob"), Some(true));
        drop(a2);
        assert_eq!(
            t.may_see("alice", "bob"),
            None,
            "forgotten with its last connection"
        );
    }
}
