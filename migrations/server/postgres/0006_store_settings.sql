-- HQ's settings per store, sent to its tills in the Store change: lines printed under the legal
-- header of every receipt, and the cash over/short a Z close accepts without a manager's approval
-- (integer cents, default 5,00 €). Same as sqlite/0006.
ALTER TABLE stores ADD COLUMN receipt_header TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN cash_tolerance_cents BIGINT NOT NULL DEFAULT 500 CHECK (cash_tolerance_cents >= 0);
