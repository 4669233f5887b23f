-- HQ's invoices and credit notes to franchisees, issued whole in one transaction each: the row,
-- its documents (PDF, UBL, Facturae), its VERI*FACTU record in HQ's own chain, the sales it counted
-- and its series number. Never updated, never deleted (the triggers below): a correction is a
-- credit note in its own series citing the invoice. Same as postgres/0017.

-- The last number given in each series (FQ-2026, RQ-2026): taken under the invoicing lock in the
-- issuing transaction, so numbers are gapless per series (a rolled-back invoice gives its back).
CREATE TABLE invoice_series (
    series       TEXT   PRIMARY KEY,
    last_number  BIGINT NOT NULL
);

CREATE TABLE invoices (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                 TEXT    NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    series               TEXT    NOT NULL,
    number               BIGINT  NOT NULL,
    full_number          TEXT    NOT NULL UNIQUE,
    franchisee_id        BIGINT  NOT NULL REFERENCES franchisees(id),
    -- The month invoiced ('YYYY-MM'); NULL on a credit note.
    period               TEXT,
    contract_version_id  BIGINT  REFERENCES contract_versions(id),
    corrects_invoice_id  BIGINT  REFERENCES invoices(id),
    issue_date           TEXT    NOT NULL,
    net_cents            BIGINT  NOT NULL,
    tax_cents            BIGINT  NOT NULL,
    total_cents          BIGINT  NOT NULL,
    -- The JSON of trastienda_einvoice::InvoiceDraft: Invoice::new on it gives every amount back.
    draft                TEXT    NOT NULL,
    created_at           BIGINT  NOT NULL,
    UNIQUE (series, number)
);
-- One invoice per franchisee and month: a second run for the month issues nothing.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (franchisee_id, period) WHERE kind = 'invoice';
CREATE INDEX invoices_franchisee ON invoices (franchisee_id, id);

-- The rendered documents, with their SHA-256 (hex).
CREATE TABLE invoice_documents (
    invoice_id  BIGINT NOT NULL REFERENCES invoices(id),
    format      TEXT   NOT NULL CHECK (format IN ('pdf', 'ubl', 'facturae')),
    content     BLOB   NOT NULL,
    sha256      TEXT   NOT NULL,
    PRIMARY KEY (invoice_id, format)
);

-- Every sale or refund an invoice counted, with what it counted: the invoiced month's own sales
-- and late sales of earlier months (sale_period < invoiced_period). A sale is counted once, ever.
CREATE TABLE invoice_sales (
    document_id      TEXT   PRIMARY KEY REFERENCES sales(document_id),
    franchisee_id    BIGINT NOT NULL,
    invoiced_period  TEXT   NOT NULL,
    sale_period      TEXT   NOT NULL,
    store_id         BIGINT NOT NULL,
    business_day     TEXT   NOT NULL,
    -- Net of VAT, negative for a refund.
    net_cents        BIGINT NOT NULL
);
CREATE INDEX invoice_sales_invoice ON invoice_sales (franchisee_id, invoiced_period, store_id, business_day);
CREATE INDEX invoice_sales_month ON invoice_sales (franchisee_id, sale_period);

-- HQ's own VERI*FACTU records (HQ is the issuer; no till): one chain per issuer NIF, in id order.
-- Made with sync_protocol::verifactu like the tills' records; the AEAT sender reads them from here.
CREATE TABLE hq_verifactu_records (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id          BIGINT  NOT NULL UNIQUE REFERENCES invoices(id),
    emisor_nif          TEXT    NOT NULL,
    num_serie           TEXT    NOT NULL,
    fecha_expedicion    TEXT    NOT NULL,
    tipo_factura        TEXT    NOT NULL,
    importe_total_cents BIGINT  NOT NULL,
    cuota_total_cents   BIGINT  NOT NULL,
    generated_at        TEXT    NOT NULL,
    huella              TEXT    NOT NULL,
    prev_huella         TEXT,
    json                TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL
);
CREATE INDEX hq_verifactu_records_chain ON hq_verifactu_records (emisor_nif, id);

-- E-mail sending of an invoice: its state changes (attempts, sent), so it lives beside the invoice.
CREATE TABLE invoice_sends (
    invoice_id   BIGINT PRIMARY KEY REFERENCES invoices(id),
    recipient    TEXT   NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT,
    last_error   TEXT,
    last_attempt BIGINT
);

CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'issued invoices are never changed'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'issued invoices are never deleted'); END;
CREATE TRIGGER invoice_documents_no_update BEFORE UPDATE ON invoice_documents
BEGIN SELECT RAISE(ABORT, 'issued invoices are never changed'); END;
CREATE TRIGGER invoice_documents_no_delete BEFORE DELETE ON invoice_documents
BEGIN SELECT RAISE(ABORT, 'issued invoices are never deleted'); END;
CREATE TRIGGER hq_verifactu_records_no_update BEFORE UPDATE ON hq_verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are kept as made'); END;
CREATE TRIGGER hq_verifactu_records_no_delete BEFORE DELETE ON hq_verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are kept as made'); END;
