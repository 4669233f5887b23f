-- HQ's quick-key layouts (issue 17), each kept whole as HQ sent it (sync_protocol::QuickKeyLayout
-- as JSON): scope 0 is the franchise's, scope 1 this store's own, which replaces the franchise's
-- while it exists.
CREATE TABLE quick_key_layouts (
    scope INTEGER PRIMARY KEY CHECK (scope IN (0, 1)),
    layout_json TEXT NOT NULL
);
