-- Groups: a name, join and leave events in the timeline, invitations waiting for an answer.

ALTER TABLE conversations ADD COLUMN name TEXT;

-- 'text', 'joined' or 'left'.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';

CREATE TABLE invitations (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    inviter_id       INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX invitations_by_user ON invitations(user_id, conversation_id);
