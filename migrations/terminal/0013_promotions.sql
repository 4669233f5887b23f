-- Promotions and scheduled prices from HQ (issue 17), each kept whole as HQ sent it (JSON of
-- sync_protocol::PromotionRecord / PriceScheduleRecord); the till applies them by its own clock.
-- store_zone keeps the store's time zone (StoreRecord::time_zone), whose midnight starts a
-- promotion's first day and a scheduled price.
CREATE TABLE promotions (
    id INTEGER PRIMARY KEY,
    record_json TEXT NOT NULL
);
CREATE TABLE price_schedules (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL,
    record_json TEXT NOT NULL
);
CREATE INDEX price_schedules_product ON price_schedules (product_id);
CREATE TABLE store_zone (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone TEXT NOT NULL
);
