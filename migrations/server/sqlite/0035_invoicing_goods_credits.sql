-- Franchise invoicing, second part (issue 14). Same as postgres/0035.

-- Goods from HQ's central warehouse: a received delivery note whose lines carry a unit cost (HQ's
-- price to the franchisee) is invoiced on the franchisee's monthly invoice, once ever.
CREATE TABLE invoice_deliveries (
    note_id     BIGINT PRIMARY KEY REFERENCES delivery_notes(id),
    invoice_id  BIGINT NOT NULL REFERENCES invoices(id),
    net_cents   BIGINT NOT NULL
);
CREATE INDEX invoice_deliveries_invoice ON invoice_deliveries (invoice_id);

-- What each credit note credits of each line (1-based, as printed) of the invoice it corrects:
-- a line is never credited beyond its net. A credit note issued before this table credited the
-- whole invoice (the storage counts it so).
CREATE TABLE invoice_credited_lines (
    credit_note_id  BIGINT NOT NULL REFERENCES invoices(id),
    invoice_id      BIGINT NOT NULL REFERENCES invoices(id),
    line_no         BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL CHECK (net_cents > 0),
    PRIMARY KEY (credit_note_id, line_no)
);
CREATE INDEX invoice_credited_lines_invoice ON invoice_credited_lines (invoice_id, line_no);

-- Invoicing runs started from the dashboard, with their progress (franchisees done of total) so the
-- page can show a bar while the run works.
CREATE TABLE invoicing_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    period       TEXT   NOT NULL,
    started_by   TEXT   NOT NULL,
    started_at   BIGINT NOT NULL,
    total        BIGINT NOT NULL DEFAULT 0,
    done         BIGINT NOT NULL DEFAULT 0,
    finished_at  BIGINT,
    issued       BIGINT NOT NULL DEFAULT 0,
    already      BIGINT NOT NULL DEFAULT 0,
    failed       BIGINT NOT NULL DEFAULT 0,
    error        TEXT
);
