-- A room's lobby for external guests, as the server last said.
ALTER TABLE conversations ADD COLUMN lobby INTEGER NOT NULL DEFAULT 0;
