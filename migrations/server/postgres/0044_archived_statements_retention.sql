-- Issue 14, document custody: the statements of account HQ sends (e-mailed from Cobros or the API,
-- attached to dunning letters) or archives from Cobros are kept byte for byte like the scans in
-- archive_uploads: never changed, deleted only after their retention date. The e-mail and the
-- letter name the statement they carried. And HQ sets how long documents archived from now on are
-- kept (archive_settings.retention_years, never under the legal six years; a document keeps the
-- retain_until it was archived with). Same as sqlite/0044.
CREATE TABLE archived_statements (
    id             BIGSERIAL PRIMARY KEY,
    franchisee_id  BIGINT  NOT NULL REFERENCES franchisees(id),
    as_of          TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    balance_cents  BIGINT  NOT NULL,
    -- Why it was made: e-mailed by HQ, attached to a dunning letter, archived from Cobros.
    reason         TEXT    NOT NULL CHECK (reason IN ('email', 'dunning', 'archive')),
    -- EC-<franchisee id>-<as of, YYYYMMDD>-<n>: what the archive shows and searches.
    number         TEXT    NOT NULL,
    filename       TEXT    NOT NULL,
    content        BYTEA   NOT NULL,
    sha256         TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    retain_until   TEXT    NOT NULL
);
CREATE INDEX archived_statements_franchisee ON archived_statements (franchisee_id, as_of);
CREATE INDEX archived_statements_as_of ON archived_statements (as_of, created_at);

CREATE FUNCTION archived_statements_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'archived documents are never changed';
    END IF;
    IF OLD.retain_until >= to_char(current_date, 'YYYY-MM-DD') THEN
        RAISE EXCEPTION 'archived documents are kept until their retention date';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER archived_statements_kept BEFORE UPDATE OR DELETE ON archived_statements
FOR EACH ROW EXECUTE FUNCTION archived_statements_kept();

ALTER TABLE statement_emails ADD COLUMN statement_id BIGINT REFERENCES archived_statements(id);
ALTER TABLE dunning_letters ADD COLUMN statement_id BIGINT REFERENCES archived_statements(id);

CREATE TABLE archive_settings (
    id               BIGINT  PRIMARY KEY CHECK (id = 1),
    retention_years  BIGINT  NOT NULL CHECK (retention_years >= 6 AND retention_years <= 100),
    updated_by       TEXT    NOT NULL,
    updated_at       BIGINT  NOT NULL
);
