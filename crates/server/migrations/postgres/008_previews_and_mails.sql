-- A message's link card (JSON: url, title, description, image as a data: URL), set by the
-- previewer after the message was stored; NULL while there is none.
ALTER TABLE messages ADD COLUMN preview TEXT;

-- Histories sent by email leave a `mailed` line from their sender; the hourly limit counts a
-- user's recent ones.
CREATE INDEX messages_mailed ON messages (sender_id, sent_at) WHERE kind = 'mailed';
