-- Till ledger, version 1. Money is integer cents, quantities integer thousandths,
-- tax rates integer hundredths of a percent: SUMs stay exact.

-- Who this till is, as HQ enrolled it. One row at most.
CREATE TABLE till_identity (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server_url    TEXT    NOT NULL,
    till_id       INTEGER NOT NULL,
    store_id      INTEGER NOT NULL,
    franchisee_id INTEGER NOT NULL,
    ticket_series TEXT    NOT NULL,
    token         TEXT    NOT NULL,
    device_name   TEXT    NOT NULL,
    enrolled_at   TEXT    NOT NULL
);

-- The gapless counter: incremented inside the transaction that stores each document.
CREATE TABLE counter (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq    INTEGER NOT NULL,
    last_hash   TEXT    NOT NULL,
    next_ticket INTEGER NOT NULL
);
INSERT INTO counter (id, last_seq, last_hash, next_ticket)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1);

-- Append-only documents (sales, refunds, cash, stock). Never updated, never deleted.
CREATE TABLE documents (
    id          TEXT    PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    json        TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    total_cents INTEGER,
    created     TEXT    NOT NULL
);
CREATE TRIGGER documents_immutable_update BEFORE UPDATE ON documents
BEGIN SELECT RAISE(ABORT, 'documents are immutable'); END;
CREATE TRIGGER documents_immutable_delete BEFORE DELETE ON documents
BEGIN SELECT RAISE(ABORT, 'documents are immutable'); END;

-- Documents HQ has not acknowledged yet. A row leaves only on an explicit ack.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY REFERENCES documents(seq),
    doc_id     TEXT    NOT NULL REFERENCES documents(id),
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'conflict')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- Catalog, pulled from HQ's change log. No foreign keys between catalog tables on purpose:
-- a change arriving before the row it refers to must never block sync; lookups join instead.
CREATE TABLE tax_rates (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    rate_hundredths INTEGER NOT NULL
);

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    sku             TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    tax_rate_id     INTEGER NOT NULL,
    rate_hundredths INTEGER NOT NULL,
    price_cents     INTEGER NOT NULL,
    active          INTEGER NOT NULL
);
CREATE INDEX products_sku ON products (sku);

CREATE TABLE barcodes (
    code       TEXT    PRIMARY KEY,
    product_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX barcodes_product ON barcodes (product_id);

-- This store's price overrides (already filtered to this store by HQ).
CREATE TABLE store_prices (
    product_id  INTEGER PRIMARY KEY,
    price_cents INTEGER NOT NULL
);

CREATE TABLE staff (
    id       INTEGER PRIMARY KEY,
    name     TEXT    NOT NULL,
    role     TEXT    NOT NULL CHECK (role IN ('cashier', 'manager')),
    pin_hash TEXT    NOT NULL,
    active   INTEGER NOT NULL
);

CREATE TABLE store_info (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    store_id              INTEGER NOT NULL,
    name                  TEXT    NOT NULL,
    address               TEXT    NOT NULL,
    franchisee_id         INTEGER NOT NULL,
    franchisee_legal_name TEXT    NOT NULL,
    franchisee_nif        TEXT    NOT NULL,
    receipt_footer        TEXT    NOT NULL
);

-- Position in HQ's change log: the last change applied.
CREATE TABLE sync_cursor (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL
);
INSERT INTO sync_cursor (id, cursor) VALUES (1, 0);

-- Name search for type-ahead: accents folded, 2- and 3-character prefixes pre-indexed.
CREATE VIRTUAL TABLE products_fts USING fts5(
    name,
    content = 'products',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name ON products BEGIN
    INSERT INTO products_fts (products_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO products_fts (rowid, name) VALUES (new.id, new.name);
END;
