-- Sending VERI*FACTU records to the AEAT (issue 12, HQ side). Same as postgres/0015. verifactu_records stays as the
-- tills sent it; what happened to each record on its way to the AEAT is kept here.
--
-- The AEAT's answer per record: a record without a row here has not been answered yet (pending).
-- `subsanar` = rejected for a reason outside the record's content, queued to go again as a
-- subsanación (Subsanacion=S, RechazoPrevio=S); the answer to that overwrites the row.
CREATE TABLE verifactu_sending (
    record_id      BIGINT  PRIMARY KEY REFERENCES verifactu_records(id),
    franchisee_id  BIGINT  NOT NULL,
    emisor_nif     TEXT    NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('accepted', 'accepted_with_errors', 'rejected', 'subsanar')),
    error_code     TEXT,
    error_text     TEXT,
    -- The AEAT's receipt code (CSV) of the submission that carried it.
    csv            TEXT,
    incidencia     BOOLEAN NOT NULL,
    subsanacion    BOOLEAN NOT NULL,
    sends          BIGINT  NOT NULL,
    submission_id  BIGINT  NOT NULL,
    answered_at    BIGINT  NOT NULL
);
CREATE INDEX verifactu_sending_franchisee ON verifactu_sending (franchisee_id, state);

-- The sender's clock per taxpayer: when it may send next (TiempoEsperaEnvio, or the retry delay
-- after a transient failure) and what went wrong last. lease_until: an instance is sending for
-- the taxpayer until then (runs of the sender job may overlap; only one sends per taxpayer).
CREATE TABLE verifactu_taxpayers (
    emisor_nif     TEXT    PRIMARY KEY,
    franchisee_id  BIGINT  NOT NULL,
    next_send_at   BIGINT  NOT NULL,
    wait_seconds   BIGINT  NOT NULL,
    failures       BIGINT  NOT NULL,
    last_send_at   BIGINT,
    last_error     TEXT,
    lease_until    BIGINT
);

-- Every submission and the AEAT's answer, as it came (the law asks to keep the responses).
CREATE TABLE verifactu_submissions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id  BIGINT  NOT NULL,
    emisor_nif     TEXT    NOT NULL,
    sent_at        BIGINT  NOT NULL,
    records        BIGINT  NOT NULL,
    incidencia     BOOLEAN NOT NULL,
    -- Correcto, ParcialmenteCorrecto, Incorrecto; NULL when no answer came (transient failure).
    estado_envio   TEXT,
    csv            TEXT,
    http_status    BIGINT,
    error          TEXT,
    response       TEXT
);
CREATE INDEX verifactu_submissions_franchisee ON verifactu_submissions (franchisee_id, sent_at);

-- Certificates for mutual TLS with the AEAT, one per franchisee (owner_id = franchisee id) and
-- HQ's own as representative (owner_id = 0). The key and chain are sealed with AES-256-GCM under
-- the server's secret key (TRASTIENDA_SECRET_KEY); the PKCS#12 password is not kept.
CREATE TABLE verifactu_certificates (
    owner_id       BIGINT  PRIMARY KEY,
    holder_name    TEXT    NOT NULL,
    holder_nif     TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    not_after      BIGINT  NOT NULL,
    sealed         TEXT    NOT NULL,
    uploaded_at    BIGINT  NOT NULL
);
