-- The client's cache: everything the UI shows, so the app opens without a network.

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    members          TEXT NOT NULL,          -- JSON array of user names
    created_at       INTEGER NOT NULL,
    read_through     INTEGER NOT NULL DEFAULT 0,
    muted            INTEGER NOT NULL DEFAULT 0,
    cleared_through  INTEGER NOT NULL DEFAULT 0,
    -- Aggregated receipts for my own messages.
    delivered_through INTEGER NOT NULL DEFAULT 0,
    receipts_read_through INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    local_id         INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    seq              INTEGER,                -- NULL while only in the outbox
    client_id        TEXT NOT NULL,
    sender           TEXT NOT NULL,
    body             TEXT NOT NULL,
    sent_at          INTEGER NOT NULL,       -- server time; local time while pending
    error            TEXT                    -- why the server refused it, if it did
);
CREATE UNIQUE INDEX messages_identity ON messages(sender, client_id);
CREATE UNIQUE INDEX messages_by_seq ON messages(conversation_id, seq);
CREATE INDEX messages_pending ON messages(conversation_id, local_id) WHERE seq IS NULL;

-- The outbox: messages written locally and not yet acknowledged, sent in local_id order.
CREATE TABLE outbox (
    local_id         INTEGER PRIMARY KEY REFERENCES messages(local_id)
);

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    email         TEXT
);

CREATE TABLE presence (
    user       TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    message    TEXT,
    idle       INTEGER NOT NULL DEFAULT 0,
    last_seen  INTEGER
);

CREATE TABLE favourites (
    owner   TEXT NOT NULL,
    target  TEXT NOT NULL,
    state   TEXT NOT NULL,
    PRIMARY KEY (owner, target)
);
