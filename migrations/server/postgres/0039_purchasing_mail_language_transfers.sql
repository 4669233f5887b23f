-- Purchasing (issue 13, third part). Same as sqlite/0039_purchasing_mail_language_transfers.sql.

-- The language a supplier reads (es, en): its purchase orders' PDF and e-mail are written in it.
ALTER TABLE suppliers ADD COLUMN language TEXT NOT NULL DEFAULT 'es';

-- A purchase order e-mail that failed is tried again by the send-purchase-orders job with a
-- growing wait: the attempts made so far, and when the next one is due (NULL: none due; sent, or
-- given up after the last attempt).
ALTER TABLE purchase_orders ADD COLUMN email_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE purchase_orders ADD COLUMN email_next_at BIGINT;
CREATE INDEX purchase_orders_email_due ON purchase_orders(email_next_at) WHERE email_next_at IS NOT NULL;

-- A transfer not yet dispatched can be discarded: who did it and when.
ALTER TABLE store_transfers ADD COLUMN discarded_by TEXT;
ALTER TABLE store_transfers ADD COLUMN discarded_at BIGINT;
