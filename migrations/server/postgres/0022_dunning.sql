-- Dunning (issue 15): the levels HQ sets (days after the due date, the e-mail in Spanish and
-- English), every letter sent (one per invoice and level, ever: the unique key makes the daily job
-- safe to run twice and on several instances), and the franchisees put on hold by the last level.
-- Same as sqlite/0022.
CREATE TABLE dunning_levels (
    level           BIGINT  PRIMARY KEY,
    days_after_due  BIGINT  NOT NULL CHECK (days_after_due >= 0),
    subject_es      TEXT    NOT NULL,
    body_es         TEXT    NOT NULL,
    subject_en      TEXT    NOT NULL,
    body_en         TEXT    NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE TABLE dunning_letters (
    id             BIGSERIAL PRIMARY KEY,
    invoice_id     BIGINT  NOT NULL REFERENCES receivables(invoice_id),
    franchisee_id  BIGINT  NOT NULL REFERENCES franchisees(id),
    level          BIGINT  NOT NULL,
    recipient      TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    attempts       BIGINT  NOT NULL DEFAULT 0,
    sent_at        BIGINT,
    last_error     TEXT,
    created_at     BIGINT  NOT NULL,
    UNIQUE (invoice_id, level)
);
CREATE INDEX dunning_letters_franchisee ON dunning_letters (franchisee_id, id);

CREATE TABLE franchisee_holds (
    franchisee_id  BIGINT  PRIMARY KEY REFERENCES franchisees(id),
    since          TEXT    NOT NULL,
    reason         TEXT    NOT NULL
);
