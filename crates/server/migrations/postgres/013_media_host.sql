-- The node whose SFU carries a meeting's media (see the SQLite migration 018).
ALTER TABLE meetings ADD COLUMN media_host TEXT;
