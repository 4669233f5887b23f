-- Issue 16: the change kinds the change log holds, per store (0: a change for every store), kept
-- as changes are written, so the Tills page can flag a till whose reported version is too old for
-- a kind already sent to its store without reading the whole log. Filled here from the log so far.
-- Same as sqlite/0045.
CREATE TABLE change_log_kinds (
    kind      TEXT   NOT NULL,
    store_id  BIGINT NOT NULL,
    PRIMARY KEY (kind, store_id)
);
INSERT INTO change_log_kinds (kind, store_id)
SELECT DISTINCT payload::jsonb ->> 'type', COALESCE(store_id, 0) FROM catalog_changes
WHERE payload::jsonb ->> 'type' IS NOT NULL
ON CONFLICT DO NOTHING;
