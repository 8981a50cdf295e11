-- Aliases: shared addresses ("support") that several people answer. Their names share the
-- users' namespace. An alias conversation (kind 'alias') joins one writer and the alias's
-- members (role 'agent'); one per writer and alias.
CREATE TABLE aliases (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    show_members  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX aliases_by_name ON aliases (lower(name));
CREATE TABLE alias_members (
    alias_id  BIGINT NOT NULL REFERENCES aliases(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (alias_id, user_id)
);
ALTER TABLE conversations ADD COLUMN alias_id BIGINT REFERENCES aliases(id);
ALTER TABLE conversations ADD COLUMN alias_writer BIGINT REFERENCES users(id);
CREATE UNIQUE INDEX conversations_by_alias ON conversations (alias_id, alias_writer)
    WHERE alias_id IS NOT NULL;
