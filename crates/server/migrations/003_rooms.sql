-- Virtual Rooms: a join link, mute-for-all, and members' roles.

-- The join link's token; changing it refuses the old one at once.
ALTER TABLE conversations ADD COLUMN link_token TEXT;
CREATE UNIQUE INDEX conversations_by_link ON conversations(link_token) WHERE link_token IS NOT NULL;
ALTER TABLE conversations ADD COLUMN mute_all INTEGER NOT NULL DEFAULT 0;

-- 'owner', 'moderator' or 'member'.
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
