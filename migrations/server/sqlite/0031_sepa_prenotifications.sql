-- Issue 15: the SEPA pre-notification each debtor franchisee gets of a remittance (amount,
-- collection date, mandate references, HQ's creditor identifier), written when the remittance is
-- created and e-mailed then (the job `sepa-prenotify` retries what failed). One per remittance and
-- franchisee; `claimed_until` keeps two instances from sending the same one. Same as postgres/0031.
CREATE TABLE sepa_prenotifications (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    remittance_id      INTEGER NOT NULL REFERENCES remittances(id),
    franchisee_id      INTEGER NOT NULL REFERENCES franchisees(id),
    recipient          TEXT    NOT NULL,
    language           TEXT    NOT NULL,
    amount_cents       INTEGER NOT NULL,
    debit_count        INTEGER NOT NULL,
    collection_date    TEXT    NOT NULL,
    mandate_references TEXT    NOT NULL,
    creditor_id        TEXT    NOT NULL,
    notice_days        INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    claimed_until      INTEGER,
    sent_at            INTEGER,
    last_error         TEXT,
    UNIQUE (remittance_id, franchisee_id)
);
