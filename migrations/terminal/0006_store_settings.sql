-- HQ's settings of this till's store, pulled with the Store change: lines printed under the legal
-- header of every receipt, and the cash over/short a Z close accepts without a manager's approval.
-- NULL tolerance: HQ has not sent one yet, the till's own setting (till_settings) applies.
ALTER TABLE store_info ADD COLUMN receipt_header TEXT NOT NULL DEFAULT '';
ALTER TABLE store_info ADD COLUMN cash_tolerance_cents INTEGER
    CHECK (cash_tolerance_cents IS NULL OR cash_tolerance_cents >= 0);
