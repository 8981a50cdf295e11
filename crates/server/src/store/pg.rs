//! The PostgreSQL store, for several server nodes sharing one database.
//!
//! It implements the same repository traits as the SQLite store, so every rule runs through
//! [`crate::domain`] unchanged; only SQL lives here. The synchronous `postgres` client is used
//! on purpose: the domain's repositories are synchronous (they run inside the writer thread's
//! transaction, and reads run on blocking threads), so both stores share one calling shape and
//! no rule needs an async twin.
//!
//! Stream positions with several writers: every write transaction takes one transaction-scoped
//! advisory lock (the "stream lock") before it changes anything, so the transactions of all
//! nodes commit one at a time and positions, drawn from the stream's sequence while the lock is
//! held, become visible in increasing order. A reader that has seen position N can never later
//! find a committed N-1. Each node's writer still group-commits a batch per transaction, so the
//! lock is taken once per batch, not per message.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use confer_proto::{
    Change, ConversationInfo, ConversationKind, ConversationSummary, Favourite, FavouriteState,
    HistoryPage, Message, MessageKind, OngoingMeeting, PresenceChoice, Reason, ScheduledMeeting,
    TickState, UserInfo, UserSettings,
};
use postgres::{GenericClient, NoTls, Row, Statement, types::ToSql};

use super::{
    Batch, ChangesPage, Clock, Committed, ConversationId, GuestNotice, GuestUpdate, MessageSearch,
    MessagesPage, Published, SessionRecord, Store, StoreError, UserId, UserRecord, WriteOp,
    panic_text,
    stored::{
        self, choice_from_str, choice_to_str, fav_state_from_str, fav_state_to_str,
        kind_from_stored, kind_to_stored, role_to_str,
    },
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

/// Numbered migrations, each applied in one transaction.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/001_init.sql"),
    include_str!("../../migrations/postgres/002_nodes.sql"),
    include_str!("../../migrations/postgres/003_messages_by_time.sql"),
    include_str!("../../migrations/postgres/004_directory_order.sql"),
    include_str!("../../migrations/postgres/005_aliases.sql"),
    include_str!("../../migrations/postgres/006_message_changes.sql"),
    include_str!("../../migrations/postgres/007_files.sql"),
    include_str!("../../migrations/postgres/008_previews_and_mails.sql"),
    include_str!("../../migrations/postgres/009_search_without_accents.sql"),
    include_str!("../../migrations/postgres/010_blake3_content_keys.sql"),
    include_str!("../../migrations/postgres/011_participant_mutes.sql"),
    include_str!("../../migrations/postgres/012_recordings.sql"),
    include_str!("../../migrations/postgres/013_media_host.sql"),
];

/// The advisory lock every write transaction holds until it commits (see the module docs).
pub const STREAM_LOCK: i64 = 0x636f_6e66_6572; // "confer"
/// The advisory lock held while migrating, so nodes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x636f_6e66_6d67;
/// Idle read connections kept.
const MAX_IDLE_READERS: usize = 8;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Db(Box::new(e))
    }
}

/// A connection and its prepared statements: every statement is prepared once per connection
/// (a round trip saved on every later use).
struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    fn connect(url: &str) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Db(Box::new(e)))?;
        config.connect_timeout(Duration::from_secs(10));
        Ok(Self {
            client: config.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }
}

/// Queries through a connection's statement cache, on a client or inside a transaction.
struct Db<'a, C: GenericClient> {
    c: &'a mut C,
    statements: &'a mut HashMap<String, Statement>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl<C: GenericClient> Db<'_, C> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.c.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn exec(&mut self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let s = self.statement(sql)?;
        Ok(self.c.execute(&s, params)?)
    }

    fn opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        let s = self.statement(sql)?;
        Ok(self.c.query_opt(&s, params)?)
    }

    fn one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
        let s = self.statement(sql)?;
        Ok(self.c.query_one(&s, params)?)
    }

    fn all(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let s = self.statement(sql)?;
        Ok(self.c.query(&s, params)?)
    }

    /// Reborrows, to hand the same connection to a view.
    fn reborrow(&mut self) -> Db<'_, C> {
        Db {
            c: &mut *self.c,
            statements: &mut *self.statements,
        }
    }
}

/// Ids and positions are `u64` in Rust and BIGINT in PostgreSQL (they never exceed 2^63 - 1:
/// the wire refuses larger ones).
fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u(row: &Row, idx: usize) -> u64 {
    u64::try_from(row.get::<_, i64>(idx)).unwrap_or(0)
}

fn u_opt(row: &Row, idx: usize) -> Option<u64> {
    row.get::<_, Option<i64>>(idx)
        .map(|v| u64::try_from(v).unwrap_or(0))
}

fn count(row: &Row, idx: usize) -> u32 {
    u32::try_from(row.get::<_, i64>(idx)).unwrap_or(u32::MAX)
}

/// PostgreSQL implementation of [`Store`].
pub struct PgStore {
    url: String,
    node: String,
    /// This node's number in the cluster.
    node_number: u64,
    /// `None` only while the store is being dropped.
    writer: Mutex<Option<PgConn>>,
    readers: Mutex<Vec<PgConn>>,
    clock: Clock,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing a synchronous client blocks on its own runtime, which panics on a thread
        // that drives async tasks: the last handle to the store may well be dropped on one.
        let writer = self.writer.get_mut().map(Option::take).unwrap_or(None);
        let readers = std::mem::take(self.readers.get_mut().unwrap_or_else(|p| p.into_inner()));
        let close = move || drop((writer, readers));
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(close).join();
        } else {
            close();
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) as node `node` and applies pending
    /// migrations.
    pub fn open(url: &str, node: &str, clock: Clock) -> Result<Self, StoreError> {
        let mut writer = PgConn::connect(url)?;
        migrate(&mut writer.client)?;
        let node_number = u(
            &writer.client.query_one(
                "INSERT INTO nodes (name) VALUES ($1) \
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                &[&node],
            )?,
            0,
        );
        Ok(Self {
            url: url.to_owned(),
            node: node.to_owned(),
            node_number,
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
            clock,
        })
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Db<'_, postgres::Client>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().expect("reader pool poisoned").pop();
        let mut conn = match pooled {
            Some(c) if !c.client.is_closed() => c,
            _ => PgConn::connect(&self.url)?,
        };
        let result = f(&mut Db {
            c: &mut conn.client,
            statements: &mut conn.statements,
        });
        // A connection that failed is dropped rather than handed to the next reader.
        if result.is_ok() || !conn.client.is_closed() {
            let mut pool = self.readers.lock().expect("reader pool poisoned");
            if pool.len() < MAX_IDLE_READERS {
                pool.push(conn);
            }
        }
        result
    }
}

fn migrate(client: &mut postgres::Client) -> Result<(), StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = (|| {
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS confer_schema (version BIGINT NOT NULL); \
             INSERT INTO confer_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM confer_schema)",
        )?;
        let current: i64 = client
            .query_one("SELECT version FROM confer_schema", &[])?
            .get(0);
        let current = usize::try_from(current).unwrap_or(0);
        if current > MIGRATIONS.len() {
            return Err(StoreError::SchemaTooNew {
                found: current,
                known: MIGRATIONS.len(),
            });
        }
        for (idx, sql) in MIGRATIONS.iter().enumerate().skip(current) {
            let version = idx + 1;
            let wrap = |e: postgres::Error| StoreError::Migration {
                version,
                source: Box::new(e),
            };
            let mut tx = client.transaction().map_err(wrap)?;
            tx.batch_execute(sql).map_err(wrap)?;
            tx.execute(
                "UPDATE confer_schema SET version = $1",
                &[&(version as i64)],
            )
            .map_err(wrap)?;
            tx.commit().map_err(wrap)?;
        }
        Ok(())
    })();
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    result
}

const USER_COLUMNS: &str = "id, name, display_name, email, password_hash, disabled, privacy, \
                            status, status_message, last_seen";

fn user_from_row(r: &Row) -> UserRecord {
    UserRecord {
        id: r.get(0),
        info: UserInfo {
            name: r.get(1),
            display_name: r.get(2),
            email: r.get(3),
        },
        password_hash: r.get(4),
        disabled: r.get(5),
        settings: UserSettings {
            privacy: r.get(6),
            status: choice_from_str(r.get(7)),
            status_message: r.get(8),
        },
        last_seen: r.get(9),
    }
}

fn scheduled_from_row(r: &Row) -> ScheduledMeeting {
    ScheduledMeeting {
        id: u(r, 0),
        conversation: u(r, 1),
        name: r.get(2),
        title: r.get(3),
        starts_at: r.get(4),
        minutes: u32::try_from(r.get::<_, i64>(5)).unwrap_or(0),
        organizer: r.get(6),
    }
}

// Queries shared by reads and the write transaction.
impl<C: GenericClient> Db<'_, C> {
    fn user_where(
        &mut self,
        clause: &str,
        arg: &(dyn ToSql + Sync),
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
        Ok(self.opt(&sql, &[arg])?.as_ref().map(user_from_row))
    }

    fn user_named(&mut self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where("lower(name) = lower($1)", &name)
    }

    fn name_of(&mut self, user: UserId) -> Result<String, StoreError> {
        Ok(self
            .one("SELECT name FROM users WHERE id = $1", &[&user])?
            .get(0))
    }

    fn standing(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        let row = self.opt(
            "SELECT c.kind, m.role FROM conversations c LEFT JOIN members m \
             ON m.conversation_id = c.id AND m.user_id = $2 WHERE c.id = $1",
            &[&i(conv), &user],
        )?;
        Ok(match row {
            None => Standing::Unknown,
            Some(r) => {
                let kind = Kind::from_stored(r.get(0));
                match r.get::<_, Option<&str>>(1) {
                    None => Standing::Outsider(kind),
                    Some(role) => Standing::Member(kind, Role::from_stored(role)),
                }
            }
        })
    }

    fn member_cursors(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError> {
        Ok(self
            .opt(
                "SELECT read_seq, muted, cleared_seq, hidden_seq FROM members \
                 WHERE conversation_id = $1 AND user_id = $2",
                &[&i(conv), &user],
            )?
            .map(|r| Cursors {
                read: u(&r, 0),
                muted: r.get(1),
                cleared: u(&r, 2),
                hidden: u(&r, 3),
            }))
    }

    fn member_ids(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .all(
                "SELECT user_id FROM members WHERE conversation_id = $1 ORDER BY user_id",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn conversation_info(&mut self, conv: ConversationId) -> Result<ConversationInfo, StoreError> {
        let c = self.one(
            "SELECT created_at, kind, name, mute_all, lobby FROM conversations WHERE id = $1",
            &[&i(conv)],
        )?;
        let rows: Vec<(String, String)> = self
            .all(
                "SELECT u.name, m.role FROM members m JOIN users u ON u.id = m.user_id \
                 WHERE m.conversation_id = $1 ORDER BY u.name",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let kind = match c.get::<_, &str>(1) {
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
            created_at: c.get(0),
            name: c.get(2),
            owner,
            moderators,
            mute_all: c.get(3),
            lobby: c.get(4),
            alias: None,
        })
    }

    fn tick_aggregate(
        &mut self,
        conv: ConversationId,
        sender: UserId,
    ) -> Result<(u64, u64), StoreError> {
        let r = self.one(
            "SELECT MIN(receipt_delivered_seq), MIN(receipt_read_seq) FROM members \
             WHERE conversation_id = $1 AND user_id != $2",
            &[&i(conv), &sender],
        )?;
        Ok((u_opt(&r, 0).unwrap_or(0), u_opt(&r, 1).unwrap_or(0)))
    }

    fn privacy_of(&mut self, user: UserId) -> Result<bool, StoreError> {
        Ok(self
            .one("SELECT privacy FROM users WHERE id = $1", &[&user])?
            .get(0))
    }

    fn unread_count(
        &mut self,
        conv: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError> {
        Ok(count(
            &self.one(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND seq > $2 \
                 AND sender_id != $3 AND kind = 'text'",
                &[&i(conv), &i(after), &user],
            )?,
            0,
        ))
    }

    fn last_seq(&mut self, conv: ConversationId) -> Result<u64, StoreError> {
        Ok(u(
            &self.one(
                "SELECT last_seq FROM conversations WHERE id = $1",
                &[&i(conv)],
            )?,
            0,
        ))
    }

    fn room_name(&mut self, conv: ConversationId) -> Result<String, StoreError> {
        Ok(self
            .one(
                "SELECT COALESCE(name, '') FROM conversations WHERE id = $1",
                &[&i(conv)],
            )?
            .get(0))
    }

    fn meeting_guests(&mut self, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
        Ok(self
            .all(
                "SELECT id, user_id, name, connection, admitted FROM meeting_guests \
                 WHERE conversation_id = $1 ORDER BY id",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| GuestRow {
                id: u(r, 0),
                user: r.get(1),
                name: r.get(2),
                connection: u_opt(r, 3),
                admitted: r.get(4),
            })
            .collect())
    }
}

impl<C: GenericClient> MeetingReads for Db<'_, C> {
    fn meeting_started_at(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        Ok(self
            .opt(
                "SELECT started_at FROM meetings WHERE conversation_id = $1",
                &[&i(conv)],
            )?
            .map(|r| r.get(0)))
    }

    fn room_name(&mut self, conv: ConversationId) -> Result<String, StoreError> {
        Db::room_name(self, conv)
    }

    fn participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        Ok(self
            .all(
                "SELECT u.name FROM meeting_participants p JOIN users u ON u.id = p.user_id \
                 WHERE p.conversation_id = $1 ORDER BY p.joined_at, u.name",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn recording_since(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        Ok(self
            .opt(
                "SELECT recording_since FROM meetings WHERE conversation_id = $1",
                &[&i(conv)],
            )?
            .and_then(|r| r.get(0)))
    }

    fn media_host(&mut self, conv: ConversationId) -> Result<Option<String>, StoreError> {
        Ok(self
            .opt(
                "SELECT media_host FROM meetings WHERE conversation_id = $1",
                &[&i(conv)],
            )?
            .and_then(|r| r.get(0)))
    }

    fn muted_participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        Ok(self
            .all(
                "SELECT u.name FROM meeting_mutes m JOIN users u ON u.id = m.user_id \
                 WHERE m.conversation_id = $1 ORDER BY u.name",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn guests(&mut self, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
        self.meeting_guests(conv)
    }
}

const ALIAS_COLUMNS: &str = "id, name, display_name, show_members";

fn alias_from_row(r: &Row) -> Alias {
    Alias {
        id: r.get(0),
        name: r.get(1),
        display_name: r.get(2),
        show_members: r.get(3),
    }
}

impl<C: GenericClient> AliasReads for Db<'_, C> {
    fn alias_side(&mut self, conv: ConversationId) -> Result<Option<AliasSide>, StoreError> {
        Ok(self
            .opt(
                "SELECT a.id, a.name, a.display_name, a.show_members, c.alias_writer, u.name \
                 FROM conversations c JOIN aliases a ON a.id = c.alias_id \
                 JOIN users u ON u.id = c.alias_writer WHERE c.id = $1",
                &[&i(conv)],
            )?
            .map(|r| AliasSide {
                alias: alias_from_row(&r),
                writer: r.get(4),
                writer_name: r.get(5),
            }))
    }
}

/// A message's columns (`m` joined with its sender `u`), read by [`stored_message_from_row`].
const MESSAGE_COLUMNS: &str = "m.seq, m.sender_id, u.name, m.client_id, m.body, m.sent_at, \
                               m.kind, m.edited_at, m.deleted_at, m.reply_to, m.mentions, \
                               m.version, m.preview";

/// [`MESSAGE_COLUMNS`] starting at column `at`.
fn stored_message_from_row(r: &Row, at: usize) -> StoredMessage {
    let (kind, text) = kind_from_stored(r.get(at + 6), r.get(at + 4));
    StoredMessage {
        seq: u(r, at),
        sender_id: r.get(at + 1),
        sender: r.get(at + 2),
        client_id: r.get(at + 3),
        text,
        sent_at: r.get(at + 5),
        kind,
        edited_at: r.get(at + 7),
        deleted: r.get::<_, Option<i64>>(at + 8).is_some(),
        reply_to: u_opt(r, at + 9),
        mentions: stored::mentions_from_stored(r.get(at + 10)),
        version: u(r, at + 11),
        preview: stored::preview_from_stored(r.get(at + 12)),
    }
}

impl<C: GenericClient> MessageReads for Db<'_, C> {
    fn reactions(
        &mut self,
        conv: ConversationId,
        seqs: &[u64],
    ) -> Result<Vec<ReactionRow>, StoreError> {
        let seqs: Vec<i64> = seqs.iter().map(|&s| i(s)).collect();
        Ok(self
            .all(
                "SELECT x.seq, x.emoji, u.name, x.created_at FROM reactions x \
                 JOIN users u ON u.id = x.user_id \
                 WHERE x.conversation_id = $1 AND x.seq = ANY($2)",
                &[&i(conv), &seqs],
            )?
            .iter()
            .map(|r| ReactionRow {
                seq: u(r, 0),
                emoji: r.get(1),
                user: r.get(2),
                at: r.get(3),
            })
            .collect())
    }

    fn member_names(&mut self, conv: ConversationId) -> Result<Vec<(UserId, String)>, StoreError> {
        Ok(self
            .all(
                "SELECT m.user_id, u.name FROM members m JOIN users u ON u.id = m.user_id \
                 WHERE m.conversation_id = $1 ORDER BY m.user_id",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }
}

impl<C: GenericClient> MailReads for Db<'_, C> {
    fn mails_sent_since(&mut self, user: UserId, since: i64) -> Result<u32, StoreError> {
        let n: i64 = self
            .one(
                "SELECT COUNT(*) FROM messages WHERE sender_id = $1 AND kind = 'mailed' \
                 AND sent_at >= $2",
                &[&user, &since],
            )?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl MailReads for Appender<'_, '_> {
    fn mails_sent_since(&mut self, user: UserId, since: i64) -> Result<u32, StoreError> {
        self.db.mails_sent_since(user, since)
    }
}

impl MessageReads for Appender<'_, '_> {
    fn reactions(
        &mut self,
        conv: ConversationId,
        seqs: &[u64],
    ) -> Result<Vec<ReactionRow>, StoreError> {
        self.db.reactions(conv, seqs)
    }

    fn member_names(&mut self, conv: ConversationId) -> Result<Vec<(UserId, String)>, StoreError> {
        self.db.member_names(conv)
    }
}

impl MessageRepo for Appender<'_, '_> {
    fn stored_message(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Option<StoredMessage>, StoreError> {
        Ok(self
            .db
            .opt(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id \
                     WHERE m.conversation_id = $1 AND m.seq = $2"
                ),
                &[&i(conv), &i(seq)],
            )?
            .map(|r| stored_message_from_row(&r, 0)))
    }

    fn rewrite_text(
        &mut self,
        conv: ConversationId,
        seq: u64,
        text: &str,
        mentions: &[String],
        at: i64,
    ) -> Result<u64, StoreError> {
        Ok(u(
            &self.db.one(
                "UPDATE messages SET body = $3, mentions = $4, edited_at = $5, \
                 version = version + 1 WHERE conversation_id = $1 AND seq = $2 RETURNING version",
                &[
                    &i(conv),
                    &i(seq),
                    &text,
                    &stored::mentions_to_stored(mentions),
                    &at,
                ],
            )?,
            0,
        ))
    }

    fn mark_deleted(&mut self, conv: ConversationId, seq: u64, at: i64) -> Result<u64, StoreError> {
        self.db.exec(
            "DELETE FROM reactions WHERE conversation_id = $1 AND seq = $2",
            &[&i(conv), &i(seq)],
        )?;
        Ok(u(
            &self.db.one(
                "UPDATE messages SET body = '', mentions = NULL, preview = NULL, deleted_at = $3, \
                 version = version + 1 WHERE conversation_id = $1 AND seq = $2 RETURNING version",
                &[&i(conv), &i(seq), &at],
            )?,
            0,
        ))
    }

    fn put_reaction(
        &mut self,
        conv: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "INSERT INTO reactions (conversation_id, seq, user_id, emoji, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&i(conv), &i(seq), &user, &emoji, &at],
        )? > 0)
    }

    fn delete_reaction(
        &mut self,
        conv: ConversationId,
        seq: u64,
        user: UserId,
        emoji: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "DELETE FROM reactions WHERE conversation_id = $1 AND seq = $2 AND user_id = $3 \
             AND emoji = $4",
            &[&i(conv), &i(seq), &user, &emoji],
        )? > 0)
    }

    fn set_preview(
        &mut self,
        conv: ConversationId,
        seq: u64,
        preview: Option<&confer_proto::LinkPreview>,
    ) -> Result<u64, StoreError> {
        Ok(u(
            &self.db.one(
                "UPDATE messages SET preview = $3, version = version + 1 \
                 WHERE conversation_id = $1 AND seq = $2 RETURNING version",
                &[&i(conv), &i(seq), &stored::preview_to_stored(preview)],
            )?,
            0,
        ))
    }

    fn bump_version(&mut self, conv: ConversationId, seq: u64) -> Result<u64, StoreError> {
        Ok(u(
            &self.db.one(
                "UPDATE messages SET version = version + 1 WHERE conversation_id = $1 \
                 AND seq = $2 RETURNING version",
                &[&i(conv), &i(seq)],
            )?,
            0,
        ))
    }

    fn members_hiding(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .db
            .all(
                "SELECT user_id FROM members WHERE conversation_id = $1 AND cleared_seq >= $2 \
                 ORDER BY user_id",
                &[&i(conv), &i(seq)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn message_rows(
        &mut self,
        conv: ConversationId,
        seq: u64,
    ) -> Result<Vec<(u64, Change)>, StoreError> {
        self.db
            .all(
                "SELECT position, payload FROM stream WHERE conversation_id = $1 \
                 AND message_seq = $2 ORDER BY position",
                &[&i(conv), &i(seq)],
            )?
            .iter()
            .map(|r| {
                let position = u(r, 0);
                Ok((position, stored::change_from_json(position, r.get(1))?))
            })
            .collect()
    }

    fn replace_row(&mut self, position: u64, change: &Change) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(change).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.db.exec(
            "UPDATE stream SET payload = $2 WHERE position = $1",
            &[&i(position), &payload],
        )?;
        Ok(())
    }
}

impl<C: GenericClient> ViewRepo for Db<'_, C> {
    fn standing_of(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        self.standing(conv, user)
    }

    fn cursors_of(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError> {
        self.member_cursors(conv, user)
    }

    fn info(&mut self, conv: ConversationId) -> Result<ConversationInfo, StoreError> {
        self.conversation_info(conv)
    }

    fn in_privacy(&mut self, user: UserId) -> Result<bool, StoreError> {
        self.privacy_of(user)
    }

    fn tick_cursors(
        &mut self,
        conv: ConversationId,
        sender: UserId,
    ) -> Result<(u64, u64), StoreError> {
        self.tick_aggregate(conv, sender)
    }

    fn messages(
        &mut self,
        conv: ConversationId,
        range: SeqRange,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        Ok(self
            .all(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id \
                     WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 \
                     ORDER BY m.seq DESC LIMIT $4"
                ),
                &[
                    &i(conv),
                    &i(range.after),
                    &i(range.before),
                    &i64::from(range.limit),
                ],
            )?
            .iter()
            .map(|r| stored_message_from_row(r, 0))
            .collect())
    }

    fn search_hits(
        &mut self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<Vec<(ConversationId, StoredMessage)>, StoreError> {
        // Each term is letters and digits only (views::search_terms): a prefix match each,
        // folded like the indexed text (migration 009: accents ignored).
        let query = search
            .terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & ");
        let (c_sent, c_conv, c_seq) = match search.after {
            Some(c) => (c.sent_at, i(c.conversation), i(c.seq)),
            None => (i64::MAX, 0, 0),
        };
        Ok(self
            .all(
                &format!(
                    "SELECT m.conversation_id, {MESSAGE_COLUMNS} FROM messages m \
                     JOIN members mb ON mb.conversation_id = m.conversation_id \
                       AND mb.user_id = $2 \
                     JOIN users u ON u.id = m.sender_id \
                     WHERE m.search @@ to_tsquery('simple', confer_search_fold($1)) AND m.seq > mb.cleared_seq \
                       AND m.deleted_at IS NULL AND m.kind = 'text' \
                       AND ($3::BIGINT IS NULL OR m.conversation_id = $3) \
                       AND (NOT $4 OR (m.sent_at, m.conversation_id, m.seq) < ($5, $6, $7)) \
                     ORDER BY m.sent_at DESC, m.conversation_id DESC, m.seq DESC LIMIT $8"
                ),
                &[
                    &query,
                    &user,
                    &search.conversation.map(i),
                    &search.after.is_some(),
                    &c_sent,
                    &c_conv,
                    &c_seq,
                    &i64::from(search.limit + 1),
                ],
            )?
            .iter()
            .map(|r| (u(r, 0), stored_message_from_row(r, 1)))
            .collect())
    }

    fn count_recent(
        &mut self,
        conv: ConversationId,
        after: u64,
        since_ms: i64,
    ) -> Result<u32, StoreError> {
        Ok(count(
            &self.one(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND seq > $2 \
                 AND sent_at >= $3",
                &[&i(conv), &i(after), &since_ms],
            )?,
            0,
        ))
    }

    fn unread_after(
        &mut self,
        conv: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError> {
        self.unread_count(conv, user, after)
    }

    fn member_of(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        Ok(self
            .all(
                "SELECT conversation_id FROM members WHERE user_id = $1",
                &[&user],
            )?
            .iter()
            .map(|r| u(r, 0))
            .collect())
    }

    fn cleared(&mut self, user: UserId) -> Result<HashMap<ConversationId, u64>, StoreError> {
        Ok(self
            .all(
                "SELECT conversation_id, cleared_seq FROM members \
                 WHERE user_id = $1 AND cleared_seq > 0",
                &[&user],
            )?
            .iter()
            .map(|r| (u(r, 0), u(r, 1)))
            .collect())
    }

    fn stream_after(
        &mut self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<(u64, Change)>, StoreError> {
        self.all(
            "SELECT position, payload FROM stream WHERE position > $1 AND \
             (target_user = $2 OR (target_user IS NULL AND conversation_id IN \
               (SELECT conversation_id FROM members WHERE user_id = $2))) \
             ORDER BY position LIMIT $3",
            &[&i(since), &user, &i64::from(limit)],
        )?
        .iter()
        .map(|r| {
            let position = u(r, 0);
            Ok((position, stored::change_from_json(position, r.get(1))?))
        })
        .collect()
    }

    fn stream_rows(&mut self, after: u64, limit: u32) -> Result<Vec<StreamRow>, StoreError> {
        self.all(
            "SELECT position, conversation_id, target_user, payload FROM stream \
             WHERE position > $1 ORDER BY position LIMIT $2",
            &[&i(after), &i64::from(limit)],
        )?
        .iter()
        .map(|r| {
            let position = u(r, 0);
            Ok(StreamRow {
                position,
                conversation: u_opt(r, 1),
                user: r.get(2),
                change: stored::change_from_json(position, r.get(3))?,
            })
        })
        .collect()
    }

    fn members(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        self.member_ids(conv)
    }

    fn meeting_rooms(&mut self, user: UserId) -> Result<Vec<(ConversationId, bool)>, StoreError> {
        Ok(self
            .all(
                "SELECT m.conversation_id, EXISTS (SELECT 1 FROM members x \
                 WHERE x.conversation_id = m.conversation_id AND x.user_id = $1) FROM meetings m \
                 WHERE EXISTS (SELECT 1 FROM members x \
                   WHERE x.conversation_id = m.conversation_id AND x.user_id = $1) \
                 OR EXISTS (SELECT 1 FROM meeting_guests g \
                   WHERE g.conversation_id = m.conversation_id AND g.user_id = $1) \
                 ORDER BY m.started_at",
                &[&user],
            )?
            .iter()
            .map(|r| (u(r, 0), r.get(1)))
            .collect())
    }

    fn upcoming(&mut self, user: UserId, now_ms: i64) -> Result<Vec<ScheduledMeeting>, StoreError> {
        Ok(self
            .all(
                "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, \
                 s.minutes, u.name FROM scheduled_meetings s \
                 JOIN conversations c ON c.id = s.conversation_id \
                 JOIN users u ON u.id = s.organizer_id \
                 JOIN members x ON x.conversation_id = s.conversation_id AND x.user_id = $1 \
                 WHERE s.starts_at + s.minutes * 60000 > $2 ORDER BY s.starts_at, s.id",
                &[&user, &now_ms],
            )?
            .iter()
            .map(scheduled_from_row)
            .collect())
    }
}

/// The rules' view of the write transaction: queries, and the changes and guest notices the
/// op published.
struct Appender<'a, 't> {
    db: Db<'a, postgres::Transaction<'t>>,
    node: &'a str,
    published: Vec<Published>,
    guest_notices: Vec<GuestNotice>,
}

impl Appender<'_, '_> {
    fn push(
        &mut self,
        conv: Option<ConversationId>,
        target: Option<UserId>,
        change: Change,
        recipients: Vec<UserId>,
    ) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(&change).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = self.db.one(
            "INSERT INTO stream (conversation_id, target_user, payload, message_seq) \
             VALUES ($1, $2, $3, $4) RETURNING position",
            &[
                &conv.map(i),
                &target,
                &payload,
                &messages::message_seq(&change).map(i),
            ],
        )?;
        self.published.push(Published {
            position: u(&row, 0),
            change,
            recipients,
        });
        Ok(())
    }

    fn for_members(&mut self, conv: ConversationId, change: Change) -> Result<(), StoreError> {
        let recipients = self.db.member_ids(conv)?;
        self.push(Some(conv), None, change, recipients)
    }

    fn for_user(
        &mut self,
        conv: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError> {
        self.push(conv, Some(user), change, vec![user])
    }

    fn aggregates(&mut self, conv: ConversationId) -> Result<Aggregates, StoreError> {
        self.db
            .member_ids(conv)?
            .into_iter()
            .map(|m| Ok((m, self.db.tick_aggregate(conv, m)?)))
            .collect()
    }
}

impl ChatRepo for Appender<'_, '_> {
    fn member_ids(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        self.db.member_ids(conv)
    }

    fn standing(&mut self, conv: ConversationId, user: UserId) -> Result<Standing, StoreError> {
        self.db.standing(conv, user)
    }

    fn cursors(&mut self, conv: ConversationId, user: UserId) -> Result<Cursors, StoreError> {
        self.db
            .member_cursors(conv, user)?
            .ok_or_else(|| StoreError::Corrupt(format!("member {user} of {conv} vanished")))
    }

    fn sent_before(
        &mut self,
        user: UserId,
        client_id: &str,
    ) -> Result<Option<(ConversationId, u64, i64)>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT conversation_id, seq, sent_at FROM messages \
                 WHERE sender_id = $1 AND client_id = $2",
                &[&user, &client_id],
            )?
            .map(|r| (u(&r, 0), u(&r, 1), r.get(2))))
    }

    fn append_message(&mut self, new: NewMessage<'_>) -> Result<u64, StoreError> {
        let conv = new.conversation;
        let seq = self.db.one(
            "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
            &[&i(conv)],
        )?;
        self.db.exec(
            "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, sent_at, \
             reply_to, mentions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &i(conv),
                &seq.get::<_, i64>(0),
                &new.sender,
                &new.client_id,
                &new.text,
                &new.at,
                &new.reply_to.map(i),
                &stored::mentions_to_stored(new.mentions),
            ],
        )?;
        Ok(u(&seq, 0))
    }

    fn user_name(&mut self, user: UserId) -> Result<String, StoreError> {
        self.db.name_of(user)
    }

    fn last_seq(&mut self, conv: ConversationId) -> Result<u64, StoreError> {
        self.db.last_seq(conv)
    }

    fn privacy(&mut self, user: UserId) -> Result<bool, StoreError> {
        self.db.privacy_of(user)
    }

    fn aggregates(&mut self, conv: ConversationId) -> Result<Aggregates, StoreError> {
        Appender::aggregates(self, conv)
    }

    fn raise_receipts(
        &mut self,
        conv: ConversationId,
        user: UserId,
        delivered: u64,
        read: Option<u64>,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET receipt_delivered_seq = GREATEST(receipt_delivered_seq, $3), \
             receipt_read_seq = GREATEST(receipt_read_seq, COALESCE($4::BIGINT, 0)) \
             WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &i(delivered), &read.map(i)],
        )?;
        Ok(())
    }

    fn set_read(&mut self, conv: ConversationId, user: UserId, seq: u64) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET read_seq = $3 WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &i(seq)],
        )?;
        Ok(())
    }

    fn set_hidden(
        &mut self,
        conv: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET hidden_seq = $3 WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &i(seq)],
        )?;
        Ok(())
    }

    fn set_muted(
        &mut self,
        conv: ConversationId,
        user: UserId,
        muted: bool,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET muted = $3 WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &muted],
        )?;
        Ok(())
    }

    fn set_cleared(
        &mut self,
        conv: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET cleared_seq = $3, read_seq = GREATEST(read_seq, $3) \
             WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &i(seq)],
        )?;
        Ok(())
    }

    fn unread_count(
        &mut self,
        conv: ConversationId,
        user: UserId,
        after: u64,
    ) -> Result<u32, StoreError> {
        self.db.unread_count(conv, user, after)
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

impl PeopleRepo for Appender<'_, '_> {
    fn name_of(&mut self, user: UserId) -> Result<String, StoreError> {
        self.db.name_of(user)
    }

    fn settings(&mut self, user: UserId) -> Result<UserSettings, StoreError> {
        Ok(self
            .db
            .user_where("id = $1", &user)?
            .ok_or_else(|| {
                StoreError::NotFound(Reason::NoSuchUser {
                    name: user.to_string(),
                })
            })?
            .settings)
    }

    fn set_privacy(&mut self, user: UserId, on: bool) -> Result<(), StoreError> {
        self.db
            .exec("UPDATE users SET privacy = $2 WHERE id = $1", &[&user, &on])?;
        Ok(())
    }

    fn set_status(
        &mut self,
        user: UserId,
        status: PresenceChoice,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE users SET status = $2, status_message = $3 WHERE id = $1",
            &[&user, &choice_to_str(status), &message],
        )?;
        Ok(())
    }

    fn set_last_seen(&mut self, user: UserId, at: i64) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE users SET last_seen = $2 WHERE id = $1",
            &[&user, &at],
        )?;
        Ok(())
    }

    fn memberships(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        self.db.member_of(user)
    }

    fn ticks_of(&mut self, conv: ConversationId, sender: UserId) -> Result<(u64, u64), StoreError> {
        self.db.tick_aggregate(conv, sender)
    }

    fn favourite(
        &mut self,
        owner: UserId,
        target: UserId,
    ) -> Result<Option<FavouriteState>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT state FROM favourites WHERE owner_id = $1 AND target_id = $2",
                &[&owner, &target],
            )?
            .map(|r| fav_state_from_str(r.get(0))))
    }

    fn put_favourite(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
        at: i64,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO favourites (owner_id, target_id, state, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner_id, target_id) DO UPDATE SET state = excluded.state",
            &[&owner, &target, &fav_state_to_str(state), &at],
        )?;
        Ok(())
    }

    fn delete_favourite(&mut self, owner: UserId, target: UserId) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "DELETE FROM favourites WHERE owner_id = $1 AND target_id = $2",
            &[&owner, &target],
        )? > 0)
    }

    fn answer_request(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "UPDATE favourites SET state = $3 \
             WHERE owner_id = $1 AND target_id = $2 AND state = 'pending'",
            &[&owner, &target, &fav_state_to_str(state)],
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

impl ConversationRepo for Appender<'_, '_> {
    fn direct_between(
        &mut self,
        (a, b): (UserId, UserId),
    ) -> Result<Option<ConversationId>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT id FROM conversations WHERE direct_key = $1",
                &[&format!("{a}:{b}")],
            )?
            .map(|r| u(&r, 0)))
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
        let row = self.db.one(
            "INSERT INTO conversations (kind, created_at, name, direct_key, link_token, \
             alias_id, alias_writer) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&kind, &at, &new.name, &key, &new.link, &alias, &writer],
        )?;
        Ok(u(&row, 0))
    }

    fn add_member(
        &mut self,
        conv: ConversationId,
        user: UserId,
        role: Role,
        start: Start,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO members (conversation_id, user_id, role, read_seq, \
             receipt_delivered_seq, receipt_read_seq, cleared_seq) \
             VALUES ($1, $2, $3, $4, $4, $4, $5)",
            &[
                &i(conv),
                &user,
                &role_to_str(role),
                &i(start.seen_through),
                &i(start.cleared_through),
            ],
        )?;
        Ok(())
    }

    fn delete_member(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "DELETE FROM members WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user],
        )? > 0)
    }

    fn set_role(
        &mut self,
        conv: ConversationId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE members SET role = $3 WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user, &role_to_str(role)],
        )?;
        Ok(())
    }

    fn moderators_besides(
        &mut self,
        conv: ConversationId,
        except: UserId,
    ) -> Result<usize, StoreError> {
        Ok(count(
            &self.db.one(
                "SELECT COUNT(*) FROM members WHERE conversation_id = $1 AND user_id != $2 \
                 AND role IN ('owner', 'moderator')",
                &[&i(conv), &except],
            )?,
            0,
        ) as usize)
    }

    fn invited(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT 1 FROM invitations WHERE conversation_id = $1 AND user_id = $2",
                &[&i(conv), &user],
            )?
            .is_some())
    }

    fn add_invitation(
        &mut self,
        conv: ConversationId,
        user: UserId,
        inviter: UserId,
        at: i64,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO invitations (conversation_id, user_id, inviter_id, created_at) \
             VALUES ($1, $2, $3, $4)",
            &[&i(conv), &user, &inviter, &at],
        )?;
        Ok(())
    }

    fn delete_invitation(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "DELETE FROM invitations WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user],
        )? > 0)
    }

    fn invitees(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .db
            .all(
                "SELECT user_id FROM invitations WHERE conversation_id = $1",
                &[&i(conv)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn delete_conversation(&mut self, conv: ConversationId) -> Result<Vec<UserId>, StoreError> {
        let members = self.db.member_ids(conv)?;
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
            self.db.exec(
                &format!("DELETE FROM {table} WHERE conversation_id = $1"),
                &[&i(conv)],
            )?;
        }
        self.db
            .exec("DELETE FROM conversations WHERE id = $1", &[&i(conv)])?;
        Ok(members)
    }

    fn set_flag(
        &mut self,
        conv: ConversationId,
        flag: RoomFlag,
        on: bool,
    ) -> Result<(), StoreError> {
        let sql = match flag {
            RoomFlag::MuteAll => "UPDATE conversations SET mute_all = $2 WHERE id = $1",
            RoomFlag::Lobby => "UPDATE conversations SET lobby = $2 WHERE id = $1",
        };
        self.db.exec(sql, &[&i(conv), &on])?;
        Ok(())
    }

    fn set_link(&mut self, conv: ConversationId, link: &str) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE conversations SET link_token = $2 WHERE id = $1",
            &[&i(conv), &link],
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
        let seq = u(
            &self.db.one(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 \
                 RETURNING last_seq",
                &[&i(conv)],
            )?,
            0,
        );
        let (stored_kind, body) = kind_to_stored(&kind);
        let client_id = format!("system:{stored_kind}:{conv}:{seq}");
        self.db.exec(
            "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, sent_at, \
             kind) VALUES ($1, $2, $3, $4, $7, $5, $6)",
            &[
                &i(conv),
                &i(seq),
                &user,
                &client_id,
                &at,
                &stored_kind,
                &body,
            ],
        )?;
        Ok(StoredMessage {
            seq,
            sender_id: user,
            sender: self.db.name_of(user)?,
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
        self.db.conversation_info(conv)
    }

    fn summary(
        &mut self,
        user: UserId,
        conv: ConversationId,
    ) -> Result<ConversationSummary, StoreError> {
        views::summary(&mut self.db.reborrow(), user, conv)
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

impl MeetingReads for Appender<'_, '_> {
    fn meeting_started_at(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        self.db.meeting_started_at(conv)
    }

    fn room_name(&mut self, conv: ConversationId) -> Result<String, StoreError> {
        Db::room_name(&mut self.db, conv)
    }

    fn participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        self.db.participants(conv)
    }

    fn muted_participants(&mut self, conv: ConversationId) -> Result<Vec<String>, StoreError> {
        self.db.muted_participants(conv)
    }

    fn recording_since(&mut self, conv: ConversationId) -> Result<Option<i64>, StoreError> {
        self.db.recording_since(conv)
    }

    fn media_host(&mut self, conv: ConversationId) -> Result<Option<String>, StoreError> {
        self.db.media_host(conv)
    }

    fn guests(&mut self, conv: ConversationId) -> Result<Vec<GuestRow>, StoreError> {
        self.db.meeting_guests(conv)
    }
}

impl MeetingRepo for Appender<'_, '_> {
    fn start_meeting(&mut self, conv: ConversationId, at: i64) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO meetings (conversation_id, started_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
            &[&i(conv), &at],
        )?;
        Ok(())
    }

    fn set_recording(
        &mut self,
        conv: ConversationId,
        since: Option<i64>,
    ) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE meetings SET recording_since = $2 WHERE conversation_id = $1",
            &[&i(conv), &since],
        )?;
        Ok(())
    }

    fn set_media_host(&mut self, conv: ConversationId, node: &str) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE meetings SET media_host = $2 WHERE conversation_id = $1",
            &[&i(conv), &node],
        )?;
        Ok(())
    }

    fn end_meeting(&mut self, conv: ConversationId) -> Result<(), StoreError> {
        for table in ["meetings", "meeting_mutes"] {
            self.db.exec(
                &format!("DELETE FROM {table} WHERE conversation_id = $1"),
                &[&i(conv)],
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
            "INSERT INTO meeting_mutes (conversation_id, user_id) \
             SELECT $1, id FROM users WHERE name = $2 ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM meeting_mutes WHERE conversation_id = $1 \
             AND user_id = (SELECT id FROM users WHERE name = $2)"
        };
        self.db.exec(sql, &[&i(conv), &name])?;
        Ok(())
    }

    fn add_participant(
        &mut self,
        conv: ConversationId,
        user: UserId,
        at: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "INSERT INTO meeting_participants (conversation_id, user_id, joined_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&i(conv), &user, &at],
        )? > 0)
    }

    fn remove_participant(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(self.db.exec(
            "DELETE FROM meeting_participants WHERE conversation_id = $1 AND user_id = $2",
            &[&i(conv), &user],
        )? > 0)
    }

    fn add_guest(
        &mut self,
        conv: ConversationId,
        g: NewGuest<'_>,
        at: i64,
    ) -> Result<u64, StoreError> {
        // An external guest's connection belongs to this node.
        let node = g.connection.map(|_| self.node.to_owned());
        let row = self.db.one(
            "INSERT INTO meeting_guests (conversation_id, user_id, name, connection, node, \
             admitted, joined_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &i(conv),
                &g.user,
                &g.name,
                &g.connection.map(i),
                &node,
                &g.admitted,
                &at,
            ],
        )?;
        Ok(u(&row, 0))
    }

    fn delete_guest(&mut self, guest: u64) -> Result<bool, StoreError> {
        Ok(self
            .db
            .exec("DELETE FROM meeting_guests WHERE id = $1", &[&i(guest)])?
            > 0)
    }

    fn admit(&mut self, conv: ConversationId, guest: Option<u64>) -> Result<usize, StoreError> {
        Ok(self.db.exec(
            "UPDATE meeting_guests SET admitted = TRUE \
             WHERE conversation_id = $1 AND NOT admitted AND ($2::BIGINT IS NULL OR id = $2)",
            &[&i(conv), &guest.map(i)],
        )? as usize)
    }

    fn clear_guests(&mut self, conv: ConversationId) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM meeting_guests WHERE conversation_id = $1",
            "DELETE FROM meeting_refusals WHERE conversation_id = $1",
        ] {
            self.db.exec(sql, &[&i(conv)])?;
        }
        Ok(())
    }

    fn refused(&mut self, conv: ConversationId, user: UserId) -> Result<bool, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT 1 FROM meeting_refusals WHERE conversation_id = $1 AND user_id = $2",
                &[&i(conv), &user],
            )?
            .is_some())
    }

    fn refuse(&mut self, conv: ConversationId, user: UserId) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO meeting_refusals (conversation_id, user_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
            &[&i(conv), &user],
        )?;
        Ok(())
    }

    fn delete_external_guest(&mut self, guest: u64) -> Result<Option<ConversationId>, StoreError> {
        Ok(self
            .db
            .opt(
                "DELETE FROM meeting_guests WHERE id = $1 AND user_id IS NULL \
                 RETURNING conversation_id",
                &[&i(guest)],
            )?
            .map(|r| u(&r, 0)))
    }

    fn delete_external_guests(&mut self) -> Result<Vec<ConversationId>, StoreError> {
        // Only this node's: the other nodes' guests are still connected to them.
        Ok(self
            .db
            .all(
                "DELETE FROM meeting_guests WHERE user_id IS NULL AND node = $1 \
                 RETURNING conversation_id",
                &[&self.node],
            )?
            .iter()
            .map(|r| u(r, 0))
            .collect())
    }

    fn link_target(&mut self, link: &str) -> Result<Option<LinkTarget>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT id, COALESCE(name, ''), kind, lobby FROM conversations \
                 WHERE link_token = $1",
                &[&link],
            )?
            .map(|r| LinkTarget {
                conversation: u(&r, 0),
                name: r.get(1),
                kind: Kind::from_stored(r.get(2)),
                lobby: r.get(3),
            }))
    }

    fn user_names(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .db
            .all("SELECT name, display_name FROM users", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn add_scheduled(&mut self, m: NewScheduled<'_>) -> Result<u64, StoreError> {
        let row = self.db.one(
            "INSERT INTO scheduled_meetings (conversation_id, title, starts_at, minutes, \
             organizer_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &i(m.conversation),
                &m.title,
                &m.starts_at,
                &i64::from(m.minutes),
                &m.organizer,
            ],
        )?;
        Ok(u(&row, 0))
    }

    fn scheduled(&mut self, id: u64) -> Result<Option<ScheduledMeeting>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT s.id, s.conversation_id, COALESCE(c.name, ''), s.title, s.starts_at, \
                 s.minutes, u.name FROM scheduled_meetings s \
                 JOIN conversations c ON c.id = s.conversation_id \
                 JOIN users u ON u.id = s.organizer_id WHERE s.id = $1",
                &[&i(id)],
            )?
            .as_ref()
            .map(scheduled_from_row))
    }

    fn delete_scheduled(&mut self, id: u64) -> Result<(), StoreError> {
        self.db
            .exec("DELETE FROM scheduled_meetings WHERE id = $1", &[&i(id)])?;
        Ok(())
    }

    fn notify_guest(&mut self, connection: u64, update: GuestUpdate) {
        self.guest_notices.push(GuestNotice { connection, update });
    }
}

impl UserLookup for Appender<'_, '_> {
    fn lookup_user(&mut self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.db.user_named(name)
    }
}

impl AliasReads for Appender<'_, '_> {
    fn alias_side(&mut self, conv: ConversationId) -> Result<Option<AliasSide>, StoreError> {
        self.db.alias_side(conv)
    }
}

/// The PostgreSQL side of the alias rules.
impl AliasRepo for Appender<'_, '_> {
    fn alias_named(&mut self, name: &str) -> Result<Option<Alias>, StoreError> {
        Ok(self
            .db
            .opt(
                &format!("SELECT {ALIAS_COLUMNS} FROM aliases WHERE lower(name) = lower($1)"),
                &[&name],
            )?
            .map(|r| alias_from_row(&r)))
    }

    fn insert_alias(
        &mut self,
        name: &str,
        display_name: &str,
        show_members: bool,
        at: i64,
    ) -> Result<AliasId, StoreError> {
        Ok(self
            .db
            .one(
                "INSERT INTO aliases (name, display_name, show_members, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[&name, &display_name, &show_members, &at],
            )?
            .get(0))
    }

    fn delete_alias(&mut self, alias: AliasId) -> Result<(), StoreError> {
        self.db
            .exec("DELETE FROM alias_members WHERE alias_id = $1", &[&alias])?;
        self.db
            .exec("DELETE FROM aliases WHERE id = $1", &[&alias])?;
        Ok(())
    }

    fn alias_member_ids(&mut self, alias: AliasId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .db
            .all(
                "SELECT user_id FROM alias_members WHERE alias_id = $1 ORDER BY user_id",
                &[&alias],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn set_alias_member(
        &mut self,
        alias: AliasId,
        user: UserId,
        member: bool,
    ) -> Result<bool, StoreError> {
        let changed = if member {
            self.db.exec(
                "INSERT INTO alias_members (alias_id, user_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
                &[&alias, &user],
            )?
        } else {
            self.db.exec(
                "DELETE FROM alias_members WHERE alias_id = $1 AND user_id = $2",
                &[&alias, &user],
            )?
        };
        Ok(changed > 0)
    }

    fn alias_conversations(
        &mut self,
        alias: AliasId,
    ) -> Result<Vec<(ConversationId, UserId)>, StoreError> {
        Ok(self
            .db
            .all(
                "SELECT id, alias_writer FROM conversations WHERE alias_id = $1 ORDER BY id",
                &[&alias],
            )?
            .iter()
            .map(|r| (u(r, 0), r.get(1)))
            .collect())
    }

    fn alias_conversation(
        &mut self,
        alias: AliasId,
        writer: UserId,
    ) -> Result<Option<ConversationId>, StoreError> {
        Ok(self
            .db
            .opt(
                "SELECT id FROM conversations WHERE alias_id = $1 AND alias_writer = $2",
                &[&alias, &writer],
            )?
            .map(|r| u(&r, 0)))
    }
}

impl AccountRepo for Appender<'_, '_> {
    fn alias_name_taken(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .one(
                "SELECT EXISTS (SELECT 1 FROM aliases WHERE lower(name) = lower($1))",
                &[&name],
            )?
            .get(0))
    }

    fn insert_user(&mut self, u: NewUser<'_>, at: i64) -> Result<UserId, StoreError> {
        Ok(self
            .db
            .one(
                "INSERT INTO users (name, display_name, email, password_hash, created_at, \
                 sort_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &u.name,
                    &u.display_name,
                    &u.email,
                    &u.password_hash,
                    &at,
                    &u.sort_key,
                ],
            )?
            .get(0))
    }

    fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[&hash, &user],
        )?;
        Ok(())
    }

    fn set_disabled(&mut self, user: UserId) -> Result<(), StoreError> {
        self.db
            .exec("UPDATE users SET disabled = TRUE WHERE id = $1", &[&user])?;
        Ok(())
    }

    fn revoke_sessions_of(&mut self, user: UserId) -> Result<(), StoreError> {
        // Each revocation takes a new mark (the stream lock serializes writers), so every node
        // polling `revoked_since` sees it.
        self.db.exec(
            "UPDATE sessions SET revoked = (SELECT COALESCE(MAX(revoked), 0) + 1 FROM sessions) \
             WHERE user_id = $1 AND revoked = 0",
            &[&user],
        )?;
        Ok(())
    }

    fn revoke_session(&mut self, session: i64) -> Result<(), StoreError> {
        self.db.exec(
            "UPDATE sessions SET revoked = (SELECT COALESCE(MAX(revoked), 0) + 1 FROM sessions) \
             WHERE id = $1 AND revoked = 0",
            &[&session],
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
        Ok(self
            .db
            .one(
                "INSERT INTO sessions (user_id, token_hash, device, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[&user, &token_hash, &device, &at],
            )?
            .get(0))
    }
}

impl Store for PgStore {
    fn write(&self, ops: Vec<WriteOp>) -> Result<Batch, StoreError> {
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            // The database went away and came back: a new connection, a new statement cache.
            *guard = Some(PgConn::connect(&self.url)?);
        }
        let conn = guard.as_mut().ok_or(StoreError::Closed)?;
        let mut tx = conn.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&STREAM_LOCK])?;
        // Under the lock: the newest position of the transactions committed before this one.
        let after = u(
            &tx.query_one("SELECT COALESCE(MAX(position), 0)::BIGINT FROM stream", &[])?,
            0,
        );
        let now = (self.clock)();
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            // A savepoint per op: a refused op leaves no trace and does not undo the others.
            tx.batch_execute("SAVEPOINT op")?;
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut out = Appender {
                    db: Db {
                        c: &mut tx,
                        statements: &mut conn.statements,
                    },
                    node: &self.node,
                    published: Vec::new(),
                    guest_notices: Vec::new(),
                };
                let outcome = crate::domain::apply(&mut out, op, now)?;
                Ok(Committed {
                    outcome,
                    published: out.published,
                    guest_notices: out.guest_notices,
                })
            }))
            .unwrap_or_else(|panic| Err(StoreError::Fault(panic_text(&panic))));
            match applied {
                Ok(c) => {
                    tx.batch_execute("RELEASE op")?;
                    results.push(Ok(c));
                }
                Err(e) => {
                    tx.batch_execute("ROLLBACK TO op; RELEASE op")?;
                    results.push(Err(e));
                }
            }
        }
        tx.commit()?;
        Ok(Batch { after, results })
    }

    fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|db| db.user_named(name))
    }

    fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|db| db.user_where("id = $1", &id))
    }

    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.with_reader(|db| {
            Ok(db
                .all(
                    &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"),
                    &[],
                )?
                .iter()
                .map(user_from_row)
                .collect())
        })
    }

    fn session_by_token_hash(&self, hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        self.with_reader(|db| {
            let Some(row) = db.opt(
                "SELECT id, user_id FROM sessions WHERE token_hash = $1 AND revoked = 0",
                &[&hash],
            )?
            else {
                return Ok(None);
            };
            let (id, user_id): (i64, UserId) = (row.get(0), row.get(1));
            Ok(db
                .user_where("id = $1", &user_id)?
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
        let pattern = super::contains_pattern(query);
        self.with_reader(|db| {
            // Byte order ("C") on the stored key and the lower-cased ASCII name: the same order
            // as SQLite's.
            let start: Option<(String, String)> = match after {
                None => None,
                Some(name) => Some(
                    db.opt(
                        "SELECT sort_key, name FROM users WHERE lower(name) = lower($1)",
                        &[&name],
                    )?
                    .map(|r| (r.get(0), r.get(1)))
                    .ok_or_else(|| {
                        StoreError::NotFound(Reason::NoSuchUser {
                            name: name.to_owned(),
                        })
                    })?,
                ),
            };
            let (key, name) = start.unzip();
            Ok(db
                .all(
                    &format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE NOT disabled AND \
                         (name ILIKE $1 ESCAPE '\\' OR display_name ILIKE $1 ESCAPE '\\') \
                         AND ($3::text IS NULL OR (sort_key COLLATE \"C\", lower(name) COLLATE \"C\") \
                         > ($3::text COLLATE \"C\", lower($4::text) COLLATE \"C\")) \
                         ORDER BY sort_key COLLATE \"C\", lower(name) COLLATE \"C\" LIMIT $2"
                    ),
                    &[&pattern, &i64::from(limit), &key, &name],
                )?
                .iter()
                .map(user_from_row)
                .collect())
        })
    }

    fn search_aliases(&self, query: &str) -> Result<Vec<confer_proto::AliasInfo>, StoreError> {
        let pattern = super::contains_pattern(query);
        self.with_reader(|db| {
            Ok(db
                .all(
                    "SELECT name, display_name FROM aliases WHERE \
                     name ILIKE $1 ESCAPE '\\' OR display_name ILIKE $1 ESCAPE '\\' \
                     ORDER BY lower(display_name) COLLATE \"C\", lower(name) COLLATE \"C\"",
                    &[&pattern],
                )?
                .iter()
                .map(|r| confer_proto::AliasInfo {
                    name: r.get(0),
                    display_name: r.get(1),
                    writer: None,
                })
                .collect())
        })
    }

    fn aliases(&self) -> Result<Vec<super::AliasListing>, StoreError> {
        self.with_reader(|db| {
            let rows = db
                .all(
                    "SELECT a.name, a.display_name, a.show_members, u.name FROM aliases a \
                     LEFT JOIN alias_members m ON m.alias_id = a.id \
                     LEFT JOIN users u ON u.id = m.user_id \
                     ORDER BY lower(a.name) COLLATE \"C\", lower(u.name) COLLATE \"C\"",
                    &[],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                .collect();
            Ok(super::group_alias_rows(rows))
        })
    }

    fn conversations(&self, user: UserId) -> Result<Vec<ConversationSummary>, StoreError> {
        self.with_reader(|db| views::conversations(db, user))
    }

    fn conversation(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationSummary, StoreError> {
        self.with_reader(|db| views::summary(db, user, conversation))
    }

    fn check_history_mail(
        &self,
        user: UserId,
        conversation: ConversationId,
        per_hour: u32,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.with_reader(|db| {
            let standing = db.standing_of(conversation, user)?;
            conversations::check_history_mail(db, standing, user, conversation, per_hour, now_ms)
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
        self.with_reader(|db| views::history(db, user, conversation, before, limit, now_ms))
    }

    fn changes_since(
        &self,
        user: UserId,
        since: u64,
        limit: u32,
    ) -> Result<ChangesPage, StoreError> {
        self.with_reader(|db| views::changes_since(db, user, since, limit))
    }

    fn revoked_since(&self, after: i64) -> Result<(Vec<i64>, i64), StoreError> {
        self.with_reader(|db| {
            let rows = db.all(
                "SELECT id, revoked FROM sessions WHERE revoked > $1 ORDER BY revoked",
                &[&after],
            )?;
            let mark = rows.last().map_or(after, |r| r.get(1));
            Ok((rows.iter().map(|r| r.get(0)).collect(), mark))
        })
    }

    fn max_position(&self) -> Result<u64, StoreError> {
        self.with_reader(|db| {
            Ok(u(
                &db.one("SELECT COALESCE(MAX(position), 0)::BIGINT FROM stream", &[])?,
                0,
            ))
        })
    }

    fn favourites(&self, user: UserId) -> Result<(Vec<Favourite>, Vec<Favourite>), StoreError> {
        self.with_reader(|db| {
            let mut load = |sql: &str| -> Result<Vec<Favourite>, StoreError> {
                Ok(db
                    .all(sql, &[&user])?
                    .iter()
                    .map(|r| Favourite {
                        owner: r.get(0),
                        target: r.get(1),
                        state: fav_state_from_str(r.get(2)),
                    })
                    .collect())
            };
            let outgoing = load(
                "SELECT o.name, t.name, f.state FROM favourites f \
                 JOIN users o ON o.id = f.owner_id JOIN users t ON t.id = f.target_id \
                 WHERE f.owner_id = $1 ORDER BY t.name",
            )?;
            let incoming = load(
                "SELECT o.name, t.name, f.state FROM favourites f \
                 JOIN users o ON o.id = f.owner_id JOIN users t ON t.id = f.target_id \
                 WHERE f.target_id = $1 AND f.state = 'pending' ORDER BY o.name",
            )?;
            Ok((outgoing, incoming))
        })
    }

    fn meetings(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> Result<(Vec<OngoingMeeting>, Vec<ScheduledMeeting>), StoreError> {
        self.with_reader(|db| views::meetings(db, user, now_ms))
    }

    fn ongoing_meeting(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<OngoingMeeting>, StoreError> {
        self.with_reader(|db| views::ongoing_meeting(db, conversation))
    }

    fn media_host(&self, conversation: ConversationId) -> Result<Option<String>, StoreError> {
        self.with_reader(|db| db.media_host(conversation))
    }

    fn room_link(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<(String, String), StoreError> {
        self.with_reader(|db| {
            views::may_read_link(db, user, conversation)?;
            let r = db.one(
                "SELECT COALESCE(name, ''), link_token FROM conversations WHERE id = $1",
                &[&i(conversation)],
            )?;
            Ok((r.get(0), r.get(1)))
        })
    }

    fn call_members(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<String>, StoreError> {
        self.with_reader(|db| views::call_members(db, user, conversation))
    }

    fn resolve_link(&self, link: &str) -> Result<(ConversationId, String), StoreError> {
        self.with_reader(|db| {
            db.opt(
                "SELECT id, COALESCE(name, '') FROM conversations WHERE link_token = $1",
                &[&link],
            )?
            .map(|r| (u(&r, 0), r.get(1)))
            .ok_or(StoreError::NotFound(Reason::LinkUnknown))
        })
    }

    fn connection_base(&self) -> u64 {
        self.node_number << 40
    }

    fn stream_since(&self, after: u64, limit: u32) -> Result<Vec<Published>, StoreError> {
        self.with_reader(|db| views::stream_since(db, after, limit))
    }

    fn typing_recipients(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        self.with_reader(|db| views::typing_recipients(db, user, conversation))
    }

    fn search_messages(
        &self,
        user: UserId,
        search: &MessageSearch,
    ) -> Result<MessagesPage, StoreError> {
        self.with_reader(|db| views::search_messages(db, user, search))
    }

    fn upload(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError> {
        self.with_reader(|db| files::upload_for(db, user, id))
    }

    fn file(&self, user: UserId, id: &str) -> Result<FileRecord, StoreError> {
        self.with_reader(|db| files::file_for(db, user, id))
    }

    fn files(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<confer_proto::SharedFile>, StoreError> {
        self.with_reader(|db| files::files(db, user, conversation))
    }

    fn presence_watchers(&self, target: UserId) -> Result<Vec<UserId>, StoreError> {
        self.with_reader(|db| {
            Ok(db
                .all(
                    "SELECT owner_id FROM favourites WHERE target_id = $1 AND state = 'accepted'",
                    &[&target],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }
}

// ---- Shared files.

const FILE_COLUMNS: &str = "f.id, f.conversation_id, f.uploader_id, f.name, f.mime, f.size, \
     f.content, f.created_at, f.seq, f.thumbnail, f.thumbnail_mime, f.width, f.height";

fn file_from_row(r: &Row) -> FileRecord {
    let thumbnail: Option<String> = r.get(9);
    let thumbnail_mime: Option<String> = r.get(10);
    let width: Option<i32> = r.get(11);
    let height: Option<i32> = r.get(12);
    let side = |v: Option<i32>| v.map(|v| u32::try_from(v).unwrap_or(0));
    FileRecord {
        id: r.get(0),
        conversation: u(r, 1),
        uploader: r.get(2),
        name: r.get(3),
        mime: r.get(4),
        size: u(r, 5),
        content: r.get(6),
        created_at: r.get(7),
        seq: u_opt(r, 8),
        thumbnail: thumbnail.zip(thumbnail_mime),
        dimensions: side(width).zip(side(height)),
    }
}

impl<C: GenericClient> Db<'_, C> {
    /// A file by id; a finished one whose message was deleted (or is gone) is not found.
    fn file_row(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        Ok(self
            .opt(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM files f WHERE f.id = $1 AND (f.seq IS NULL OR \
                     EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = f.conversation_id \
                     AND m.seq = f.seq AND m.deleted_at IS NULL))"
                ),
                &[&id],
            )?
            .as_ref()
            .map(file_from_row))
    }
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
            .db
            .opt(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM files f WHERE f.uploader_id = $1 \
                     AND f.conversation_id = $2 AND f.content = $3 AND f.size = $4 \
                     AND ($3 <> '' OR f.name = $5) AND f.seq IS NULL \
                     ORDER BY f.created_at DESC LIMIT 1"
                ),
                &[&user, &i(conv), &content, &i(size), &name],
            )?
            .as_ref()
            .map(file_from_row))
    }

    fn bytes_held(&mut self, user: UserId) -> Result<u64, StoreError> {
        let row = self.db.one(
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM files WHERE uploader_id = $1",
            &[&user],
        )?;
        Ok(u(&row, 0))
    }

    fn insert_file(&mut self, f: &FileRecord) -> Result<(), StoreError> {
        self.db.exec(
            "INSERT INTO files (id, conversation_id, uploader_id, name, mime, size, content, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &f.id,
                &i(f.conversation),
                &f.uploader,
                &f.name,
                &f.mime,
                &i(f.size),
                &f.content,
                &f.created_at,
            ],
        )?;
        Ok(())
    }

    fn file_record(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        self.db.file_row(id)
    }

    fn finish_file(&mut self, id: &str, seq: u64, done: &Finished) -> Result<(), StoreError> {
        let (thumbnail, thumbnail_mime) = done.thumbnail.clone().unzip();
        let side = |v: Option<u32>| v.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
        let (width, height) = done.dimensions.unzip();
        self.db.exec(
            "UPDATE files SET seq = $2, mime = $3, thumbnail = $4, thumbnail_mime = $5, \
             width = $6, height = $7, content = $8 WHERE id = $1",
            &[
                &id,
                &i(seq),
                &done.mime,
                &thumbnail,
                &thumbnail_mime,
                &side(width),
                &side(height),
                &done.content,
            ],
        )?;
        Ok(())
    }

    fn delete_file(&mut self, id: &str) -> Result<(), StoreError> {
        self.db.exec("DELETE FROM files WHERE id = $1", &[&id])?;
        Ok(())
    }
}

impl<C: GenericClient> FileReads for Db<'_, C> {
    fn file_standing(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Standing, StoreError> {
        self.standing(conv, user)
    }

    fn file_cursors(
        &mut self,
        conv: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError> {
        self.member_cursors(conv, user)
    }

    fn file_by_id(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError> {
        self.file_row(id)
    }

    fn files_after(
        &mut self,
        conv: ConversationId,
        after: u64,
    ) -> Result<Vec<(FileRecord, String, i64)>, StoreError> {
        Ok(self
            .all(
                &format!(
                    "SELECT {FILE_COLUMNS}, u.name, m.sent_at FROM files f \
                     JOIN messages m ON m.conversation_id = f.conversation_id AND m.seq = f.seq \
                     JOIN users u ON u.id = f.uploader_id \
                     WHERE f.conversation_id = $1 AND f.seq > $2 AND m.deleted_at IS NULL \
                     ORDER BY f.seq DESC LIMIT 500"
                ),
                &[&i(conv), &i(after)],
            )?
            .iter()
            .map(|r| (file_from_row(r), r.get(13), r.get(14)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A store on a fresh database of the tests' shared PostgreSQL cluster.
    fn make_store(_dir: &Path, clock: Clock) -> PgStore {
        let url = confer_testkit::PostgresServer::shared()
            .and_then(|pg| pg.fresh_database("conformance"))
            .expect("a test database on the shared PostgreSQL cluster");
        PgStore::open(&url, "test-node", clock).expect("the PostgreSQL store opens")
    }

    store_conformance_tests!(make_store);
}
