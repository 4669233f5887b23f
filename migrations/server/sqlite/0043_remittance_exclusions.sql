-- Issue 15: debtors a remittance leaves out, and why. `notice_too_short`: left out when the
-- remittance was made (its collection date was closer than the debtor's contract allows), the rest
-- of the remittance went ahead. `prenotification_late`: held out after it was made, because its
-- pre-notification could not be sent in time (a retry came too late to give the promised notice):
-- the debtor's debits are taken out of the file, their direct-debit payments cancelled and the
-- invoices open again for the next remittance. Same as postgres/0043.
CREATE TABLE remittance_exclusions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    remittance_id   INTEGER NOT NULL REFERENCES remittances(id),
    franchisee_id   INTEGER NOT NULL REFERENCES franchisees(id),
    debtor_name     TEXT    NOT NULL,
    reason          TEXT    NOT NULL CHECK (reason IN ('notice_too_short', 'prenotification_late')),
    notice_days     INTEGER NOT NULL,
    earliest        TEXT    NOT NULL,
    debit_count     INTEGER NOT NULL,
    amount_cents    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX remittance_exclusions_remittance ON remittance_exclusions (remittance_id, id);
ALTER TABLE remittance_debits ADD COLUMN held_on TEXT;
-- A remittance's file is written again when debits are held out of it; every earlier file stays
-- here as it was written, with its hash (what HQ may already have sent to its bank).
CREATE TABLE remittance_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    remittance_id   INTEGER NOT NULL REFERENCES remittances(id),
    xml             TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    debit_count     INTEGER NOT NULL,
    control_sum_cents INTEGER NOT NULL,
    replaced_at     INTEGER NOT NULL
);
CREATE INDEX remittance_files_remittance ON remittance_files (remittance_id, id);
ALTER TABLE sepa_prenotifications ADD COLUMN held_at INTEGER;
-- Files written before are kept exactly as written (DESIGN: documents HQ issues are immutable).
CREATE TRIGGER remittance_files_no_update BEFORE UPDATE ON remittance_files
BEGIN SELECT RAISE(ABORT, 'earlier remittance files are kept as written'); END;
CREATE TRIGGER remittance_files_no_delete BEFORE DELETE ON remittance_files
BEGIN SELECT RAISE(ABORT, 'earlier remittance files are kept as written'); END;
