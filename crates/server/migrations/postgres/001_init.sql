-- The PostgreSQL schema: the same tables as SQLite's migrations 001 to 007, in one step
-- (PostgreSQL support starts here). Ids and positions are BIGINT; the stream's positions come
-- from its sequence, drawn only while the writer holds the stream lock (see pg.rs), so they
-- become visible in order.

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    privacy        BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL DEFAULT 'available',
    status_message TEXT,
    last_seen      BIGINT,
    created_at     BIGINT NOT NULL
);
-- Names are unique in any case, as SQLite's COLLATE NOCASE makes them.
CREATE UNIQUE INDEX users_by_name ON users (lower(name));

CREATE TABLE sessions (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    token_hash  BYTEA NOT NULL UNIQUE,
    device      TEXT,
    created_at  BIGINT NOT NULL,
    -- 0 while valid; otherwise a revocation number, increasing across the table.
    revoked     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_revocation ON sessions(revoked);

CREATE TABLE conversations (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    direct_key  TEXT UNIQUE,
    created_at  BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL DEFAULT 0,
    name        TEXT,
    link_token  TEXT UNIQUE,
    mute_all    BOOLEAN NOT NULL DEFAULT FALSE,
    lobby       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE members (
    conversation_id        BIGINT NOT NULL REFERENCES conversations(id),
    user_id                BIGINT NOT NULL REFERENCES users(id),
    read_seq               BIGINT NOT NULL DEFAULT 0,
    receipt_delivered_seq  BIGINT NOT NULL DEFAULT 0,
    receipt_read_seq       BIGINT NOT NULL DEFAULT 0,
    muted                  BOOLEAN NOT NULL DEFAULT FALSE,
    cleared_seq            BIGINT NOT NULL DEFAULT 0,
    role                   TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_by_user ON members(user_id, conversation_id);

CREATE TABLE messages (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    seq              BIGINT NOT NULL,
    sender_id        BIGINT NOT NULL REFERENCES users(id),
    client_id        TEXT NOT NULL,
    body             TEXT NOT NULL,
    sent_at          BIGINT NOT NULL,
    kind             TEXT NOT NULL DEFAULT 'text',
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_idempotency ON messages(sender_id, client_id);
CREATE INDEX messages_by_time ON messages(conversation_id, sent_at);

CREATE TABLE stream (
    position         BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT,
    target_user      BIGINT,
    payload          TEXT NOT NULL
);
CREATE INDEX stream_by_conversation ON stream(conversation_id, position);
CREATE INDEX stream_by_user ON stream(target_user, position);

CREATE TABLE favourites (
    owner_id    BIGINT NOT NULL REFERENCES users(id),
    target_id   BIGINT NOT NULL REFERENCES users(id),
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (owner_id, target_id)
);
CREATE INDEX favourites_by_target ON favourites(target_id, owner_id);

CREATE TABLE invitations (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    inviter_id       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX invitations_by_user ON invitations(user_id, conversation_id);

CREATE TABLE meetings (
    conversation_id  BIGINT PRIMARY KEY REFERENCES conversations(id),
    started_at       BIGINT NOT NULL
);

CREATE TABLE meeting_participants (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    joined_at        BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE TABLE scheduled_meetings (
    id               BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    title            TEXT NOT NULL,
    starts_at        BIGINT NOT NULL,
    minutes          BIGINT NOT NULL,
    organizer_id     BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX scheduled_by_room ON scheduled_meetings(conversation_id, starts_at);

-- An external guest's connection id is node-scoped: `node` names the server node its session
-- lives on, so a node that restarts forgets only its own guests.
CREATE TABLE meeting_guests (
    id               BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    user_id          BIGINT REFERENCES users(id),
    name             TEXT NOT NULL,
    connection       BIGINT,
    node             TEXT,
    admitted         BOOLEAN NOT NULL,
    joined_at        BIGINT NOT NULL
);
CREATE INDEX meeting_guests_by_room ON meeting_guests(conversation_id, id);
CREATE UNIQUE INDEX meeting_guests_by_user ON meeting_guests(conversation_id, user_id)
    WHERE user_id IS NOT NULL;

CREATE TABLE meeting_refusals (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, user_id)
);
