-- Nothing reads messages by time, and every batch of sends paid for this index with a page per
-- conversation written to the WAL.
DROP INDEX messages_by_time;
