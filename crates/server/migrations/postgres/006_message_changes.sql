-- Messages that change after they are posted: edits, deletions, replies, @mentions, reactions,
-- and a full-text index of their text (see the SQLite migration 011 for the reasons).
ALTER TABLE messages
    ADD COLUMN edited_at BIGINT,
    ADD COLUMN deleted_at BIGINT,
    ADD COLUMN version BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reply_to BIGINT,
    ADD COLUMN mentions TEXT;

ALTER TABLE stream ADD COLUMN message_seq BIGINT;
UPDATE stream SET message_seq = (payload::jsonb #>> '{message,seq}')::bigint
    WHERE payload::jsonb ->> 'kind' IN ('message', 'message_updated');
CREATE INDEX stream_by_message ON stream(conversation_id, message_seq)
    WHERE message_seq IS NOT NULL;

CREATE TABLE reactions (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    seq              BIGINT NOT NULL,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    emoji            TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq, user_id, emoji)
);

-- The 'simple' configuration: lowercased words, no stemming, no stop words, like SQLite's
-- unicode61 (which also folds diacritics; 'simple' does not).
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', CASE WHEN kind = 'text' THEN body ELSE '' END)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

-- A conversation the member hid from their list, until a message after this one arrives.
ALTER TABLE members ADD COLUMN hidden_seq BIGINT NOT NULL DEFAULT 0;
