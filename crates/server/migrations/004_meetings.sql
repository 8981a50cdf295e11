-- Meetings: who is in a room's ongoing meeting, and the rooms' calendars.

CREATE TABLE meetings (
    conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id),
    started_at       INTEGER NOT NULL
);

CREATE TABLE meeting_participants (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    joined_at        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

CREATE TABLE scheduled_meetings (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    title            TEXT NOT NULL,
    starts_at        INTEGER NOT NULL,
    minutes          INTEGER NOT NULL,
    organizer_id     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX scheduled_by_room ON scheduled_meetings(conversation_id, starts_at);
