-- The local full-text index of cached texts, so search works offline. Each message is indexed
-- under its local id by what `confer_terms` (a function the client registers, see search.rs)
-- makes of its text: its words with their English and French stems. The tokenizer folds case
-- and accents. Contentless: the text lives in `messages` only.
CREATE VIRTUAL TABLE message_index USING fts5(
    terms, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_index (rowid, terms)
    SELECT local_id, confer_terms(body) FROM messages WHERE kind = 'text' AND deleted = 0;
CREATE TRIGGER message_index_insert AFTER INSERT ON messages
    WHEN new.kind = 'text' AND new.deleted = 0
BEGIN
    INSERT INTO message_index (rowid, terms) VALUES (new.local_id, confer_terms(new.body));
END;
CREATE TRIGGER message_index_update AFTER UPDATE OF body, deleted ON messages
    WHEN old.kind = 'text'
BEGIN
    DELETE FROM message_index WHERE rowid = old.local_id;
    INSERT INTO message_index (rowid, terms)
        SELECT new.local_id, confer_terms(new.body) WHERE new.deleted = 0;
END;
CREATE TRIGGER message_index_delete AFTER DELETE ON messages WHEN old.kind = 'text'
BEGIN
    DELETE FROM message_index WHERE rowid = old.local_id;
END;
