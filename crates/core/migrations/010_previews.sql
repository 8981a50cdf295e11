-- A message's link card as the server sent it (JSON), NULL while there is none.
ALTER TABLE messages ADD COLUMN preview TEXT;
