-- HQ's "single manager" setting of this till's store, pulled with the Store change: when set, the
-- manager who closes the day may approve an over/short beyond the tolerance with their own PIN;
-- otherwise (the default) a second manager must.
ALTER TABLE store_info ADD COLUMN single_manager INTEGER NOT NULL DEFAULT 0
    CHECK (single_manager IN (0, 1));
