-- Replenishment per store (issue 13): the local hour its daily run starts at (stores in other time
-- zones) and the days without a sale after which stock on hand is dead; and the claim of each
-- store's run per local business day (safe to run twice, and with several instances).
-- Same as postgres/0034_replenishment_schedule.sql.
CREATE TABLE store_replenishment (
    store_id         BIGINT PRIMARY KEY REFERENCES stores(id),
    job_hour         BIGINT NOT NULL CHECK (job_hour BETWEEN 0 AND 23),
    dead_stock_days  BIGINT NOT NULL CHECK (dead_stock_days BETWEEN 1 AND 3650)
);

CREATE TABLE replenishment_store_runs (
    store_id      BIGINT NOT NULL,
    business_day  TEXT NOT NULL,
    ran_at        BIGINT NOT NULL,
    PRIMARY KEY (store_id, business_day)
);
