-- Participants a moderator muted in a room's meeting: their sound is not carried and they
-- cannot lift it themselves. Kept while the meeting lasts, so that leaving and coming back
-- does not lift it; the meeting's end (or the room's deletion) clears them.
CREATE TABLE meeting_mutes (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
