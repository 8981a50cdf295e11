-- Virtual Rooms: the owner, the moderators and mute-for-all, as the server last said.
ALTER TABLE conversations ADD COLUMN owner TEXT;
ALTER TABLE conversations ADD COLUMN moderators TEXT NOT NULL DEFAULT '[]';   -- JSON array
ALTER TABLE conversations ADD COLUMN mute_all INTEGER NOT NULL DEFAULT 0;
