-- Blobs are named by BLAKE3 from now on: the server hashes every upload as it arrives, and
-- SHA-256 held uploads well below the speed of a plain file server. A file's blob is named
-- by its content key, `blake3:<hex>`; the blobs stored before keep their SHA-256 names and
-- their place on disk, marked `sha256:<hex>`.
ALTER TABLE files RENAME COLUMN sha256 TO content;
UPDATE files SET content = 'sha256:' || content WHERE seq IS NOT NULL;
-- An upload under way that declared a SHA-256 takes its hash at the end instead (found again
-- by its name and length, as `FileClient` declares uploads).
UPDATE files SET content = '' WHERE seq IS NULL;
UPDATE files SET thumbnail = 'sha256:' || thumbnail WHERE thumbnail IS NOT NULL;
