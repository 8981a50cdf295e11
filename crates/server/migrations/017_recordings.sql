-- Since when a meeting is being recorded (ms since the epoch), or NULL: everyone in it sees
-- the mark. The meeting's row goes when it ends, and the mark with it.
ALTER TABLE meetings ADD COLUMN recording_since INTEGER;
