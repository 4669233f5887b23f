-- Issues 14/15: a dashboard user of role 'franchisee' is tied to one franchisee and sees only its
-- stores (derived from stores.franchisee_id when the session is read), invoices, statement,
-- payments and mandates. NULL for every other role. And every statement of account HQ e-mails to
-- a franchisee (who, when, to whom, in which language, the balance it showed, sent or the error).
-- Same as postgres/0030.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the new role and
-- the new column. Foreign keys stay on (migrations run in a transaction, where foreign_keys cannot
-- be turned off): they are deferred to the commit, the rows are copied aside, the old table
-- dropped, the new one renamed into its place (the children's REFERENCES dashboard_users(id) then
-- name it) and the rows put back, which settles the deferred checks.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE dashboard_users_copy AS SELECT * FROM dashboard_users;
CREATE TABLE dashboard_users_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'manager', 'franchisee')),
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT,
    email           TEXT NOT NULL DEFAULT '',
    alert_digest    BOOLEAN NOT NULL DEFAULT FALSE,
    digest_language TEXT NOT NULL DEFAULT 'es',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    franchisee_id   INTEGER REFERENCES franchisees(id)
);
DROP TABLE dashboard_users;
ALTER TABLE dashboard_users_new RENAME TO dashboard_users;
INSERT INTO dashboard_users (id, username, display_name, password_hash, role, created_at,
    disabled_at, email, alert_digest, digest_language, must_change_password)
SELECT id, username, display_name, password_hash, role, created_at, disabled_at, email,
    alert_digest, digest_language, must_change_password FROM dashboard_users_copy;
DROP TABLE dashboard_users_copy;

CREATE TABLE statement_emails (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  INTEGER NOT NULL REFERENCES franchisees(id),
    as_of          TEXT    NOT NULL,
    recipient      TEXT    NOT NULL,
    language       TEXT    NOT NULL,
    balance_cents  INTEGER NOT NULL,
    sent_by        TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    error          TEXT
);
CREATE INDEX statement_emails_franchisee ON statement_emails (franchisee_id, id);
