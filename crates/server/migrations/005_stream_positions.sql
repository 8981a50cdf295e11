-- Stream positions must never be handed out twice: deleting a group or room removes its rows,
-- and a plain INTEGER PRIMARY KEY would then reuse the highest deleted position for the next
-- change, which clients past that position would never fetch. AUTOINCREMENT never reuses one.

CREATE TABLE stream_new (
    position         INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  INTEGER,
    target_user      INTEGER,
    payload          TEXT NOT NULL
);
INSERT INTO stream_new (position, conversation_id, target_user, payload)
    SELECT position, conversation_id, target_user, payload FROM stream;
DROP TABLE stream;
ALTER TABLE stream_new RENAME TO stream;
CREATE INDEX stream_by_conversation ON stream(conversation_id, position);
CREATE INDEX stream_by_user ON stream(target_user, position);
