-- X and Z reports e-mailed through HQ (issue 17): the hq_queue also holds kind 'report_mail',
-- the JSON of sync_protocol::ReportMail with the PDF the till drew (base64). SQLite cannot widen
-- a CHECK in place, so the queue is rebuilt with what it holds.
CREATE TABLE hq_queue_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('customer', 'mail', 'report_mail')),
    json       TEXT NOT NULL,
    created    TEXT NOT NULL,
    last_error TEXT
);
INSERT INTO hq_queue_new (id, kind, json, created, last_error)
    SELECT id, kind, json, created, last_error FROM hq_queue;
DROP TABLE hq_queue;
ALTER TABLE hq_queue_new RENAME TO hq_queue;
