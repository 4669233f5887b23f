-- X and Z reports e-mailed through HQ (issue 17). A till draws the report's PDF itself (an X is
-- no document HQ could render) and pushes it with the address: it waits in mail_requests like a
-- receipt's e-mail, with report_kind 'x' or 'z' and no document, and its PDF in mail_attachments
-- (kept apart so listing the queue never reads the PDFs). Same as postgres/0050.
-- SQLite cannot drop a NOT NULL in place: mail_requests is rebuilt (nothing references it).
CREATE TABLE mail_requests_new (
    id            TEXT PRIMARY KEY,
    till_id       BIGINT NOT NULL REFERENCES tills(id),
    store_id      BIGINT NOT NULL REFERENCES stores(id),
    document_id   TEXT,
    recipient     TEXT NOT NULL,
    customer_id   TEXT,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    -- A sender holds the request until then, so two senders never send it twice.
    claimed_until BIGINT,
    last_error    TEXT,
    report_kind   TEXT CHECK (report_kind IN ('x', 'z')),
    CHECK ((document_id IS NULL) <> (report_kind IS NULL))
);
INSERT INTO mail_requests_new (id, till_id, store_id, document_id, recipient, customer_id,
    created_at, sent_at, attempts, claimed_until, last_error)
    SELECT id, till_id, store_id, document_id, recipient, customer_id, created_at, sent_at,
        attempts, claimed_until, last_error
    FROM mail_requests;
DROP TABLE mail_requests;
ALTER TABLE mail_requests_new RENAME TO mail_requests;
CREATE INDEX mail_requests_waiting ON mail_requests (sent_at, created_at);

CREATE TABLE mail_attachments (
    mail_id   TEXT PRIMARY KEY REFERENCES mail_requests(id) ON DELETE CASCADE,
    subject   TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content   BLOB NOT NULL
);
