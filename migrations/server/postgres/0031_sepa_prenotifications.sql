-- Issue 15: the SEPA pre-notification each debtor franchisee gets of a remittance (amount,
-- collection date, mandate references, HQ's creditor identifier), written when the remittance is
-- created and e-mailed then (the job `sepa-prenotify` retries what failed). One per remittance and
-- franchisee; `claimed_until` keeps two instances from sending the same one. Same as sqlite/0031.
CREATE TABLE sepa_prenotifications (
    id                 BIGSERIAL PRIMARY KEY,
    remittance_id      BIGINT  NOT NULL REFERENCES remittances(id),
    franchisee_id      BIGINT  NOT NULL REFERENCES franchisees(id),
    recipient          TEXT    NOT NULL,
    language           TEXT    NOT NULL,
    amount_cents       BIGINT  NOT NULL,
    debit_count        BIGINT  NOT NULL,
    collection_date    TEXT    NOT NULL,
    mandate_references TEXT    NOT NULL,
    creditor_id        TEXT    NOT NULL,
    notice_days        BIGINT  NOT NULL,
    created_at         BIGINT  NOT NULL,
    attempts           BIGINT  NOT NULL DEFAULT 0,
    claimed_until      BIGINT,
    sent_at            BIGINT,
    last_error         TEXT,
    UNIQUE (remittance_id, franchisee_id)
);
