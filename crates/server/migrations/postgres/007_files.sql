-- Shared files (see the SQLite migration 013).
CREATE TABLE files (
    id               TEXT PRIMARY KEY,
    conversation_id  BIGINT NOT NULL,
    uploader_id      BIGINT NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    mime             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    seq              BIGINT,
    thumbnail        TEXT,
    thumbnail_mime   TEXT,
    width            INTEGER,
    height           INTEGER
);
CREATE INDEX files_pending ON files(uploader_id, conversation_id, sha256, size) WHERE seq IS NULL;
CREATE INDEX files_by_uploader ON files(uploader_id);
CREATE INDEX files_by_conversation ON files(conversation_id, seq);
