-- Reprint queue: every receipt is stored here after its sale commits and before it is sent, so a
-- printer fault (paper out, cover open, offline, timeout) never loses it. Rows are kept once printed.
CREATE TABLE print_jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_seq    INTEGER REFERENCES documents(seq),
    label      TEXT    NOT NULL,
    bytes      BLOB    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'printed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created    TEXT    NOT NULL,
    printed    TEXT
);
CREATE INDEX print_jobs_pending ON print_jobs (state, id);
