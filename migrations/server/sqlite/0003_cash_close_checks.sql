-- HQ's reconciliation of each Z close against the till's documents in its range; a close without
-- a row here is still waiting for some of those documents.
CREATE TABLE cash_close_checks (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    till_id     BIGINT NOT NULL,
    z_number    BIGINT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('ok', 'mismatch')),
    message     TEXT,
    checked_at  BIGINT NOT NULL
);
