-- Draft purchase orders written by the replenishment job (issue 13). Same as postgres/0040_purchase_order_job_drafts.sql.

-- The job that wrote the draft (NULL: a person made it). The Pedidos page shows it as automatic.
ALTER TABLE purchase_orders ADD COLUMN made_by_job TEXT;
-- The last person who changed a draft's lines, and when: the job replaces the lines of its own
-- draft only while nobody has edited it.
ALTER TABLE purchase_orders ADD COLUMN edited_by TEXT;
ALTER TABLE purchase_orders ADD COLUMN edited_at BIGINT;
-- At most one open draft per store and supplier made by a job (the job also takes the purchasing
-- lock before it looks, so a second instance finds the first one's draft instead of failing here).
CREATE UNIQUE INDEX purchase_orders_one_job_draft ON purchase_orders(store_id, supplier_id)
    WHERE status = 'draft' AND made_by_job IS NOT NULL;
