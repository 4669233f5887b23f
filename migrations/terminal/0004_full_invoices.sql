-- Full invoices (facturas completas) issued at the till for a sale, on the customer's request:
-- numbered in their own gapless series per till, one per ticket, kept forever for the tax books.
CREATE TABLE full_invoices (
    number           TEXT    PRIMARY KEY,
    seq_no           INTEGER NOT NULL UNIQUE,
    sale_seq         INTEGER NOT NULL UNIQUE REFERENCES documents(seq),
    customer_name    TEXT    NOT NULL,
    customer_address TEXT    NOT NULL,
    customer_nif     TEXT    NOT NULL,
    created          TEXT    NOT NULL
);
