-- Customers (issue 17): this franchisee's customer directory as HQ sent it (kind `customer`,
-- deleted on `customer_erased`) plus the ones made here, picked for a full invoice or an e-mailed
-- receipt. `search` is the lower-case name, NIF and e-mail, for the picker (works offline).
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    nif           TEXT NOT NULL,
    address       TEXT NOT NULL,
    email         TEXT NOT NULL,
    email_consent INTEGER NOT NULL,
    search        TEXT NOT NULL
);

-- What goes to HQ in the push besides documents, until HQ lists the id as accepted: customers
-- made at this till (kind 'customer') and e-mail requests (kind 'mail', "send this document to
-- this address"), each the JSON of its wire type (sync_protocol::CustomerRecord / MailRequest).
CREATE TABLE hq_queue (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('customer', 'mail')),
    json       TEXT NOT NULL,
    created    TEXT NOT NULL,
    last_error TEXT
);
