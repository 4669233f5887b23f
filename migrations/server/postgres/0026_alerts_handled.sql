-- Alerts that get handled (issue 18): the figures each alert is about (params, a JSON object of
-- ids, numbers and cents, rendered in the viewer's language at display time; NULL on alerts
-- raised before this migration, which keep their English message), a severity per kind, and who
-- acknowledged and resolved an alert, when, with a note. An alert resolved by the server itself
-- (the missing documents arrived) has resolved_at and no resolved_by. Same as sqlite/0026.
ALTER TABLE alerts ADD COLUMN params TEXT;
ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning';
ALTER TABLE alerts ADD COLUMN acknowledged_at BIGINT;
ALTER TABLE alerts ADD COLUMN acknowledged_by BIGINT;
ALTER TABLE alerts ADD COLUMN acknowledge_note TEXT;
ALTER TABLE alerts ADD COLUMN resolved_by BIGINT;
ALTER TABLE alerts ADD COLUMN resolve_note TEXT;

UPDATE alerts SET severity = 'critical'
 WHERE kind IN ('conflict', 'chain_break', 'chain_verify', 'z_mismatch', 'verifactu_rejected',
                'verifactu_bad_hash', 'verifactu_chain_break', 'verifactu_mismatch', 'stock_negative');
UPDATE alerts SET severity = 'info' WHERE kind IN ('stock_below_reorder');

-- The alerts page lists newest first, filtered by state.
CREATE INDEX alerts_by_state ON alerts(resolved_at, acknowledged_at, id);
