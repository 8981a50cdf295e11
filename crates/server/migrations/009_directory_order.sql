-- The directory's order: display names folded in every script, computed by the server when a
-- user is created (`domain::accounts::directory_key`) and stored, so that every store pages in
-- the same order. Existing rows get the same key from the function the server registers
-- (`directory_key`, the same Rust function).
ALTER TABLE users ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE users SET sort_key = directory_key(display_name);
CREATE INDEX users_by_sort_key ON users(sort_key, name);
