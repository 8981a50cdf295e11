-- Nothing reads messages by time; every send paid for this index.
DROP INDEX messages_by_time;
