-- An invoicing run started from the dashboard works in the background of one server process. Its
-- worker writes `heartbeat_at` every few seconds; a run not finished whose heartbeat is older than
-- the lease (the server died or was stopped mid-run) is marked interrupted when it is read and when
-- a server starts, so its page stops saying "running" and the month can be run again (issuing is
-- idempotent: what the dead run issued stays issued, once). Same as sqlite/0042.
ALTER TABLE invoicing_runs ADD COLUMN heartbeat_at BIGINT;
ALTER TABLE invoicing_runs ADD COLUMN interrupted_at BIGINT;
