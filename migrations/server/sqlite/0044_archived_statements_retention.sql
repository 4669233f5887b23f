-- Issue 14, document custody: the statements of account HQ sends (e-mailed from Cobros or the API,
-- attached to dunning letters) or archives from Cobros are kept byte for byte like the scans in
-- archive_uploads: never changed, deleted only after their retention date. The e-mail and the
-- letter name the statement they carried. And HQ sets how long documents archived from now on are
-- kept (archive_settings.retention_years, never under the legal six years; a document keeps the
-- retain_until it was archived with). Same as postgres/0044.
CREATE TABLE archived_statements (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  BIGINT  NOT NULL REFERENCES franchisees(id),
    as_of          TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    balance_cents  BIGINT  NOT NULL,
    -- Why it was made: e-mailed by HQ, attached to a dunning letter, archived from Cobros.
    reason         TEXT    NOT NULL CHECK (reason IN ('email', 'dunning', 'archive')),
    -- EC-<franchisee id>-<as of, YYYYMMDD>-<n>: what the archive shows and searches.
    number         TEXT    NOT NULL,
    filename       TEXT    NOT NULL,
    content        BLOB    NOT NULL,
    sha256         TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    retain_until   TEXT    NOT NULL
);
CREATE INDEX archived_statements_franchisee ON archived_statements (franchisee_id, as_of);
CREATE INDEX archived_statements_as_of ON archived_statements (as_of, created_at);

CREATE TRIGGER archived_statements_no_update BEFORE UPDATE ON archived_statements
BEGIN SELECT RAISE(ABORT, 'archived documents are never changed'); END;
CREATE TRIGGER archived_statements_no_delete BEFORE DELETE ON archived_statements
WHEN OLD.retain_until >= date('now')
BEGIN SELECT RAISE(ABORT, 'archived documents are kept until their retention date'); END;

ALTER TABLE statement_emails ADD COLUMN statement_id BIGINT REFERENCES archived_statements(id);
ALTER TABLE dunning_letters ADD COLUMN statement_id BIGINT REFERENCES archived_statements(id);

CREATE TABLE archive_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    retention_years  INTEGER NOT NULL CHECK (retention_years >= 6 AND retention_years <= 100),
    updated_by       TEXT    NOT NULL,
    updated_at       BIGINT  NOT NULL
);
