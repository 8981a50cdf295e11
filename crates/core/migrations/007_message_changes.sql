-- Messages that change after they are posted (edits, deletions, replies, mentions, reactions),
-- and the changes made here waiting to reach the server.
ALTER TABLE messages ADD COLUMN version   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reply_to  INTEGER;
ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]';   -- JSON [Reaction]
ALTER TABLE messages ADD COLUMN mentions  TEXT NOT NULL DEFAULT '[]';   -- JSON [name]
-- Edited (1) or deleted (2) here while the message was still in the outbox: once the send is
-- acknowledged, the change follows it to the server.
ALTER TABLE messages ADD COLUMN local_change INTEGER NOT NULL DEFAULT 0;

-- Edits, deletions and reactions made here, sent in id order once their message has a seq.
CREATE TABLE outbox_ops (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL,
    local_id         INTEGER,          -- the message's row here, when cached
    seq              INTEGER,          -- the message's seq, when known
    op               TEXT NOT NULL,    -- 'edit' | 'delete' | 'react' | 'unreact'
    text             TEXT,
    emoji            TEXT,
    error            TEXT              -- the refusal (JSON ErrorBody) once refused for good
);

-- Out of the list while the newest message is at or below this (0: shown).
ALTER TABLE conversations ADD COLUMN hidden_through INTEGER NOT NULL DEFAULT 0;
