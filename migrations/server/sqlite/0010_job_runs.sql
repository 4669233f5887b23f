-- Scheduled jobs (pruning, chain checks, and later invoicing, dunning, replenishment…): one row per
-- job and period, claimed before the work starts. The unique key makes a (job, period) run once
-- across every server instance; a failed or abandoned run can be claimed again. Same as postgres/0010.
CREATE TABLE job_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    job          TEXT NOT NULL,
    period       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    trigger      TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    instance     TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 1,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    duration_ms  BIGINT,
    -- What the run did, as a JSON object of counts ({"sessions": 3, "login_failures": 40}).
    summary      TEXT,
    error        TEXT,
    UNIQUE (job, period)
);
CREATE INDEX job_runs_job_started ON job_runs(job, started_at);

-- How far the nightly check has verified each till's stored chain (documents are immutable, so
-- each night reads only what arrived since; a full re-check starts from 0).
ALTER TABLE tills ADD COLUMN chain_verified_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tills ADD COLUMN chain_verified_hash TEXT;
