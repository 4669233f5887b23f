-- Issue 18: a one-time password (made by an admin's reset, on the page or with the CLI) must be
-- replaced by the user at their next sign-in; until then every dashboard page leads to "Mi cuenta".
-- Changing one's own password clears it. Same on sqlite and postgres.
ALTER TABLE dashboard_users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
