-- Aliases: shared addresses ("support") that several people answer. Their names share the
-- users' namespace. An alias conversation (kind 'alias') joins one writer and the alias's
-- members (role 'agent'); one per writer and alias.
CREATE TABLE aliases (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    show_members  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE TABLE alias_members (
    alias_id  INTEGER NOT NULL REFERENCES aliases(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (alias_id, user_id)
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN alias_id INTEGER REFERENCES aliases(id);
ALTER TABLE conversations ADD COLUMN alias_writer INTEGER REFERENCES users(id);
CREATE UNIQUE INDEX conversations_by_alias ON conversations(alias_id, alias_writer)
    WHERE alias_id IS NOT NULL;
