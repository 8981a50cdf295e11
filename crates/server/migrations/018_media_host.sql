-- In a cluster, the node whose SFU carries a meeting's media (its name), or NULL until the
-- first participant connects media: a meeting lives on one node, and the others forward to
-- it. The meeting's row goes when it ends, and the claim with it.
ALTER TABLE meetings ADD COLUMN media_host TEXT;
