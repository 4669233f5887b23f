-- People and access (issue 18): dashboard users can be disabled, HQ admin API tokens are revoked
-- and remember their last use, products are sold by unit or weighed, and every change made on the
-- people, staff, token and product pages is written to the audit log in the same transaction.
-- Same as sqlite/0023_people_audit.sql.

-- NULL: may sign in. Disabling also ends the user's sessions.
ALTER TABLE dashboard_users ADD COLUMN disabled_at BIGINT;

ALTER TABLE admins ADD COLUMN last_used_at BIGINT;
ALTER TABLE admins ADD COLUMN revoked_at BIGINT;

-- HQ only for now (reports and the product page); the till protocol does not carry it yet.
ALTER TABLE products ADD COLUMN weighed BOOLEAN NOT NULL DEFAULT FALSE;

-- Who changed what: never a password, PIN or token, only that it changed.
-- actor: the user name (or "cli" with the operating-system user); kind: e.g. user.disable;
-- target: what it is about (e.g. "user ana", "staff 3 Rosa"); summary: before → after.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  BIGINT,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    target    TEXT NOT NULL,
    summary   TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor, id);
CREATE INDEX audit_log_kind ON audit_log(kind, id);
