-- Inventory at HQ (issue 13), kept in the push transaction from the tills' documents: the stock of
-- every product per store, the card of its movements, HQ's costs. A product's family is its
-- category (products.category, migration 0007).
-- Quantities: BIGINT thousandths. Costs: BIGINT ten-thousandths of a euro (a weighted average is
-- rarely a whole cent). Same tables and meaning as sqlite/0018_stock.sql.

-- HQ's unit cost of a product.
CREATE TABLE product_stock_settings (
    product_id  BIGINT PRIMARY KEY REFERENCES products(id),
    cost_e4     BIGINT NOT NULL CHECK (cost_e4 >= 0),
    updated_at  BIGINT NOT NULL
);

-- On hand now, per store and product. Negative is allowed (the till never blocks a sale).
-- avg_cost_e4: the store's weighted average cost once a receipt at a known cost arrived.
CREATE TABLE stock_levels (
    store_id       BIGINT NOT NULL REFERENCES stores(id),
    product_id     BIGINT NOT NULL,
    on_hand_milli  BIGINT NOT NULL,
    avg_cost_e4    BIGINT,
    last_sale_at   BIGINT,
    last_move_at   BIGINT NOT NULL,
    PRIMARY KEY (store_id, product_id)
);

-- Every line of a document that moved stock, in the order HQ applied it, with the balance after
-- it (the kardex). A count's delta is its variance; counted_milli is what was on the shelf.
CREATE TABLE stock_moves (
    id             BIGSERIAL PRIMARY KEY,
    store_id       BIGINT NOT NULL,
    product_id     BIGINT NOT NULL,
    document_id    TEXT NOT NULL,
    line_no        BIGINT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('sale', 'refund', 'receipt', 'count', 'waste', 'adjustment')),
    till_id        BIGINT NOT NULL,
    staff_id       BIGINT,
    till_time      BIGINT NOT NULL,
    business_day   TEXT NOT NULL,
    delta_milli    BIGINT NOT NULL,
    balance_milli  BIGINT NOT NULL,
    counted_milli  BIGINT,
    unit_cost_e4   BIGINT,
    reason         TEXT,
    UNIQUE (document_id, line_no)
);
CREATE INDEX stock_moves_card ON stock_moves(store_id, product_id, id);
CREATE INDEX stock_moves_day ON stock_moves(business_day, kind);

-- The cost a delivery note line is invoiced at (receipts against it update the store's average).
ALTER TABLE delivery_note_lines ADD COLUMN unit_cost_e4 BIGINT;

-- Documents stored before this migration: applied to stock once at start-up, then deleted here.
CREATE TABLE stock_backfill (
    document_id TEXT PRIMARY KEY
);
INSERT INTO stock_backfill (document_id)
    SELECT id FROM documents WHERE kind IN ('sale', 'refund', 'stock_movement');
