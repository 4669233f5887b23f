-- SEPA direct debit (issue 15): the mandates franchisees signed, the remittances (pain.008.001.08
-- files) HQ sent its bank, and each debit in them. A debit is recorded as a direct-debit payment
-- allocated to its invoice when the remittance is written; a return (pain.002 rejection, camt.054
-- R-transaction) marks the payment returned with its reason and opens the invoice again.
-- Same as postgres/0021.
CREATE TABLE sepa_mandates (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  INTEGER NOT NULL REFERENCES franchisees(id),
    reference      TEXT    NOT NULL UNIQUE,
    debtor_name    TEXT    NOT NULL,
    debtor_iban    TEXT    NOT NULL,
    debtor_bic     TEXT,
    scheme         TEXT    NOT NULL CHECK (scheme IN ('CORE', 'B2B')),
    signed_on      TEXT    NOT NULL,
    -- NULL until the first collection: the next one is FRST, then RCUR.
    first_used_on  TEXT,
    last_used_on   TEXT,
    revoked_on     TEXT,
    revoked_reason TEXT,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX sepa_mandates_franchisee ON sepa_mandates (franchisee_id);

CREATE TABLE remittances (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id         TEXT    NOT NULL UNIQUE,
    collection_date    TEXT    NOT NULL,
    debit_count        INTEGER NOT NULL,
    control_sum_cents  INTEGER NOT NULL,
    xml                TEXT    NOT NULL,
    sha256             TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL
);

CREATE TABLE remittance_debits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    remittance_id   INTEGER NOT NULL REFERENCES remittances(id),
    invoice_id      INTEGER NOT NULL REFERENCES receivables(invoice_id),
    mandate_id      INTEGER NOT NULL REFERENCES sepa_mandates(id),
    end_to_end_id   TEXT    NOT NULL UNIQUE,
    amount_cents    INTEGER NOT NULL,
    sequence        TEXT    NOT NULL,
    payment_id      INTEGER NOT NULL REFERENCES payments(id),
    returned_on     TEXT,
    return_reason   TEXT
);
CREATE INDEX remittance_debits_remittance ON remittance_debits (remittance_id, id);
CREATE INDEX remittance_debits_invoice ON remittance_debits (invoice_id);
