-- VERI*FACTU (issue 12): HQ's own records sent like the tills' ones, and every envelope sent kept
-- byte for byte. Same as the other backend's 0038.

-- What the AEAT answered for each of HQ's own records (hq_verifactu_records: HQ's franchise invoices
-- and credit notes, HQ the obligated taxpayer under its own NIF). Same rules as verifactu_sending: no
-- row = pending; `subsanar` = rejected for a reason outside the record's content, queued to go again
-- as a subsanación; the answer to that overwrites the row. HQ's rows use franchisee_id 0 in
-- verifactu_taxpayers, verifactu_submissions and verifactu_envelopes.
CREATE TABLE hq_verifactu_sending (
    record_id      BIGINT  PRIMARY KEY REFERENCES hq_verifactu_records(id),
    emisor_nif     TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('accepted', 'accepted_with_errors', 'rejected', 'subsanar')),
    error_code     TEXT,
    error_text     TEXT,
    csv            TEXT,
    incidencia     BOOLEAN NOT NULL,
    subsanacion    BOOLEAN NOT NULL,
    sends          BIGINT  NOT NULL,
    submission_id  BIGINT  NOT NULL,
    answered_at    BIGINT  NOT NULL
);
CREATE INDEX hq_verifactu_sending_state ON hq_verifactu_sending (state);

-- Every envelope the sender posted to the AEAT, exactly as sent (the HTTP request body: the SOAP
-- envelope around RegFactuSistemaFacturacion), with its SHA-256 (hex of the body bytes). Written
-- before the POST, so an envelope sent whose answer never came is kept too. franchisee_id 0 = HQ.
CREATE TABLE verifactu_envelopes (
    id             BIGSERIAL PRIMARY KEY,
    franchisee_id  BIGINT  NOT NULL,
    emisor_nif     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    records        BIGINT  NOT NULL,
    incidencia     BOOLEAN NOT NULL,
    sha256         TEXT    NOT NULL,
    body           BYTEA   NOT NULL
);
CREATE INDEX verifactu_envelopes_created ON verifactu_envelopes (created_at);
CREATE INDEX verifactu_envelopes_taxpayer ON verifactu_envelopes (franchisee_id, created_at);

-- The records each envelope carried, in envelope order: source 'till' = verifactu_records.id,
-- 'hq' = hq_verifactu_records.id.
CREATE TABLE verifactu_envelope_records (
    envelope_id    BIGINT  NOT NULL REFERENCES verifactu_envelopes(id),
    position       BIGINT  NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('till', 'hq')),
    record_id      BIGINT  NOT NULL,
    subsanacion    BOOLEAN NOT NULL,
    PRIMARY KEY (envelope_id, position)
);
CREATE INDEX verifactu_envelope_records_record ON verifactu_envelope_records (source, record_id);

-- The answer (or the failure) to each envelope.
ALTER TABLE verifactu_submissions ADD COLUMN envelope_id BIGINT REFERENCES verifactu_envelopes(id);

CREATE FUNCTION verifactu_envelopes_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'envelopes sent to the AEAT are kept as sent';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER verifactu_envelopes_immutable BEFORE UPDATE OR DELETE ON verifactu_envelopes
FOR EACH ROW EXECUTE FUNCTION verifactu_envelopes_immutable();
CREATE TRIGGER verifactu_envelope_records_immutable BEFORE UPDATE OR DELETE ON verifactu_envelope_records
FOR EACH ROW EXECUTE FUNCTION verifactu_envelopes_immutable();
