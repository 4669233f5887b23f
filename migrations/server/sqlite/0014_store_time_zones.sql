-- Each store counts its sales in its own time zone (IANA name; a store in the Canary Islands is
-- Atlantic/Canary). Documents keep the local hour of their till time, worked out at ingest with
-- the store's zone, so no SQL works out summer time. Rows stored before this migration get their
-- hour filled in by the server at start-up (NULL until then). Same as postgres/0014.
ALTER TABLE stores ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Madrid';
ALTER TABLE documents ADD COLUMN local_hour BIGINT CHECK (local_hour BETWEEN 0 AND 23);
CREATE INDEX documents_local_hour_missing ON documents(id) WHERE local_hour IS NULL;
