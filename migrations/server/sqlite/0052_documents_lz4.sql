-- Issue 16: postgres/0052 compresses stored documents with lz4 instead of pglz. SQLite does not
-- compress values: nothing to do here; the number is kept so both backends share one list.
SELECT 1;
