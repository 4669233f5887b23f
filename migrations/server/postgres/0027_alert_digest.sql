-- The daily alert digest (issue 18): each dashboard user's own address for it, whether they want
-- it and in which language; and one row per (day, user) sent, so a second run of the job or a
-- second server instance sends nobody the same day's digest twice. Same as sqlite/0027.
ALTER TABLE dashboard_users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE dashboard_users ADD COLUMN alert_digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE dashboard_users ADD COLUMN digest_language TEXT NOT NULL DEFAULT 'es';

CREATE TABLE alert_digests_sent (
    period   TEXT NOT NULL,
    user_id  BIGINT NOT NULL REFERENCES dashboard_users(id),
    alerts   BIGINT NOT NULL,
    sent_at  BIGINT NOT NULL,
    PRIMARY KEY (period, user_id)
);
