-- VERI*FACTU: one fiscal record per sale, refund and full invoice, made in the same transaction as
-- its document and chained per taxpayer (the franchisee's NIF) on this till installation. The
-- record's JSON is the wire form (sync_protocol::verifactu::RegistroFacturacion); the columns are
-- what the chain and the lookups need. Append-only: a mistake is corrected by a new record.
CREATE TABLE verifactu_records (
    -- The document's sequence: one record per document, and (each record being made in its
    -- document's transaction) the order records were made in, which is the chain's order.
    doc_seq          INTEGER PRIMARY KEY REFERENCES documents(seq),
    kind             TEXT    NOT NULL CHECK (kind IN ('alta', 'anulacion')),
    tipo_factura     TEXT,
    emisor_nif       TEXT    NOT NULL,
    num_serie        TEXT    NOT NULL,
    -- dd-mm-yyyy, as in the record.
    fecha_expedicion TEXT    NOT NULL,
    huella           TEXT    NOT NULL,
    -- NULL for the first record of a chain (PrimerRegistro).
    prev_huella      TEXT,
    generated_at     TEXT    NOT NULL,
    json             TEXT    NOT NULL,
    UNIQUE (emisor_nif, num_serie, fecha_expedicion, kind)
);
-- No other index: the chain's last record is found by reading back from the newest row (see
-- ledger/verifactu.rs), and every index is one more page written by each sale's commit.
CREATE TRIGGER verifactu_records_immutable_update BEFORE UPDATE ON verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are immutable'); END;
CREATE TRIGGER verifactu_records_immutable_delete BEFORE DELETE ON verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are immutable'); END;
-- The document a full invoice was issued as (NULL for invoices issued before this version, which
-- were kept only here and never reached HQ).
ALTER TABLE full_invoices ADD COLUMN doc_seq INTEGER
    REFERENCES documents(seq) DEFERRABLE INITIALLY DEFERRED;
-- Documents from this sequence on have their record; older ones were rung before records existed.
INSERT INTO till_settings (key, value) SELECT 'verifactu_from_seq', CAST(last_seq + 1 AS TEXT) FROM counter;
