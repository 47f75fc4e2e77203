-- A night under 3 hours (Oura: a day whose longest period is a `sleep`, not a `long_sleep`) is kept
-- as the day's night and flagged, instead of leaving the day without rows.
ALTER TABLE sleep_daily ADD COLUMN short_night boolean NOT NULL DEFAULT false;

-- Oura answers 403 on data endpoints while the user's Oura membership has lapsed: the connection
-- waits in its own state (no re-consent can help) and becomes active again when data returns.
ALTER TABLE connections DROP CONSTRAINT connections_status_check;
ALTER TABLE connections ADD CONSTRAINT connections_status_check
  CHECK (status IN ('active', 'needs_reconsent', 'membership_lapsed'));
