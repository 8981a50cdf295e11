-- Blobs named by BLAKE3, older ones by SHA-256, marked (see the SQLite migration 015).
ALTER TABLE files RENAME COLUMN sha256 TO content;
UPDATE files SET content = 'sha256:' || content WHERE seq IS NOT NULL;
UPDATE files SET content = '' WHERE seq IS NULL;
UPDATE files SET thumbnail = 'sha256:' || thumbnail WHERE thumbnail IS NOT NULL;
