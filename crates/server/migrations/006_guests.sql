-- Guests of a room's meeting, and the room's lobby for external guests.

ALTER TABLE conversations ADD COLUMN lobby INTEGER NOT NULL DEFAULT 0;

-- An internal guest has a user id; an external one only a name and the connection its session
-- lives on. AUTOINCREMENT: a moderator's late click on a guest who left must not reach a newer
-- guest given the same id.
CREATE TABLE meeting_guests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER REFERENCES users(id),
    name             TEXT NOT NULL,
    connection       INTEGER,
    admitted         INTEGER NOT NULL,
    joined_at        INTEGER NOT NULL
);
CREATE INDEX meeting_guests_by_room ON meeting_guests(conversation_id, id);
CREATE UNIQUE INDEX meeting_guests_by_user ON meeting_guests(conversation_id, user_id)
    WHERE user_id IS NOT NULL;
