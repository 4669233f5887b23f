-- Customers (issue 17): each franchisee's customer directory, created at HQ or at a till (id: a
-- UUID made where it was created, so a till's retried push stores it once) and sent to the
-- franchisee's tills through the change log. Erasure on request (GDPR) blanks the personal data
-- and keeps the row as an anonymous tombstone (erased_at, erased_by) so references do not dangle;
-- fiscal documents keep what they were issued with. Same in both backends.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    franchisee_id BIGINT NOT NULL REFERENCES franchisees(id),
    name          TEXT NOT NULL,
    nif           TEXT NOT NULL,
    address       TEXT NOT NULL,
    email         TEXT NOT NULL,
    email_consent BOOLEAN NOT NULL,
    -- Lower-case name, NIF and e-mail, for the directory's search (made by the server).
    search        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    erased_at     BIGINT,
    erased_by     TEXT
);
CREATE INDEX customers_by_franchisee ON customers (franchisee_id, name);

-- E-mail requests: "send this document to this address", queued at a till (id: the till's UUID,
-- so a retried push sends once) or at HQ (a Z by e-mail). The send-customer-mail job sends what
-- is waiting once its document is stored, and retries failures (attempts, last_error).
CREATE TABLE mail_requests (
    id            TEXT PRIMARY KEY,
    till_id       BIGINT NOT NULL REFERENCES tills(id),
    store_id      BIGINT NOT NULL REFERENCES stores(id),
    document_id   TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    customer_id   TEXT,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    -- A sender holds the request until then, so two senders never send it twice.
    claimed_until BIGINT,
    last_error    TEXT
);
CREATE INDEX mail_requests_waiting ON mail_requests (sent_at, created_at);
