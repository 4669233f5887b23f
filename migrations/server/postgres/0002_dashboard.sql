-- Trastienda HQ, dashboard sign-in and report aggregates (PostgreSQL). Same as sqlite/0002_dashboard.sql.
-- Dashboard people. Roles: admin (HQ, read/write), analyst (HQ, read-only), manager (only the stores
-- listed in dashboard_user_stores, read-only). Passwords are argon2id PHC strings.
CREATE TABLE dashboard_users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'manager')),
    created_at    BIGINT NOT NULL
);

CREATE TABLE dashboard_user_stores (
    user_id   BIGINT NOT NULL REFERENCES dashboard_users(id),
    store_id  BIGINT NOT NULL REFERENCES stores(id),
    PRIMARY KEY (user_id, store_id)
);

-- Sessions live in the database so several server instances (PostgreSQL) share them.
-- token_hash: SHA-256 of the cookie value; csrf_token: the per-session form token.
CREATE TABLE dashboard_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES dashboard_users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Failed sign-ins, keyed "user:<name>" and "ip:<address>", for rate limiting.
CREATE TABLE login_failures (
    id    BIGSERIAL PRIMARY KEY,
    key   TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures(key, at);

-- Report aggregates, kept up to date by push in the same transaction as the documents.
-- Refunds count negative. Business days are Europe/Madrid, as in sales.
CREATE TABLE agg_store_day (
    business_day  TEXT NOT NULL,
    store_id      BIGINT NOT NULL,
    tickets       BIGINT NOT NULL,
    refunds       BIGINT NOT NULL,
    gross_cents   BIGINT NOT NULL,
    net_cents     BIGINT NOT NULL,
    tax_cents     BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id)
);

CREATE TABLE agg_product_day (
    business_day    TEXT NOT NULL,
    store_id        BIGINT NOT NULL,
    product_id      BIGINT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id, product_id)
);

-- The same per calendar month ('YYYY-MM'), so product reports over long periods stay small.
CREATE TABLE agg_product_month (
    month           TEXT NOT NULL,
    store_id        BIGINT NOT NULL,
    product_id      BIGINT NOT NULL,
    quantity_milli  BIGINT NOT NULL,
    gross_cents     BIGINT NOT NULL,
    net_cents       BIGINT NOT NULL,
    PRIMARY KEY (month, store_id, product_id)
);

CREATE TABLE agg_tax_day (
    business_day         TEXT NOT NULL,
    store_id             BIGINT NOT NULL,
    tax_rate_hundredths  BIGINT NOT NULL,
    gross_cents          BIGINT NOT NULL,
    net_cents            BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id, tax_rate_hundredths)
);

CREATE TABLE agg_tender_day (
    business_day  TEXT NOT NULL,
    store_id      BIGINT NOT NULL,
    tender        TEXT NOT NULL,
    payments      BIGINT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    PRIMARY KEY (business_day, store_id, tender)
);

-- Documents stored before this migration.
INSERT INTO agg_store_day
SELECT business_day, store_id,
       SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'refund' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'sale' THEN total_cents ELSE -total_cents END),
       SUM(CASE WHEN kind = 'sale' THEN net_cents ELSE -net_cents END),
       SUM(CASE WHEN kind = 'sale' THEN tax_cents ELSE -tax_cents END)
FROM sales GROUP BY business_day, store_id;

-- Products: the amount charged per line (net of the ticket discount, tax included) and its base,
-- rounded half up per line (as storage/dashboard.rs LINE_BASE does).
INSERT INTO agg_product_day
SELECT s.business_day, s.store_id, l.product_id,
       SUM(CASE WHEN s.kind = 'sale' THEN l.quantity_milli ELSE -l.quantity_milli END),
       SUM(CASE WHEN s.kind = 'sale' THEN l.net_cents ELSE -l.net_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE -1 END
           * ((l.net_cents * 20000 + 10000 + l.tax_rate_hundredths) / (20000 + 2 * l.tax_rate_hundredths)))
FROM sale_lines l JOIN sales s ON s.document_id = l.document_id
GROUP BY s.business_day, s.store_id, l.product_id;

INSERT INTO agg_product_month
SELECT substr(business_day, 1, 7), store_id, product_id, SUM(quantity_milli), SUM(gross_cents), SUM(net_cents)
FROM agg_product_day GROUP BY substr(business_day, 1, 7), store_id, product_id;

-- Tax rates: new pushes add each ticket's own breakdown; for documents stored before this
-- migration the base is rebuilt per line (it can differ from the receipts by a cent per line).
INSERT INTO agg_tax_day
SELECT s.business_day, s.store_id, l.tax_rate_hundredths,
       SUM(CASE WHEN s.kind = 'sale' THEN l.net_cents ELSE -l.net_cents END),
       SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE -1 END
           * ((l.net_cents * 20000 + 10000 + l.tax_rate_hundredths) / (20000 + 2 * l.tax_rate_hundredths)))
FROM sale_lines l JOIN sales s ON s.document_id = l.document_id
GROUP BY s.business_day, s.store_id, l.tax_rate_hundredths;

INSERT INTO agg_tender_day
SELECT s.business_day, s.store_id, p.tender,
       COUNT(*),
       SUM(CASE WHEN s.kind = 'sale' THEN p.amount_cents ELSE -p.amount_cents END)
FROM sale_payments p JOIN sales s ON s.document_id = p.document_id
GROUP BY s.business_day, s.store_id, p.tender;
