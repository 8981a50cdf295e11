-- Messages that change after they are posted: edits, deletions, replies, @mentions, reactions,
-- and a full-text index of their text.
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
-- Raised by every edit, deletion or reaction change: clients keep the higher one.
ALTER TABLE messages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
-- JSON array of account names; NULL for none.
ALTER TABLE messages ADD COLUMN mentions TEXT;

-- The stream keeps each message's current text: an edit or deletion rewrites the rows that
-- carry the message, found by this column, so a device syncing from 0 never gets a deleted or
-- replaced text. Positions never change.
ALTER TABLE stream ADD COLUMN message_seq INTEGER;
UPDATE stream SET message_seq = json_extract(payload, '$.message.seq')
    WHERE json_extract(payload, '$.kind') IN ('message', 'message_updated');
CREATE INDEX stream_by_message ON stream(conversation_id, message_seq)
    WHERE message_seq IS NOT NULL;

CREATE TABLE reactions (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    seq              INTEGER NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    emoji            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq, user_id, emoji)
) WITHOUT ROWID;

-- Full-text index of text messages. `messages` has no rowid, so an index row is keyed by
-- conversation_id * 2^32 + seq (conversations below 2^31 and sequence numbers below 2^32 are
-- indexed; beyond that a message is simply not found). Contentless: the text lives in
-- `messages` only. Diacritics are folded ("cafe" finds "café").
CREATE VIRTUAL TABLE message_search USING fts5(
    body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_search (rowid, body)
    SELECT conversation_id * 4294967296 + seq, body FROM messages
    WHERE kind = 'text' AND body <> '' AND conversation_id < 2147483648 AND seq < 4294967296;
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
    WHEN new.kind = 'text' AND new.body <> '' AND new.conversation_id < 2147483648
        AND new.seq < 4294967296
BEGIN
    INSERT INTO message_search (rowid, body)
        VALUES (new.conversation_id * 4294967296 + new.seq, new.body);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages
    WHEN old.kind = 'text' AND old.conversation_id < 2147483648 AND old.seq < 4294967296
BEGIN
    DELETE FROM message_search WHERE rowid = old.conversation_id * 4294967296 + old.seq;
    INSERT INTO message_search (rowid, body)
        SELECT new.conversation_id * 4294967296 + new.seq, new.body WHERE new.body <> '';
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
    WHEN old.kind = 'text' AND old.conversation_id < 2147483648 AND old.seq < 4294967296
BEGIN
    DELETE FROM message_search WHERE rowid = old.conversation_id * 4294967296 + old.seq;
END;

-- A conversation the member hid from their list, until a message after this one arrives.
ALTER TABLE members ADD COLUMN hidden_seq INTEGER NOT NULL DEFAULT 0;
