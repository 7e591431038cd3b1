-- PostgreSQL version 5: a blob is written in 1 MiB chunks as it is read from the upload's
-- spool file, so a replica never holds a whole part to put it in `bytea`. A blob row with
-- `chunks` > 0 has its bytes in `blob_chunks` (in order of `n`); rows written before keep
-- theirs in `data`. Removing a blob (the orphan sweep) removes its chunks.
ALTER TABLE blobs ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
CREATE TABLE blob_chunks (
    sha256  TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    n       INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (sha256, n)
);
