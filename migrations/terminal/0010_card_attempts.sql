-- Card payments sent to the payment terminal. A row is written and committed BEFORE the request
-- leaves the till, so a crash between the terminal approving and the sale committing is found at
-- the next start and resolved by asking the terminal (see pos-terminal/src/card_terminal.rs).
--   open       the request may be at the terminal; its outcome is unknown
--   approved   the terminal approved it (reference kept); the sale is not committed yet
--   committed  the sale holding this card payment is in the ledger (sale_seq)
--   declined / cancelled / failed   nothing was charged
-- At most one attempt is open or approved at a time: the till never sends a second request while
-- the outcome of one is unknown or a paid sale is not yet recorded.
CREATE TABLE card_attempts (
    request_id   TEXT    PRIMARY KEY,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency     TEXT    NOT NULL DEFAULT 'EUR',
    -- SHA-256 of the cart (lines and ticket discount): a retry of the same cart is recognised.
    cart_key     TEXT    NOT NULL,
    -- The cart, the tenders already noted and the cashier, so a paid sale can be committed after a crash.
    cart_json    TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'approved', 'committed', 'declined', 'cancelled', 'failed')),
    reference    TEXT,
    detail       TEXT,
    -- The sale document's seq (set inside the sale's own transaction).
    sale_seq     INTEGER,
    created      TEXT    NOT NULL,
    resolved     TEXT
);
CREATE UNIQUE INDEX card_attempts_one_unresolved ON card_attempts ((state IN ('open', 'approved')))
    WHERE state IN ('open', 'approved');
