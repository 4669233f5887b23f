-- Transfers between stores of one franchisee (issue 13). Same as postgres/0033_store_transfers.sql.
-- A draft is dispatched: its goods leave the sending store's stock (adjustment moves named
-- 'transfer:<number>') and a delivery note goes to the receiving store's tills; the transfer is in
-- transit until a till there receives against that note (stock enters at the receipt).
CREATE TABLE store_transfers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT UNIQUE,
    from_store_id  BIGINT NOT NULL REFERENCES stores(id),
    to_store_id    BIGINT NOT NULL REFERENCES stores(id),
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'dispatched', 'discarded')),
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    dispatched_by  TEXT,
    dispatched_at  BIGINT,
    note_id        BIGINT REFERENCES delivery_notes(id),
    CHECK (from_store_id <> to_store_id)
);

CREATE TABLE store_transfer_lines (
    transfer_id     BIGINT NOT NULL REFERENCES store_transfers(id),
    line_no         BIGINT NOT NULL,
    product_id      BIGINT NOT NULL REFERENCES products(id),
    quantity_milli  BIGINT NOT NULL CHECK (quantity_milli > 0),
    PRIMARY KEY (transfer_id, line_no),
    UNIQUE (transfer_id, product_id)
);
