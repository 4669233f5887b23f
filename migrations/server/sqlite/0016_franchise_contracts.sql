-- Franchise contracts: one row per version, in force from the first day of `effective_from` (a
-- month, 'YYYY-MM') until the next version starts. A new version never starts on or before an
-- existing one, nor in a month already invoiced: an invoiced period keeps the terms it was
-- invoiced under. `terms` is the JSON of services::invoicing::ContractIn as validated.
-- HQ's own billing identity (the issuer of every invoice) is one row. Same as postgres/0016.
CREATE TABLE contract_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id   BIGINT  NOT NULL REFERENCES franchisees(id),
    version         BIGINT  NOT NULL,
    effective_from  TEXT    NOT NULL,
    terms           TEXT    NOT NULL,
    billing_email   TEXT    NOT NULL,
    language        TEXT    NOT NULL CHECK (language IN ('es', 'en')),
    created_by      TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    UNIQUE (franchisee_id, version),
    UNIQUE (franchisee_id, effective_from)
);

CREATE TABLE invoicing_issuer (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    details     TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL
);
