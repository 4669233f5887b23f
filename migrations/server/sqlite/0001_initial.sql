-- Trastienda HQ, initial schema (SQLite). Same tables and meaning as postgres/0001_initial.sql.
-- Money: BIGINT cents. Quantities: BIGINT thousandths. Tax rates: BIGINT hundredths of a percent.
-- Timestamps: BIGINT microseconds since the Unix epoch, UTC. Business days: TEXT 'YYYY-MM-DD' (Europe/Madrid).

CREATE TABLE admins (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE franchisees (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    legal_name  TEXT NOT NULL,
    nif         TEXT NOT NULL UNIQUE,
    address     TEXT NOT NULL
);

CREATE TABLE stores (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    franchisee_id   BIGINT NOT NULL REFERENCES franchisees(id),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    receipt_footer  TEXT NOT NULL
);

CREATE TABLE tills (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id        BIGINT NOT NULL REFERENCES stores(id),
    name            TEXT NOT NULL,
    ticket_series   TEXT NOT NULL,
    code_hash       TEXT UNIQUE,
    code_expires_at BIGINT NOT NULL,
    code_used_at    BIGINT,
    device_name     TEXT,
    token_hash      TEXT UNIQUE,
    enrolled_at     BIGINT,
    revoked_at      BIGINT,
    contiguous_seq  BIGINT NOT NULL DEFAULT 0,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    doc_count       BIGINT NOT NULL DEFAULT 0,
    conflict_count  BIGINT NOT NULL DEFAULT 0,
    last_push_at    BIGINT
);

CREATE TABLE staff (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
    store_id    BIGINT NOT NULL REFERENCES stores(id),
    pin_hash    TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX staff_store ON staff(store_id);

CREATE TABLE tax_rates (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    rate_hundredths BIGINT NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    tax_rate_id BIGINT NOT NULL REFERENCES tax_rates(id),
    price_cents BIGINT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE barcodes (
    code        TEXT PRIMARY KEY,
    product_id  BIGINT NOT NULL REFERENCES products(id)
);
CREATE INDEX barcodes_product ON barcodes(product_id);

CREATE TABLE store_prices (
    store_id    BIGINT NOT NULL REFERENCES stores(id),
    product_id  BIGINT NOT NULL REFERENCES products(id),
    price_cents BIGINT NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

-- The change log tills pull by cursor. store_id NULL = every store; otherwise only that store's tills see it.
-- payload is the JSON of sync_protocol::CatalogChange as it was when written.
CREATE TABLE catalog_changes (
    cursor      INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id    BIGINT,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Every document a till pushed, kept forever (idempotency on id and on (till, seq)).
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    till_id       BIGINT NOT NULL REFERENCES tills(id),
    store_id      BIGINT NOT NULL REFERENCES stores(id),
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    till_time     BIGINT NOT NULL,
    business_day  TEXT NOT NULL,
    hash          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    json          TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    UNIQUE (till_id, seq)
);

-- Sales and refunds, denormalised for reports. Amounts are positive; kind says which way they count.
CREATE TABLE sales (
    document_id   TEXT PRIMARY KEY REFERENCES documents(id),
    kind          TEXT NOT NULL CHECK (kind IN ('sale', 'refund')),
    till_id       BIGINT NOT NULL,
    store_id      BIGINT NOT NULL,
    business_day  TEXT NOT NULL,
    number        TEXT NOT NULL,
    total_cents   BIGINT NOT NULL,
    net_cents     BIGINT NOT NULL,
    tax_cents     BIGINT NOT NULL
);
CREATE INDEX sales_day_store ON sales(business_day, store_id);

CREATE TABLE sale_lines (
    document_id     TEXT NOT NULL REFERENCES sales(document_id),
    line_no         BIGINT NOT NULL,
    line_id         TEXT NOT NULL,
    product_id      BIGINT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL,
    tax_rate_hundredths BIGINT NOT NULL,
    PRIMARY KEY (document_id, line_no)
);
CREATE INDEX sale_lines_product ON sale_lines(product_id);

CREATE TABLE sale_payments (
    document_id   TEXT NOT NULL REFERENCES sales(document_id),
    line_no       BIGINT NOT NULL,
    payment_id    TEXT NOT NULL,
    tender        TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    PRIMARY KEY (document_id, line_no)
);

-- A pushed document that clashes with one already stored (same id or same till+seq, other hash). Never written over the original.
CREATE TABLE document_conflicts (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id           TEXT NOT NULL,
    till_id               BIGINT NOT NULL,
    seq                   BIGINT NOT NULL,
    hash                  TEXT NOT NULL,
    existing_document_id  TEXT NOT NULL,
    reason                TEXT NOT NULL,
    json                  TEXT NOT NULL,
    received_at           BIGINT NOT NULL,
    UNIQUE (document_id, hash)
);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    till_id     BIGINT,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    gap_from    BIGINT,
    gap_to      BIGINT,
    resolved_at BIGINT
);
CREATE INDEX alerts_open_gaps ON alerts(till_id, kind) WHERE resolved_at IS NULL;
