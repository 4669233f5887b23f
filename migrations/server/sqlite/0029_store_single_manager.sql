-- Issue 17: a store run by a single manager. When set, the manager who closes the day at a till may
-- approve an over/short beyond the tolerance with their own PIN; otherwise (the default) a second
-- manager must. Sent to the store's tills in its Store change. Same on sqlite and postgres.
ALTER TABLE stores ADD COLUMN single_manager BOOLEAN NOT NULL DEFAULT FALSE;
