-- Participants a moderator muted in a room's meeting (see the SQLite migration 016).
CREATE TABLE meeting_mutes (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    user_id          BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, user_id)
);
