-- The alias of an alias conversation (JSON: name and display name), to show "IT Support".
ALTER TABLE conversations ADD COLUMN alias TEXT;
