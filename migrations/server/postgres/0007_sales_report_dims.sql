-- Trastienda HQ, more report dimensions and faster product reports (PostgreSQL). Same as sqlite/0007.
-- A product's category (free text set by HQ; '' = none), for the sales-by-category report.
ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT '';

-- Sales per business day, store and local (Europe/Madrid) hour of the till time, 0-23.
-- Refunds count negative in the amounts, as in agg_store_day.
CREATE TABLE agg_hour_day (
    business_day  TEXT NOT NULL,
    store_id      BIGINT NOT NULL,
    hour          BIGINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
    tickets       BIGINT NOT NULL,
    refunds       BIGINT NOT NULL,
    gross_cents   BIGINT NOT NULL,
    net_cents     BIGINT NOT NULL,
    tax_cents     BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id, hour)
);

-- Sales per business day, store and cashier (the document's cashier_id; 0 = none recorded).
CREATE TABLE agg_cashier_day (
    business_day  TEXT NOT NULL,
    store_id      BIGINT NOT NULL,
    cashier_id    BIGINT NOT NULL,
    tickets       BIGINT NOT NULL,
    refunds       BIGINT NOT NULL,
    gross_cents   BIGINT NOT NULL,
    net_cents     BIGINT NOT NULL,
    tax_cents     BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id, cashier_id)
);

-- Products across every store (no store column), per day and per month: what HQ-wide product,
-- category and top/bottom reports read, so a year is 12 monthly rows per product.
CREATE TABLE agg_product_day_all (
    business_day    TEXT NOT NULL,
    product_id      BIGINT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL,
    PRIMARY KEY (business_day, product_id)
);

CREATE TABLE agg_product_month_all (
    month           TEXT NOT NULL,
    product_id      BIGINT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL,
    PRIMARY KEY (month, product_id)
);

-- Reports for some stores (a manager, or one store chosen) read the per-store rows by store first.
CREATE INDEX agg_product_day_by_store ON agg_product_day(store_id, business_day, product_id, quantity_milli, gross_cents, net_cents);
CREATE INDEX agg_product_month_by_store ON agg_product_month(store_id, month, product_id, quantity_milli, gross_cents, net_cents);

-- Documents stored before this migration.
INSERT INTO agg_product_day_all
SELECT business_day, product_id, SUM(quantity_milli), SUM(gross_cents), SUM(net_cents)
FROM agg_product_day GROUP BY business_day, product_id;

INSERT INTO agg_product_month_all
SELECT month, product_id, SUM(quantity_milli), SUM(gross_cents), SUM(net_cents)
FROM agg_product_month GROUP BY month, product_id;

-- The local hour of the till time in Europe/Madrid.
INSERT INTO agg_hour_day
SELECT s.business_day, s.store_id,
       CAST(EXTRACT(HOUR FROM (to_timestamp(d.till_time / 1000000.0) AT TIME ZONE 'Europe/Madrid')) AS BIGINT) AS hour,
       SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.kind = 'refund' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.total_cents ELSE -s.total_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.net_cents ELSE -s.net_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.tax_cents ELSE -s.tax_cents END)
FROM sales s JOIN documents d ON d.id = s.document_id
GROUP BY s.business_day, s.store_id, 3;

INSERT INTO agg_cashier_day
SELECT s.business_day, s.store_id,
       COALESCE(CAST(d.json::jsonb -> 'body' -> 'data' ->> 'cashier_id' AS BIGINT), 0) AS cashier,
       SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.kind = 'refund' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.total_cents ELSE -s.total_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.net_cents ELSE -s.net_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN s.tax_cents ELSE -s.tax_cents END)
FROM sales s JOIN documents d ON d.id = s.document_id
GROUP BY s.business_day, s.store_id, 3;
