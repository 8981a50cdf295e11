-- Shared files. A row is an upload until `seq` (its file message) is set; the bytes are in the
-- blob store under `sha256` (a partial blob named by `id` while uploading). A conversation's
-- files go with it (see delete_conversation: ids can be reused).
CREATE TABLE files (
    id               TEXT PRIMARY KEY,
    conversation_id  INTEGER NOT NULL,
    uploader_id      INTEGER NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    mime             TEXT NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    seq              INTEGER,
    thumbnail        TEXT,
    thumbnail_mime   TEXT,
    width            INTEGER,
    height           INTEGER
);
-- An interrupted upload is found again by what it uploads.
CREATE INDEX files_pending ON files(uploader_id, conversation_id, sha256, size) WHERE seq IS NULL;
-- The quota: what a user's files take.
CREATE INDEX files_by_uploader ON files(uploader_id);
CREATE INDEX files_by_conversation ON files(conversation_id, seq);
