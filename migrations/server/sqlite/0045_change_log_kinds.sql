-- Issue 16: the change kinds the change log holds, per store (0: a change for every store), kept
-- as changes are written, so the Tills page can flag a till whose reported version is too old for
-- a kind already sent to its store without reading the whole log. Filled here from the log so far.
-- Same as postgres/0045.
CREATE TABLE change_log_kinds (
    kind      TEXT    NOT NULL,
    store_id  INTEGER NOT NULL,
    PRIMARY KEY (kind, store_id)
);
INSERT OR IGNORE INTO change_log_kinds (kind, store_id)
SELECT DISTINCT json_extract(payload, '$.type'), COALESCE(store_id, 0) FROM catalog_changes
WHERE json_valid(payload) AND json_extract(payload, '$.type') IS NOT NULL;
