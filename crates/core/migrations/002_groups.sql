-- Groups: their kind is kept in `kind` ('direct' or 'group'); a group may have a name.
ALTER TABLE conversations ADD COLUMN name TEXT;

-- 'text', or a member's 'joined' / 'left' event.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';

-- Invitations to groups waiting for an answer.
CREATE TABLE invitations (
    conversation  INTEGER PRIMARY KEY,
    name          TEXT,
    inviter       TEXT NOT NULL,
    members       TEXT NOT NULL          -- JSON array of user names
);
