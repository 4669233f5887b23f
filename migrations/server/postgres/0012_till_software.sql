-- Protocol growth and retryable enrolment. Same as sqlite/0012.
-- The enrolment id the till sent with its one-time code (hashed like tokens): a retry of that same
-- enrolment, whose answer was lost, gets the same till back with a fresh token.
ALTER TABLE tills ADD COLUMN enrolment_id_hash TEXT;
-- The till software's version and the catalog change kinds it received but did not know and
-- skipped (sorted, comma-separated; empty for none), as it last reported them, and when
-- (microseconds since the epoch, UTC). NULL until the till's first report.
ALTER TABLE tills ADD COLUMN software_version TEXT;
ALTER TABLE tills ADD COLUMN skipped_change_kinds TEXT;
ALTER TABLE tills ADD COLUMN software_reported_at BIGINT;
