-- HQ delivery notes (albaranes): what a store should receive, sent to that store's tills through the
-- change log (a DeliveryNote change scoped to the store). A till's StockMovement naming the note marks
-- it received in the push transaction, with the quantities received per line. Same as postgres/0008.
CREATE TABLE delivery_notes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    -- ALB-<year>-<id, six digits>, set in the transaction that creates the note.
    number               TEXT UNIQUE,
    store_id             BIGINT NOT NULL REFERENCES stores(id),
    supplier             TEXT NOT NULL,
    expected_date        TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'received', 'received_with_differences')),
    created_by           TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    received_at          BIGINT,
    received_document_id TEXT,
    received_till_id     BIGINT
);
CREATE INDEX delivery_notes_store_status ON delivery_notes(store_id, status);

-- Expected quantities (thousandths) per product; received_milli is NULL until the note is received.
-- A product received but not on the note is added with expected_milli = 0. No foreign key to
-- products: a receipt naming a product HQ has since deleted is still recorded.
CREATE TABLE delivery_note_lines (
    note_id        BIGINT NOT NULL REFERENCES delivery_notes(id),
    line_no        BIGINT NOT NULL,
    product_id     BIGINT NOT NULL,
    expected_milli BIGINT NOT NULL CHECK (expected_milli >= 0),
    received_milli BIGINT,
    PRIMARY KEY (note_id, line_no),
    UNIQUE (note_id, product_id)
);
