-- Promotions and scheduled prices (issue 17). Same tables and meaning in both backends.
-- A promotion is kept whole as the tills receive it (sync_protocol::PromotionRecord as JSON), with
-- its dates beside it for listing; it targets every store (no rows in promotion_stores) or the
-- stores listed. Ending one early sets ended_at and sends the record again.
CREATE TABLE promotions (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    record_json TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    ended_at    BIGINT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE promotion_stores (
    promotion_id BIGINT NOT NULL REFERENCES promotions(id),
    store_id     BIGINT NOT NULL REFERENCES stores(id),
    PRIMARY KEY (promotion_id, store_id)
);
-- A product's price from a date, franchise-wide (store_id NULL) or in one store; sent to the
-- tills ahead of its date, which switch at the store's local midnight. Cancelled before its
-- date: cancelled_at set and the tills told.
CREATE TABLE price_schedules (
    id           BIGSERIAL PRIMARY KEY,
    product_id   BIGINT NOT NULL REFERENCES products(id),
    store_id     BIGINT REFERENCES stores(id),
    price_cents  BIGINT NOT NULL,
    effective_on TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX price_schedules_day ON price_schedules (effective_on);
-- Which promotion gave a sold line its discount (0: none), stored at ingest in the same row.
ALTER TABLE sale_lines ADD COLUMN promotion_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sale_lines ADD COLUMN promotion_cents BIGINT NOT NULL DEFAULT 0;
