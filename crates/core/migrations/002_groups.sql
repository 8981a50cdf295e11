-- Groups: their kind is kept in `kind` ('direct' or 'group'); a group may have a name.
ALTER TABLE conversations ADD COLUMN name TEXT;
