-- Replenishment (issue 13): suppliers (HQ's central warehouse and external ones), the rules a
-- store's product is reordered by (defaults per family, overridden per store and product), and
-- stock alerts that name a store. Quantities: BIGINT thousandths. Same as postgres/0019.

CREATE TABLE suppliers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    -- HQ's central warehouse: its orders become delivery notes the store's tills receive against.
    central          BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL: supplies every store; else only the stores of this franchisee.
    franchisee_id    BIGINT REFERENCES franchisees(id),
    email            TEXT NOT NULL DEFAULT '',
    lead_time_days   BIGINT NOT NULL CHECK (lead_time_days >= 0),
    -- ISO weekdays it takes orders on, e.g. '1,3,5'.
    order_days       TEXT NOT NULL,
    min_order_cents  BIGINT NOT NULL DEFAULT 0 CHECK (min_order_cents >= 0),
    created_at       BIGINT NOT NULL
);

-- The default rule of a family (products.category).
CREATE TABLE replenishment_family_rules (
    family               TEXT PRIMARY KEY,
    supplier_id          BIGINT NOT NULL REFERENCES suppliers(id),
    reorder_point_milli  BIGINT CHECK (reorder_point_milli >= 0),
    par_milli            BIGINT CHECK (par_milli >= 0),
    pack_milli           BIGINT NOT NULL CHECK (pack_milli > 0),
    safety_days          BIGINT NOT NULL CHECK (safety_days >= 0)
);

-- A store's own rule for a product; NULL fields fall back to the family's rule.
CREATE TABLE replenishment_rules (
    store_id             BIGINT NOT NULL REFERENCES stores(id),
    product_id           BIGINT NOT NULL REFERENCES products(id),
    supplier_id          BIGINT REFERENCES suppliers(id),
    reorder_point_milli  BIGINT CHECK (reorder_point_milli >= 0),
    par_milli            BIGINT CHECK (par_milli >= 0),
    pack_milli           BIGINT CHECK (pack_milli > 0),
    safety_days          BIGINT CHECK (safety_days >= 0),
    PRIMARY KEY (store_id, product_id)
);

-- Stock alerts are about a store, not a till.
ALTER TABLE alerts ADD COLUMN store_id BIGINT;

-- The forecast reads one store's recent days of sales.
CREATE INDEX agg_product_day_store ON agg_product_day(store_id, business_day);
