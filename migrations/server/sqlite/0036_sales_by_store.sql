-- The invoicing run claims one franchisee's sales at a time: by store, then day (the day-first
-- index made each franchisee's claim scan every store's sales; found by the invoicing bench).
-- Same as postgres/0036.
CREATE INDEX sales_store_day ON sales (store_id, business_day);
