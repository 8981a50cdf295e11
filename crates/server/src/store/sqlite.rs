//! The embedded store: one SQLite file in WAL mode.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::domain::{
    authz::{self, Action, Kind, Role, Standing},
    chat::{self, Aggregates, ChatRepo, Cursors},
    people::{self, PeopleRepo},
};
use confer_proto::{
    Change, ConversationInfo, ConversationKind, ConversationSummary, Favourite, FavouriteState,
    HISTORY_FIRST_PAGE_MIN, HISTORY_FIRST_PAGE_WINDOW_MS, HISTORY_MAX_PAGE, HistoryPage,
    MeetingGuest, MeetingRole, MeetingSession, Message, MessageKind, OngoingMeeting,
    PresenceChoice, ScheduledMeeting, TickState, UserInfo, UserSettings,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::{
    ChangesPage, Committed, ConversationId, GuestNotice, GuestUpdate, Outcome, Published,
    SessionRecord, Store, StoreError, UserId, UserRecord, WriteOp,
};

/// Longest meeting, in minutes (a day).
const MAX_MEETING_MINUTES: u32 = 24 * 60;
/// Furthest a meeting can be scheduled ahead: ten years, in milliseconds.
const MAX_SCHEDULE_AHEAD_MS: i64 = 10 * 366 * 24 * 60 * 60 * 1000;
/// `execute` through the statement cache. The writer runs the same statements thousands of
/// times a second; preparing them afresh was over half of its CPU per message.
fn sql_exec<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `query_row` through the statement cache (see [`sql_exec`]).
fn sql_row<T, P, F>(conn: &Connection, sql: &str, params: P, f: F) -> rusqlite::Result<T>
where
    P: rusqlite::Params,
    F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    conn.prepare_cached(sql)?.query_row(params, f)
}

/// SQLite's errors stop at this adapter: above it they are the store's own.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(Box::new(e))
    }
}

/// Numbered migrations; each runs in its own transaction with the version bump.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_init.sql"),
    include_str!("../../migrations/002_groups.sql"),
    include_str!("../../migrations/003_rooms.sql"),
    include_str!("../../migrations/004_meetings.sql"),
    include_str!("../../migrations/005_stream_positions.sql"),
    include_str!("../../migrations/006_guests.sql"),
    include_str!("../../migrations/007_meeting_refusals.sql"),
];

/// Guests (present and waiting) one meeting takes at most.
const MAX_MEETING_GUESTS: i64 = 200;

/// A clock in ms since the epoch; tests replace it to store old messages.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })
}

/// SQLite implementation of [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    clock: Clock,
    _checkpointer: Checkpointer,
}

/// How often the WAL is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// A WAL larger than this is checkpointed with RESTART (the writer waits for the copy, once),
/// so that the next commit starts the log over; it is also the size SQLite truncates it to.
const WAL_LIMIT_BYTES: u64 = 64 << 20;

/// Copies the WAL into the database file beside the writer instead of on its path. Inline,
/// SQLite's automatic checkpoint (a thousand pages written, the database file fsynced) stalled
/// every message of the batch that crossed the threshold, over ten times a second under load;
/// here the writer only appends to the WAL and fsyncs it. Stops when the store is dropped.
struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn spawn(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, false)?;
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("confer-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    let large = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_LIMIT_BYTES);
                    // PASSIVE waits for nobody; RESTART, rarely, makes the log start over.
                    let mode = if large { "RESTART" } else { "PASSIVE" };
                    if let Err(e) =
                        sql_row(&conn, &format!("PRAGMA wal_checkpoint({mode})"), [], |_| {
                            Ok(())
                        })
                    {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })
            .map_err(|e| StoreError::Db(Box::new(e)))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const USER_COLUMNS: &str = "id, name, display_name, email, password_hash, disabled, privacy, \
                            status, status_message, last_seen";

impl SqliteStore {
    /// Opens (creating if needed) `DIR/confer.db` and applies pending migrations.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        Self::open(&dir.join("confer.db"), system_clock())
    }

    /// Opens the database file with the given clock.
    pub fn open(path: &Path, clock: Clock) -> Result<Self, StoreError> {
        let mut writer = open_connection(path, false)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // Checkpoints run on their own thread (see `Checkpointer`), never inline on commit.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        writer.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)?;
        migrate(&mut writer)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            clock,
            _checkpointer: Checkpointer::spawn(path)?,
        })
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().expect("reader pool poisoned").pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.path, true)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().expect("reader pool poisoned");
        // A few idle readers are enough; extra ones are closed rather than kept forever.
        if pool.len() < 8 {
            pool.push(conn);
        }
        result
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    // Every statement goes through the cache (`sql_exec`, `sql_row`, `prepare_cached`): room
    // for all of the writer's and readers' distinct statements.
    conn.set_prepared_statement_cache_capacity(256);
    // Admin commands may write while the server runs: wait for the lock instead of failing.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if !read_only {
        // FULL: a commit is on disk before the writer acks it, so an acked message survives a
        // power loss too; group commit spreads the fsync over the whole batch.
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: usize = sql_row(conn, "PRAGMA user_version", [], |r| r.get(0))?;
    if current > MIGRATIONS.len() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let version = i + 1;
        let wrap = |e: rusqlite::Error| StoreError::Migration {
            version,
            source: Box::new(e),
        };
        let tx = conn.transaction().map_err(wrap)?;
        tx.execute_batch(sql).map_err(wrap)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(wrap)?;
        tx.commit().map_err(wrap)?;
    }
    Ok(())
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    let status: String = r.get(7)?;
    Ok(UserRecord {
        id: r.get(0)?,
        info: UserInfo {
            name: r.get(1)?,
            display_name: r.get(2)?,
            email: r.get(3)?,
        },
        password_hash: r.get(4)?,
        disabled: r.get(5)?,
        settings: UserSettings {
            privacy: r.get(6)?,
            status: choice_from_str(&status),
            status_message: r.get(8)?,
        },
        last_seen: r.get(9)?,
    })
}

fn choice_to_str(c: PresenceChoice) -> &'static str {
    match c {
        PresenceChoice::Available => "available",
        PresenceChoice::Away => "away",
        PresenceChoice::Dnd => "dnd",
        PresenceChoice::Offline => "offline",
    }
}

fn choice_from_str(s: &str) -> PresenceChoice {
    match s {
        "away" => PresenceChoice::Away,
        "dnd" => PresenceChoice::Dnd,
        "offline" => PresenceChoice::Offline,
        _ => PresenceChoice::Available,
    }
}

fn fav_state_to_str(s: FavouriteState) -> &'static str {
    match s {
        FavouriteState::Pending => "pending",
        FavouriteState::Accepted => "accepted",
        FavouriteState::Declined => "declined",
        FavouriteState::Removed => "removed",
    }
}

fn fav_state_from_str(s: &str) -> FavouriteState {
    match s {
        "pending" => FavouriteState::Pending,
        "accepted" => FavouriteState::Accepted,
        "declined" => FavouriteState::Declined,
        _ => FavouriteState::Removed,
    }
}

fn user_by(
    conn: &Connection,
    clause: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    Ok(sql_row(conn, &sql, [arg], user_from_row).optional()?)
}

fn require_user(conn: &Connection, name: &str) -> Result<UserRecord, StoreError> {
    user_by(conn, "name = ?1", &name)?
        .filter(|u| !u.disabled)
        .ok_or_else(|| StoreError::NotFound(format!("There is no user named {name:?}.")))
}

fn name_of(conn: &Connection, id: UserId) -> Result<String, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT name FROM users WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// A member's row in a conversation.
struct MemberRow {
    read_seq: u64,
    muted: bool,
    cleared_seq: u64,
}

fn member_row(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<Option<MemberRow>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT read_seq, muted, cleared_seq FROM members \
             WHERE conversation_id = ?1 AND user_id = ?2",
        params![conv, user],
        |r| {
            Ok(MemberRow {
                read_seq: r.get(0)?,
                muted: r.get(1)?,
                cleared_seq: r.get(2)?,
            })
        },
    )
    .optional()?)
}

/// The facts authorization decides on: does the conversation exist, its kind, the user's role.
fn standing(conn: &Connection, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
    let found: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT c.kind, m.role FROM conversations c LEFT JOIN members m \
             ON m.conversation_id = c.id AND m.user_id = ?2 WHERE c.id = ?1",
        )?
        .query_row(params![conv, user], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match found {
        None => Standing::Unknown,
        Some((kind, None)) => Standing::Outsider(Kind::from_stored(&kind)),
        Some((kind, Some(role))) => {
            Standing::Member(Kind::from_stored(&kind), Role::from_stored(&role))
        }
    })
}

/// Asks [`authz::user_can`] about `user` in `conv`; returns the user's role.
fn authorize(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
    action: Action,
) -> Result<Role, StoreError> {
    authz::user_can(standing(conn, conv, user)?, action, conv)
}

fn require_member(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<MemberRow, StoreError> {
    authorize(conn, conv, user, Action::Participate)?;
    member_row(conn, conv, user)?
        .ok_or_else(|| StoreError::Corrupt(format!("member {user} of {conv} vanished")))
}

fn member_ids(conn: &Connection, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM members WHERE conversation_id = ?1 ORDER BY user_id",
    )?;
    let ids = stmt
        .query_map([conv], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

fn conversation_info(
    conn: &Connection,
    conv: ConversationId,
) -> Result<ConversationInfo, StoreError> {
    let (created_at, kind, name, mute_all, lobby): (i64, String, Option<String>, bool, bool) =
        sql_row(
            conn,
            "SELECT created_at, kind, name, mute_all, lobby FROM conversations WHERE id = ?1",
            [conv],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    let mut stmt = conn.prepare_cached(
        "SELECT u.name, m.role FROM members m JOIN users u ON u.id = m.user_id \
         WHERE m.conversation_id = ?1 ORDER BY u.name",
    )?;
    let rows = stmt
        .query_map([conv], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let kind = match kind.as_str() {
        "group" => ConversationKind::Group,
        "room" => ConversationKind::Room,
        _ => ConversationKind::Direct,
    };
    let owner = rows
        .iter()
        .find(|(_, role)| role == "owner")
        .map(|(n, _)| n.clone());
    let moderators = rows
        .iter()
        .filter(|(_, role)| role == "owner" || role == "moderator")
        .map(|(n, _)| n.clone())
        .collect();
    Ok(ConversationInfo {
        id: conv,
        kind,
        members: rows.into_iter().map(|(n, _)| n).collect(),
        created_at,
        name,
        owner,
        moderators,
        mute_all,
        lobby,
    })
}

/// (delivered_through, read_through) for `sender`'s messages: the lowest receipt cursors among
/// the other members.
fn tick_aggregate(
    conn: &Connection,
    conv: ConversationId,
    sender: UserId,
) -> Result<(u64, u64), StoreError> {
    let row: (Option<u64>, Option<u64>) = sql_row(
        conn,
        "SELECT MIN(receipt_delivered_seq), MIN(receipt_read_seq) FROM members \
         WHERE conversation_id = ?1 AND user_id != ?2",
        params![conv, sender],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((row.0.unwrap_or(0), row.1.unwrap_or(0)))
}

fn privacy_of(conn: &Connection, user: UserId) -> Result<bool, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT privacy FROM users WHERE id = ?1",
        [user],
        |r| r.get(0),
    )?)
}

fn unread_count(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
    after: u64,
) -> Result<u32, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT COUNT(*) FROM messages \
         WHERE conversation_id = ?1 AND seq > ?2 AND sender_id != ?3 AND kind = 'text'",
        params![conv, after, user],
        |r| r.get(0),
    )?)
}

/// Messages from rows of (seq, sender_id, sender name, client_id, body, sent_at), with tick
/// states as `viewer` may see them.
struct MessageBuilder<'c> {
    conn: &'c Connection,
    conv: ConversationId,
    viewer_privacy: bool,
    aggregates: HashMap<UserId, (u64, u64)>,
}

impl<'c> MessageBuilder<'c> {
    fn new(conn: &'c Connection, conv: ConversationId, viewer: UserId) -> Result<Self, StoreError> {
        Ok(Self {
            conn,
            conv,
            viewer_privacy: privacy_of(conn, viewer)?,
            aggregates: HashMap::new(),
        })
    }

    fn state(&mut self, sender: UserId, seq: u64) -> Result<TickState, StoreError> {
        if self.viewer_privacy {
            return Ok(TickState::Sent);
        }
        let (delivered, read) = match self.aggregates.get(&sender) {
            Some(a) => *a,
            None => {
                let a = tick_aggregate(self.conn, self.conv, sender)?;
                self.aggregates.insert(sender, a);
                a
            }
        };
        Ok(if seq <= read {
            TickState::Read
        } else if seq <= delivered {
            TickState::Delivered
        } else {
            TickState::Sent
        })
    }

    fn query(
        &mut self,
        where_clause: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT m.seq, m.sender_id, u.name, m.client_id, m.body, m.sent_at, m.kind \
             FROM messages m JOIN users u ON u.id = m.sender_id \
             WHERE m.conversation_id = ?1 AND {where_clause}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, UserId>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (seq, sender_id, sender, client_id, text, sent_at, kind) in rows {
            let state = self.state(sender_id, seq)?;
            out.push(Message {
                conversation: self.conv,
                seq,
                client_id,
                sender,
                text,
                sent_at,
                state,
                kind: kind_from_str(&kind),
            });
        }
        Ok(out)
    }
}

fn summary(
    conn: &Connection,
    user: UserId,
    conv: ConversationId,
) -> Result<ConversationSummary, StoreError> {
    let member = require_member(conn, conv, user)?;
    let info = conversation_info(conn, conv)?;
    let mut builder = MessageBuilder::new(conn, conv, user)?;
    let last_message = builder
        .query(
            "m.seq > ?2 ORDER BY m.seq DESC LIMIT 1",
            &[&conv, &member.cleared_seq],
        )?
        .pop();
    let after = member.read_seq.max(member.cleared_seq);
    Ok(ConversationSummary {
        info,
        last_message,
        unread: unread_count(conn, conv, user, after)?,
        read_through: member.read_seq,
        muted: member.muted,
        cleared_through: member.cleared_seq,
    })
}

/// Appends a change to the stream inside the writer's transaction.
struct Appender<'t, 'c> {
    tx: &'t Transaction<'c>,
    published: Vec<Published>,
    guest_notices: Vec<GuestNotice>,
}

impl Appender<'_, '_> {
    /// A notice for an external guest's connection, sent after the commit.
    fn for_guest(&mut self, connection: u64, update: GuestUpdate) {
        self.guest_notices.push(GuestNotice { connection, update });
    }

    /// A change for every member of the conversation.
    fn for_members(&mut self, conv: ConversationId, change: Change) -> Result<(), StoreError> {
        let recipients = member_ids(self.tx, conv)?;
        self.push(Some(conv), None, change, recipients)
    }

    /// Every member gets the conversation as it is now (after a membership or room change).
    fn conversation_changed(&mut self, conv: ConversationId) -> Result<(), StoreError> {
        let info = conversation_info(self.tx, conv)?;
        self.for_members(conv, Change::Conversation { conversation: info })
    }

    /// A change for one user.
    fn for_user(
        &mut self,
        conv: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.push(conv, Some(user), change, vec![user])
    }

    fn push(
        &mut self,
        conv: Option<ConversationId>,
        target: Option<UserId>,
        change: Change,
        recipients: Vec<UserId>,
    ) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(&change).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sql_exec(
            self.tx,
            "INSERT INTO stream (conversation_id, target_user, payload) VALUES (?1, ?2, ?3)",
            params![conv, target, payload],
        )?;
        let position = self.tx.last_insert_rowid() as u64;
        self.published.push(Published {
            position,
            change,
            recipients,
        });
        Ok(())
    }
}

/// The SQLite side of the chat rules: queries inside the writer's transaction.
impl ChatRepo for Appender<'_, '_> {
    fn standing(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        standing(self.tx, conv, user)
    }

    fn cursors(&mut self, conv: ConversationId, user: UserId) -> Result<Cursors, StoreError> {
        let m = member_row(self.tx, conv, user)?
            .ok_or_else(|| StoreError::Corrupt(format!("member {user} of {conv} vanished")))?;
        Ok(Cursors {
            read: m.read_seq,
            muted: m.muted,
            cleared: m.cleared_seq,
        })
    }

    fn sent_before(
        &mut self,
        user: UserId,
        client_id: &str,
    ) -> Result<Option<(ConversationId, u64, i64)>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT conversation_id, seq, sent_at FROM messages \
                 WHERE sender_id = ?1 AND client_id = ?2",
            )?
            .query_row(params![user, client_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }

    fn append_message(
        &mut self,
        conv: ConversationId,
        sender: UserId,
        client_id: &str,
        text: &str,
        at: i64,
    ) -> Result<u64, StoreError> {
        let seq: u64 = self
            .tx
            .prepare_cached(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 \
                 RETURNING last_seq",
            )?
            .query_row([conv], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, \
                 sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![conv, seq, sender, client_id, text, at])?;
        Ok(seq)
    }

    fn user_name(&mut self, user: UserId) -> Result<String, StoreError> {
        name_of(self.tx, user)
    }

    fn last_seq(&mut self, conv: ConversationId) -> Result<u64, StoreError> {
        last_seq(self.tx, conv)
    }

    fn privacy(&mut self, user: UserId) -> Result<bool, StoreError> {
        privacy_of(self.tx, user)
    }

    fn aggregates(&mut self, conv: ConversationId) -> Result<Aggregates, StoreError> {
        aggregates(self.tx, conv)
    }

    fn raise_receipts(
        &mut self,
        conv: ConversationId,
        user: UserId,
        delivered: u64,
        read: Option<u64>,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE members SET receipt_delivered_seq = MAX(receipt_delivered_seq, ?3), \
                 receipt_read_seq = MAX(receipt_read_seq, COALESCE(?4, 0)) \
                 WHERE conversation_id = ?1 AND user_id = ?2",
            )?
            .execute(params![conv, user, delivered, read])?;
        Ok(())
    }

    fn set_read(&mut self, conv: ConversationId, user: UserId, seq: u64) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE members SET read_seq = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user, seq],
        )?;
        Ok(())
    }

    fn set_muted(
        &mut self,
        conv: ConversationId,
        user: UserId,
        muted: bool,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE members SET muted = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user, muted],
        )?;
        Ok(())
    }

    fn set_cleared(
        &mut self,
        conv: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE members SET cleared_seq = ?3, read_seq = MAX(read_seq, ?3) \
             WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user, seq],
        )?;
        Ok(())
    }

    fn unread_count(
        &mut self,
        conv: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError> {
        unread_count(self.tx, conv, user, after)
    }

    fn publish_to_members(
        &mut self,
        conv: ConversationId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.for_members(conv, change)
    }

    fn publish_to_user(
        &mut self,
        conv: ConversationId,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.for_user(Some(conv), user, change)
    }
}

/// The SQLite side of the people rules.
impl PeopleRepo for Appender<'_, '_> {
    fn user_named(&mut self, name: &str) -> Result<UserRecord, StoreError> {
        require_user(self.tx, name)
    }

    fn name_of(&mut self, user: UserId) -> Result<String, StoreError> {
        name_of(self.tx, user)
    }

    fn settings(&mut self, user: UserId) -> Result<UserSettings, StoreError> {
        Ok(user_by(self.tx, "id = ?1", &user)?
            .ok_or_else(|| StoreError::NotFound("no such user".into()))?
            .settings)
    }

    fn set_privacy(&mut self, user: UserId, on: bool) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE users SET privacy = ?2 WHERE id = ?1",
            params![user, on],
        )?;
        Ok(())
    }

    fn set_status(
        &mut self,
        user: UserId,
        status: PresenceChoice,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE users SET status = ?2, status_message = ?3 WHERE id = ?1",
            params![user, choice_to_str(status), message],
        )?;
        Ok(())
    }

    fn set_last_seen(&mut self, user: UserId, at: i64) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE users SET last_seen = ?2 WHERE id = ?1",
            params![user, at],
        )?;
        Ok(())
    }

    fn memberships(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT conversation_id FROM members WHERE user_id = ?1")?;
        Ok(stmt
            .query_map([user], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    fn ticks_of(&mut self, conv: ConversationId, sender: UserId) -> Result<(u64, u64), StoreError> {
        tick_aggregate(self.tx, conv, sender)
    }

    fn favourite(
        &mut self,
        owner: UserId,
        target: UserId,
    ) -> Result<Option<FavouriteState>, StoreError> {
        let state: Option<String> = sql_row(
            self.tx,
            "SELECT state FROM favourites WHERE owner_id = ?1 AND target_id = ?2",
            params![owner, target],
            |r| r.get(0),
        )
        .optional()?;
        Ok(state.as_deref().map(fav_state_from_str))
    }

    fn put_favourite(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
        at: i64,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO favourites (owner_id, target_id, state, created_at) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (owner_id, target_id) DO UPDATE SET state = excluded.state",
            params![owner, target, fav_state_to_str(state), at],
        )?;
        Ok(())
    }

    fn delete_favourite(&mut self, owner: UserId, target: UserId) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "DELETE FROM favourites WHERE owner_id = ?1 AND target_id = ?2",
            params![owner, target],
        )? > 0)
    }

    fn answer_request(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "UPDATE favourites SET state = ?3 \
             WHERE owner_id = ?1 AND target_id = ?2 AND state = 'pending'",
            params![owner, target, fav_state_to_str(state)],
        )? > 0)
    }

    fn publish(
        &mut self,
        conv: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.for_user(conv, user, change)
    }
}

fn aggregates(
    conn: &Connection,
    conv: ConversationId,
) -> Result<HashMap<UserId, (u64, u64)>, StoreError> {
    member_ids(conn, conv)?
        .into_iter()
        .map(|m| Ok((m, tick_aggregate(conn, conv, m)?)))
        .collect()
}

/// The conversation's newest sequence number.
fn last_seq(conn: &Connection, conv: ConversationId) -> Result<u64, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT last_seq FROM conversations WHERE id = ?1",
        [conv],
        |r| r.get(0),
    )?)
}

fn kind_from_str(s: &str) -> MessageKind {
    match s {
        "joined" => MessageKind::Joined,
        "left" => MessageKind::Left,
        _ => MessageKind::Text,
    }
}

fn kind_to_str(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Text => "text",
        MessageKind::Joined => "joined",
        MessageKind::Left => "left",
    }
}

/// A group the caller belongs to (`Invalid` for a direct conversation).
fn require_group_member(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<(), StoreError> {
    authorize(conn, conv, user, Action::UseGroup).map(|_| ())
}

/// The caller's role in a room (`Invalid` for another kind of conversation).
fn room_role(conn: &Connection, conv: ConversationId, user: UserId) -> Result<Role, StoreError> {
    authorize(conn, conv, user, Action::UseRoom)
}

/// A moderator's (or the owner's) role, else `Forbidden`.
fn require_moderator(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<Role, StoreError> {
    authorize(conn, conv, user, Action::Moderate)
}

/// Deletes a conversation with everything in it; returns who was in it.
fn delete_conversation(
    tx: &Transaction<'_>,
    conv: ConversationId,
) -> Result<Vec<UserId>, StoreError> {
    let members = member_ids(tx, conv)?;
    for table in [
        "invitations",
        "messages",
        "stream",
        "members",
        "meeting_participants",
        "meeting_guests",
        "meeting_refusals",
        "meetings",
        "scheduled_meetings",
    ] {
        sql_exec(
            tx,
            &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
            [conv],
        )?;
    }
    sql_exec(tx, "DELETE FROM conversations WHERE id = ?1", [conv])?;
    Ok(members)
}

/// The room's meeting, if one is going on, as its members see it (with the lobby).
fn ongoing_meeting(
    conn: &Connection,
    conv: ConversationId,
) -> Result<Option<OngoingMeeting>, StoreError> {
    let Some(started_at) = sql_row(
        conn,
        "SELECT started_at FROM meetings WHERE conversation_id = ?1",
        [conv],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    else {
        return Ok(None);
    };
    let name = room_name(conn, conv)?;
    let mut stmt = conn.prepare_cached(
        "SELECT u.name FROM meeting_participants p JOIN users u ON u.id = p.user_id \
         WHERE p.conversation_id = ?1 ORDER BY p.joined_at, u.name",
    )?;
    let participants = stmt
        .query_map([conv], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let (mut guests, mut lobby) = (Vec::new(), Vec::new());
    for g in meeting_guests(conn, conv)? {
        let entry = MeetingGuest {
            id: g.id,
            name: g.name,
            external: g.user.is_none(),
        };
        if g.admitted {
            guests.push(entry);
        } else {
            lobby.push(entry);
        }
    }
    Ok(Some(OngoingMeeting {
        conversation: conv,
        name,
        participants,
        started_at,
        guests,
        lobby,
    }))
}

/// A guest of a meeting, as stored.
struct GuestRow {
    id: u64,
    user: Option<UserId>,
    name: String,
    connection: Option<u64>,
    admitted: bool,
}

fn guest_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GuestRow> {
    Ok(GuestRow {
        id: r.get(0)?,
        user: r.get(1)?,
        name: r.get(2)?,
        connection: r.get(3)?,
        admitted: r.get(4)?,
    })
}

/// The guests of the room's meeting, present and waiting, in the order they came.
fn meeting_guests(conn: &Connection, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, name, connection, admitted FROM meeting_guests \
         WHERE conversation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([conv], guest_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn guest_row(
    conn: &Connection,
    conv: ConversationId,
    guest: u64,
) -> Result<Option<GuestRow>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT id, user_id, name, connection, admitted FROM meeting_guests \
             WHERE conversation_id = ?1 AND id = ?2",
        params![conv, guest],
        guest_from_row,
    )
    .optional()?)
}

/// The guest id of `user` in the room's meeting, when they are in it as an internal guest.
fn internal_guest(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<Option<u64>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT id FROM meeting_guests WHERE conversation_id = ?1 AND user_id = ?2",
        params![conv, user],
        |r| r.get(0),
    )
    .optional()?)
}

/// A moderator turns one of the room's switches (`mute_all`, `lobby`) on or off; the members
/// get the room as it is now.
fn set_room_setting(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    user: UserId,
    column: &'static str,
    on: bool,
) -> Result<(), StoreError> {
    require_moderator(tx, conv, user)?;
    sql_exec(
        tx,
        &format!("UPDATE conversations SET {column} = ?2 WHERE id = ?1"),
        params![conv, on],
    )?;
    out.conversation_changed(conv)
}

/// A room's name ('' when it has none).
fn room_name(conn: &Connection, conv: ConversationId) -> Result<String, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT COALESCE(name, '') FROM conversations WHERE id = ?1",
        [conv],
        |r| r.get(0),
    )?)
}

/// The room whose meeting a link opens, as a guest needs it.
struct GuestPlace<'a> {
    conversation: ConversationId,
    room: &'a str,
    lobby: bool,
}

/// Who comes in as a guest.
enum Guest {
    /// A user of this server who is not a member.
    Internal(UserId),
    /// Someone without an account, on a connection.
    External { name: String, connection: u64 },
}

/// Lets a guest into the room's ongoing meeting (an external one into the lobby when it is on);
/// an internal guest already in is found again.
fn join_as_guest(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    place: &GuestPlace<'_>,
    who: Guest,
    now: i64,
) -> Result<MeetingSession, StoreError> {
    let GuestPlace {
        conversation,
        room,
        lobby,
    } = *place;
    if ongoing_meeting(tx, conversation)?.is_none() {
        return Err(StoreError::Conflict(format!(
            "No meeting is going on in {room:?} yet; \
             guests can join once a member has started it."
        )));
    }
    let existing = match &who {
        Guest::Internal(user) => {
            let refused = sql_row(
                tx,
                "SELECT 1 FROM meeting_refusals WHERE conversation_id = ?1 AND user_id = ?2",
                params![conversation, user],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
            if refused {
                return Err(StoreError::Forbidden(format!(
                    "A moderator sent you out of the meeting in {room:?}; \
                     you can join its next one."
                )));
            }
            internal_guest(tx, conversation, *user)?
        }
        Guest::External { .. } => None,
    };
    let guest = match existing {
        Some(id) => id,
        None => {
            let count: i64 = sql_row(
                tx,
                "SELECT COUNT(*) FROM meeting_guests WHERE conversation_id = ?1",
                [conversation],
                |r| r.get(0),
            )?;
            if count >= MAX_MEETING_GUESTS {
                return Err(StoreError::Conflict(format!(
                    "The meeting in {room:?} has as many guests as it can take \
                     ({MAX_MEETING_GUESTS})."
                )));
            }
            // Internal guests come straight in; the lobby is for people without an account.
            let (user, display, conn, admitted) = match who {
                Guest::Internal(user) => (Some(user), name_of(tx, user)?, None, true),
                Guest::External { name, connection } => (None, name, Some(connection), !lobby),
            };
            sql_exec(
                tx,
                "INSERT INTO meeting_guests (conversation_id, user_id, name, connection, \
                 admitted, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![conversation, user, display, conn, admitted, now],
            )?;
            let id = tx.last_insert_rowid() as u64;
            meeting_changed(tx, out, conversation)?;
            id
        }
    };
    let row = guest_row(tx, conversation, guest)?
        .ok_or_else(|| StoreError::Corrupt("a guest row vanished".into()))?;
    let ongoing = ongoing_meeting(tx, conversation)?;
    Ok(match row.user {
        Some(_) => MeetingSession {
            conversation,
            room: room.to_owned(),
            name: row.name,
            role: MeetingRole::Guest,
            guest: Some(row.id),
            admitted: true,
            meeting: guest_view(&ongoing),
        },
        None => external_session(&ongoing, conversation, room, &row),
    })
}

/// What a guest sees of the meeting: everything but the lobby, which is the room's business
/// (members see who waits; moderators decide).
fn guest_view(meeting: &Option<OngoingMeeting>) -> Option<OngoingMeeting> {
    meeting.clone().map(|m| OngoingMeeting {
        lobby: Vec::new(),
        ..m
    })
}

/// An external guest's session, as its notices and its join reply carry it.
fn external_session(
    meeting: &Option<OngoingMeeting>,
    conv: ConversationId,
    room: &str,
    g: &GuestRow,
) -> MeetingSession {
    MeetingSession {
        conversation: conv,
        room: room.to_owned(),
        name: g.name.clone(),
        role: MeetingRole::ExternalGuest,
        guest: Some(g.id),
        admitted: g.admitted,
        meeting: if g.admitted {
            guest_view(meeting)
        } else {
            None
        },
    }
}

/// Tells everyone in or around the room's meeting how it is now: the members (through their
/// stream), internal guests (through theirs) and admitted external guests (on their
/// connections). Waiting guests hear nothing until a moderator decides.
fn meeting_changed(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
) -> Result<(), StoreError> {
    let ongoing = ongoing_meeting(tx, conv)?;
    out.for_members(
        conv,
        Change::Meeting {
            conversation: conv,
            ongoing: ongoing.clone(),
            ended: None,
        },
    )?;
    let room = room_name(tx, conv)?;
    for g in meeting_guests(tx, conv)? {
        match (g.user, g.connection) {
            (Some(user), _) => out.for_user(
                Some(conv),
                user,
                Change::Meeting {
                    conversation: conv,
                    ongoing: guest_view(&ongoing),
                    ended: None,
                },
            )?,
            (None, Some(connection)) if g.admitted => {
                let session = external_session(&ongoing, conv, &room, &g);
                out.for_guest(connection, GuestUpdate::Session(Box::new(session)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Ends one guest's access: an internal guest's devices see the meeting gone, an external
/// guest's connection is closed with `reason`.
fn end_guest_access(
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    g: &GuestRow,
    reason: &str,
) -> Result<(), StoreError> {
    match (g.user, g.connection) {
        // Not filed under the room: when the room is being deleted its stream rows go, and this
        // one must still reach the guest's other devices.
        (Some(user), _) => out.for_user(
            None,
            user,
            Change::Meeting {
                conversation: conv,
                ongoing: None,
                ended: Some(reason.to_owned()),
            },
        ),
        (None, Some(connection)) => {
            out.for_guest(connection, GuestUpdate::Ended(reason.to_owned()));
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// Sends every guest of the room's meeting away (the meeting ended or the room is gone).
fn dismiss_guests(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    reason: &str,
) -> Result<(), StoreError> {
    for g in meeting_guests(tx, conv)? {
        end_guest_access(out, conv, &g, reason)?;
    }
    for table in ["meeting_guests", "meeting_refusals"] {
        sql_exec(
            tx,
            &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
            [conv],
        )?;
    }
    Ok(())
}

/// A member starts the meeting of a room or 1:1 conversation, or joins it; tells everyone
/// around it when they came in.
fn join_meeting_as_member(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    user: UserId,
    now: i64,
) -> Result<(), StoreError> {
    sql_exec(
        tx,
        "INSERT OR IGNORE INTO meetings (conversation_id, started_at) VALUES (?1, ?2)",
        params![conv, now],
    )?;
    let joined = sql_exec(
        tx,
        "INSERT OR IGNORE INTO meeting_participants (conversation_id, user_id, joined_at) \
         VALUES (?1, ?2, ?3)",
        params![conv, user, now],
    )?;
    if joined > 0 {
        meeting_changed(tx, out, conv)?;
    }
    Ok(())
}

/// The message a panic carried.
pub(crate) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// Checks an external guest's chosen name; returns it cleaned. A guest may not take the login
/// or display name of a user of this server (in any case), or it could pass for them.
fn guest_name(tx: &Transaction<'_>, name: Option<String>) -> Result<String, StoreError> {
    let name = crate::domain::names::clean("A guest's name", &name.unwrap_or_default(), 64)?;
    let lower = name.to_lowercase();
    let mut stmt = tx.prepare_cached("SELECT name, display_name FROM users")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (login, display): (String, String) = (r.get(0)?, r.get(1)?);
        let display = display.split_whitespace().collect::<Vec<_>>().join(" ");
        if login.to_lowercase() == lower || display.to_lowercase() == lower {
            return Err(StoreError::Conflict(
                "That name belongs to a user of this server; a guest picks another.".into(),
            ));
        }
    }
    Ok(name)
}

fn scheduled_meeting(conn: &Connection, id: u64) -> Result<ScheduledMeeting, StoreError> {
    sql_row(
        conn,
        "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, s.minutes, \
         u.name FROM scheduled_meetings s JOIN conversations c ON c.id = s.conversation_id \
         JOIN users u ON u.id = s.organizer_id WHERE s.id = ?1",
        [id],
        scheduled_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("There is no scheduled meeting {id}.")))
}

fn scheduled_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScheduledMeeting> {
    Ok(ScheduledMeeting {
        id: r.get(0)?,
        conversation: r.get(1)?,
        name: r.get(2)?,
        title: r.get(3)?,
        starts_at: r.get(4)?,
        minutes: r.get(5)?,
        organizer: r.get(6)?,
    })
}

/// Takes `user` out of the room's meeting (ending it when they were the last one) and tells
/// the members; false when they were not in it.
fn leave_meeting(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    user: UserId,
) -> Result<bool, StoreError> {
    let removed = sql_exec(
        tx,
        "DELETE FROM meeting_participants WHERE conversation_id = ?1 AND user_id = ?2",
        params![conv, user],
    )?;
    if removed == 0 {
        return Ok(false);
    }
    let left: i64 = sql_row(
        tx,
        "SELECT COUNT(*) FROM meeting_participants WHERE conversation_id = ?1",
        [conv],
        |r| r.get(0),
    )?;
    if left == 0 {
        // Guests never keep a meeting going: their access ends with the members' meeting.
        dismiss_guests(tx, out, conv, "The meeting has ended.")?;
        sql_exec(
            tx,
            "DELETE FROM meetings WHERE conversation_id = ?1",
            [conv],
        )?;
    }
    meeting_changed(tx, out, conv)?;
    Ok(true)
}

/// Records an invitation and tells the invitee.
fn send_invitation(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    invitee: UserId,
    inviter: UserId,
    now: i64,
) -> Result<(), StoreError> {
    sql_exec(
        tx,
        "INSERT INTO invitations (conversation_id, user_id, inviter_id, created_at) \
         VALUES (?1, ?2, ?3, ?4)",
        params![conv, invitee, inviter, now],
    )?;
    out.for_user(
        Some(conv),
        invitee,
        Change::Invited {
            conversation: conversation_info(tx, conv)?,
            inviter: name_of(tx, inviter)?,
        },
    )
}

/// Takes a member out of a group or room: they get `removed`, the others the new membership,
/// a `left` line and ticks no longer held back by them.
fn remove_member(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    user: UserId,
    now: i64,
) -> Result<(), StoreError> {
    leave_meeting(tx, out, conv, user)?;
    let before = aggregates(tx, conv)?;
    sql_exec(
        tx,
        "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
        params![conv, user],
    )?;
    out.for_user(None, user, Change::Removed { conversation: conv })?;
    out.conversation_changed(conv)?;
    membership_event(tx, out, conv, user, MessageKind::Left, now)?;
    chat::publish_ticks(out, conv, &before)
}

/// The role of someone the caller acts on; `NotFound` when they are not in the room.
fn target_role(
    conn: &Connection,
    conv: ConversationId,
    target: &UserRecord,
) -> Result<Role, StoreError> {
    match room_role(conn, conv, target.id) {
        Err(StoreError::Forbidden(_)) => Err(StoreError::NotFound(format!(
            "{} is not in the room.",
            target.info.name
        ))),
        other => other,
    }
}

/// Members plus pending invitations: what the size cap counts.
fn seats_taken(conn: &Connection, conv: ConversationId) -> Result<usize, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT (SELECT COUNT(*) FROM members WHERE conversation_id = ?1) + \
                (SELECT COUNT(*) FROM invitations WHERE conversation_id = ?1)",
        [conv],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

fn full(max: usize) -> StoreError {
    StoreError::Invalid(format!(
        "A group holds at most {max} members, invitations included."
    ))
}

/// Appends a join or leave event to the timeline and publishes it to the members.
fn membership_event(
    tx: &Transaction<'_>,
    out: &mut Appender<'_, '_>,
    conv: ConversationId,
    user: UserId,
    kind: MessageKind,
    now: i64,
) -> Result<(), StoreError> {
    let seq: u64 = sql_row(
        tx,
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        [conv],
        |r| r.get(0),
    )?;
    let client_id = format!("system:{}:{conv}:{seq}", kind_to_str(kind));
    sql_exec(
        tx,
        "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, sent_at, kind) \
         VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
        params![conv, seq, user, client_id, now, kind_to_str(kind)],
    )?;
    let message = Message {
        conversation: conv,
        seq,
        client_id,
        sender: name_of(tx, user)?,
        text: String::new(),
        sent_at: now,
        state: TickState::Sent,
        kind,
    };
    out.for_members(conv, Change::Message { message })
}

fn validate_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "User name {name:?} is invalid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
        )))
    }
}

impl SqliteStore {
    fn apply(&self, tx: &Transaction<'_>, op: WriteOp) -> Result<Committed, StoreError> {
        let now = (self.clock)();
        let mut out = Appender {
            tx,
            published: Vec::new(),
            guest_notices: Vec::new(),
        };
        let outcome = match op {
            WriteOp::CreateUser {
                name,
                display_name,
                email,
                password_hash,
            } => {
                // Names are stored lower-case so every client sees one spelling.
                let name = name.to_lowercase();
                validate_name(&name)?;
                let display_name =
                    crate::domain::names::clean("A display name", &display_name, 128)?;
                if user_by(tx, "name = ?1", &name)?.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "A user named {name:?} already exists."
                    )));
                }
                sql_exec(
                    tx,
                    "INSERT INTO users (name, display_name, email, password_hash, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![name, display_name, email, password_hash, now],
                )?;
                Outcome::User(tx.last_insert_rowid())
            }
            WriteOp::SetPassword {
                name,
                password_hash,
            } => {
                let user = user_by(tx, "name = ?1", &name)?.ok_or_else(|| {
                    StoreError::NotFound(format!("There is no user named {name:?}."))
                })?;
                sql_exec(
                    tx,
                    "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                    params![password_hash, user.id],
                )?;
                sql_exec(
                    tx,
                    "UPDATE sessions SET revoked = (SELECT MAX(revoked) + 1 FROM sessions) \
                     WHERE user_id = ?1 AND revoked = 0",
                    [user.id],
                )?;
                Outcome::Done
            }
            WriteOp::DisableUser { name } => {
                let user = user_by(tx, "name = ?1", &name)?.ok_or_else(|| {
                    StoreError::NotFound(format!("There is no user named {name:?}."))
                })?;
                sql_exec(tx, "UPDATE users SET disabled = 1 WHERE id = ?1", [user.id])?;
                sql_exec(
                    tx,
                    "UPDATE sessions SET revoked = (SELECT MAX(revoked) + 1 FROM sessions) \
                     WHERE user_id = ?1 AND revoked = 0",
                    [user.id],
                )?;
                Outcome::Done
            }
            WriteOp::CreateSession {
                user,
                token_hash,
                device,
            } => {
                sql_exec(
                    tx,
                    "INSERT INTO sessions (user_id, token_hash, device, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![user, token_hash, device, now],
                )?;
                Outcome::Session(tx.last_insert_rowid())
            }
            WriteOp::RevokeSession { session } => {
                sql_exec(
                    tx,
                    "UPDATE sessions SET revoked = (SELECT MAX(revoked) + 1 FROM sessions) \
                     WHERE id = ?1 AND revoked = 0",
                    [session],
                )?;
                Outcome::Done
            }
            WriteOp::OpenDirect { user, other } => {
                let other = require_user(tx, &other)?;
                if other.id == user {
                    return Err(StoreError::Invalid(
                        "You cannot open a conversation with yourself.".into(),
                    ));
                }
                let key = format!("{}:{}", user.min(other.id), user.max(other.id));
                let existing: Option<ConversationId> = sql_row(
                    tx,
                    "SELECT id FROM conversations WHERE direct_key = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .optional()?;
                let conv = match existing {
                    Some(c) => c,
                    None => {
                        sql_exec(
                            tx,
                            // The pair's own meeting link; SQLite's randomness is seeded from the OS.
                            "INSERT INTO conversations (kind, direct_key, created_at, link_token) \
                             VALUES ('direct', ?1, ?2, lower(hex(randomblob(32))))",
                            params![key, now],
                        )?;
                        let conv = tx.last_insert_rowid() as ConversationId;
                        for member in [user, other.id] {
                            sql_exec(
                                tx,
                                "INSERT INTO members (conversation_id, user_id) VALUES (?1, ?2)",
                                params![conv, member],
                            )?;
                        }
                        out.conversation_changed(conv)?;
                        conv
                    }
                };
                Outcome::Conversation(Box::new(summary(tx, user, conv)?))
            }
            WriteOp::SendMessage {
                user,
                conversation,
                client_id,
                text,
            } => Outcome::Sent(chat::send_message(
                &mut out,
                user,
                conversation,
                client_id,
                text,
                now,
            )?),
            WriteOp::MarkDelivered {
                user,
                conversation,
                seq,
            } => {
                chat::mark_delivered(&mut out, user, conversation, seq)?;
                Outcome::Done
            }
            WriteOp::MarkRead {
                user,
                conversation,
                seq,
            } => {
                chat::mark_read(&mut out, user, conversation, seq)?;
                Outcome::Done
            }
            WriteOp::SetMuted {
                user,
                conversation,
                muted,
            } => {
                chat::set_muted(&mut out, user, conversation, muted)?;
                Outcome::Done
            }
            WriteOp::ClearHistory { user, conversation } => {
                chat::clear_history(&mut out, user, conversation)?;
                Outcome::Done
            }
            WriteOp::SetPrivacy { user, enabled } => {
                people::set_privacy(&mut out, user, enabled)?;
                Outcome::Done
            }
            WriteOp::SetStatus {
                user,
                status,
                message,
            } => {
                people::set_status(&mut out, user, status, message)?;
                Outcome::Done
            }
            WriteOp::SetLastSeen { user, at } => {
                people::set_last_seen(&mut out, user, at)?;
                Outcome::Done
            }
            WriteOp::AddFavourite {
                user,
                target,
                policy,
            } => {
                people::add_favourite(&mut out, user, &target, policy, now)?;
                Outcome::Done
            }
            WriteOp::RemoveFavourite { user, target } => {
                people::remove_favourite(&mut out, user, &target)?;
                Outcome::Done
            }
            WriteOp::AnswerSubscription {
                user,
                requester,
                accept,
            } => {
                people::answer_subscription(&mut out, user, &requester, accept)?;
                Outcome::Done
            }
            WriteOp::CreateGroup {
                user,
                invite,
                name,
                max_members,
            } => {
                let name = name
                    .map(|n| crate::domain::names::clean("A group name", &n, 100))
                    .transpose()?;
                let mut invitees: Vec<UserRecord> = Vec::new();
                for n in &invite {
                    let u = require_user(tx, n)?;
                    if u.id == user {
                        return Err(StoreError::Invalid(
                            "You are in the group already; invite others.".into(),
                        ));
                    }
                    if !invitees.iter().any(|i| i.id == u.id) {
                        invitees.push(u);
                    }
                }
                if invitees.is_empty() {
                    return Err(StoreError::Invalid(
                        "Invite at least one person to start a group.".into(),
                    ));
                }
                if 1 + invitees.len() > max_members {
                    return Err(full(max_members));
                }
                sql_exec(
                    tx,
                    "INSERT INTO conversations (kind, created_at, name) VALUES ('group', ?1, ?2)",
                    params![now, name],
                )?;
                let conv = tx.last_insert_rowid() as ConversationId;
                sql_exec(
                    tx,
                    "INSERT INTO members (conversation_id, user_id) VALUES (?1, ?2)",
                    params![conv, user],
                )?;
                out.conversation_changed(conv)?;
                for i in &invitees {
                    send_invitation(tx, &mut out, conv, i.id, user, now)?;
                }
                Outcome::Conversation(Box::new(summary(tx, user, conv)?))
            }
            WriteOp::InviteToGroup {
                user,
                conversation,
                invitee,
                max_members,
            } => {
                require_group_member(tx, conversation, user)?;
                let invitee = require_user(tx, &invitee)?;
                if member_row(tx, conversation, invitee.id)?.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "{} is in the group already.",
                        invitee.info.name
                    )));
                }
                let invited: bool = sql_row(
                    tx,
                    "SELECT 1 FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
                    params![conversation, invitee.id],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
                if !invited {
                    if seats_taken(tx, conversation)? + 1 > max_members {
                        return Err(full(max_members));
                    }
                    send_invitation(tx, &mut out, conversation, invitee.id, user, now)?;
                }
                Outcome::Done
            }
            WriteOp::JoinGroup {
                user,
                conversation,
                max_members,
            } => {
                let removed = sql_exec(
                    tx,
                    "DELETE FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
                    params![conversation, user],
                )?;
                if removed == 0 {
                    return Err(StoreError::Forbidden(format!(
                        "You have no invitation to group {conversation}."
                    )));
                }
                let members = member_ids(tx, conversation)?.len();
                if members + 1 > max_members {
                    return Err(full(max_members));
                }
                // A newcomer sees only what is posted from now on: everything so far counts as
                // cleared, read and received for them.
                let last_seq = last_seq(tx, conversation)?;
                sql_exec(
                    tx,
                    "INSERT INTO members (conversation_id, user_id, read_seq, receipt_delivered_seq, \
                     receipt_read_seq, cleared_seq) VALUES (?1, ?2, ?3, ?3, ?3, ?3)",
                    params![conversation, user, last_seq],
                )?;
                out.for_user(
                    Some(conversation),
                    user,
                    Change::InvitationClosed { conversation },
                )?;
                out.conversation_changed(conversation)?;
                membership_event(tx, &mut out, conversation, user, MessageKind::Joined, now)?;
                Outcome::Conversation(Box::new(summary(tx, user, conversation)?))
            }
            WriteOp::DeclineGroup { user, conversation } => {
                let removed = sql_exec(
                    tx,
                    "DELETE FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
                    params![conversation, user],
                )?;
                if removed == 0 {
                    return Err(StoreError::NotFound(format!(
                        "You have no invitation to group {conversation}."
                    )));
                }
                out.for_user(
                    Some(conversation),
                    user,
                    Change::InvitationClosed { conversation },
                )?;
                Outcome::Done
            }
            WriteOp::LeaveGroup { user, conversation } => {
                require_group_member(tx, conversation, user)?;
                if member_ids(tx, conversation)?.len() > 1 {
                    remove_member(tx, &mut out, conversation, user, now)?;
                } else {
                    // The last one out: the group and everything in it go for good, and
                    // pending invitations end.
                    let mut stmt = tx.prepare_cached(
                        "SELECT user_id FROM invitations WHERE conversation_id = ?1",
                    )?;
                    let invitees = stmt
                        .query_map([conversation], |r| r.get::<_, UserId>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    delete_conversation(tx, conversation)?;
                    out.for_user(None, user, Change::Removed { conversation })?;
                    for i in invitees {
                        out.for_user(None, i, Change::InvitationClosed { conversation })?;
                    }
                }
                Outcome::Done
            }
            WriteOp::CreateRoom { user, name, link } => {
                let name = crate::domain::names::clean("A room name", &name, 100)?;
                sql_exec(
                    tx,
                    "INSERT INTO conversations (kind, created_at, name, link_token) \
                     VALUES ('room', ?1, ?2, ?3)",
                    params![now, name, link],
                )?;
                let conv = tx.last_insert_rowid() as ConversationId;
                sql_exec(
                    tx,
                    "INSERT INTO members (conversation_id, user_id, role) VALUES (?1, ?2, 'owner')",
                    params![conv, user],
                )?;
                out.conversation_changed(conv)?;
                Outcome::Conversation(Box::new(summary(tx, user, conv)?))
            }
            WriteOp::AddRoomMember {
                user,
                conversation,
                member,
            } => {
                require_moderator(tx, conversation, user)?;
                let member = require_user(tx, &member)?;
                if member_row(tx, conversation, member.id)?.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "{} is in the room already.",
                        member.info.name
                    )));
                }
                // A room's history is the room's: a new member sees it, but none of it is
                // unread for them.
                let last_seq = last_seq(tx, conversation)?;
                sql_exec(
                    tx,
                    "INSERT INTO members (conversation_id, user_id, read_seq, receipt_delivered_seq, \
                     receipt_read_seq) VALUES (?1, ?2, ?3, ?3, ?3)",
                    params![conversation, member.id, last_seq],
                )?;
                out.conversation_changed(conversation)?;
                membership_event(
                    tx,
                    &mut out,
                    conversation,
                    member.id,
                    MessageKind::Joined,
                    now,
                )?;
                // A guest in the meeting who becomes a member stays in it, as a participant.
                if sql_exec(
                    tx,
                    "DELETE FROM meeting_guests WHERE conversation_id = ?1 AND user_id = ?2",
                    params![conversation, member.id],
                )? > 0
                {
                    sql_exec(
                        tx,
                        "INSERT OR IGNORE INTO meeting_participants (conversation_id, user_id, \
                         joined_at) VALUES (?1, ?2, ?3)",
                        params![conversation, member.id, now],
                    )?;
                    meeting_changed(tx, &mut out, conversation)?;
                }
                Outcome::Done
            }
            WriteOp::RemoveRoomMember {
                user,
                conversation,
                member,
            } => {
                let caller = standing(tx, conversation, user)?;
                authz::user_can(caller, Action::Moderate, conversation)?;
                let member = require_user(tx, &member)?;
                let target = target_role(tx, conversation, &member)?;
                authz::user_can(caller, Action::RemoveMember(target), conversation)?;
                remove_member(tx, &mut out, conversation, member.id, now)?;
                Outcome::Done
            }
            WriteOp::PromoteModerator {
                user,
                conversation,
                member,
            } => {
                require_moderator(tx, conversation, user)?;
                let member = require_user(tx, &member)?;
                if target_role(tx, conversation, &member)? == Role::Member {
                    sql_exec(
                        tx,
                        "UPDATE members SET role = 'moderator' \
                         WHERE conversation_id = ?1 AND user_id = ?2",
                        params![conversation, member.id],
                    )?;
                    out.conversation_changed(conversation)?;
                }
                Outcome::Done
            }
            WriteOp::RotateRoomLink {
                user,
                conversation,
                link,
            } => {
                require_moderator(tx, conversation, user)?;
                sql_exec(
                    tx,
                    "UPDATE conversations SET link_token = ?2 WHERE id = ?1",
                    params![conversation, link],
                )?;
                Outcome::Done
            }
            WriteOp::SetMuteAll {
                user,
                conversation,
                muted,
            } => {
                set_room_setting(tx, &mut out, conversation, user, "mute_all", muted)?;
                Outcome::Done
            }
            WriteOp::LeaveRoom { user, conversation } => {
                let caller = standing(tx, conversation, user)?;
                authz::user_can(caller, Action::UseRoom, conversation)?;
                let others = member_ids(tx, conversation)?.len().saturating_sub(1);
                let other_moderators: i64 = sql_row(
                    tx,
                    "SELECT COUNT(*) FROM members WHERE conversation_id = ?1 AND user_id != ?2 \
                     AND role IN ('owner', 'moderator')",
                    params![conversation, user],
                    |r| r.get(0),
                )?;
                let leave = Action::LeaveRoom {
                    others,
                    other_moderators: usize::try_from(other_moderators).unwrap_or(0),
                };
                authz::user_can(caller, leave, conversation)?;
                remove_member(tx, &mut out, conversation, user, now)?;
                Outcome::Done
            }
            WriteOp::DeleteRoom { user, conversation } => {
                authorize(tx, conversation, user, Action::DeleteRoom)?;
                dismiss_guests(tx, &mut out, conversation, "The room was deleted.")?;
                for member in delete_conversation(tx, conversation)? {
                    out.for_user(None, member, Change::Removed { conversation })?;
                }
                Outcome::Done
            }
            WriteOp::StartMeeting { user, conversation } => {
                room_role(tx, conversation, user)?;
                join_meeting_as_member(tx, &mut out, conversation, user, now)?;
                Outcome::Done
            }
            WriteOp::LeaveMeeting { user, conversation } => {
                if let Some(guest) = internal_guest(tx, conversation, user)? {
                    // An internal guest leaving: their access ends with it.
                    sql_exec(tx, "DELETE FROM meeting_guests WHERE id = ?1", [guest])?;
                    out.for_user(
                        Some(conversation),
                        user,
                        Change::Meeting {
                            conversation,
                            ongoing: None,
                            ended: None,
                        },
                    )?;
                    meeting_changed(tx, &mut out, conversation)?;
                } else {
                    room_role(tx, conversation, user)?;
                    if !leave_meeting(tx, &mut out, conversation, user)? {
                        return Err(StoreError::NotFound(format!(
                            "You are not in the meeting of room {conversation}."
                        )));
                    }
                }
                Outcome::Done
            }
            WriteOp::ScheduleMeeting {
                user,
                conversation,
                title,
                starts_at,
                minutes,
            } => {
                require_moderator(tx, conversation, user)?;
                let title = crate::domain::names::clean("A meeting title", &title, 200)?;
                if !(1..=MAX_MEETING_MINUTES).contains(&minutes) {
                    return Err(StoreError::Invalid(format!(
                        "A meeting lasts 1 to {MAX_MEETING_MINUTES} minutes."
                    )));
                }
                // Bounded before any arithmetic: the time comes from the client.
                if starts_at > now.saturating_add(MAX_SCHEDULE_AHEAD_MS) {
                    return Err(StoreError::Invalid(
                        "A meeting can be scheduled at most ten years ahead.".into(),
                    ));
                }
                let ends_at = starts_at.checked_add(i64::from(minutes) * 60_000);
                if ends_at.is_none_or(|end| end <= now) {
                    return Err(StoreError::Invalid(
                        "That meeting would be over already; pick a later time.".into(),
                    ));
                }
                sql_exec(
                    tx,
                    "INSERT INTO scheduled_meetings (conversation_id, title, starts_at, minutes, \
                     organizer_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![conversation, title, starts_at, minutes, user],
                )?;
                let id = tx.last_insert_rowid() as u64;
                out.for_members(conversation, Change::Calendar { conversation })?;
                Outcome::Scheduled(Box::new(scheduled_meeting(tx, id)?))
            }
            WriteOp::DeleteScheduledMeeting { user, meeting } => {
                let conversation = scheduled_meeting(tx, meeting)?.conversation;
                authorize(tx, conversation, user, Action::DeleteScheduledMeeting)?;
                sql_exec(
                    tx,
                    "DELETE FROM scheduled_meetings WHERE id = ?1",
                    [meeting],
                )?;
                out.for_members(conversation, Change::Calendar { conversation })?;
                Outcome::Done
            }
            WriteOp::JoinByLink {
                user,
                link,
                name,
                connection,
            } => {
                // Bad input is refused before anything is looked up.
                let name = match user {
                    None => Some(guest_name(tx, name)?),
                    Some(_) => None,
                };
                let (conversation, room, kind, lobby): (ConversationId, String, String, bool) =
                    sql_row(
                        tx,
                        "SELECT id, COALESCE(name, ''), kind, lobby FROM conversations \
                         WHERE link_token = ?1",
                        [&link],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::NotFound(
                            "This link does not open any room (it may have been changed).".into(),
                        )
                    })?;
                if let Some(user) = user
                    && member_row(tx, conversation, user)?.is_some()
                {
                    join_meeting_as_member(tx, &mut out, conversation, user, now)?;
                    let session = MeetingSession {
                        conversation,
                        room,
                        name: name_of(tx, user)?,
                        role: MeetingRole::Member,
                        guest: None,
                        admitted: true,
                        meeting: ongoing_meeting(tx, conversation)?,
                    };
                    Outcome::Joined(Box::new(session))
                } else {
                    if kind != "room" {
                        return Err(StoreError::Forbidden(
                            "A 1:1 meeting is for its two members only.".into(),
                        ));
                    }
                    let place = GuestPlace {
                        conversation,
                        room: &room,
                        lobby,
                    };
                    let who = match user {
                        Some(user) => Guest::Internal(user),
                        None => Guest::External {
                            name: name.unwrap_or_default(),
                            connection,
                        },
                    };
                    Outcome::Joined(Box::new(join_as_guest(tx, &mut out, &place, who, now)?))
                }
            }
            WriteOp::AdmitGuest {
                user,
                conversation,
                guest,
            } => {
                require_moderator(tx, conversation, user)?;
                match guest_row(tx, conversation, guest)? {
                    Some(g) if !g.admitted => {}
                    Some(_) => {
                        return Err(StoreError::Conflict(format!(
                            "Guest {guest} is in the meeting already."
                        )));
                    }
                    None => {
                        return Err(StoreError::NotFound(format!(
                            "Guest {guest} is not in the lobby of room {conversation} (they may have left)."
                        )));
                    }
                }
                sql_exec(
                    tx,
                    "UPDATE meeting_guests SET admitted = 1 WHERE id = ?1",
                    [guest],
                )?;
                meeting_changed(tx, &mut out, conversation)?;
                Outcome::Done
            }
            WriteOp::RemoveGuest {
                user,
                conversation,
                guest,
            } => {
                require_moderator(tx, conversation, user)?;
                let g = guest_row(tx, conversation, guest)?.ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "Guest {guest} is not in the meeting of room {conversation} (they may have left)."
                    ))
                })?;
                sql_exec(tx, "DELETE FROM meeting_guests WHERE id = ?1", [guest])?;
                if let Some(user) = g.user {
                    // Otherwise the link would bring them straight back.
                    sql_exec(
                        tx,
                        "INSERT OR IGNORE INTO meeting_refusals (conversation_id, user_id) \
                         VALUES (?1, ?2)",
                        params![conversation, user],
                    )?;
                }
                let reason = if g.admitted {
                    "A moderator removed you from the meeting."
                } else {
                    "A moderator did not let you into the meeting."
                };
                end_guest_access(&mut out, conversation, &g, reason)?;
                meeting_changed(tx, &mut out, conversation)?;
                Outcome::Done
            }
            WriteOp::SetLobby {
                user,
                conversation,
                enabled,
            } => {
                set_room_setting(tx, &mut out, conversation, user, "lobby", enabled)?;
                // Without a lobby nobody waits: whoever was waiting comes in.
                if !enabled
                    && sql_exec(
                        tx,
                        "UPDATE meeting_guests SET admitted = 1 \
                         WHERE conversation_id = ?1 AND admitted = 0",
                        [conversation],
                    )? > 0
                {
                    meeting_changed(tx, &mut out, conversation)?;
                }
                Outcome::Done
            }
            WriteOp::GuestLeave { guest } => {
                let conversation: ConversationId = sql_row(
                    tx,
                    "DELETE FROM meeting_guests WHERE id = ?1 AND user_id IS NULL \
                         RETURNING conversation_id",
                    [guest],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| {
                    StoreError::NotFound(format!("Guest {guest} is not in any meeting."))
                })?;
                meeting_changed(tx, &mut out, conversation)?;
                Outcome::Done
            }
            WriteOp::Probe => Outcome::Done,
            #[cfg(test)]
            WriteOp::Panic => panic!("a faulty op"),
            WriteOp::ForgetExternalGuests => {
                let rooms = {
                    let mut stmt = tx.prepare_cached(
                        "DELETE FROM meeting_guests WHERE user_id IS NULL \
                         RETURNING conversation_id",
                    )?;
                    let mut rooms = stmt
                        .query_map([], |r| r.get::<_, ConversationId>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    rooms.sort_unstable();
                    rooms.dedup();
                    rooms
                };
                for room in rooms {
                    meeting_changed(tx, &mut out, room)?;
                }
                Outcome::Done
            }
        };
        Ok(Committed {
            outcome,
            published: out.published,
            guest_notices: out.guest_notices,
        })
    }
}

impl Store for SqliteStore {
    fn write_batch(
        &self,
        ops: Vec<WriteOp>,
    ) -> Result<Vec<Result<Committed, StoreError>>, StoreError> {
        // A panic is caught below before it can unwind past this guard, but a poisoned lock
        // must not stop every later write either: the connection itself is sound.
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // IMMEDIATE takes the write lock up front, so an admin command writing at the same time
        // makes this wait (busy timeout) instead of failing the whole batch mid-way.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            // A savepoint per op: a refused op leaves no trace and does not undo the others.
            sql_exec(&tx, "SAVEPOINT op", [])?;
            // A bug in one op (a panic) fails that op alone, rolled back like a refusal, instead
            // of killing the one writer every user depends on.
            let applied =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.apply(&tx, op)))
                    .unwrap_or_else(|panic| Err(StoreError::Fault(panic_text(&panic))));
            match applied {
                Ok(c) => {
                    sql_exec(&tx, "RELEASE op", [])?;
                    results.push(Ok(c));
                }
                Err(e) => {
                    sql_exec(&tx, "ROLLBACK TO op", [])?;
                    sql_exec(&tx, "RELEASE op", [])?;
                    results.push(Err(e));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }

    fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|c| user_by(c, "name = ?1", &name))
    }

    fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|c| user_by(c, "id = ?1", &id))
    }

    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.with_reader(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
            Ok(stmt
                .query_map([], user_from_row)?
                .collect::<Result<_, _>>()?)
        })
    }

    fn session_by_token_hash(&self, hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        self.with_reader(|c| {
            let found: Option<(i64, UserId)> = sql_row(
                c,
                "SELECT id, user_id FROM sessions WHERE token_hash = ?1 AND revoked = 0",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
            let Some((id, user_id)) = found else {
                return Ok(None);
            };
            Ok(user_by(c, "id = ?1", &user_id)?
                .filter(|u| !u.disabled)
                .map(|user| SessionRecord { id, user }))
        })
    }

    fn search_users(&self, query: &str, limit: u32) -> Result<Vec<UserRecord>, StoreError> {
        let escaped = query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE disabled = 0 AND \
                 (name LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\') ORDER BY name LIMIT ?2"
            ))?;
            Ok(stmt.query_map(params![pattern, limit], user_from_row)?.collect::<Result<_, _>>()?)
        })
    }

    fn conversations(&self, user: UserId) -> Result<Vec<ConversationSummary>, StoreError> {
        self.with_reader(|c| {
            let ids: Vec<ConversationId> = {
                let mut stmt =
                    c.prepare_cached("SELECT conversation_id FROM members WHERE user_id = ?1")?;
                stmt.query_map([user], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            let mut out = ids
                .into_iter()
                .map(|id| summary(c, user, id))
                .collect::<Result<Vec<_>, _>>()?;
            out.sort_by_key(|s| {
                std::cmp::Reverse(
                    s.last_message
                        .as_ref()
                        .map_or(s.info.created_at, |m| m.sent_at),
                )
            });
            Ok(out)
        })
    }

    fn conversation(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationSummary, StoreError> {
        self.with_reader(|c| summary(c, user, conversation))
    }

    fn history(
        &self,
        user: UserId,
        conversation: ConversationId,
        before: Option<u64>,
        limit: Option<u32>,
        now_ms: i64,
    ) -> Result<HistoryPage, StoreError> {
        self.with_reader(|c| {
            let member = require_member(c, conversation, user)?;
            let floor = member.cleared_seq;
            let mut builder = MessageBuilder::new(c, conversation, user)?;
            let limit = match (before, limit) {
                (Some(_), l) => l.unwrap_or(HISTORY_FIRST_PAGE_MIN).clamp(1, HISTORY_MAX_PAGE),
                (None, _) => {
                    // First page: the last 30 days, or the newest 75 if those hold fewer.
                    let recent: u32 = sql_row(c,
                        "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND seq > ?2 AND sent_at >= ?3",
                        params![conversation, floor, now_ms - HISTORY_FIRST_PAGE_WINDOW_MS],
                        |r| r.get(0),
                    )?;
                    recent.clamp(HISTORY_FIRST_PAGE_MIN, HISTORY_MAX_PAGE)
                }
            };
            let before = before.unwrap_or(u64::MAX).min(i64::MAX as u64);
            let mut messages = builder.query(
                "m.seq > ?2 AND m.seq < ?3 ORDER BY m.seq DESC LIMIT ?4",
                &[&conversation, &floor, &before, &(limit + 1)],
            )?;
            let has_more = messages.len() > limit as usize;
            messages.truncate(limit as usize);
            messages.reverse();
            Ok(HistoryPage { messages, has_more })
        })
    }

    fn changes_since(
        &self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<ChangesPage, StoreError> {
        self.with_reader(|c| {
            let cleared: HashMap<ConversationId, u64> = {
                let mut stmt = c.prepare_cached(
                    "SELECT conversation_id, cleared_seq FROM members WHERE user_id = ?1 AND cleared_seq > 0",
                )?;
                stmt.query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
            };
            let mut stmt = c.prepare_cached(
                "SELECT position, payload FROM stream WHERE position > ?1 AND \
                 (target_user = ?2 OR (target_user IS NULL AND conversation_id IN \
                   (SELECT conversation_id FROM members WHERE user_id = ?2))) \
                 ORDER BY position LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(params![since, user, limit], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let scanned_to = rows.last().map_or(since, |r| r.0);
            let mut changes = Vec::with_capacity(rows.len());
            for (position, payload) in rows {
                let change: Change = serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(format!("stream position {position}: {e}")))?;
                if let Change::Message { message } = &change
                    && cleared.get(&message.conversation).is_some_and(|&c| message.seq <= c)
                {
                    continue;
                }
                changes.push((position, change));
            }
            Ok(ChangesPage { changes, scanned_to })
        })
    }

    fn revoked_since(&self, after: i64) -> Result<(Vec<i64>, i64), StoreError> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, revoked FROM sessions WHERE revoked > ?1 ORDER BY revoked",
            )?;
            let rows = stmt
                .query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mark = rows.last().map_or(after, |r| r.1);
            Ok((rows.into_iter().map(|r| r.0).collect(), mark))
        })
    }

    fn max_position(&self) -> Result<u64, StoreError> {
        self.with_reader(|c| {
            Ok(sql_row(
                c,
                "SELECT COALESCE(MAX(position), 0) FROM stream",
                [],
                |r| r.get(0),
            )?)
        })
    }

    fn favourites(&self, user: UserId) -> Result<(Vec<Favourite>, Vec<Favourite>), StoreError> {
        self.with_reader(|c| {
            let load = |sql: &str| -> Result<Vec<Favourite>, StoreError> {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt
                    .query_map([user], |r| {
                        Ok(Favourite {
                            owner: r.get(0)?,
                            target: r.get(1)?,
                            state: fav_state_from_str(&r.get::<_, String>(2)?),
                        })
                    })?
                    .collect::<Result<_, _>>()?)
            };
            let outgoing = load(
                "SELECT o.name, t.name, f.state FROM favourites f JOIN users o ON o.id = f.owner_id \
                 JOIN users t ON t.id = f.target_id WHERE f.owner_id = ?1 ORDER BY t.name",
            )?;
            let incoming = load(
                "SELECT o.name, t.name, f.state FROM favourites f JOIN users o ON o.id = f.owner_id \
                 JOIN users t ON t.id = f.target_id WHERE f.target_id = ?1 AND f.state = 'pending' ORDER BY o.name",
            )?;
            Ok((outgoing, incoming))
        })
    }

    fn room_link(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<(String, String), StoreError> {
        self.with_reader(|c| {
            // Both people in a 1:1 conversation share its meeting link; a room's is its
            // moderators'.
            authorize(c, conversation, user, Action::ReadMeetingLink)?;
            Ok(sql_row(
                c,
                "SELECT COALESCE(name, ''), link_token FROM conversations WHERE id = ?1",
                [conversation],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
    }

    fn meetings(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> Result<(Vec<OngoingMeeting>, Vec<ScheduledMeeting>), StoreError> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT m.conversation_id, EXISTS (SELECT 1 FROM members x \
                 WHERE x.conversation_id = m.conversation_id AND x.user_id = ?1) FROM meetings m \
                 WHERE EXISTS (SELECT 1 FROM members x \
                   WHERE x.conversation_id = m.conversation_id AND x.user_id = ?1) \
                 OR EXISTS (SELECT 1 FROM meeting_guests g \
                   WHERE g.conversation_id = m.conversation_id AND g.user_id = ?1) \
                 ORDER BY m.started_at",
            )?;
            let rooms = stmt
                .query_map([user], |r| {
                    Ok((r.get::<_, ConversationId>(0)?, r.get::<_, bool>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut ongoing = Vec::with_capacity(rooms.len());
            for (room, member) in rooms {
                let meeting = ongoing_meeting(c, room)?;
                ongoing.extend(if member {
                    meeting
                } else {
                    guest_view(&meeting)
                });
            }
            let mut stmt = c.prepare_cached(
                "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, \
                 s.minutes, u.name FROM scheduled_meetings s \
                 JOIN conversations c ON c.id = s.conversation_id \
                 JOIN users u ON u.id = s.organizer_id \
                 JOIN members x ON x.conversation_id = s.conversation_id AND x.user_id = ?1 \
                 WHERE s.starts_at + s.minutes * 60000 > ?2 ORDER BY s.starts_at, s.id",
            )?;
            let scheduled = stmt
                .query_map(params![user, now_ms], scheduled_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((ongoing, scheduled))
        })
    }

    fn resolve_link(&self, link: &str) -> Result<(ConversationId, String), StoreError> {
        self.with_reader(|c| {
            sql_row(
                c,
                "SELECT id, COALESCE(name, '') FROM conversations WHERE link_token = ?1",
                [link],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(
                    "This link does not open any room (it may have been changed).".into(),
                )
            })
        })
    }

    fn presence_watchers(&self, target: UserId) -> Result<Vec<UserId>, StoreError> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT owner_id FROM favourites WHERE target_id = ?1 AND state = 'accepted'",
            )?;
            Ok(stmt
                .query_map([target], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_store(dir: &Path, clock: Clock) -> SqliteStore {
        SqliteStore::open(&dir.join("confer.db"), clock).unwrap()
    }

    store_conformance_tests!(make_store);

    #[test]
    fn migrations_are_recorded_and_reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        drop(make_store(dir.path(), system_clock()));
        let store = make_store(dir.path(), system_clock());
        let version: usize = store
            .with_reader(|c| Ok(sql_row(c, "PRAGMA user_version", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
    }

    #[test]
    fn the_wal_reaches_the_database_file_without_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = make_store(dir.path(), system_clock());
        let db = dir.path().join("confer.db");
        let size = || std::fs::metadata(&db).unwrap().len();
        let before = size();
        // Enough rows for many pages; the writer itself never checkpoints (autocheckpoint 0).
        let users: Vec<WriteOp> = (0..400)
            .map(|i| WriteOp::CreateUser {
                name: format!("user{i}"),
                display_name: format!("User {i} {}", "x".repeat(100)),
                email: None,
                password_hash: "x".into(),
            })
            .collect();
        for result in store.write_batch(users).unwrap() {
            result.unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while size() <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "the checkpointer never copied the WAL into the database file"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confer.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&path, system_clock()).err().unwrap();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
            "{err}"
        );
    }
}
