-- Since when a meeting is being recorded (see the SQLite migration 017).
ALTER TABLE meetings ADD COLUMN recording_since BIGINT;
