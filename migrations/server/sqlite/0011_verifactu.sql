-- VERI*FACTU records as the tills sent them beside their documents (sales, refunds, full
-- invoices), kept exactly as received: never updated, never deleted (the triggers below). Each is
-- checked on arrival, in the push transaction: its huella against its content, its link against
-- the record before it (and after it) in its till's chain for the same taxpayer (NIF); a failure
-- raises an alert and the record is kept all the same. What the AEAT answers when the records are
-- sent belongs in a table of its own. Same as postgres/0011.
CREATE TABLE verifactu_records (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    till_id             BIGINT  NOT NULL REFERENCES tills(id),
    store_id            BIGINT  NOT NULL,
    -- The franchisee of the till's store when the record arrived.
    franchisee_id       BIGINT  NOT NULL,
    document_id         TEXT    NOT NULL,
    doc_seq             BIGINT  NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('alta', 'anulacion')),
    tipo_factura        TEXT,
    emisor_nif          TEXT    NOT NULL,
    num_serie           TEXT    NOT NULL,
    -- ISO date (yyyy-mm-dd) of FechaExpedicionFactura, for ranges.
    fecha_expedicion    TEXT    NOT NULL,
    importe_total_cents BIGINT,
    cuota_total_cents   BIGINT,
    -- FechaHoraHusoGenRegistro as written in the record (with its offset).
    generated_at        TEXT    NOT NULL,
    huella              TEXT    NOT NULL,
    -- The previous record's huella the record names; NULL for PrimerRegistro.
    prev_huella         TEXT,
    -- Whether the huella matched the record's content on arrival.
    hash_ok             BOOLEAN NOT NULL,
    json                TEXT    NOT NULL,
    received_at         BIGINT  NOT NULL,
    UNIQUE (till_id, doc_seq, huella)
);
CREATE INDEX verifactu_records_chain ON verifactu_records (till_id, emisor_nif, doc_seq);
CREATE INDEX verifactu_records_franchisee ON verifactu_records (franchisee_id, fecha_expedicion, id);
CREATE TRIGGER verifactu_records_no_update BEFORE UPDATE ON verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are kept as received'); END;
CREATE TRIGGER verifactu_records_no_delete BEFORE DELETE ON verifactu_records
BEGIN SELECT RAISE(ABORT, 'VERI*FACTU records are kept as received'); END;
