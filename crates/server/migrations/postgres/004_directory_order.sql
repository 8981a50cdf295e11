-- The directory's order: display names folded, computed by the server when a user is created
-- (`domain::accounts::directory_key`) and stored, so that every store pages in the same order.
-- Existing rows are folded by lower() only (core PostgreSQL has no accent folding), so accented
-- display names created before this migration sort by their accented letters.
ALTER TABLE users ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE users SET sort_key = lower(display_name);
CREATE INDEX users_by_sort_key ON users ((sort_key COLLATE "C"), (lower(name) COLLATE "C"));
