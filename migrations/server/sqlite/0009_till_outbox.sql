-- What each till last reported as still waiting in its outbox (documents not yet acknowledged by
-- HQ), and when (microseconds since the epoch, UTC). Sent with each push and each changes poll;
-- NULL until the till's first report. Same as postgres/0009.
ALTER TABLE tills ADD COLUMN outbox_waiting BIGINT CHECK (outbox_waiting >= 0);
ALTER TABLE tills ADD COLUMN outbox_reported_at BIGINT;
