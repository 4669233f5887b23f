-- Issue 16: a document's JSON (about 2.9 KB for a sale) is stored compressed; PostgreSQL's default
-- compressor (pglz) was the largest single cost of the database during a push (a sixth of its
-- time, seen with perf). lz4 compresses about as well at a fraction of the CPU: the ingest
-- bench's raw COPY baseline went from about 5,300 to 6,500 sales/s on a 2-core machine.
-- Only values written from now on are lz4; older ones stay readable as they are. A PostgreSQL
-- built without lz4 keeps pglz (the setting is an optimisation, never a requirement).
DO $$
BEGIN
    ALTER TABLE documents ALTER COLUMN json SET COMPRESSION lz4;
    ALTER TABLE document_conflicts ALTER COLUMN json SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4; documents stay compressed with pglz';
END
$$;
