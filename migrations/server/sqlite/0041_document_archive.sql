-- Document custody (issue 14). The archive is one list over the tables each document already lives
-- in, immutable there: issued invoices and credit notes (invoice_documents, the PDF, never changed
-- or deleted since 0017), the Z reports and delivery-note receipts the tills send (documents: from
-- here on a stored document's content and place in its till's chain cannot be changed, nor the row
-- deleted), and the paper documents HQ scans and uploads (archive_uploads below: never changed,
-- deleted only after their retention date). Same as postgres/0041.

CREATE TRIGGER documents_no_rewrite
BEFORE UPDATE OF id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json
ON documents
BEGIN SELECT RAISE(ABORT, 'till documents are kept as sent'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN SELECT RAISE(ABORT, 'till documents are kept as sent'); END;

-- A scanned or digital paper document, attached to one franchisee or one supplier. `content` is
-- the uploaded file byte for byte; `sha256` (hex) is its hash; `retain_until` (YYYY-MM-DD) is the
-- document's date plus the retention period (6 years by default).
CREATE TABLE archive_uploads (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  BIGINT REFERENCES franchisees(id),
    supplier_id    BIGINT REFERENCES suppliers(id),
    kind           TEXT   NOT NULL CHECK (kind IN ('supplier_invoice', 'contract', 'mandate', 'other')),
    number         TEXT   NOT NULL,
    document_date  TEXT   NOT NULL,
    filename       TEXT   NOT NULL,
    content_type   TEXT   NOT NULL,
    content        BLOB   NOT NULL,
    sha256         TEXT   NOT NULL,
    uploaded_by    TEXT   NOT NULL,
    uploaded_at    BIGINT NOT NULL,
    retain_until   TEXT   NOT NULL,
    CHECK ((franchisee_id IS NULL) <> (supplier_id IS NULL))
);
CREATE INDEX archive_uploads_franchisee ON archive_uploads (franchisee_id, document_date);
CREATE INDEX archive_uploads_supplier ON archive_uploads (supplier_id, document_date);

CREATE TRIGGER archive_uploads_no_update BEFORE UPDATE ON archive_uploads
BEGIN SELECT RAISE(ABORT, 'archived documents are never changed'); END;
CREATE TRIGGER archive_uploads_no_delete BEFORE DELETE ON archive_uploads
WHEN OLD.retain_until >= date('now')
BEGIN SELECT RAISE(ABORT, 'archived documents are kept until their retention date'); END;
