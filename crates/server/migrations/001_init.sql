-- Accounts, sessions, direct conversations, messages, the change stream, favourites.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name   TEXT NOT NULL,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    privacy        INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'available',
    status_message TEXT,
    last_seen      INTEGER,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    token_hash  BLOB NOT NULL UNIQUE,
    device      TEXT,
    created_at  INTEGER NOT NULL,
    -- 0 while valid; otherwise a revocation number, increasing across the table, so a running
    -- server can find revocations made by other processes (admin commands) since it last looked.
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_revocation ON sessions(revoked);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    -- "small-id:large-id" for direct conversations, so a pair has exactly one.
    direct_key  TEXT UNIQUE,
    created_at  INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE members (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    -- Private read cursor: drives the user's unread counts on all their devices.
    read_seq         INTEGER NOT NULL DEFAULT 0,
    -- Public receipt cursors: what other members' ticks are computed from.
    receipt_delivered_seq INTEGER NOT NULL DEFAULT 0,
    receipt_read_seq INTEGER NOT NULL DEFAULT 0,
    muted            INTEGER NOT NULL DEFAULT 0,
    cleared_seq      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id, conversation_id);

CREATE TABLE messages (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    seq              INTEGER NOT NULL,
    sender_id        INTEGER NOT NULL REFERENCES users(id),
    client_id        TEXT NOT NULL,
    body             TEXT NOT NULL,
    sent_at          INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_idempotency ON messages(sender_id, client_id);
CREATE INDEX messages_by_time ON messages(conversation_id, sent_at);

-- Every persisted change a user may need, at a server-wide increasing position. A row with a
-- target_user concerns that user only; otherwise every member of the conversation.
CREATE TABLE stream (
    position         INTEGER PRIMARY KEY,
    conversation_id  INTEGER,
    target_user      INTEGER,
    payload          TEXT NOT NULL
);
CREATE INDEX stream_by_conversation ON stream(conversation_id, position);
CREATE INDEX stream_by_user ON stream(target_user, position);

CREATE TABLE favourites (
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    target_id   INTEGER NOT NULL REFERENCES users(id),
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (owner_id, target_id)
) WITHOUT ROWID;
CREATE INDEX favourites_by_target ON favourites(target_id, owner_id);
