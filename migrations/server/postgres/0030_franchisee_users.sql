-- Issues 14/15: a dashboard user of role 'franchisee' is tied to one franchisee and sees only its
-- stores (derived from stores.franchisee_id when the session is read), invoices, statement,
-- payments and mandates. NULL for every other role. And every statement of account HQ e-mails to
-- a franchisee (who, when, to whom, in which language, the balance it showed, sent or the error).
-- Same as sqlite/0030.
ALTER TABLE dashboard_users ADD COLUMN franchisee_id BIGINT REFERENCES franchisees(id);
ALTER TABLE dashboard_users DROP CONSTRAINT dashboard_users_role_check;
ALTER TABLE dashboard_users ADD CONSTRAINT dashboard_users_role_check
    CHECK (role IN ('admin', 'analyst', 'manager', 'franchisee'));

CREATE TABLE statement_emails (
    id             BIGSERIAL PRIMARY KEY,
    franchisee_id  BIGINT  NOT NULL REFERENCES franchisees(id),
    as_of          TEXT    NOT NULL,
    recipient      TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    balance_cents  BIGINT  NOT NULL,
    sent_by        TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    sent_at        BIGINT,
    error          TEXT
);
CREATE INDEX statement_emails_franchisee ON statement_emails (franchisee_id, id);
