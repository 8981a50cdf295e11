//! The local cache: one SQLite file per profile. Everything the UI shows is read from here;
//! network events are written here first. The outbox lives in the same file, so a message is
//! shown (as pending) in the same transaction that queues it.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use confer_proto::{
    Change, ConversationInfo, ConversationSummary, ErrorBody, ErrorCode, Favourite, FavouriteState,
    Message, MessageKind, Presence, PresenceStatus, Reaction, Reason, SendAck, TickState,
    UserSettings,
};
use rusqlite::{Connection, OptionalExtension, Transaction, functions::FunctionFlags, params};
use serde::Serialize;
use ts_rs::TS;

use crate::CoreError;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_groups.sql"),
    include_str!("../migrations/003_rooms.sql"),
    include_str!("../migrations/004_lobby.sql"),
    include_str!("../migrations/005_drafts.sql"),
    include_str!("../migrations/006_aliases.sql"),
    include_str!("../migrations/007_message_changes.sql"),
    include_str!("../migrations/008_local_search.sql"),
    include_str!("../migrations/009_search_by_time.sql"),
    include_str!("../migrations/010_previews.sql"),
];

/// A message as the cache holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CachedMessage {
    /// Local row id (stable for pending messages, which have no seq yet).
    #[ts(type = "number")]
    pub local_id: i64,
    /// Conversation id.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Server sequence number; `None` while pending.
    #[ts(type = "number | null")]
    pub seq: Option<u64>,
    /// Client-generated id.
    pub client_id: String,
    /// Sender's name.
    pub sender: String,
    /// Text.
    pub text: String,
    /// Server time (local time while pending), ms since the epoch.
    #[ts(type = "number")]
    pub sent_at: i64,
    /// Ticks (meaningful on one's own messages).
    pub state: TickState,
    /// Why the server refused it, for a message that will not be sent.
    pub error: Option<ErrorBody>,
    /// A text, or a member joining or leaving a group.
    #[serde(skip_serializing_if = "MessageKind::is_text")]
    #[ts(as = "Option<MessageKind>", optional)]
    pub kind: MessageKind,
    /// Last edit, ms since the epoch ("edited").
    #[ts(type = "number | null")]
    pub edited_at: Option<i64>,
    /// Deleted by its sender ("Message deleted").
    pub deleted: bool,
    /// The message it answers (its seq).
    #[ts(type = "number | null")]
    pub reply_to: Option<u64>,
    /// Reactions, first used first.
    pub reactions: Vec<Reaction>,
    /// Members it names.
    pub mentions: Vec<String>,
    /// The server's version of it (higher is newer).
    #[ts(type = "number")]
    pub version: u64,
    /// The card of its first link, fetched by the server.
    pub preview: Option<Box<confer_proto::LinkPreview>>,
}

/// An edit, deletion or reaction made here, waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxOp {
    /// Its id (sent in this order).
    pub id: i64,
    /// The conversation.
    pub conversation: u64,
    /// The message.
    pub seq: u64,
    /// What to do.
    pub kind: OpKind,
}

/// What an [`OutboxOp`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    /// Replace the text.
    Edit(String),
    /// Delete the message.
    Delete,
    /// Add (true) or take back a reaction.
    React(String, bool),
}

/// An invitation to a group, waiting for an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Invitation {
    /// The group.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Its name.
    pub name: Option<String>,
    /// Who invited.
    pub inviter: String,
    /// Its members when the invitation came.
    pub members: Vec<String>,
}

/// A conversation row for the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConversationView {
    /// Id, kind and members.
    pub info: ConversationInfo,
    /// The newest visible message (pending ones included).
    pub last_message: Option<CachedMessage>,
    /// Unread messages from others.
    pub unread: u32,
    /// Muted.
    pub muted: bool,
    /// Last activity, for ordering (ms).
    #[ts(type = "number")]
    pub last_activity: i64,
    /// Hidden from the list by the user until its next message.
    pub hidden: bool,
}

/// Unread totals per tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct UnreadTotals {
    /// Chats tab (direct conversations and groups).
    pub chats: u32,
    /// Virtual Rooms tab.
    pub rooms: u32,
}

impl UnreadTotals {
    /// Both tabs together (the tray badge).
    pub fn total(&self) -> u32 {
        self.chats + self.rooms
    }
}

/// A queued message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Local row id.
    pub local_id: i64,
    /// Conversation id.
    pub conversation: u64,
    /// Client id.
    pub client_id: String,
    /// Text.
    pub text: String,
    /// The message it answers.
    pub reply_to: Option<u64>,
}

/// What applying a batch of changes did, for notifications and subscriptions.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Applied {
    /// Messages stored for the first time.
    pub new_messages: Vec<Message>,
    /// Own pending messages that the stream confirmed.
    pub confirmed: Vec<Message>,
    /// Cached messages that changed (edited, deleted, reacted to): (conversation, seq).
    pub changed: Vec<(u64, u64)>,
    /// Conversations whose ticks moved.
    pub ticks: Vec<(u64, u64, u64)>,
    /// Conversations whose read cursor moved: (conversation, read_through, unread).
    pub read_cursors: Vec<(u64, u64, u32)>,
    /// Conversations added or changed.
    pub conversations: Vec<u64>,
    /// New settings.
    pub settings: Option<UserSettings>,
    /// Favourites that changed.
    pub favourites: Vec<Favourite>,
    /// Invitations came or ended.
    pub invitations: bool,
    /// Rooms whose meeting or calendar changed, with why the user's guest access ended when
    /// it did.
    pub meetings: Vec<(u64, Option<Reason>)>,
}

/// The cache. Calls block: run them off the async runtime ([`Cache::run`]).
#[derive(Clone)]
pub struct Cache {
    conn: Arc<Mutex<Connection>>,
}

fn db(e: rusqlite::Error) -> CoreError {
    CoreError::Cache(e.to_string())
}

impl Cache {
    /// Opens (creating) the cache file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, CoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::Cache(format!("{}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
        // The search index's triggers call it, so it exists before any migration runs.
        conn.create_scalar_function(
            "confer_terms",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let text: String = ctx.get(0)?;
                Ok(crate::search::index_terms(&text))
            },
        )
        .map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        let current: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        if current > MIGRATIONS.len() {
            return Err(CoreError::Cache(format!(
                "cache schema {current} is newer than this client knows ({})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
            let tx = conn.transaction().map_err(db)?;
            tx.execute_batch(sql).map_err(db)?;
            tx.pragma_update(None, "user_version", i + 1).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Cache) -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| CoreError::Cache(format!("cache task failed: {e}")))?
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, CoreError> {
        let mut conn = self.conn.lock().expect("cache poisoned");
        f(&mut conn).map_err(db)
    }

    /// A stored setting.
    pub fn get(&self, key: &str) -> Result<Option<String>, CoreError> {
        self.with(|c| {
            c.query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
    }

    /// Stores a setting.
    pub fn set(&self, key: &str, value: &str) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
        })
    }

    /// What the user was writing in a conversation, if anything.
    pub fn draft(&self, conversation: u64) -> Result<Option<String>, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT text FROM drafts WHERE conversation_id = ?1",
                [conversation],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Keeps the draft of a conversation; a blank one is dropped.
    pub fn set_draft(&self, conversation: u64, text: &str, at: i64) -> Result<(), CoreError> {
        self.with(|c| {
            if text.trim().is_empty() {
                c.execute(
                    "DELETE FROM drafts WHERE conversation_id = ?1",
                    [conversation],
                )
            } else {
                c.execute(
                    "INSERT INTO drafts (conversation_id, text, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(conversation_id) DO UPDATE SET text = excluded.text, \
                     updated_at = excluded.updated_at",
                    params![conversation, text, at],
                )
            }
            .map(|_| ())
        })
    }

    /// The last stream position applied.
    pub fn sync_cursor(&self) -> Result<u64, CoreError> {
        Ok(self
            .get("sync_cursor")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Raises the sync cursor (never lowers it).
    pub fn advance_cursor(&self, position: u64) -> Result<(), CoreError> {
        if position > self.sync_cursor()? {
            self.set("sync_cursor", &position.to_string())?;
        }
        Ok(())
    }

    /// The user's settings as last synced.
    pub fn settings(&self) -> Result<UserSettings, CoreError> {
        Ok(self
            .get("settings")?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    /// Stores the user's settings.
    pub fn set_settings(&self, settings: &UserSettings) -> Result<(), CoreError> {
        self.set(
            "settings",
            &serde_json::to_string(settings).expect("settings serialise"),
        )
    }

    /// This device's settings.
    pub fn device_settings(&self) -> Result<crate::DeviceSettings, CoreError> {
        Ok(self
            .get("device_settings")?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    /// Stores this device's settings.
    pub fn set_device_settings(&self, settings: &crate::DeviceSettings) -> Result<(), CoreError> {
        self.set(
            "device_settings",
            &serde_json::to_string(settings).expect("settings serialise"),
        )
    }

    /// Writes a message as pending and queues it, in one transaction.
    pub fn enqueue(
        &self,
        conversation: u64,
        sender: &str,
        text: &str,
        reply_to: Option<u64>,
        now: i64,
    ) -> Result<CachedMessage, CoreError> {
        let client_id = uuid::Uuid::new_v4().to_string();
        let local_id = self.with(|c| {
            let tx = c.transaction()?;
            let known: bool =
                tx.query_row("SELECT 1 FROM conversations WHERE id = ?1", [conversation], |_| Ok(true)).optional()?.unwrap_or(false);
            if !known {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO messages (conversation_id, seq, client_id, sender, body, sent_at, reply_to) \
                 VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6)",
                params![conversation, client_id, sender, text, now, reply_to],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute("INSERT INTO outbox (local_id) VALUES (?1)", [id])?;
            tx.commit()?;
            Ok(Some(id))
        })?;
        let local_id = local_id.ok_or_else(|| {
            CoreError::NotFound(
                crate::i18n::Sentence::NoConversationInCache { conversation }.into(),
            )
        })?;
        Ok(CachedMessage {
            local_id,
            conversation,
            seq: None,
            client_id,
            sender: sender.to_owned(),
            text: text.to_owned(),
            sent_at: now,
            state: TickState::Pending,
            error: None,
            kind: MessageKind::Text,
            edited_at: None,
            deleted: false,
            reply_to,
            reactions: Vec::new(),
            mentions: Vec::new(),
            version: 0,
            preview: None,
        })
    }

    /// Edits one's own message. Still pending: in place (the queued send carries the new
    /// text, no "edited" mark); sent: shown at once and queued for the server. Returns the
    /// queued op's id, if one was queued.
    pub fn edit(
        &self,
        local_id: i64,
        text: &str,
        me: &str,
        now: i64,
    ) -> Result<Option<i64>, CoreError> {
        let row = self.own_living(local_id, me)?;
        self.with(|c| {
            let tx = c.transaction()?;
            let op = match row.seq {
                None => {
                    tx.execute(
                        "UPDATE messages SET body = ?2, local_change = 1 WHERE local_id = ?1",
                        params![local_id, text],
                    )?;
                    None
                }
                Some(seq) => {
                    tx.execute(
                        "UPDATE messages SET body = ?2, edited_at = ?3 WHERE local_id = ?1",
                        params![local_id, text, now],
                    )?;
                    tx.execute(
                        "INSERT INTO outbox_ops (conversation_id, local_id, seq, op, text) \
                         VALUES (?1, ?2, ?3, 'edit', ?4)",
                        params![row.conversation, local_id, seq, text],
                    )?;
                    Some(tx.last_insert_rowid())
                }
            };
            tx.commit()?;
            Ok(op)
        })
    }

    /// Deletes one's own message. Still pending: it leaves the outbox and is never sent
    /// (unless it is already on its way, then the deletion follows the ack); sent: shown
    /// deleted at once and queued for the server. Returns the queued op's id, if any.
    pub fn delete(&self, local_id: i64, me: &str) -> Result<Option<i64>, CoreError> {
        let row = self.own_living(local_id, me)?;
        self.with(|c| {
            let tx = c.transaction()?;
            let op = match row.seq {
                None => {
                    tx.execute("DELETE FROM outbox WHERE local_id = ?1", [local_id])?;
                    tx.execute(
                        "UPDATE messages SET body = '', deleted = 1, local_change = 2 \
                         WHERE local_id = ?1",
                        [local_id],
                    )?;
                    None
                }
                Some(seq) => {
                    tx.execute(
                        "UPDATE messages SET body = '', deleted = 1, reactions = '[]', \
                         mentions = '[]' WHERE local_id = ?1",
                        [local_id],
                    )?;
                    tx.execute(
                        "INSERT INTO outbox_ops (conversation_id, local_id, seq, op) \
                         VALUES (?1, ?2, ?3, 'delete')",
                        params![row.conversation, local_id, seq],
                    )?;
                    Some(tx.last_insert_rowid())
                }
            };
            tx.commit()?;
            Ok(op)
        })
    }

    /// Adds (`on`) or takes back a reaction to message `seq`: shown at once when the message
    /// is cached, and queued for the server. Returns the op's id.
    pub fn react(
        &self,
        conversation: u64,
        seq: u64,
        emoji: &str,
        on: bool,
        me: &str,
    ) -> Result<i64, CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let cached: Option<(i64, String)> = tx
                .query_row(
                    "SELECT local_id, reactions FROM messages WHERE conversation_id = ?1 AND seq = ?2",
                    params![conversation, seq],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let mut local_id = None;
            if let Some((id, json)) = cached {
                local_id = Some(id);
                let mut reactions: Vec<Reaction> = serde_json::from_str(&json).unwrap_or_default();
                toggle_reaction(&mut reactions, emoji, me, on);
                tx.execute(
                    "UPDATE messages SET reactions = ?2 WHERE local_id = ?1",
                    params![id, serde_json::to_string(&reactions).expect("reactions serialise")],
                )?;
            }
            tx.execute(
                "INSERT INTO outbox_ops (conversation_id, local_id, seq, op, emoji) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![conversation, local_id, seq, if on { "react" } else { "unreact" }, emoji],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })
    }

    /// One's own message, a text not deleted; else the refusal the server would give.
    fn own_living(&self, local_id: i64, me: &str) -> Result<CachedMessage, CoreError> {
        let message = self.message(local_id, me)?.ok_or_else(|| {
            CoreError::NotFound(
                crate::i18n::Sentence::NoSuchMessage {
                    reference: local_id.to_string(),
                }
                .into(),
            )
        })?;
        let (conversation, seq) = (message.conversation, message.seq.unwrap_or(0));
        let refuse = |reason| {
            Err(CoreError::Refused(ErrorBody::new(
                ErrorCode::Forbidden,
                reason,
            )))
        };
        if message.sender != me {
            return refuse(Reason::SenderOnly { conversation, seq });
        }
        if message.kind != MessageKind::Text {
            return Err(CoreError::Refused(ErrorBody::new(
                ErrorCode::Invalid,
                Reason::NotATextMessage { conversation, seq },
            )));
        }
        if message.deleted {
            return Err(CoreError::Refused(ErrorBody::new(
                ErrorCode::Conflict,
                Reason::MessageDeleted { conversation, seq },
            )));
        }
        Ok(message)
    }

    /// At most `limit` queued ops whose message has a seq, oldest first.
    pub fn ops_ready(&self, limit: u32) -> Result<Vec<OutboxOp>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.id, o.conversation_id, coalesce(o.seq, m.seq), o.op, o.text, o.emoji \
                 FROM outbox_ops o LEFT JOIN messages m ON m.local_id = o.local_id \
                 WHERE o.error IS NULL AND coalesce(o.seq, m.seq) IS NOT NULL \
                 ORDER BY o.id LIMIT ?1",
            )?;
            stmt.query_map([limit], |r| {
                let op: String = r.get(3)?;
                let text: Option<String> = r.get(4)?;
                let emoji: Option<String> = r.get(5)?;
                Ok(OutboxOp {
                    id: r.get(0)?,
                    conversation: r.get(1)?,
                    seq: r.get(2)?,
                    kind: match op.as_str() {
                        "edit" => OpKind::Edit(text.unwrap_or_default()),
                        "delete" => OpKind::Delete,
                        other => OpKind::React(emoji.unwrap_or_default(), other == "react"),
                    },
                })
            })?
            .collect()
        })
    }

    /// The server took an op.
    pub fn op_done(&self, id: i64) -> Result<(), CoreError> {
        self.with(|c| {
            c.execute("DELETE FROM outbox_ops WHERE id = ?1", [id])
                .map(|_| ())
        })
    }

    /// The server refused an op for good: kept with why until [`Cache::op_outcome`] reads it.
    pub fn op_refused(&self, id: i64, refusal: &ErrorBody) -> Result<(), CoreError> {
        let refusal = serde_json::to_string(refusal).expect("refusals serialise");
        self.with(|c| {
            c.execute(
                "UPDATE outbox_ops SET error = ?2 WHERE id = ?1",
                params![id, refusal],
            )
            .map(|_| ())
        })
    }

    /// Where an op stands: `None` once done, `Some(None)` while queued, `Some(Some(why))`
    /// when refused (the row is then dropped: it was read).
    pub fn op_outcome(&self, id: i64) -> Result<Option<Option<ErrorBody>>, CoreError> {
        self.with(|c| {
            let row: Option<Option<String>> = c
                .query_row("SELECT error FROM outbox_ops WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(match row {
                None => None,
                Some(None) => Some(None),
                Some(Some(error)) => {
                    c.execute("DELETE FROM outbox_ops WHERE id = ?1", [id])?;
                    Some(Some(stored_refusal(&error)))
                }
            })
        })
    }

    /// Queued ops not yet refused.
    pub fn ops_len(&self) -> Result<usize, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM outbox_ops WHERE error IS NULL",
                [],
                |r| r.get(0),
            )
        })
    }

    /// Cached texts matching a search, newest first (see [`crate::search`]): works offline.
    /// Deleted, cleared and refused messages are not found; pending ones are.
    pub fn search(
        &self,
        query: &str,
        conversation: Option<u64>,
        limit: u32,
        me: &str,
    ) -> Result<Vec<CachedMessage>, CoreError> {
        let Some(expression) = crate::search::match_expression(query) else {
            return Ok(Vec::new());
        };
        let privacy = self.settings()?.privacy;
        self.with(|c| {
            let mut stmt = c.prepare_cached(&format!(
                // Newest first straight from the index (its keys are times, migration 009):
                // the search stops after one page, however common the word.
                "SELECT {MESSAGE_COLUMNS}, cv.delivered_through, cv.receipts_read_through \
                 FROM message_index s \
                 JOIN messages m ON m.search_key = s.rowid \
                 JOIN conversations cv ON cv.id = m.conversation_id \
                 WHERE message_index MATCH ?1 AND m.deleted = 0 AND m.error IS NULL \
                   AND (m.seq IS NULL OR m.seq > cv.cleared_through) \
                   AND (?2 IS NULL OR m.conversation_id = ?2) \
                 ORDER BY s.rowid DESC LIMIT ?3"
            ))?;
            stmt.query_map(params![expression, conversation, limit], |r| {
                let ticks = Ticks {
                    delivered: r.get(16)?,
                    read: r.get(17)?,
                    privacy,
                    me,
                };
                message_from_row(r, &ticks)
            })?
            .collect()
        })
    }

    /// A cached message by conversation and seq.
    pub fn local_id_at(&self, conversation: u64, seq: u64) -> Result<Option<i64>, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT local_id FROM messages WHERE conversation_id = ?1 AND seq = ?2",
                params![conversation, seq],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Local ids of messages with this client id, one's own first.
    pub fn local_ids_by_client_id(&self, client_id: &str, me: &str) -> Result<Vec<i64>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT local_id FROM messages WHERE client_id = ?1 ORDER BY sender != ?2, local_id",
            )?;
            stmt.query_map(params![client_id, me], |r| r.get(0))?.collect()
        })
    }

    /// Invitations waiting for an answer.
    pub fn invitations(&self) -> Result<Vec<Invitation>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT conversation, name, inviter, members FROM invitations ORDER BY conversation",
            )?;
            stmt.query_map([], |r| {
                let members: String = r.get(3)?;
                Ok(Invitation {
                    conversation: r.get(0)?,
                    name: r.get(1)?,
                    inviter: r.get(2)?,
                    members: serde_json::from_str(&members).unwrap_or_default(),
                })
            })?
            .collect()
        })
    }

    /// The outbox, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, CoreError> {
        self.outbox_after(0, u32::MAX)
    }

    /// At most `limit` outbox items queued after `after` (a local id), oldest first.
    pub fn outbox_after(&self, after: i64, limit: u32) -> Result<Vec<OutboxItem>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT m.local_id, m.conversation_id, m.client_id, m.body, m.reply_to FROM outbox o \
                 JOIN messages m ON m.local_id = o.local_id WHERE o.local_id > ?1 \
                 ORDER BY o.local_id LIMIT ?2",
            )?;
            stmt.query_map(params![after, limit], |r| {
                Ok(OutboxItem {
                    local_id: r.get(0)?,
                    conversation: r.get(1)?,
                    client_id: r.get(2)?,
                    text: r.get(3)?,
                    reply_to: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    /// Records the server's ack: the message gets its seq and leaves the outbox.
    pub fn acked(&self, local_id: i64, ack: &SendAck) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let confirmed = tx.execute(
                "UPDATE messages SET seq = ?2, sent_at = ?3 WHERE local_id = ?1 AND seq IS NULL",
                params![local_id, ack.seq, ack.sent_at],
            )?;
            tx.execute("DELETE FROM outbox WHERE local_id = ?1", [local_id])?;
            if confirmed > 0 {
                follow_local_change(&tx, local_id)?;
            }
            tx.commit()
        })
    }

    /// The server refused a queued message for good: it leaves the outbox, marked with why
    /// (the refusal as JSON).
    pub fn refused(&self, local_id: i64, refusal: &ErrorBody) -> Result<(), CoreError> {
        let refusal = serde_json::to_string(refusal).expect("refusals serialise");
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM outbox WHERE local_id = ?1", [local_id])?;
            tx.execute(
                "UPDATE messages SET error = ?2 WHERE local_id = ?1",
                params![local_id, refusal],
            )?;
            tx.commit()
        })
    }

    /// Applies changes from the server and advances the cursor, in one transaction.
    pub fn apply(&self, changes: &[(u64, Change)], me: &str) -> Result<Applied, CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let mut applied = Applied::default();
            let mut cursor: u64 =
                tx.query_row("SELECT value FROM kv WHERE key = 'sync_cursor'", [], |r| r.get::<_, String>(0))
                    .optional()?
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            for (position, change) in changes {
                if *position <= cursor {
                    continue;
                }
                apply_one(&tx, change, me, &mut applied)?;
                cursor = *position;
            }
            tx.execute(
                "INSERT INTO kv (key, value) VALUES ('sync_cursor', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [cursor.to_string()],
            )?;
            tx.commit()?;
            Ok(applied)
        })
    }

    /// Stores a conversation summary fetched from the server.
    pub fn upsert_summary(&self, s: &ConversationSummary) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            upsert_info(&tx, &s.info)?;
            tx.execute(
                "UPDATE conversations SET read_through = MAX(read_through, ?2), muted = ?3, \
                 cleared_through = MAX(cleared_through, ?4), hidden_through = ?5 WHERE id = ?1",
                params![
                    s.info.id,
                    s.read_through,
                    s.muted,
                    s.cleared_through,
                    s.hidden_through
                ],
            )?;
            tx.commit()
        })
    }

    /// Stores a page of history fetched from the server.
    pub fn insert_history(&self, messages: &[Message]) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for m in messages {
                insert_message(&tx, m)?;
            }
            tx.commit()
        })
    }

    /// Replaces presence with a snapshot (users absent from it are offline).
    pub fn presence_snapshot(&self, all: &[Presence]) -> Result<(), CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE presence SET status = 'offline', message = NULL, idle = 0",
                [],
            )?;
            for p in all {
                upsert_presence(&tx, p)?;
            }
            tx.commit()
        })
    }

    /// Applies a snapshot covering `users` only (the answer to `watch_presence`): those absent
    /// from it are offline; everyone else is left as is. Returns the presence of each of
    /// `users` that changed.
    pub fn presence_snapshot_of(
        &self,
        users: &[String],
        snapshot: &[Presence],
    ) -> Result<Vec<Presence>, CoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let mut changed = Vec::new();
            {
                let mut read = tx.prepare_cached(
                    "SELECT user, status, message, idle, last_seen FROM presence WHERE user = ?1",
                )?;
                for user in users {
                    let before = read
                        .query_row([user], |r| {
                            Ok(Presence {
                                user: r.get(0)?,
                                status: status_from_str(&r.get::<_, String>(1)?),
                                message: r.get(2)?,
                                idle: r.get(3)?,
                                last_seen: r.get(4)?,
                            })
                        })
                        .optional()?;
                    let after = match snapshot.iter().find(|p| p.user == *user) {
                        Some(p) => p.clone(),
                        // Offline (or hidden): keep the last-seen time already known.
                        None => match &before {
                            Some(b) => Presence {
                                status: PresenceStatus::Offline,
                                message: None,
                                idle: false,
                                ..b.clone()
                            },
                            None => continue,
                        },
                    };
                    if before.as_ref() != Some(&after) {
                        upsert_presence(&tx, &after)?;
                        changed.push(after);
                    }
                }
            }
            tx.commit()?;
            Ok(changed)
        })
    }

    /// Whose presence to watch: the other members of the conversations, the most recently
    /// active conversations first, at most `limit` names.
    pub fn watch_list(&self, me: &str, limit: usize) -> Result<Vec<String>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT c.members FROM conversations c \
                 ORDER BY COALESCE((SELECT MAX(sent_at) FROM messages m WHERE m.conversation_id = c.id), c.created_at) DESC",
            )?;
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for members in rows {
                let members: Vec<String> = serde_json::from_str(&members?).unwrap_or_default();
                for m in members {
                    if out.len() >= limit {
                        return Ok(out);
                    }
                    if !m.eq_ignore_ascii_case(me) && seen.insert(m.clone()) {
                        out.push(m);
                    }
                }
            }
            Ok(out)
        })
    }

    /// Stores one presence update.
    pub fn set_presence(&self, p: &Presence) -> Result<(), CoreError> {
        self.with(|c| upsert_presence(c, p))
    }

    /// Everyone's presence as last known.
    pub fn presence(&self) -> Result<Vec<Presence>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT user, status, message, idle, last_seen FROM presence ORDER BY user",
            )?;
            stmt.query_map([], |r| {
                Ok(Presence {
                    user: r.get(0)?,
                    status: status_from_str(&r.get::<_, String>(1)?),
                    message: r.get(2)?,
                    idle: r.get(3)?,
                    last_seen: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    /// A page of the timeline, oldest first: messages with a seq below `before` (all when
    /// `None`, pending ones last).
    pub fn timeline(
        &self,
        conversation: u64,
        before: Option<u64>,
        limit: u32,
        me: &str,
    ) -> Result<Vec<CachedMessage>, CoreError> {
        let privacy = self.settings()?.privacy;
        self.with(|c| {
            let (delivered, read, cleared): (u64, u64, u64) = c
                .query_row(
                    "SELECT delivered_through, receipts_read_through, cleared_through FROM conversations WHERE id = ?1",
                    [conversation],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
                .unwrap_or((0, 0, 0));
            let ticks = Ticks { delivered, read, privacy, me };
            let mut out = Vec::new();
            if before.is_none() {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE conversation_id = ?1 AND seq IS NULL \
                     AND deleted = 0 ORDER BY local_id"
                ))?;
                out = stmt.query_map([conversation], |r| message_from_row(r, &ticks))?.collect::<Result<Vec<_>, _>>()?;
            }
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE conversation_id = ?1 AND seq > ?2 AND seq < ?3 \
                 ORDER BY seq DESC LIMIT ?4"
            ))?;
            let before = before.unwrap_or(i64::MAX as u64).min(i64::MAX as u64);
            let mut older = stmt
                .query_map(params![conversation, cleared, before, limit], |r| message_from_row(r, &ticks))?
                .collect::<Result<Vec<_>, _>>()?;
            older.reverse();
            older.extend(out);
            Ok(older)
        })
    }

    /// Per conversation, the newest seq of a message from someone else.
    pub fn latest_from_others(&self, me: &str) -> Result<Vec<(u64, u64)>, CoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT conversation_id, MAX(seq) FROM messages WHERE sender != ?1 AND seq IS NOT NULL \
                 GROUP BY conversation_id",
            )?;
            stmt.query_map([me], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })
    }

    /// The local id of a message by sender and client id.
    pub fn local_id_of(&self, sender: &str, client_id: &str) -> Result<Option<i64>, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT local_id FROM messages WHERE sender = ?1 AND client_id = ?2",
                params![sender, client_id],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Drops cached messages older than `seq` (keeps the cache small for long conversations;
    /// they are fetched again from the server when scrolled to).
    pub fn evict_before(&self, conversation: u64, seq: u64) -> Result<usize, CoreError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND seq IS NOT NULL AND seq < ?2",
                params![conversation, seq],
            )
        })
    }

    /// One message by its local id.
    pub fn message(&self, local_id: i64, me: &str) -> Result<Option<CachedMessage>, CoreError> {
        let conv: Option<u64> = self.with(|c| {
            c.query_row(
                "SELECT conversation_id FROM messages WHERE local_id = ?1",
                [local_id],
                |r| r.get(0),
            )
            .optional()
        })?;
        let Some(conv) = conv else { return Ok(None) };
        let privacy = self.settings()?.privacy;
        self.with(|c| {
            let (delivered, read): (u64, u64) = c.query_row(
                "SELECT delivered_through, receipts_read_through FROM conversations WHERE id = ?1",
                [conv],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let ticks = Ticks {
                delivered,
                read,
                privacy,
                me,
            };
            c.query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE local_id = ?1"),
                [local_id],
                |r| message_from_row(r, &ticks),
            )
            .optional()
        })
    }

    /// The lowest seq cached for a conversation, and whether nothing older exists on the
    /// server side of the cleared mark.
    pub fn oldest_seq(&self, conversation: u64) -> Result<Option<u64>, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT MIN(seq) FROM messages WHERE conversation_id = ?1 AND seq IS NOT NULL",
                [conversation],
                |r| r.get(0),
            )
        })
    }

    /// The conversation list, newest activity first.
    pub fn conversations(&self, me: &str) -> Result<Vec<ConversationView>, CoreError> {
        let ids: Vec<u64> = self.with(|c| {
            let mut stmt = c.prepare_cached("SELECT id FROM conversations")?;
            stmt.query_map([], |r| r.get(0))?.collect()
        })?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = self.conversation(id, me)? {
                out.push(v);
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.last_activity));
        Ok(out)
    }

    /// One conversation row.
    pub fn conversation(&self, id: u64, me: &str) -> Result<Option<ConversationView>, CoreError> {
        let last = self.timeline(id, None, 1, me)?.pop();
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT kind, members, created_at, read_through, muted, cleared_through, name, \
                     owner, moderators, mute_all, lobby, alias, hidden_through FROM conversations \
                     WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, u64>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, u64>(5)?,
                            r.get::<_, Option<String>>(6)?,
                            (
                                r.get::<_, Option<String>>(7)?,
                                r.get::<_, String>(8)?,
                                r.get::<_, bool>(9)?,
                                r.get::<_, bool>(10)?,
                                r.get::<_, Option<String>>(11)?,
                                r.get::<_, u64>(12)?,
                            ),
                        ))
                    },
                )
                .optional()?;
            let Some((kind, members, created_at, read_through, muted, cleared, name, room)) = row
            else {
                return Ok(None);
            };
            let (owner, moderators, mute_all, lobby, alias, hidden_through) = room;
            // Hidden until a message past the mark (a pending one of one's own included).
            let hidden = hidden_through > 0
                && last
                    .as_ref()
                    .is_none_or(|m| m.seq.is_some_and(|seq| seq <= hidden_through));
            let unread = unread(c, id, read_through.max(cleared), me)?;
            let members: Vec<String> = serde_json::from_str(&members).unwrap_or_default();
            let last_activity = last.as_ref().map_or(created_at, |m| m.sent_at);
            Ok(Some(ConversationView {
                info: ConversationInfo {
                    id,
                    kind: kind_from_str(&kind),
                    members,
                    created_at,
                    name,
                    owner,
                    moderators: serde_json::from_str(&moderators).unwrap_or_default(),
                    mute_all,
                    lobby,
                    alias: alias.and_then(|a| serde_json::from_str(&a).ok()),
                },
                last_message: last,
                unread,
                muted,
                last_activity,
                hidden,
            }))
        })
    }

    /// Unread totals per tab (muted conversations do not count).
    pub fn unread_totals(&self, me: &str) -> Result<UnreadTotals, CoreError> {
        let (mut chats, mut rooms) = (0, 0);
        for c in self.conversations(me)?.iter().filter(|c| !c.muted) {
            if c.info.kind == confer_proto::ConversationKind::Room {
                rooms += c.unread;
            } else {
                chats += c.unread;
            }
        }
        Ok(UnreadTotals { chats, rooms })
    }

    /// Is the conversation muted?
    pub fn muted(&self, conversation: u64) -> Result<bool, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT muted FROM conversations WHERE id = ?1",
                [conversation],
                |r| r.get(0),
            )
            .optional()
            .map(|m| m.unwrap_or(false))
        })
    }

    /// The read cursor of a conversation.
    pub fn read_through(&self, conversation: u64) -> Result<u64, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT read_through FROM conversations WHERE id = ?1",
                [conversation],
                |r| r.get(0),
            )
            .optional()
            .map(|m| m.unwrap_or(0))
        })
    }

    /// The newest seq in a conversation.
    pub fn last_seq(&self, conversation: u64) -> Result<u64, CoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ?1",
                [conversation],
                |r| r.get(0),
            )
        })
    }

    /// The direct conversation with `other`, if cached.
    pub fn direct_with(&self, me: &str, other: &str) -> Result<Option<u64>, CoreError> {
        let mut pair = [me.to_lowercase(), other.to_lowercase()];
        pair.sort();
        let members = serde_json::to_string(&pair).expect("names serialise");
        self.with(|c| {
            c.query_row(
                "SELECT id FROM conversations WHERE kind = 'direct' AND lower(members) = ?1",
                [members],
                |r| r.get(0),
            )
            .optional()
        })
    }
}

const MESSAGE_COLUMNS: &str = "m.local_id, m.conversation_id, m.seq, m.client_id, m.sender, \
     m.body, m.sent_at, m.error, m.kind, m.edited_at, m.deleted, m.reply_to, m.reactions, \
     m.mentions, m.version, m.preview";

struct Ticks<'a> {
    delivered: u64,
    read: u64,
    privacy: bool,
    me: &'a str,
}

/// A refusal as stored. Caches written before reasons were codes hold an English sentence
/// there: it reads as a refusal for a reason this build cannot name.
fn stored_refusal(text: &str) -> ErrorBody {
    serde_json::from_str(text)
        .unwrap_or_else(|_| ErrorBody::new(ErrorCode::Invalid, Reason::Unknown))
}

fn message_from_row(r: &rusqlite::Row<'_>, t: &Ticks<'_>) -> rusqlite::Result<CachedMessage> {
    let seq: Option<u64> = r.get(2)?;
    let sender: String = r.get(4)?;
    let state = match seq {
        None => TickState::Pending,
        Some(_) if t.privacy || sender != t.me => TickState::Sent,
        Some(s) if s <= t.read => TickState::Read,
        Some(s) if s <= t.delivered => TickState::Delivered,
        Some(_) => TickState::Sent,
    };
    let body: String = r.get(5)?;
    let (kind, text) = match r.get::<_, String>(8)?.as_str() {
        "joined" => (MessageKind::Joined, body),
        "left" => (MessageKind::Left, body),
        // Damaged only if something else wrote the cache: shown as an empty line.
        "call" => match serde_json::from_str(&body) {
            Ok(record) => (MessageKind::Call(record), String::new()),
            Err(_) => (MessageKind::Text, String::new()),
        },
        "file" => match serde_json::from_str(&body) {
            Ok(file) => (MessageKind::File(file), String::new()),
            Err(_) => (MessageKind::Text, String::new()),
        },
        "mailed" => (MessageKind::Mailed { to: body }, String::new()),
        _ => (MessageKind::Text, body),
    };
    Ok(CachedMessage {
        local_id: r.get(0)?,
        conversation: r.get(1)?,
        seq,
        client_id: r.get(3)?,
        sender,
        text,
        sent_at: r.get(6)?,
        state,
        error: r.get::<_, Option<String>>(7)?.map(|e| stored_refusal(&e)),
        kind,
        edited_at: r.get(9)?,
        deleted: r.get(10)?,
        reply_to: r.get(11)?,
        reactions: serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default(),
        mentions: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
        version: r.get(14)?,
        preview: r
            .get::<_, Option<String>>(15)?
            .and_then(|p| serde_json::from_str(&p).ok()),
    })
}

fn unread(c: &Connection, conversation: u64, after: u64, me: &str) -> rusqlite::Result<u32> {
    c.query_row(
        "SELECT COUNT(*) FROM messages \
         WHERE conversation_id = ?1 AND seq > ?2 AND sender != ?3 AND kind = 'text'",
        params![conversation, after, me],
        |r| r.get(0),
    )
}

fn kind_from_str(kind: &str) -> confer_proto::ConversationKind {
    match kind {
        "group" => confer_proto::ConversationKind::Group,
        "room" => confer_proto::ConversationKind::Room,
        "alias" => confer_proto::ConversationKind::Alias,
        _ => confer_proto::ConversationKind::Direct,
    }
}

fn upsert_info(tx: &Transaction<'_>, info: &ConversationInfo) -> rusqlite::Result<()> {
    let members = serde_json::to_string(&info.members).expect("names serialise");
    let kind = match info.kind {
        confer_proto::ConversationKind::Direct => "direct",
        confer_proto::ConversationKind::Group => "group",
        confer_proto::ConversationKind::Room => "room",
        confer_proto::ConversationKind::Alias => "alias",
    };
    let moderators = serde_json::to_string(&info.moderators).expect("names serialise");
    let alias = info
        .alias
        .as_ref()
        .map(|a| serde_json::to_string(a).expect("aliases serialise"));
    tx.execute(
        "INSERT INTO conversations (id, kind, members, created_at, name, owner, moderators, mute_all, \
         lobby, alias) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
         ON CONFLICT(id) DO UPDATE SET members = excluded.members, kind = excluded.kind, \
         name = excluded.name, owner = excluded.owner, moderators = excluded.moderators, \
         mute_all = excluded.mute_all, lobby = excluded.lobby, alias = excluded.alias",
        params![
            info.id,
            kind,
            members,
            info.created_at,
            info.name,
            info.owner,
            moderators,
            info.mute_all,
            info.lobby,
            alias
        ],
    )?;
    Ok(())
}

/// Inserts a server message, or confirms the matching pending one; true when it is new.
fn insert_message(tx: &Transaction<'_>, m: &Message) -> rusqlite::Result<bool> {
    let existing: Option<(i64, Option<u64>)> = tx
        .query_row(
            "SELECT local_id, seq FROM messages WHERE sender = ?1 AND client_id = ?2",
            params![m.sender, m.client_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match existing {
        Some((local_id, Some(_))) => {
            // A history page read after a change: the server's copy wins unless this device
            // has its own change of it on the way.
            refresh_message(tx, local_id, m, true)?;
            Ok(false)
        }
        Some((local_id, None)) => {
            tx.execute(
                "UPDATE messages SET seq = ?2, sent_at = ?3, mentions = ?4 WHERE local_id = ?1",
                params![local_id, m.seq, m.sent_at, json(&m.mentions)],
            )?;
            tx.execute("DELETE FROM outbox WHERE local_id = ?1", [local_id])?;
            follow_local_change(tx, local_id)?;
            Ok(false)
        }
        None => {
            tx.execute(
                "INSERT OR IGNORE INTO messages (conversation_id, seq, client_id, sender, body, sent_at, kind, \
                 edited_at, deleted, reply_to, reactions, mentions, version, preview) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    m.conversation,
                    m.seq,
                    m.client_id,
                    m.sender,
                    match &m.kind {
                        // A call line keeps its record where a text would be, a file line
                        // its file.
                        MessageKind::Call(record) => serde_json::to_string(record)
                            .expect("a call record serialises"),
                        MessageKind::File(file) => {
                            serde_json::to_string(file).expect("a file serialises")
                        }
                        MessageKind::Mailed { to } => to.clone(),
                        _ => m.text.clone(),
                    },
                    m.sent_at,
                    match m.kind {
                        MessageKind::Text => "text",
                        MessageKind::Joined => "joined",
                        MessageKind::Left => "left",
                        MessageKind::Call(_) => "call",
                        MessageKind::File(_) => "file",
                        MessageKind::Mailed { .. } => "mailed",
                    },
                    m.edited_at,
                    m.deleted,
                    m.reply_to,
                    json(&m.reactions),
                    json(&m.mentions),
                    m.version,
                    m.preview.as_ref().map(json)
                ],
            )
            .map(|n| n > 0)
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("cache values serialise")
}

/// Takes the server's copy of a cached text message when it is newer, from the stream (`page`
/// false); or as new, from a history page (how a refused change is undone) unless a change of
/// it made here is still on its way (the page may predate it). True when it changed.
fn refresh_message(
    tx: &Transaction<'_>,
    local_id: i64,
    m: &Message,
    page: bool,
) -> rusqlite::Result<bool> {
    // A file message changes too (reactions, deletion); its body is its file.
    let body = match &m.kind {
        MessageKind::Text => m.text.clone(),
        MessageKind::File(_) if m.deleted => String::new(),
        MessageKind::File(file) => json(file),
        _ => return Ok(false),
    };
    let n = tx.execute(
        if page {
            "UPDATE messages SET body = ?2, edited_at = ?3, deleted = ?4, reactions = ?5, \
             mentions = ?6, version = ?7, preview = ?8 WHERE local_id = ?1 AND version <= ?7 \
             AND local_id NOT IN (SELECT local_id FROM outbox_ops \
                                  WHERE local_id IS NOT NULL AND error IS NULL)"
        } else {
            "UPDATE messages SET body = ?2, edited_at = ?3, deleted = ?4, reactions = ?5, \
             mentions = ?6, version = ?7, preview = ?8 WHERE local_id = ?1 AND version < ?7"
        },
        params![
            local_id,
            body,
            m.edited_at,
            m.deleted,
            json(&m.reactions),
            json(&m.mentions),
            m.version,
            m.preview.as_ref().map(json)
        ],
    )?;
    Ok(n > 0)
}

/// A pending message edited or deleted here was just confirmed: the change follows it.
fn follow_local_change(tx: &Transaction<'_>, local_id: i64) -> rusqlite::Result<()> {
    let row: Option<(u64, Option<u64>, i64, String)> = tx
        .query_row(
            "SELECT conversation_id, seq, local_change, body FROM messages WHERE local_id = ?1",
            [local_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((conversation, Some(seq), change, body)) = row else {
        return Ok(());
    };
    match change {
        // Edited while pending: if the send left before the edit, the server still has the
        // old text; if after, this edit is the same text and changes nothing there.
        1 => tx.execute(
            "INSERT INTO outbox_ops (conversation_id, local_id, seq, op, text) \
             VALUES (?1, ?2, ?3, 'edit', ?4)",
            params![conversation, local_id, seq, body],
        )?,
        2 => tx.execute(
            "INSERT INTO outbox_ops (conversation_id, local_id, seq, op) \
             VALUES (?1, ?2, ?3, 'delete')",
            params![conversation, local_id, seq],
        )?,
        _ => return Ok(()),
    };
    tx.execute(
        "UPDATE messages SET local_change = 0 WHERE local_id = ?1",
        [local_id],
    )?;
    Ok(())
}

/// Adds or removes `me` from an emoji's users (dropping the emoji when nobody is left).
pub(crate) fn toggle_reaction(reactions: &mut Vec<Reaction>, emoji: &str, me: &str, on: bool) {
    match reactions.iter_mut().position(|r| r.emoji == emoji) {
        Some(i) => {
            let users = &mut reactions[i].users;
            if on && !users.iter().any(|u| u == me) {
                users.push(me.to_owned());
            }
            if !on {
                users.retain(|u| u != me);
                if users.is_empty() {
                    reactions.remove(i);
                }
            }
        }
        None if on => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            users: vec![me.to_owned()],
        }),
        None => {}
    }
}

fn apply_one(
    tx: &Transaction<'_>,
    change: &Change,
    me: &str,
    applied: &mut Applied,
) -> rusqlite::Result<()> {
    match change {
        Change::Conversation { conversation } => {
            upsert_info(tx, conversation)?;
            applied.conversations.push(conversation.id);
        }
        Change::Message { message } => {
            let known: bool = tx
                .query_row(
                    "SELECT 1 FROM conversations WHERE id = ?1",
                    [message.conversation],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if !known {
                // The conversation change always precedes its messages in the stream; a gap
                // here means the cache was damaged, so keep the message under a placeholder.
                upsert_info(
                    tx,
                    &ConversationInfo {
                        id: message.conversation,
                        kind: confer_proto::ConversationKind::Direct,
                        members: vec![],
                        created_at: message.sent_at,
                        name: None,
                        owner: None,
                        moderators: vec![],
                        mute_all: false,
                        lobby: false,
                        alias: None,
                    },
                )?;
            }
            let pending_mine = message.sender == me;
            if insert_message(tx, message)? {
                applied.new_messages.push(message.clone());
            } else if pending_mine {
                applied.confirmed.push(message.clone());
            }
        }
        Change::MessageUpdated { message } => {
            // Only a cached message is updated: an isolated old row would hide the gap that
            // history pages fill.
            let local_id: Option<i64> = tx
                .query_row(
                    "SELECT local_id FROM messages WHERE conversation_id = ?1 AND seq = ?2",
                    params![message.conversation, message.seq],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(local_id) = local_id
                && refresh_message(tx, local_id, message, false)?
            {
                applied.changed.push((message.conversation, message.seq));
            }
        }
        Change::Ticks {
            conversation,
            delivered_through,
            read_through,
        } => {
            tx.execute(
                "UPDATE conversations SET delivered_through = MAX(delivered_through, ?2), \
                 receipts_read_through = MAX(receipts_read_through, ?3) WHERE id = ?1",
                params![conversation, delivered_through, read_through],
            )?;
            applied
                .ticks
                .push((*conversation, *delivered_through, *read_through));
        }
        Change::ReadCursor {
            conversation,
            read_through,
            unread,
        } => {
            // Exactly as the stream says (in order): marking unread moves it back.
            tx.execute(
                "UPDATE conversations SET read_through = ?2 WHERE id = ?1",
                params![conversation, read_through],
            )?;
            applied
                .read_cursors
                .push((*conversation, *read_through, *unread));
        }
        Change::ConversationSettings {
            conversation,
            muted,
            cleared_through,
            hidden_through,
        } => {
            tx.execute(
                "UPDATE conversations SET muted = ?2, cleared_through = MAX(cleared_through, ?3), \
                 hidden_through = ?4 WHERE id = ?1",
                params![conversation, muted, cleared_through, hidden_through],
            )?;
            tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND seq IS NOT NULL AND seq <= ?2",
                params![conversation, cleared_through],
            )?;
            applied.conversations.push(*conversation);
        }
        Change::Settings { settings } => {
            tx.execute(
                "INSERT INTO kv (key, value) VALUES ('settings', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [serde_json::to_string(settings).expect("settings serialise")],
            )?;
            applied.settings = Some(settings.clone());
        }
        Change::Removed { conversation } => {
            // Left, or deleted with its last member: nothing of it stays on this device.
            tx.execute(
                "DELETE FROM outbox WHERE local_id IN \
                 (SELECT local_id FROM messages WHERE conversation_id = ?1)",
                [conversation],
            )?;
            tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1",
                [conversation],
            )?;
            tx.execute("DELETE FROM conversations WHERE id = ?1", [conversation])?;
            tx.execute(
                "DELETE FROM drafts WHERE conversation_id = ?1",
                [conversation],
            )?;
            tx.execute(
                "DELETE FROM outbox_ops WHERE conversation_id = ?1",
                [conversation],
            )?;
            applied.conversations.push(*conversation);
        }
        Change::Invited {
            conversation,
            inviter,
        } => {
            tx.execute(
                "INSERT OR REPLACE INTO invitations (conversation, name, inviter, members) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    conversation.id,
                    conversation.name,
                    inviter,
                    serde_json::to_string(&conversation.members).expect("names serialise")
                ],
            )?;
            applied.invitations = true;
        }
        Change::Meeting {
            conversation,
            ended,
            ..
        } => {
            applied.meetings.push((*conversation, ended.clone()));
        }
        Change::Calendar { conversation } => {
            applied.meetings.push((*conversation, None));
        }
        Change::InvitationClosed { conversation } => {
            tx.execute(
                "DELETE FROM invitations WHERE conversation = ?1",
                [conversation],
            )?;
            applied.invitations = true;
        }
        Change::Favourite { favourite } => {
            if favourite.state == FavouriteState::Removed {
                tx.execute(
                    "DELETE FROM favourites WHERE owner = ?1 AND target = ?2",
                    params![favourite.owner, favourite.target],
                )?;
            } else {
                tx.execute(
                    "INSERT OR REPLACE INTO favourites (owner, target, state) VALUES (?1, ?2, ?3)",
                    params![
                        favourite.owner,
                        favourite.target,
                        serde_json::to_string(&favourite.state).expect("state")
                    ],
                )?;
            }
            applied.favourites.push(favourite.clone());
        }
    }
    Ok(())
}

fn status_to_str(s: PresenceStatus) -> &'static str {
    match s {
        PresenceStatus::Online => "online",
        PresenceStatus::Away => "away",
        PresenceStatus::Dnd => "dnd",
        PresenceStatus::Offline => "offline",
    }
}

fn status_from_str(s: &str) -> PresenceStatus {
    match s {
        "online" => PresenceStatus::Online,
        "away" => PresenceStatus::Away,
        "dnd" => PresenceStatus::Dnd,
        _ => PresenceStatus::Offline,
    }
}

fn upsert_presence(c: &Connection, p: &Presence) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO presence (user, status, message, idle, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![p.user, status_to_str(p.status), p.message, p.idle, p.last_seen],
    )?;
    Ok(())
}
