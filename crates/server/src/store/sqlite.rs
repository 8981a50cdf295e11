//! The embedded store: one SQLite file in WAL mode.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::domain::{
    accounts::{AccountRepo, NewUser},
    aliases::{Alias, AliasId, AliasReads, AliasRepo, AliasSide},
    authz::{Kind, Role, Standing},
    chat::{Aggregates, ChatRepo, Cursors, NewMessage},
    conversations::{self, ConversationRepo, MailReads, NewConversation, RoomFlag, Start},
    files::{self, FileReads, FileRecord, FileRepo, Finished},
    meetings::{GuestRow, LinkTarget, MeetingReads, MeetingRepo, NewGuest, NewScheduled},
    messages::{self, MessageReads, MessageRepo, ReactionRow},
    people::PeopleRepo,
    users::UserLookup,
    views::{self, SeqRange, StoredMessage, StreamRow, ViewRepo},
};
use confer_proto::{
    Change, ConversationInfo, ConversationKind, ConversationSummary, Favourite, FavouriteState,
    HistoryPage, Message, MessageKind, OngoingMeeting, PresenceChoice, Reason, ScheduledMeeting,
    TickState, UserInfo, UserSettings,
};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, functions::FunctionFlags, params,
};

use super::{
    Batch, ChangesPage, Committed, ConversationId, GuestNotice, GuestUpdate, MessageSearch,
    MessagesPage, Published, SessionRecord, Store, StoreError, UserId, UserRecord, WriteOp,
    stored::{
        self, choice_from_str, choice_to_str, fav_state_from_str, fav_state_to_str,
        kind_from_stored, kind_to_stored, role_to_str,
    },
};

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
    include_str!("../../migrations/008_messages_by_time.sql"),
    include_str!("../../migrations/009_directory_order.sql"),
    include_str!("../../migrations/010_aliases.sql"),
    include_str!("../../migrations/011_message_changes.sql"),
    include_str!("../../migrations/012_search_off_the_send_path.sql"),
    include_str!("../../migrations/013_files.sql"),
    include_str!("../../migrations/014_previews_and_mails.sql"),
    include_str!("../../migrations/015_blake3_content_keys.sql"),
    include_str!("../../migrations/016_participant_mutes.sql"),
    include_str!("../../migrations/017_recordings.sql"),
    include_str!("../../migrations/018_media_host.sql"),
];

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
    writer: Mutex<Writer>,
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

/// The writer's connection and what it remembers between sends.
struct Writer {
    conn: Connection,
    cache: SendCache,
    /// When the search index last caught up with the stream (see [`index_pending`]).
    indexed_at: Option<Instant>,
}

/// What a send reads, remembered between sends: conversations (kind, members and roles, newest
/// sequence number) and account names. A send changes none of it but the sequence number, which
/// it keeps up to date here; any other op may, so the cache is emptied after every op outside
/// [`keeps_send_cache`], after a failed op or batch, and when `PRAGMA data_version` says another
/// connection (an admin command) committed. It saves about a third of a send's statements.
#[derive(Default)]
struct SendCache {
    data_version: i64,
    conversations: HashMap<ConversationId, CachedConversation>,
    names: HashMap<UserId, String>,
}

struct CachedConversation {
    kind: Kind,
    /// Sorted by user id, like `member_ids`.
    members: Vec<(UserId, Role)>,
    last_seq: u64,
}

/// Entries kept at most; past that the cache starts over (bounded memory, rare reloads).
const SEND_CACHE_LIMIT: usize = 50_000;

impl SendCache {
    fn clear(&mut self) {
        self.conversations.clear();
        self.names.clear();
    }

    /// The conversation's entry, loaded on a miss; `None` when it does not exist.
    fn conversation(
        &mut self,
        conn: &Connection,
        conv: ConversationId,
    ) -> Result<Option<&mut CachedConversation>, StoreError> {
        if !self.conversations.contains_key(&conv) {
            let found: Option<(String, u64)> = sql_row(
                conn,
                "SELECT kind, last_seq FROM conversations WHERE id = ?1",
                [conv],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
            let Some((kind, last_seq)) = found else {
                return Ok(None);
            };
            let mut stmt = conn.prepare_cached(
                "SELECT user_id, role FROM members WHERE conversation_id = ?1 ORDER BY user_id",
            )?;
            let members = stmt
                .query_map([conv], |r| {
                    Ok((r.get::<_, UserId>(0)?, r.get::<_, String>(1)?))
                })?
                .map(|row| row.map(|(id, role)| (id, Role::from_stored(&role))))
                .collect::<Result<Vec<_>, _>>()?;
            if self.conversations.len() >= SEND_CACHE_LIMIT {
                self.conversations.clear();
            }
            self.conversations.insert(
                conv,
                CachedConversation {
                    kind: Kind::from_stored(&kind),
                    members,
                    last_seq,
                },
            );
        }
        Ok(self.conversations.get_mut(&conv))
    }

    fn name(&mut self, conn: &Connection, user: UserId) -> Result<String, StoreError> {
        if let Some(name) = self.names.get(&user) {
            return Ok(name.clone());
        }
        let name = name_of(conn, user)?;
        if self.names.len() >= SEND_CACHE_LIMIT {
            self.names.clear();
        }
        self.names.insert(user, name.clone());
        Ok(name)
    }
}

/// Ops that change nothing a send remembers (members, roles, names, sequence numbers): the
/// receipts and cursors clients send with every message they get.
fn keeps_send_cache(op: &WriteOp) -> bool {
    matches!(
        op,
        WriteOp::SendMessage { .. }
            | WriteOp::EditMessage { .. }
            | WriteOp::DeleteMessage { .. }
            | WriteOp::SetReaction { .. }
            | WriteOp::AttachPreview { .. }
            | WriteOp::MarkDelivered { .. }
            | WriteOp::MarkRead { .. }
            | WriteOp::MarkUnread { .. }
            | WriteOp::HideConversation { .. }
            | WriteOp::SetMuted { .. }
    )
}

/// A message's columns (`m` joined with its sender `u`), read by [`stored_message_from_row`].
const MESSAGE_COLUMNS: &str = "m.seq, m.sender_id, u.name, m.client_id, m.body, m.sent_at, \
                               m.kind, m.edited_at, m.deleted_at, m.reply_to, m.mentions, \
                               m.version, m.preview";

fn stored_message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    stored_message_from_row_at(r, 0)
}

/// [`MESSAGE_COLUMNS`] starting at column `at`.
fn stored_message_from_row_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StoredMessage> {
    let (kind, text) = kind_from_stored(&r.get::<_, String>(at + 6)?, r.get(at + 4)?);
    Ok(StoredMessage {
        seq: r.get(at)?,
        sender_id: r.get(at + 1)?,
        sender: r.get(at + 2)?,
        client_id: r.get(at + 3)?,
        text,
        sent_at: r.get(at + 5)?,
        kind,
        edited_at: r.get(at + 7)?,
        deleted: r.get::<_, Option<i64>>(at + 8)?.is_some(),
        reply_to: r.get(at + 9)?,
        mentions: stored::mentions_from_stored(r.get(at + 10)?),
        version: r.get(at + 11)?,
        preview: stored::preview_from_stored(r.get(at + 12)?),
    })
}

fn reactions(
    conn: &Connection,
    conv: ConversationId,
    seqs: &[u64],
) -> Result<Vec<ReactionRow>, StoreError> {
    let (Some(&low), Some(&high)) = (seqs.iter().min(), seqs.iter().max()) else {
        return Ok(Vec::new());
    };
    // One range read for a page of messages; reactions to messages between them that were not
    // asked for are dropped here.
    let mut stmt = conn.prepare_cached(
        "SELECT x.seq, x.emoji, u.name, x.created_at FROM reactions x \
         JOIN users u ON u.id = x.user_id \
         WHERE x.conversation_id = ?1 AND x.seq BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt
        .query_map(params![conv, low, high], |r| {
            Ok(ReactionRow {
                seq: r.get(0)?,
                emoji: r.get(1)?,
                user: r.get(2)?,
                at: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().filter(|x| seqs.contains(&x.seq)).collect())
}

fn member_names(
    conn: &Connection,
    conv: ConversationId,
) -> Result<Vec<(UserId, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.user_id, u.name FROM members m JOIN users u ON u.id = m.user_id \
         WHERE m.conversation_id = ?1 ORDER BY m.user_id",
    )?;
    Ok(stmt
        .query_map([conv], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?)
}

impl MessageReads for Reads<'_> {
    fn reactions(
        &mut self,
        conv: ConversationId,
        seqs: &[u64],
    ) -> Result<Vec<ReactionRow>, StoreError> {
        reactions(self.0, conv, seqs)
    }

    fn member_names(&mut self, conv: ConversationId) -> Result<Vec<(UserId, String)>, StoreError> {
        member_names(self.0, conv)
    }
}

impl MessageReads for Appender<'_, '_> {
    fn reactions(
        &mut self,
        conv: ConversationId,
        seqs: &[u64],
    ) -> Result<Vec<ReactionRow>, StoreError> {
        reactions(self.tx, conv, seqs)
    }

    fn member_names(&mut self, conv: ConversationId) -> Result<Vec<(UserId, String)>, StoreError> {
        member_names(self.tx, conv)
    }
}

impl MessageRepo for Appender<'_, '_> {
    fn stored_message(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Option<StoredMessage>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id \
                 WHERE m.conversation_id = ?1 AND m.seq = ?2"
            ))?
            .query_row(params![conv, seq], stored_message_from_row)
            .optional()?)
    }

    fn rewrite_text(
        &mut self,
        conv: ConversationId,
        seq: u64,
        text: &str,
        mentions: &[String],
        at: i64,
    ) -> Result<u64, StoreError> {
        Ok(sql_row(
            self.tx,
            "UPDATE messages SET body = ?3, mentions = ?4, edited_at = ?5, version = version + 1 \
             WHERE conversation_id = ?1 AND seq = ?2 RETURNING version",
            params![conv, seq, text, stored::mentions_to_stored(mentions), at],
            |r| r.get(0),
        )?)
    }

    fn mark_deleted(&mut self, conv: ConversationId, seq: u64, at: i64) -> Result<u64, StoreError> {
        sql_exec(
            self.tx,
            "DELETE FROM reactions WHERE conversation_id = ?1 AND seq = ?2",
            params![conv, seq],
        )?;
        Ok(sql_row(
            self.tx,
            "UPDATE messages SET body = '', mentions = NULL, preview = NULL, deleted_at = ?3, \
             version = version + 1 WHERE conversation_id = ?1 AND seq = ?2 RETURNING version",
            params![conv, seq, at],
            |r| r.get(0),
        )?)
    }

    fn put_reaction(
        &mut self,
        conv: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "INSERT OR IGNORE INTO reactions (conversation_id, seq, user_id, emoji, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![conv, seq, user, emoji, at],
        )? > 0)
    }

    fn delete_reaction(
        &mut self,
        conv: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "DELETE FROM reactions WHERE conversation_id = ?1 AND seq = ?2 AND user_id = ?3 \
             AND emoji = ?4",
            params![conv, seq, user, emoji],
        )? > 0)
    }

    fn set_preview(
        &mut self,
        conv: ConversationId,
        seq: u64,
        preview: Option<&confer_proto::LinkPreview>,
    ) -> Result<u64, StoreError> {
        Ok(sql_row(
            self.tx,
            "UPDATE messages SET preview = ?3, version = version + 1 \
             WHERE conversation_id = ?1 AND seq = ?2 RETURNING version",
            params![conv, seq, stored::preview_to_stored(preview)],
            |r| r.get(0),
        )?)
    }

    fn bump_version(&mut self, conv: ConversationId, seq: u64) -> Result<u64, StoreError> {
        Ok(sql_row(
            self.tx,
            "UPDATE messages SET version = version + 1 WHERE conversation_id = ?1 AND seq = ?2 \
             RETURNING version",
            params![conv, seq],
            |r| r.get(0),
        )?)
    }

    fn members_hiding(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT user_id FROM members WHERE conversation_id = ?1 AND cleared_seq >= ?2 \
             ORDER BY user_id",
        )?;
        Ok(stmt
            .query_map(params![conv, seq], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn message_rows(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Vec<(u64, Change)>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT position, payload FROM stream WHERE conversation_id = ?1 \
             AND message_seq = ?2 ORDER BY position",
        )?;
        let rows = stmt
            .query_map(params![conv, seq], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(position, payload)| {
                Ok((position, stored::change_from_json(position, &payload)?))
            })
            .collect()
    }

    fn replace_row(&mut self, position: u64, change: &Change) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(change).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        *self.wrote = true;
        sql_exec(
            self.tx,
            "UPDATE stream SET payload = ?2 WHERE position = ?1",
            params![position, payload],
        )?;
        Ok(())
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
            writer: Mutex::new(Writer {
                conn: writer,
                cache: SendCache::default(),
                indexed_at: None,
            }),
            readers: Mutex::new(Vec::new()),
            clock,
            _checkpointer: Checkpointer::spawn(path)?,
        })
    }

    /// Brings the search index up to the newest stored message.
    fn index_all_pending(&self) -> Result<(), StoreError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while index_pending(&mut writer.conn, INDEX_CHUNK)? == INDEX_CHUNK {}
        writer.indexed_at = Some(Instant::now());
        Ok(())
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

/// How often the writer lets the search index catch up between batches: often enough that a
/// catch-up stays a few milliseconds long at full load, rarely enough that each one indexes
/// hundreds of messages in one FTS5 segment.
const INDEX_EVERY: Duration = Duration::from_millis(250);
/// Stream rows one catch-up reads at most (one transaction).
const INDEX_CHUNK: usize = 8192;

/// Indexes the messages posted or changed in up to `limit` stream rows after
/// `search_progress`, in one transaction with the new mark; returns how many rows it read
/// (fewer than `limit`: caught up). A message is indexed with its text as stored now: a changed
/// one (`version` above 0, maybe indexed already) is deleted from the index first, a deleted
/// one is only deleted.
fn index_pending(conn: &mut Connection, limit: usize) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mark: u64 = sql_row(&tx, "SELECT position FROM search_progress", [], |r| {
        r.get(0)
    })?;
    // The index's keys (migration 011) cover conversations below 2^31 and sequence numbers
    // below 2^32 only.
    let mut stmt = tx.prepare_cached(
        "SELECT s.position, m.conversation_id * 4294967296 + m.seq, \
               m.kind = 'text' AND m.deleted_at IS NULL, m.body, m.version \
             FROM stream s LEFT JOIN messages m ON s.message_seq IS NOT NULL \
               AND m.conversation_id = s.conversation_id AND m.seq = s.message_seq \
               AND m.conversation_id < 2147483648 AND m.seq < 4294967296 \
             WHERE s.position > ?1 ORDER BY s.position LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![mark, limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<bool>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<u64>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    let Some(&(newest, ..)) = rows.last() else {
        return Ok(0);
    };
    let n = rows.len();
    // A message posted and changed within the range has several rows: indexed once, as it is
    // now. In ascending key order: FTS5 flushes its pending terms whenever a key is not above
    // the previous one, which in stream order (conversations interleaved) is nearly always.
    let mut latest = std::collections::BTreeMap::new();
    for (_, key, text, body, version) in rows {
        if let (Some(key), Some(text), Some(body), Some(version)) = (key, text, body, version) {
            latest.insert(key, (text, body, version));
        }
    }
    for (key, (text, body, version)) in latest {
        if version > 0 {
            tx.prepare_cached("DELETE FROM message_search WHERE rowid = ?1")?
                .execute([key])?;
        }
        if text && !body.is_empty() {
            tx.prepare_cached("INSERT INTO message_search (rowid, body) VALUES (?1, ?2)")?
                .execute(params![key, body])?;
        }
    }
    tx.execute("UPDATE search_progress SET position = ?1", [newest])?;
    tx.commit()?;
    Ok(n)
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
    // SQLite's own lower() and LIKE fold ASCII only; a directory search folds every script.
    conn.create_scalar_function(
        "unicode_lower",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<String>(0)?.to_lowercase()),
    )?;
    // The directory's order, for the migration that stores it for existing users.
    conn.create_scalar_function(
        "directory_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(crate::domain::accounts::directory_key(
                &ctx.get::<String>(0)?,
            ))
        },
    )?;
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

fn user_by(
    conn: &Connection,
    clause: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    Ok(sql_row(conn, &sql, [arg], user_from_row).optional()?)
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
    hidden_seq: u64,
}

fn member_row(
    conn: &Connection,
    conv: ConversationId,
    user: UserId,
) -> Result<Option<MemberRow>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT read_seq, muted, cleared_seq, hidden_seq FROM members \
             WHERE conversation_id = ?1 AND user_id = ?2",
        params![conv, user],
        |r| {
            Ok(MemberRow {
                read_seq: r.get(0)?,
                muted: r.get(1)?,
                cleared_seq: r.get(2)?,
                hidden_seq: r.get(3)?,
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
        "alias" => ConversationKind::Alias,
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
        alias: None,
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

/// Appends a change to the stream inside the writer's transaction.
struct Appender<'t, 'c> {
    tx: &'t Transaction<'c>,
    /// Set for sends (see [`SendCache`]).
    cache: Option<&'t mut SendCache>,
    /// Whether a send has written yet (see `write_ops`).
    wrote: &'t mut bool,
    published: Vec<Published>,
    guest_notices: Vec<GuestNotice>,
}

impl Appender<'_, '_> {
    /// A change for every member of the conversation.
    fn for_members(&mut self, conv: ConversationId, change: Change) -> Result<(), StoreError> {
        let cached = match self.cache.as_deref_mut() {
            Some(cache) => cache
                .conversation(self.tx, conv)?
                .map(|c| c.members.iter().map(|m| m.0).collect()),
            None => None,
        };
        let recipients = match cached {
            Some(ids) => ids,
            None => member_ids(self.tx, conv)?,
        };
        self.push(Some(conv), None, change, recipients)
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
        *self.wrote = true;
        sql_exec(
            self.tx,
            "INSERT INTO stream (conversation_id, target_user, payload, message_seq) \
             VALUES (?1, ?2, ?3, ?4)",
            params![conv, target, payload, messages::message_seq(&change)],
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
    fn member_ids(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        member_ids(self.tx, conv)
    }

    fn standing(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        let Some(cache) = self.cache.as_deref_mut() else {
            return standing(self.tx, conv, user);
        };
        Ok(match cache.conversation(self.tx, conv)? {
            None => Standing::Unknown,
            Some(c) => match c.members.binary_search_by_key(&user, |m| m.0) {
                Ok(i) => Standing::Member(c.kind, c.members[i].1),
                Err(_) => Standing::Outsider(c.kind),
            },
        })
    }

    fn cursors(&mut self, conv: ConversationId, user: UserId) -> Result<Cursors, StoreError> {
        let m = member_row(self.tx, conv, user)?
            .ok_or_else(|| StoreError::Corrupt(format!("member {user} of {conv} vanished")))?;
        Ok(Cursors {
            read: m.read_seq,
            muted: m.muted,
            cleared: m.cleared_seq,
            hidden: m.hidden_seq,
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

    fn append_message(&mut self, new: NewMessage<'_>) -> Result<u64, StoreError> {
        let conv = new.conversation;
        *self.wrote = true;
        let cached = match self.cache.as_deref_mut() {
            Some(cache) => cache.conversation(self.tx, conv)?,
            None => None,
        };
        let seq = match cached {
            // Known already: a plain UPDATE, cheaper than RETURNING (a temporary table each).
            Some(c) => {
                let seq = c.last_seq + 1;
                self.tx
                    .prepare_cached("UPDATE conversations SET last_seq = ?2 WHERE id = ?1")?
                    .execute(params![conv, seq])?;
                c.last_seq = seq;
                seq
            }
            None => self
                .tx
                .prepare_cached(
                    "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 \
                     RETURNING last_seq",
                )?
                .query_row([conv], |r| r.get(0))?,
        };
        self.tx
            .prepare_cached(
                "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, \
                 sent_at, reply_to, mentions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                conv,
                seq,
                new.sender,
                new.client_id,
                new.text,
                new.at,
                new.reply_to,
                stored::mentions_to_stored(new.mentions)
            ])?;
        Ok(seq)
    }

    fn user_name(&mut self, user: UserId) -> Result<String, StoreError> {
        match self.cache.as_deref_mut() {
            Some(cache) => cache.name(self.tx, user),
            None => name_of(self.tx, user),
        }
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

    fn set_hidden(
        &mut self,
        conv: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE members SET hidden_seq = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
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
    fn name_of(&mut self, user: UserId) -> Result<String, StoreError> {
        name_of(self.tx, user)
    }

    fn settings(&mut self, user: UserId) -> Result<UserSettings, StoreError> {
        Ok(user_by(self.tx, "id = ?1", &user)?
            .ok_or_else(|| {
                StoreError::NotFound(Reason::NoSuchUser {
                    name: user.to_string(),
                })
            })?
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

/// The SQLite side of the conversation rules.
impl ConversationRepo for Appender<'_, '_> {
    fn direct_between(
        &mut self,
        (a, b): (UserId, UserId),
    ) -> Result<Option<ConversationId>, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT id FROM conversations WHERE direct_key = ?1",
            [format!("{a}:{b}")],
            |r| r.get(0),
        )
        .optional()?)
    }

    fn create_conversation(
        &mut self,
        new: NewConversation<'_>,
        at: i64,
    ) -> Result<ConversationId, StoreError> {
        let kind = match new.kind {
            Kind::Direct => "direct",
            Kind::Group => "group",
            Kind::Room => "room",
            Kind::Alias => "alias",
        };
        let key = new.pair.map(|(a, b)| format!("{a}:{b}"));
        let (alias, writer) = new.alias.unzip();
        sql_exec(
            self.tx,
            "INSERT INTO conversations (kind, created_at, name, direct_key, link_token, \
             alias_id, alias_writer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![kind, at, new.name, key, new.link, alias, writer],
        )?;
        Ok(self.tx.last_insert_rowid() as ConversationId)
    }

    fn add_member(
        &mut self,
        conv: ConversationId,
        user: UserId,
        role: Role,
        start: Start,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO members (conversation_id, user_id, role, read_seq, \
             receipt_delivered_seq, receipt_read_seq, cleared_seq) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5)",
            params![
                conv,
                user,
                role_to_str(role),
                start.seen_through,
                start.cleared_through
            ],
        )?;
        Ok(())
    }

    fn delete_member(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user],
        )? > 0)
    }

    fn set_role(
        &mut self,
        conv: ConversationId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE members SET role = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user, role_to_str(role)],
        )?;
        Ok(())
    }

    fn moderators_besides(
        &mut self,
        conv: ConversationId,
        except: UserId,
    ) -> Result<usize, StoreError> {
        let n: i64 = sql_row(
            self.tx,
            "SELECT COUNT(*) FROM members WHERE conversation_id = ?1 AND user_id != ?2 \
             AND role IN ('owner', 'moderator')",
            params![conv, except],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn invited(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT 1 FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
    }

    fn add_invitation(
        &mut self,
        conv: ConversationId,
        user: UserId,
        inviter: UserId,
        at: i64,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO invitations (conversation_id, user_id, inviter_id, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![conv, user, inviter, at],
        )?;
        Ok(())
    }

    fn delete_invitation(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "DELETE FROM invitations WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user],
        )? > 0)
    }

    fn invitees(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT user_id FROM invitations WHERE conversation_id = ?1")?;
        Ok(stmt
            .query_map([conv], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn delete_conversation(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        let members = member_ids(self.tx, conv)?;
        for table in [
            "invitations",
            "reactions",
            "messages",
            "stream",
            "members",
            "meeting_participants",
            "meeting_mutes",
            "meeting_guests",
            "meeting_refusals",
            "meetings",
            "scheduled_meetings",
            "files",
        ] {
            sql_exec(
                self.tx,
                &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
                [conv],
            )?;
        }
        sql_exec(self.tx, "DELETE FROM conversations WHERE id = ?1", [conv])?;
        Ok(members)
    }

    fn set_flag(
        &mut self,
        conv: ConversationId,
        flag: RoomFlag,
        on: bool,
    ) -> Result<(), StoreError> {
        let sql = match flag {
            RoomFlag::MuteAll => "UPDATE conversations SET mute_all = ?2 WHERE id = ?1",
            RoomFlag::Lobby => "UPDATE conversations SET lobby = ?2 WHERE id = ?1",
        };
        sql_exec(self.tx, sql, params![conv, on])?;
        Ok(())
    }

    fn set_link(&mut self, conv: ConversationId, link: &str) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE conversations SET link_token = ?2 WHERE id = ?1",
            params![conv, link],
        )?;
        Ok(())
    }

    fn append_event(
        &mut self,
        conv: ConversationId,
        user: UserId,
        kind: MessageKind,
        at: i64,
    ) -> Result<Message, StoreError> {
        let seq: u64 = sql_row(
            self.tx,
            "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
            [conv],
            |r| r.get(0),
        )?;
        let (stored_kind, body) = kind_to_stored(&kind);
        let client_id = format!("system:{stored_kind}:{conv}:{seq}");
        sql_exec(
            self.tx,
            "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, sent_at, \
             kind) VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6)",
            params![conv, seq, user, client_id, at, stored_kind, body],
        )?;
        Ok(StoredMessage {
            seq,
            sender_id: user,
            sender: name_of(self.tx, user)?,
            client_id,
            text: String::new(),
            sent_at: at,
            kind,
            edited_at: None,
            deleted: false,
            reply_to: None,
            mentions: Vec::new(),
            version: 0,
            preview: None,
        }
        .into_message(conv, TickState::Sent))
    }

    fn conversation_info(&mut self, conv: ConversationId) -> Result<ConversationInfo, StoreError> {
        conversation_info(self.tx, conv)
    }

    fn summary(
        &mut self,
        user: UserId,
        conv: ConversationId,
    ) -> Result<ConversationSummary, StoreError> {
        views::summary(&mut Reads(self.tx), user, conv)
    }

    fn publish_for(
        &mut self,
        conv: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.for_user(conv, user, change)
    }
}

/// Reads the meeting rules need outside a write (a user's meetings).
struct Reads<'c>(&'c Connection);

const ALIAS_COLUMNS: &str = "id, name, display_name, show_members";

fn alias_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Alias> {
    Ok(Alias {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(2)?,
        show_members: r.get(3)?,
    })
}

fn alias_side(conn: &Connection, conv: ConversationId) -> Result<Option<AliasSide>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT a.id, a.name, a.display_name, a.show_members, c.alias_writer, u.name \
             FROM conversations c JOIN aliases a ON a.id = c.alias_id \
             JOIN users u ON u.id = c.alias_writer WHERE c.id = ?1",
        )?
        .query_row([conv], |r| {
            Ok(AliasSide {
                alias: alias_from_row(r)?,
                writer: r.get(4)?,
                writer_name: r.get(5)?,
            })
        })
        .optional()?)
}

impl AliasReads for Reads<'_> {
    fn alias_side(&mut self, conv: ConversationId) -> Result<Option<AliasSide>, StoreError> {
        alias_side(self.0, conv)
    }
}

impl AliasReads for Appender<'_, '_> {
    fn alias_side(&mut self, conv: ConversationId) -> Result<Option<AliasSide>, StoreError> {
        alias_side(self.tx, conv)
    }
}

/// The SQLite side of the alias rules.
impl AliasRepo for Appender<'_, '_> {
    fn alias_named(&mut self, name: &str) -> Result<Option<Alias>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {ALIAS_COLUMNS} FROM aliases WHERE name = ?1"
            ))?
            .query_row([name], alias_from_row)
            .optional()?)
    }

    fn insert_alias(
        &mut self,
        name: &str,
        display_name: &str,
        show_members: bool,
        at: i64,
    ) -> Result<AliasId, StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO aliases (name, display_name, show_members, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![name, display_name, show_members, at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    fn delete_alias(&mut self, alias: AliasId) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "DELETE FROM alias_members WHERE alias_id = ?1",
            [alias],
        )?;
        sql_exec(self.tx, "DELETE FROM aliases WHERE id = ?1", [alias])?;
        Ok(())
    }

    fn alias_member_ids(&mut self, alias: AliasId) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT user_id FROM alias_members WHERE alias_id = ?1 ORDER BY user_id",
        )?;
        let ids = stmt
            .query_map([alias], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    fn set_alias_member(
        &mut self,
        alias: AliasId,
        user: UserId,
        member: bool,
    ) -> Result<bool, StoreError> {
        let changed = if member {
            sql_exec(
                self.tx,
                "INSERT OR IGNORE INTO alias_members (alias_id, user_id) VALUES (?1, ?2)",
                params![alias, user],
            )?
        } else {
            sql_exec(
                self.tx,
                "DELETE FROM alias_members WHERE alias_id = ?1 AND user_id = ?2",
                params![alias, user],
            )?
        };
        Ok(changed > 0)
    }

    fn alias_conversations(
        &mut self,
        alias: AliasId,
    ) -> Result<Vec<(ConversationId, UserId)>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, alias_writer FROM conversations WHERE alias_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([alias], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn alias_conversation(
        &mut self,
        alias: AliasId,
        writer: UserId,
    ) -> Result<Option<ConversationId>, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT id FROM conversations WHERE alias_id = ?1 AND alias_writer = ?2",
            params![alias, writer],
            |r| r.get(0),
        )
        .optional()?)
    }
}

impl MeetingReads for Reads<'_> {
    fn meeting_started_at(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        meeting_started_at(self.0, conv)
    }

    fn room_name(&mut self, conv: ConversationId) -> Result<String, StoreError> {
        room_name(self.0, conv)
    }

    fn participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        participants(self.0, conv)
    }

    fn muted_participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        muted_participants(self.0, conv)
    }

    fn recording_since(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        recording_since(self.0, conv)
    }

    fn media_host(&mut self, conv: ConversationId) -> Result<Option<String>, StoreError> {
        media_host(self.0, conv)
    }

    fn guests(&mut self, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
        meeting_guests(self.0, conv)
    }
}

impl MeetingReads for Appender<'_, '_> {
    fn meeting_started_at(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        meeting_started_at(self.tx, conv)
    }

    fn room_name(&mut self, conv: ConversationId) -> Result<String, StoreError> {
        room_name(self.tx, conv)
    }

    fn participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        participants(self.tx, conv)
    }

    fn muted_participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        muted_participants(self.tx, conv)
    }

    fn recording_since(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        recording_since(self.tx, conv)
    }

    fn media_host(&mut self, conv: ConversationId) -> Result<Option<String>, StoreError> {
        media_host(self.tx, conv)
    }

    fn guests(&mut self, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
        meeting_guests(self.tx, conv)
    }
}

fn meeting_started_at(conn: &Connection, conv: ConversationId) -> Result<Option<i64>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT started_at FROM meetings WHERE conversation_id = ?1",
        [conv],
        |r| r.get(0),
    )
    .optional()?)
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

fn participants(conn: &Connection, conv: ConversationId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.name FROM meeting_participants p JOIN users u ON u.id = p.user_id \
         WHERE p.conversation_id = ?1 ORDER BY p.joined_at, u.name",
    )?;
    Ok(stmt
        .query_map([conv], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?)
}

fn media_host(conn: &Connection, conv: ConversationId) -> Result<Option<String>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT media_host FROM meetings WHERE conversation_id = ?1",
        [conv],
        |r| r.get(0),
    )
    .optional()?
    .flatten())
}

fn recording_since(conn: &Connection, conv: ConversationId) -> Result<Option<i64>, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT recording_since FROM meetings WHERE conversation_id = ?1",
        [conv],
        |r| r.get(0),
    )
    .optional()?
    .flatten())
}

fn muted_participants(conn: &Connection, conv: ConversationId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.name FROM meeting_mutes m JOIN users u ON u.id = m.user_id \
         WHERE m.conversation_id = ?1 ORDER BY u.name",
    )?;
    Ok(stmt
        .query_map([conv], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?)
}

/// The guests of the room's meeting, present and waiting, in the order they came.
fn meeting_guests(conn: &Connection, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, name, connection, admitted FROM meeting_guests \
         WHERE conversation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([conv], |r| {
            Ok(GuestRow {
                id: r.get(0)?,
                user: r.get(1)?,
                name: r.get(2)?,
                connection: r.get(3)?,
                admitted: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The SQLite side of the views: queries on a read connection (or inside the write
/// transaction, which derefs to one).
impl ViewRepo for Reads<'_> {
    fn standing_of(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        standing(self.0, conv, user)
    }

    fn cursors_of(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError> {
        Ok(member_row(self.0, conv, user)?.map(|m| Cursors {
            read: m.read_seq,
            muted: m.muted,
            cleared: m.cleared_seq,
            hidden: m.hidden_seq,
        }))
    }

    fn info(&mut self, conv: ConversationId) -> Result<ConversationInfo, StoreError> {
        conversation_info(self.0, conv)
    }

    fn in_privacy(&mut self, user: UserId) -> Result<bool, StoreError> {
        privacy_of(self.0, user)
    }

    fn tick_cursors(
        &mut self,
        conv: ConversationId,
        sender: UserId,
    ) -> Result<(u64, u64), StoreError> {
        tick_aggregate(self.0, conv, sender)
    }

    fn messages(
        &mut self,
        conv: ConversationId,
        range: SeqRange,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id \
             WHERE m.conversation_id = ?1 AND m.seq > ?2 AND m.seq < ?3 \
             ORDER BY m.seq DESC LIMIT ?4"
        ))?;
        let before = range.before.min(i64::MAX as u64);
        Ok(stmt
            .query_map(
                params![conv, range.after, before, range.limit],
                stored_message_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn count_recent(
        &mut self,
        conv: ConversationId,
        after: u64,
        since_ms: i64,
    ) -> Result<u32, StoreError> {
        Ok(sql_row(
            self.0,
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND seq > ?2 \
             AND sent_at >= ?3",
            params![conv, after, since_ms],
            |r| r.get(0),
        )?)
    }

    fn unread_after(
        &mut self,
        conv: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError> {
        unread_count(self.0, conv, user, after)
    }

    fn member_of(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT conversation_id FROM members WHERE user_id = ?1")?;
        Ok(stmt
            .query_map([user], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    fn cleared(&mut self, user: UserId) -> Result<HashMap<ConversationId, u64>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT conversation_id, cleared_seq FROM members \
             WHERE user_id = ?1 AND cleared_seq > 0",
        )?;
        Ok(stmt
            .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    fn stream_after(
        &mut self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<(u64, Change)>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT position, payload FROM stream WHERE position > ?1 AND \
             (target_user = ?2 OR (target_user IS NULL AND conversation_id IN \
               (SELECT conversation_id FROM members WHERE user_id = ?2))) \
             ORDER BY position LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![since, user, limit], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(position, payload)| {
                Ok((position, stored::change_from_json(position, &payload)?))
            })
            .collect()
    }

    fn stream_rows(&mut self, after: u64, limit: u32) -> Result<Vec<StreamRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT position, conversation_id, target_user, payload FROM stream \
             WHERE position > ?1 ORDER BY position LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![after, limit], |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(position, conversation, user, payload)| {
                Ok(StreamRow {
                    position,
                    conversation,
                    user,
                    change: stored::change_from_json(position, &payload)?,
                })
            })
            .collect()
    }

    fn members(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        member_ids(self.0, conv)
    }

    fn meeting_rooms(&mut self, user: UserId) -> Result<Vec<(ConversationId, bool)>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT m.conversation_id, EXISTS (SELECT 1 FROM members x \
             WHERE x.conversation_id = m.conversation_id AND x.user_id = ?1) FROM meetings m \
             WHERE EXISTS (SELECT 1 FROM members x \
               WHERE x.conversation_id = m.conversation_id AND x.user_id = ?1) \
             OR EXISTS (SELECT 1 FROM meeting_guests g \
               WHERE g.conversation_id = m.conversation_id AND g.user_id = ?1) \
             ORDER BY m.started_at",
        )?;
        Ok(stmt
            .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn search_hits(
        &mut self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<Vec<(ConversationId, StoredMessage)>, StoreError> {
        // Each term is letters and digits only (views::search_terms), quoted as an FTS5 string
        // and matched as a prefix.
        let query = search
            .terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" ");
        let (c_sent, c_conv, c_seq) = match search.after {
            Some(c) => (c.sent_at, c.conversation.min(i64::MAX as u64), c.seq),
            None => (i64::MAX, 0, 0),
        };
        let after_given = search.after.is_some();
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT m.conversation_id, {MESSAGE_COLUMNS} FROM message_search s \
             JOIN messages m ON m.conversation_id = s.rowid >> 32 \
               AND m.seq = s.rowid & 4294967295 \
             JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?2 \
             JOIN users u ON u.id = m.sender_id \
             WHERE message_search MATCH ?1 AND m.seq > mb.cleared_seq \
               AND m.deleted_at IS NULL AND m.kind = 'text' \
               AND (?3 IS NULL OR m.conversation_id = ?3) \
               AND (NOT ?4 OR (m.sent_at, m.conversation_id, m.seq) < (?5, ?6, ?7)) \
             ORDER BY m.sent_at DESC, m.conversation_id DESC, m.seq DESC LIMIT ?8"
        ))?;
        Ok(stmt
            .query_map(
                params![
                    query,
                    user,
                    search.conversation,
                    after_given,
                    c_sent,
                    c_conv,
                    c_seq,
                    search.limit + 1
                ],
                |r| Ok((r.get(0)?, stored_message_from_row_at(r, 1)?)),
            )?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn upcoming(&mut self, user: UserId, now_ms: i64) -> Result<Vec<ScheduledMeeting>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, \
             s.minutes, u.name FROM scheduled_meetings s \
             JOIN conversations c ON c.id = s.conversation_id \
             JOIN users u ON u.id = s.organizer_id \
             JOIN members x ON x.conversation_id = s.conversation_id AND x.user_id = ?1 \
             WHERE s.starts_at + s.minutes * 60000 > ?2 ORDER BY s.starts_at, s.id",
        )?;
        Ok(stmt
            .query_map(params![user, now_ms], scheduled_from_row)?
            .collect::<Result<Vec<_>, _>>()?)
    }
}

/// The SQLite side of the meeting rules.
impl MeetingRepo for Appender<'_, '_> {
    fn start_meeting(&mut self, conv: ConversationId, at: i64) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT OR IGNORE INTO meetings (conversation_id, started_at) VALUES (?1, ?2)",
            params![conv, at],
        )?;
        Ok(())
    }

    fn set_recording(
        &mut self,
        conv: ConversationId,
        since: Option<i64>,
    ) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE meetings SET recording_since = ?2 WHERE conversation_id = ?1",
            params![conv, since],
        )?;
        Ok(())
    }

    fn set_media_host(&mut self, conv: ConversationId, node: &str) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE meetings SET media_host = ?2 WHERE conversation_id = ?1",
            params![conv, node],
        )?;
        Ok(())
    }

    fn end_meeting(&mut self, conv: ConversationId) -> Result<(), StoreError> {
        for table in ["meetings", "meeting_mutes"] {
            sql_exec(
                self.tx,
                &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
                [conv],
            )?;
        }
        Ok(())
    }

    fn set_participant_muted(
        &mut self,
        conv: ConversationId,
        name: &str,
        on: bool,
    ) -> Result<(), StoreError> {
        let sql = if on {
            "INSERT OR IGNORE INTO meeting_mutes (conversation_id, user_id) \
             SELECT ?1, id FROM users WHERE name = ?2"
        } else {
            "DELETE FROM meeting_mutes WHERE conversation_id = ?1 \
             AND user_id = (SELECT id FROM users WHERE name = ?2)"
        };
        sql_exec(self.tx, sql, params![conv, name])?;
        Ok(())
    }

    fn add_participant(
        &mut self,
        conv: ConversationId,
        user: UserId,
        at: i64,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "INSERT OR IGNORE INTO meeting_participants (conversation_id, user_id, joined_at) \
             VALUES (?1, ?2, ?3)",
            params![conv, user, at],
        )? > 0)
    }

    fn remove_participant(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(sql_exec(
            self.tx,
            "DELETE FROM meeting_participants WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user],
        )? > 0)
    }

    fn add_guest(
        &mut self,
        conv: ConversationId,
        g: NewGuest<'_>,
        at: i64,
    ) -> Result<u64, StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO meeting_guests (conversation_id, user_id, name, connection, \
             admitted, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![conv, g.user, g.name, g.connection, g.admitted, at],
        )?;
        Ok(self.tx.last_insert_rowid() as u64)
    }

    fn delete_guest(&mut self, guest: u64) -> Result<bool, StoreError> {
        Ok(sql_exec(self.tx, "DELETE FROM meeting_guests WHERE id = ?1", [guest])? > 0)
    }

    fn admit(&mut self, conv: ConversationId, guest: Option<u64>) -> Result<usize, StoreError> {
        Ok(sql_exec(
            self.tx,
            "UPDATE meeting_guests SET admitted = 1 \
             WHERE conversation_id = ?1 AND admitted = 0 AND (?2 IS NULL OR id = ?2)",
            params![conv, guest],
        )?)
    }

    fn clear_guests(&mut self, conv: ConversationId) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM meeting_guests WHERE conversation_id = ?1",
            "DELETE FROM meeting_refusals WHERE conversation_id = ?1",
        ] {
            sql_exec(self.tx, sql, [conv])?;
        }
        Ok(())
    }

    fn refused(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT 1 FROM meeting_refusals WHERE conversation_id = ?1 AND user_id = ?2",
            params![conv, user],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
    }

    fn refuse(&mut self, conv: ConversationId, user: UserId) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT OR IGNORE INTO meeting_refusals (conversation_id, user_id) VALUES (?1, ?2)",
            params![conv, user],
        )?;
        Ok(())
    }

    fn delete_external_guest(&mut self, guest: u64) -> Result<Option<ConversationId>, StoreError> {
        Ok(sql_row(
            self.tx,
            "DELETE FROM meeting_guests WHERE id = ?1 AND user_id IS NULL \
             RETURNING conversation_id",
            [guest],
            |r| r.get(0),
        )
        .optional()?)
    }

    fn delete_external_guests(&mut self) -> Result<Vec<ConversationId>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "DELETE FROM meeting_guests WHERE user_id IS NULL RETURNING conversation_id",
        )?;
        Ok(stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn link_target(&mut self, link: &str) -> Result<Option<LinkTarget>, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT id, COALESCE(name, ''), kind, lobby FROM conversations WHERE link_token = ?1",
            [link],
            |r| {
                Ok(LinkTarget {
                    conversation: r.get(0)?,
                    name: r.get(1)?,
                    kind: Kind::from_stored(&r.get::<_, String>(2)?),
                    lobby: r.get(3)?,
                })
            },
        )
        .optional()?)
    }

    fn user_names(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT name, display_name FROM users")?;
        Ok(stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn add_scheduled(&mut self, m: NewScheduled<'_>) -> Result<u64, StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO scheduled_meetings (conversation_id, title, starts_at, minutes, \
             organizer_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![m.conversation, m.title, m.starts_at, m.minutes, m.organizer],
        )?;
        Ok(self.tx.last_insert_rowid() as u64)
    }

    fn scheduled(&mut self, id: u64) -> Result<Option<ScheduledMeeting>, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, \
             s.minutes, u.name FROM scheduled_meetings s \
             JOIN conversations c ON c.id = s.conversation_id \
             JOIN users u ON u.id = s.organizer_id WHERE s.id = ?1",
            [id],
            scheduled_from_row,
        )
        .optional()?)
    }

    fn delete_scheduled(&mut self, id: u64) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "DELETE FROM scheduled_meetings WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    fn notify_guest(&mut self, connection: u64, update: GuestUpdate) {
        self.guest_notices.push(GuestNotice { connection, update });
    }
}

impl UserLookup for Appender<'_, '_> {
    fn lookup_user(&mut self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        user_by(self.tx, "name = ?1", &name)
    }
}

/// The SQLite side of the account rules.
impl AccountRepo for Appender<'_, '_> {
    fn alias_name_taken(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT EXISTS (SELECT 1 FROM aliases WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?)
    }

    fn insert_user(&mut self, u: NewUser<'_>, at: i64) -> Result<UserId, StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO users (name, display_name, email, password_hash, created_at, sort_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                u.name,
                u.display_name,
                u.email,
                u.password_hash,
                at,
                u.sort_key
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![hash, user],
        )?;
        Ok(())
    }

    fn set_disabled(&mut self, user: UserId) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE users SET disabled = 1 WHERE id = ?1",
            [user],
        )?;
        Ok(())
    }

    fn revoke_sessions_of(&mut self, user: UserId) -> Result<(), StoreError> {
        // Each revocation takes a new mark, so other processes polling `revoked_since` see it.
        sql_exec(
            self.tx,
            "UPDATE sessions SET revoked = (SELECT MAX(revoked) + 1 FROM sessions) \
             WHERE user_id = ?1 AND revoked = 0",
            [user],
        )?;
        Ok(())
    }

    fn revoke_session(&mut self, session: i64) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "UPDATE sessions SET revoked = (SELECT MAX(revoked) + 1 FROM sessions) \
             WHERE id = ?1 AND revoked = 0",
            [session],
        )?;
        Ok(())
    }

    fn insert_session(
        &mut self,
        user: UserId,
        token_hash: &[u8],
        device: Option<&str>,
        at: i64,
    ) -> Result<i64, StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO sessions (user_id, token_hash, device, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![user, token_hash, device, at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }
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

/// The message a panic carried.
pub(crate) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

impl SqliteStore {
    /// Applies `ops` in one transaction. Each op runs inside a savepoint, so that a refused op
    /// leaves no trace and does not undo the others, except sends when `fast`: their checks
    /// come before their first write, so a refused send has nothing to undo, and two
    /// statements per message are saved. A send failing after it wrote (a fault) rolls the
    /// whole transaction back and returns `None`: the caller replays the batch with every op
    /// guarded.
    fn write_ops(
        &self,
        conn: &mut Connection,
        cache: &mut SendCache,
        ops: Vec<WriteOp>,
        fast: bool,
    ) -> Result<Option<Batch>, StoreError> {
        // IMMEDIATE takes the write lock up front, so an admin command writing at the same time
        // makes this wait (busy timeout) instead of failing the whole batch mid-way.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let after: u64 = sql_row(
            &tx,
            "SELECT COALESCE(MAX(position), 0) FROM stream",
            [],
            |r| r.get(0),
        )?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let send = matches!(op, WriteOp::SendMessage { .. });
            let keeps_cache = keeps_send_cache(&op);
            let guarded = !(fast && send);
            if guarded {
                sql_exec(&tx, "SAVEPOINT op", [])?;
            }
            let mut wrote = false;
            // A bug in one op (a panic) fails that op alone, rolled back like a refusal, instead
            // of killing the one writer every user depends on.
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let cache = if send { Some(&mut *cache) } else { None };
                self.apply(&tx, op, cache, &mut wrote)
            }))
            .unwrap_or_else(|panic| Err(StoreError::Fault(panic_text(&panic))));
            if applied.is_err() || !keeps_cache {
                cache.clear();
            }
            match applied {
                Ok(c) => {
                    if guarded {
                        sql_exec(&tx, "RELEASE op", [])?;
                    }
                    results.push(Ok(c));
                }
                Err(_) if !guarded && wrote => return Ok(None),
                Err(e) => {
                    if guarded {
                        sql_exec(&tx, "ROLLBACK TO op", [])?;
                        sql_exec(&tx, "RELEASE op", [])?;
                    }
                    results.push(Err(e));
                }
            }
        }
        tx.commit()?;
        Ok(Some(Batch { after, results }))
    }

    fn apply(
        &self,
        tx: &Transaction<'_>,
        op: WriteOp,
        cache: Option<&mut SendCache>,
        wrote: &mut bool,
    ) -> Result<Committed, StoreError> {
        let now = (self.clock)();
        let mut out = Appender {
            tx,
            cache,
            wrote,
            published: Vec::new(),
            guest_notices: Vec::new(),
        };
        let outcome = crate::domain::apply(&mut out, op, now)?;
        Ok(Committed {
            outcome,
            published: out.published,
            guest_notices: out.guest_notices,
        })
    }
}

impl Store for SqliteStore {
    fn write(&self, ops: Vec<WriteOp>) -> Result<Batch, StoreError> {
        // A panic is caught below before it can unwind past this guard, but a poisoned lock
        // must not stop every later write either: the connection itself is sound.
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Writer { conn, cache, .. } = &mut *writer;
        // Another connection (an admin command) may have changed what the cache holds.
        let version: i64 = sql_row(conn, "PRAGMA data_version", [], |r| r.get(0))?;
        if version != cache.data_version {
            cache.clear();
            cache.data_version = version;
        }
        let replay = ops.clone();
        let written = match self.write_ops(conn, cache, ops, true) {
            Ok(Some(batch)) => return Ok(batch),
            Ok(None) => {
                // A send failed after writing: the batch was rolled back; again, every op
                // guarded, so that it fails alone.
                cache.clear();
                self.write_ops(conn, cache, replay, false)
            }
            Err(e) => Err(e),
        };
        match written {
            Ok(Some(batch)) => Ok(batch),
            Ok(None) => unreachable!("a guarded batch is never replayed"),
            Err(e) => {
                cache.clear();
                Err(e)
            }
        }
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

    fn search_users(
        &self,
        query: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError> {
        let pattern = super::contains_pattern(&query.to_lowercase());
        self.with_reader(|c| {
            // The row of `after` gives where the page starts; names are ASCII, so NOCASE and
            // PostgreSQL's lower() order them alike.
            let start: Option<(String, String)> = match after {
                None => None,
                Some(name) => Some(
                    sql_row(
                        c,
                        "SELECT sort_key, name FROM users WHERE name = ?1",
                        [name],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::NotFound(Reason::NoSuchUser {
                            name: name.to_owned(),
                        })
                    })?,
                ),
            };
            let (key, name) = start.unzip();
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE disabled = 0 AND \
                 (unicode_lower(name) LIKE ?1 ESCAPE '\\' \
                 OR unicode_lower(display_name) LIKE ?1 ESCAPE '\\') \
                 AND (?3 IS NULL OR (sort_key, name) > (?3, ?4)) \
                 ORDER BY sort_key, name LIMIT ?2"
            ))?;
            Ok(stmt
                .query_map(params![pattern, limit, key, name], user_from_row)?
                .collect::<Result<_, _>>()?)
        })
    }

    fn search_aliases(&self, query: &str) -> Result<Vec<confer_proto::AliasInfo>, StoreError> {
        let pattern = super::contains_pattern(&query.to_lowercase());
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT name, display_name FROM aliases WHERE \
                 unicode_lower(name) LIKE ?1 ESCAPE '\\' \
                 OR unicode_lower(display_name) LIKE ?1 ESCAPE '\\' \
                 ORDER BY directory_key(display_name), name",
            )?;
            Ok(stmt
                .query_map([pattern], |r| {
                    Ok(confer_proto::AliasInfo {
                        name: r.get(0)?,
                        display_name: r.get(1)?,
                        writer: None,
                    })
                })?
                .collect::<Result<_, _>>()?)
        })
    }

    fn aliases(&self) -> Result<Vec<super::AliasListing>, StoreError> {
        self.with_reader(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT a.name, a.display_name, a.show_members, u.name FROM aliases a \
                 LEFT JOIN alias_members m ON m.alias_id = a.id \
                 LEFT JOIN users u ON u.id = m.user_id ORDER BY a.name, u.name",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(super::group_alias_rows(rows))
        })
    }

    fn conversations(&self, user: UserId) -> Result<Vec<ConversationSummary>, StoreError> {
        self.with_reader(|c| views::conversations(&mut Reads(c), user))
    }
    fn conversation(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationSummary, StoreError> {
        self.with_reader(|c| views::summary(&mut Reads(c), user, conversation))
    }
    fn check_history_mail(
        &self,
        user: UserId,
        conversation: ConversationId,
        per_hour: u32,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.with_reader(|c| {
            let mut r = Reads(c);
            let standing = r.standing_of(conversation, user)?;
            conversations::check_history_mail(
                &mut r,
                standing,
                user,
                conversation,
                per_hour,
                now_ms,
            )
        })
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
            views::history(&mut Reads(c), user, conversation, before, limit, now_ms)
        })
    }
    fn changes_since(
        &self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<ChangesPage, StoreError> {
        self.with_reader(|c| views::changes_since(&mut Reads(c), user, since, limit))
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

    fn maintain(&self) -> Result<(), StoreError> {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if writer
            .indexed_at
            .is_some_and(|at| at.elapsed() < INDEX_EVERY)
        {
            return Ok(());
        }
        index_pending(&mut writer.conn, INDEX_CHUNK)?;
        writer.indexed_at = Some(Instant::now());
        Ok(())
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
            views::may_read_link(&mut Reads(c), user, conversation)?;
            Ok(sql_row(
                c,
                "SELECT COALESCE(name, ''), link_token FROM conversations WHERE id = ?1",
                [conversation],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
    }

    fn call_members(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<String>, StoreError> {
        self.with_reader(|c| views::call_members(&mut Reads(c), user, conversation))
    }

    fn meetings(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> Result<(Vec<OngoingMeeting>, Vec<ScheduledMeeting>), StoreError> {
        self.with_reader(|c| views::meetings(&mut Reads(c), user, now_ms))
    }
    fn ongoing_meeting(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<OngoingMeeting>, StoreError> {
        self.with_reader(|c| views::ongoing_meeting(&mut Reads(c), conversation))
    }

    fn media_host(&self, conversation: ConversationId) -> Result<Option<String>, StoreError> {
        self.with_reader(|c| media_host(c, conversation))
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
            .ok_or(StoreError::NotFound(Reason::LinkUnknown))
        })
    }

    fn stream_since(&self, after: u64, limit: u32) -> Result<Vec<Published>, StoreError> {
        self.with_reader(|c| views::stream_since(&mut Reads(c), after, limit))
    }

    fn typing_recipients(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        self.with_reader(|c| views::typing_recipients(&mut Reads(c), user, conversation))
    }

    fn search_messages(
        &self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<MessagesPage, StoreError> {
        // Whatever the writer has not indexed yet is indexed first: a search finds every
        // message stored before it.
        self.index_all_pending()?;
        self.with_reader(|c| views::search_messages(&mut Reads(c), user, search))
    }

    fn upload(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError> {
        self.with_reader(|c| files::upload_for(&mut Reads(c), user, id))
    }

    fn file(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError> {
        self.with_reader(|c| files::file_for(&mut Reads(c), user, id))
    }

    fn files(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<confer_proto::SharedFile>, StoreError> {
        self.with_reader(|c| files::files(&mut Reads(c), user, conversation))
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

// ---- Shared files.

const FILE_COLUMNS: &str = "id, conversation_id, uploader_id, name, mime, size, content, \
     created_at, seq, thumbnail, thumbnail_mime, width, height";

fn file_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRecord> {
    let thumbnail: Option<String> = r.get(9)?;
    let thumbnail_mime: Option<String> = r.get(10)?;
    let width: Option<u32> = r.get(11)?;
    let height: Option<u32> = r.get(12)?;
    Ok(FileRecord {
        id: r.get(0)?,
        conversation: r.get(1)?,
        uploader: r.get(2)?,
        name: r.get(3)?,
        mime: r.get(4)?,
        size: r.get(5)?,
        content: r.get(6)?,
        created_at: r.get(7)?,
        seq: r.get(8)?,
        thumbnail: thumbnail.zip(thumbnail_mime),
        dimensions: width.zip(height),
    })
}

/// A file by id; a finished one whose message was deleted (or is gone) is not found.
fn file_by_id(conn: &Connection, id: &str) -> Result<Option<FileRecord>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {FILE_COLUMNS} FROM files f WHERE id = ?1 AND (seq IS NULL OR EXISTS \
             (SELECT 1 FROM messages m WHERE m.conversation_id = f.conversation_id \
             AND m.seq = f.seq AND m.deleted_at IS NULL))"
        ))?
        .query_row([id], file_from_row)
        .optional()?)
}

impl FileRepo for Appender<'_, '_> {
    fn pending_upload(
        &mut self,
        user: UserId,
        conv: ConversationId,
        content: &str,
        name: &str,
        size: u64,
    ) -> Result<Option<FileRecord>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files WHERE uploader_id = ?1 AND conversation_id = ?2 \
                 AND content = ?3 AND size = ?4 AND (?3 <> '' OR name = ?5) AND seq IS NULL \
                 ORDER BY created_at DESC LIMIT 1"
            ))?
            .query_row(params![user, conv, content, size, name], file_from_row)
            .optional()?)
    }

    fn bytes_held(&mut self, user: UserId) -> Result<u64, StoreError> {
        Ok(sql_row(
            self.tx,
            "SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_id = ?1",
            [user],
            |r| r.get(0),
        )?)
    }

    fn insert_file(&mut self, f: &FileRecord) -> Result<(), StoreError> {
        sql_exec(
            self.tx,
            "INSERT INTO files (id, conversation_id, uploader_id, name, mime, size, content, \
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                f.id,
                f.conversation,
                f.uploader,
                f.name,
                f.mime,
                f.size,
                f.content,
                f.created_at
            ],
        )?;
        Ok(())
    }

    fn file_record(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        file_by_id(self.tx, id)
    }

    fn finish_file(&mut self, id: &str, seq: u64, done: &Finished) -> Result<(), StoreError> {
        let (thumbnail, thumbnail_mime) = done.thumbnail.clone().unzip();
        let (width, height) = done.dimensions.unzip();
        sql_exec(
            self.tx,
            "UPDATE files SET seq = ?2, mime = ?3, thumbnail = ?4, thumbnail_mime = ?5, \
             width = ?6, height = ?7, content = ?8 WHERE id = ?1",
            params![
                id,
                seq,
                done.mime,
                thumbnail,
                thumbnail_mime,
                width,
                height,
                done.content
            ],
        )?;
        Ok(())
    }

    fn delete_file(&mut self, id: &str) -> Result<(), StoreError> {
        sql_exec(self.tx, "DELETE FROM files WHERE id = ?1", [id])?;
        Ok(())
    }
}

/// Histories `user` sent by email since `since` (the `mailed` lines they left).
fn mails_sent_since(conn: &Connection, user: UserId, since: i64) -> Result<u32, StoreError> {
    Ok(sql_row(
        conn,
        "SELECT COUNT(*) FROM messages WHERE sender_id = ?1 AND kind = 'mailed' \
         AND sent_at >= ?2",
        params![user, since],
        |r| r.get(0),
    )?)
}

impl MailReads for Reads<'_> {
    fn mails_sent_since(&mut self, user: UserId, since: i64) -> Result<u32, StoreError> {
        mails_sent_since(self.0, user, since)
    }
}

impl MailReads for Appender<'_, '_> {
    fn mails_sent_since(&mut self, user: UserId, since: i64) -> Result<u32, StoreError> {
        mails_sent_since(self.tx, user, since)
    }
}

impl FileReads for Reads<'_> {
    fn file_standing(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Standing, StoreError> {
        standing(self.0, conv, user)
    }

    fn file_cursors(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError> {
        self.cursors_of(conv, user)
    }

    fn file_by_id(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        file_by_id(self.0, id)
    }

    fn files_after(
        &mut self,
        conv: ConversationId,
        after: u64,
    ) -> Result<Vec<(FileRecord, String, i64)>, StoreError> {
        let columns = FILE_COLUMNS
            .split(", ")
            .map(|c| format!("f.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {columns}, u.name, m.sent_at FROM files f \
             JOIN messages m ON m.conversation_id = f.conversation_id AND m.seq = f.seq \
             JOIN users u ON u.id = f.uploader_id \
             WHERE f.conversation_id = ?1 AND f.seq > ?2 AND m.deleted_at IS NULL \
             ORDER BY f.seq DESC LIMIT 500"
        ))?;
        let rows = stmt
            .query_map(params![conv, after], |r| {
                Ok((file_from_row(r)?, r.get(13)?, r.get(14)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Outcome;

    fn make_store(dir: &Path, clock: Clock) -> SqliteStore {
        SqliteStore::open(&dir.join("confer.db"), clock).unwrap()
    }

    store_conformance_tests!(make_store);

    fn send(user: UserId, conversation: u64, id: &str) -> WriteOp {
        WriteOp::SendMessage {
            user,
            conversation,
            client_id: id.into(),
            text: id.into(),
            reply_to: None,
        }
    }

    /// A pair of users with their direct conversation.
    fn pair(store: &SqliteStore) -> (UserId, u64) {
        let mut ids = ["alice", "bob"].map(|name| {
            match store
                .write_batch(vec![WriteOp::CreateUser {
                    name: name.into(),
                    display_name: name.into(),
                    email: None,
                    password_hash: "x".into(),
                }])
                .unwrap()
                .remove(0)
                .unwrap()
                .outcome
            {
                Outcome::User(id) => id,
                other => panic!("{other:?}"),
            }
        });
        let opened = store
            .write_batch(vec![WriteOp::OpenDirect {
                user: ids[0],
                other: "bob".into(),
            }])
            .unwrap()
            .remove(0)
            .unwrap();
        let Outcome::Conversation(summary) = opened.outcome else {
            panic!("{:?}", opened.outcome);
        };
        ids.sort_unstable();
        (ids[0], summary.info.id)
    }

    fn seqs(results: Vec<Result<Committed, StoreError>>) -> Vec<Option<u64>> {
        results
            .into_iter()
            .map(|r| match r.map(|c| c.outcome) {
                Ok(Outcome::Sent(ack)) => Some(ack.seq),
                Ok(other) => panic!("{other:?}"),
                Err(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_send_cache_sees_what_another_connection_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store = make_store(dir.path(), system_clock());
        let (alice, ab) = pair(&store);
        // Warm: the writer now remembers the conversation's sequence number.
        assert_eq!(
            seqs(store.write_batch(vec![send(alice, ab, "m1")]).unwrap()),
            [Some(1)]
        );
        // An admin command's connection, on the same file, sends too.
        let other = make_store(dir.path(), system_clock());
        assert_eq!(
            seqs(other.write_batch(vec![send(alice, ab, "m2")]).unwrap()),
            [Some(2)]
        );
        drop(other);
        // A stale cache would hand out 2 again (and fail on the primary key).
        assert_eq!(
            seqs(store.write_batch(vec![send(alice, ab, "m3")]).unwrap()),
            [Some(3)]
        );
    }

    #[test]
    fn a_send_failing_after_it_wrote_fails_alone_and_its_batch_is_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = make_store(dir.path(), system_clock());
        let (alice, ab) = pair(&store);
        assert_eq!(
            seqs(store.write_batch(vec![send(alice, ab, "m1")]).unwrap()),
            [Some(1)]
        );
        // A real fault between a send's writes: its message row is in, its stream row fails.
        let db = Connection::open(dir.path().join("confer.db")).unwrap();
        db.execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON stream WHEN NEW.payload LIKE '%boom%' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
        drop(db);
        let results = store
            .write_batch(vec![
                send(alice, ab, "m2"),
                send(alice, ab, "boom"),
                send(alice, ab, "m3"),
            ])
            .unwrap();
        assert!(
            matches!(results[1], Err(StoreError::Db(_))),
            "{:?}",
            results[1]
        );
        assert_eq!(seqs(results), [Some(2), None, Some(3)]);
        let history = store
            .history(alice, ab, None, None, system_clock()())
            .unwrap();
        let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["m1", "m2", "m3"]);
        // The faulty send left no message behind and the next one follows on.
        assert_eq!(
            seqs(store.write_batch(vec![send(alice, ab, "m4")]).unwrap()),
            [Some(4)]
        );
    }

    #[test]
    fn messages_are_indexed_after_their_commit_and_every_search_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = make_store(dir.path(), system_clock());
        let (alice, ab) = pair(&store);
        let progress = |store: &SqliteStore| -> u64 {
            store
                .with_reader(|c| {
                    Ok(sql_row(
                        c,
                        "SELECT position FROM search_progress",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .unwrap()
        };
        let search = |store: &SqliteStore, word: &str| -> Vec<String> {
            let page = store
                .search_messages(
                    alice,
                    &MessageSearch {
                        terms: vec![word.into()],
                        conversation: None,
                        after: None,
                        limit: 10,
                    },
                )
                .unwrap();
            page.messages.into_iter().map(|m| m.text).collect()
        };
        store
            .write_batch(vec![
                send(alice, ab, "alpha one"),
                send(alice, ab, "alpha two"),
            ])
            .unwrap();
        // The send path did not index them...
        let max = store.max_position().unwrap();
        assert!(progress(&store) < max);
        // ...the writer's upkeep does, in one go.
        store.maintain().unwrap();
        assert_eq!(progress(&store), max);
        assert_eq!(search(&store, "alpha").len(), 2);

        // Edited before it was ever indexed: indexed once, with its new text only.
        let sent = seqs(store.write_batch(vec![send(alice, ab, "gamma")]).unwrap());
        let results = store
            .write_batch(vec![WriteOp::EditMessage {
                user: alice,
                conversation: ab,
                seq: sent[0].unwrap(),
                text: "delta".into(),
            }])
            .unwrap();
        assert!(results[0].is_ok(), "{:?}", results[0]);
        // Not indexed yet: the search itself indexes it first.
        assert!(progress(&store) < store.max_position().unwrap());
        assert_eq!(search(&store, "delta"), ["delta"]);
        assert!(search(&store, "gamma").is_empty());
        assert_eq!(progress(&store), store.max_position().unwrap());

        // The mark survives a restart: nothing is indexed twice.
        drop(store);
        let store = make_store(dir.path(), system_clock());
        store
            .write_batch(vec![send(alice, ab, "alpha three")])
            .unwrap();
        assert_eq!(search(&store, "alpha").len(), 3);
    }

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
    fn files_stored_before_blake3_keep_their_sha256_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confer.db");
        let (sha, thumb) = ("ab".repeat(32), "cd".repeat(32));
        {
            // The schema as it stood before migration 015, with a shared file and an upload
            // under way that declared its SHA-256.
            let conn = open_connection(&path, false).unwrap();
            for sql in &MIGRATIONS[..14] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 14).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO users (id, name, display_name, password_hash, created_at) \
                 VALUES (1, 'alice', 'Alice', 'x', 0); \
                 INSERT INTO files (id, conversation_id, uploader_id, name, mime, size, sha256, \
                 created_at, seq, thumbnail, thumbnail_mime) VALUES \
                 ('done', 1, 1, 'a.png', 'image/png', 3, '{sha}', 0, 7, '{thumb}', 'image/webp'), \
                 ('going', 1, 1, 'b.bin', 'text/plain', 9, '{sha}', 0, NULL, NULL, NULL)"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(&path, system_clock()).unwrap();
        let rows = store
            .with_reader(|c| {
                let mut st = c.prepare("SELECT id, content, thumbnail FROM files ORDER BY id")?;
                let rows = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<Vec<(String, String, Option<String>)>, _>>()?;
                Ok(rows)
            })
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "done".to_owned(),
                    format!("sha256:{sha}"),
                    Some(format!("sha256:{thumb}"))
                ),
                ("going".to_owned(), String::new(), None),
            ]
        );
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
