-- Store manager at the till: till settings (the cash over/short tolerance until HQ sends it with
-- the catalog) and an index to find the last shift opening and Z close without a scan.
CREATE TABLE till_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX documents_kind_seq ON documents (kind, seq);
