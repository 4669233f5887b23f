-- Quick keys for the tills (issue 17): the franchise's layout (scope 0) and a store's own (scope =
-- the store's id), each kept whole as the tills receive it (sync_protocol::QuickKeyLayout as JSON).
-- Each write also goes to the change log. Same in both backends.
CREATE TABLE quick_key_layouts (
    scope BIGINT PRIMARY KEY,
    store_id BIGINT REFERENCES stores(id),
    layout_json TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((scope = 0 AND store_id IS NULL) OR (scope = store_id))
);
