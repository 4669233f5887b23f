-- X and Z reports e-mailed through HQ (issue 17). A till draws the report's PDF itself (an X is
-- no document HQ could render) and pushes it with the address: it waits in mail_requests like a
-- receipt's e-mail, with report_kind 'x' or 'z' and no document, and its PDF in mail_attachments
-- (kept apart so listing the queue never reads the PDFs). Same as sqlite/0050.
ALTER TABLE mail_requests ALTER COLUMN document_id DROP NOT NULL;
ALTER TABLE mail_requests ADD COLUMN report_kind TEXT CHECK (report_kind IN ('x', 'z'));
ALTER TABLE mail_requests ADD CONSTRAINT mail_requests_document_or_report
    CHECK ((document_id IS NULL) <> (report_kind IS NULL));

CREATE TABLE mail_attachments (
    mail_id   TEXT PRIMARY KEY REFERENCES mail_requests(id) ON DELETE CASCADE,
    subject   TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content   BYTEA NOT NULL
);
