-- GS1 variable-measure barcode rules (prefixes 20–29), one table for the whole franchise: the
-- scales of every store print the same labels. Each write also writes a BarcodeRule /
-- BarcodeRuleDeleted change-log row for every store (store_id NULL). Same as sqlite/0004.
CREATE TABLE barcode_rules (
    id           BIGSERIAL PRIMARY KEY,
    prefix       TEXT NOT NULL UNIQUE CHECK (length(prefix) = 2 AND prefix BETWEEN '20' AND '29'),
    kind         TEXT NOT NULL CHECK (kind IN ('weight', 'price')),
    item_digits  BIGINT NOT NULL CHECK (item_digits >= 1),
    value_digits BIGINT NOT NULL CHECK (value_digits >= 1),
    decimals     BIGINT NOT NULL CHECK (decimals BETWEEN 0 AND 3),
    verifier     BOOLEAN NOT NULL,
    CHECK (2 + item_digits + (CASE WHEN verifier THEN 1 ELSE 0 END) + value_digits + 1 = 13)
);
