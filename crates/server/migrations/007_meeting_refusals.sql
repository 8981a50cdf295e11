-- Users a moderator sent out of a room's meeting: they cannot come back by the link until that
-- meeting ends (the rows go with it).
CREATE TABLE meeting_refusals (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
