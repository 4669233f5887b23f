-- Purchase orders and transfers between stores (issue 13). Same tables and meaning as
-- sqlite/0032_purchase_orders.sql. Quantities: BIGINT thousandths; costs: ten-thousandths of a euro.

-- An order to a supplier for one store: a draft (from a suggested order or typed), edited, then
-- approved (number PED-<year>-<n>, gapless per year, taken under the purchasing lock in the
-- approving transaction), or discarded. An approved order becomes a delivery note for the store's
-- tills, which receive against it; a short receipt leaves the order partly open until HQ sends a
-- note for the rest or closes it.
CREATE TABLE purchase_orders (
    id           BIGSERIAL PRIMARY KEY,
    number       TEXT UNIQUE,
    store_id     BIGINT NOT NULL REFERENCES stores(id),
    supplier_id  BIGINT NOT NULL REFERENCES suppliers(id),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'discarded', 'closed')),
    source       TEXT NOT NULL CHECK (source IN ('suggestion', 'manual')),
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    decided_by   TEXT,
    decided_at   BIGINT,
    -- The PDF sent to the supplier (made at approval).
    pdf          BYTEA,
    emailed_to   TEXT,
    emailed_at   BIGINT,
    email_error  TEXT
);
CREATE INDEX purchase_orders_store ON purchase_orders(store_id, status);

CREATE TABLE purchase_order_lines (
    order_id        BIGINT NOT NULL REFERENCES purchase_orders(id),
    line_no         BIGINT NOT NULL,
    product_id      BIGINT NOT NULL REFERENCES products(id),
    quantity_milli  BIGINT NOT NULL CHECK (quantity_milli > 0),
    unit_cost_e4    BIGINT CHECK (unit_cost_e4 >= 0),
    PRIMARY KEY (order_id, line_no),
    UNIQUE (order_id, product_id)
);

-- The delivery notes an order was sent to the store's tills as (the first at approval, one more
-- for each remainder).
CREATE TABLE purchase_order_notes (
    order_id  BIGINT NOT NULL REFERENCES purchase_orders(id),
    note_id   BIGINT NOT NULL UNIQUE REFERENCES delivery_notes(id),
    PRIMARY KEY (order_id, note_id)
);

-- The last order number given per year.
CREATE TABLE purchase_order_series (
    year         BIGINT PRIMARY KEY,
    last_number  BIGINT NOT NULL
);
