-- Virtual Rooms: a join link (1:1 conversations get one too), mute-for-all, members' roles.

-- The join link's token; changing it refuses the old one at once.
ALTER TABLE conversations ADD COLUMN link_token TEXT;
CREATE UNIQUE INDEX conversations_by_link ON conversations(link_token) WHERE link_token IS NOT NULL;
ALTER TABLE conversations ADD COLUMN mute_all INTEGER NOT NULL DEFAULT 0;

-- Every 1:1 conversation has a meeting link of its own too.
UPDATE conversations SET link_token = lower(hex(randomblob(32))) WHERE kind = 'direct';

-- 'owner', 'moderator' or 'member'.
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
