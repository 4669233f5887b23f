-- Collections (issue 15): what each franchisee owes and what it paid. `receivables` is one row per
-- invoice or credit note HQ issued, written in the issuing transaction (and below for the ones
-- issued before this migration), with what is still open: invoices are immutable, their collection
-- state is not. A credit note cancels the invoice it corrects (open 0, its payments' allocations
-- released as credit). Payments are allocated to invoices; what is not allocated is credit.
-- Bank statements are stored line by line with a key per line, so a re-import adds nothing.
-- Same as postgres/0020 but for the back-fill's date and JSON functions.
CREATE TABLE receivables (
    invoice_id     INTEGER PRIMARY KEY REFERENCES invoices(id),
    franchisee_id  INTEGER NOT NULL REFERENCES franchisees(id),
    kind           TEXT    NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    full_number    TEXT    NOT NULL,
    issue_date     TEXT    NOT NULL,
    due_date       TEXT    NOT NULL,
    total_cents    INTEGER NOT NULL,
    open_cents     INTEGER NOT NULL CHECK (open_cents >= 0),
    cancelled      BOOLEAN NOT NULL DEFAULT FALSE,
    disputed       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX receivables_franchisee ON receivables (franchisee_id, due_date);
-- Aging reads only these columns of the open items, grouped by franchisee; DSO sums by issue date.
CREATE INDEX receivables_aging ON receivables (franchisee_id, due_date, open_cents) WHERE open_cents > 0;
CREATE INDEX receivables_issued ON receivables (issue_date, kind, total_cents);

CREATE TABLE bank_statements (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256       TEXT    NOT NULL UNIQUE,
    file_name    TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    accounts     TEXT    NOT NULL,
    line_count   INTEGER NOT NULL,
    new_lines    INTEGER NOT NULL,
    imported_by  TEXT    NOT NULL,
    imported_at  INTEGER NOT NULL
);

CREATE TABLE bank_lines (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id   INTEGER NOT NULL REFERENCES bank_statements(id),
    line_key       TEXT    NOT NULL UNIQUE,
    source_line    INTEGER NOT NULL,
    booking_date   TEXT,
    direction      TEXT    NOT NULL CHECK (direction IN ('credit', 'debit')),
    amount_cents   INTEGER NOT NULL,
    counterparty   TEXT,
    end_to_end_id  TEXT,
    text           TEXT    NOT NULL,
    is_return      BOOLEAN NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('matched', 'unmatched', 'debit', 'return')),
    note           TEXT    NOT NULL,
    payment_id     INTEGER
);
CREATE INDEX bank_lines_status ON bank_lines (status, id);
CREATE INDEX bank_lines_statement ON bank_lines (statement_id, id);

CREATE TABLE payments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  INTEGER NOT NULL REFERENCES franchisees(id),
    method         TEXT    NOT NULL CHECK (method IN ('transfer', 'direct_debit', 'card', 'cash')),
    received_on    TEXT    NOT NULL,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    reference      TEXT    NOT NULL,
    bank_line_id   INTEGER REFERENCES bank_lines(id),
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    -- A returned direct debit: its allocations are released and the invoice is open again.
    returned_on    TEXT,
    return_reason  TEXT
);
CREATE INDEX payments_franchisee ON payments (franchisee_id, id);

CREATE TABLE payment_allocations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id   INTEGER NOT NULL REFERENCES payments(id),
    invoice_id   INTEGER NOT NULL REFERENCES receivables(invoice_id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    created_at   INTEGER NOT NULL
);
CREATE INDEX payment_allocations_payment ON payment_allocations (payment_id);
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id);

INSERT INTO receivables (invoice_id, franchisee_id, kind, full_number, issue_date, due_date,
                         total_cents, open_cents, cancelled, disputed)
SELECT i.id, i.franchisee_id, i.kind, i.full_number, i.issue_date,
       CASE WHEN i.kind = 'invoice' AND cv.terms IS NOT NULL
            THEN date(i.issue_date, '+' || CAST(json_extract(cv.terms, '$.payment_days') AS INTEGER) || ' days')
            ELSE i.issue_date END,
       i.total_cents,
       CASE WHEN i.kind = 'invoice' AND NOT EXISTS (SELECT 1 FROM invoices c WHERE c.corrects_invoice_id = i.id)
            THEN i.total_cents ELSE 0 END,
       EXISTS (SELECT 1 FROM invoices c WHERE c.corrects_invoice_id = i.id),
       FALSE
FROM invoices i LEFT JOIN contract_versions cv ON cv.id = i.contract_version_id;
