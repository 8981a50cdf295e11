-- What the user was writing in each conversation, kept across conversation switches and
-- restarts; a draft goes when it is sent, emptied, or its conversation is removed.
CREATE TABLE drafts (
    conversation_id INTEGER PRIMARY KEY,
    text            TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);
