-- HQ's delivery notes (albaranes) for this till's store, pulled with the DeliveryNote change.
-- `status` is HQ's; `received_seq` is the sequence of this till's StockMovement that received the
-- note (set in the same transaction as that document). Pending here: HQ says pending and this till
-- has not received it.
CREATE TABLE delivery_notes (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    supplier      TEXT NOT NULL,
    expected_date TEXT NOT NULL,
    status        TEXT NOT NULL,
    -- The expected lines as HQ sent them (JSON array of {product_id, sku, name, quantity}).
    lines_json    TEXT NOT NULL,
    received_seq  INTEGER
);
