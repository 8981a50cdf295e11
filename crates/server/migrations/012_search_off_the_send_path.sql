-- Indexing each text message inside the send transaction cost the single writer about a third
-- of its throughput (an FTS5 segment written and merged on every batch's commit). The index now
-- catches up in bulk after the commits, from the stream: `search_progress.position` is the
-- newest stream position whose messages (posted, edited, deleted) are indexed, and a search
-- first indexes what is left, so it never misses a stored message nor matches a replaced text.
-- (Messages removed with their conversation still leave the index at once, by trigger: a later
-- conversation may reuse the id, and must not match their words.)
DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_update;
CREATE TABLE search_progress (position INTEGER NOT NULL);
-- Everything stored so far was indexed by the triggers dropped here.
INSERT INTO search_progress (position) SELECT COALESCE(MAX(position), 0) FROM stream;
