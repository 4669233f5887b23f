-- GS1 variable-measure rules (scale labels with prefixes 20–29) pulled from HQ's change log.
-- Franchise-wide; HQ keeps one rule per prefix. The item is found by its zero-value code in
-- `barcodes` (e.g. label 2100001015251 → product with code 2100001000004).
CREATE TABLE barcode_rules (
    id           INTEGER PRIMARY KEY,
    prefix       TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('weight', 'price')),
    item_digits  INTEGER NOT NULL,
    value_digits INTEGER NOT NULL,
    decimals     INTEGER NOT NULL,
    verifier     INTEGER NOT NULL
);
