-- The weekly trends rollup read by GET /v1/me/trends: one row per user and calendar week (Monday to
-- Sunday in the user's time zone), written after each readiness recompute for the weeks it changed
-- (workers/insights/trends-rollup.ts). A plain table on every server, TimescaleDB or not: a
-- continuous aggregate cannot hold the per-week source choice, the comparison with the previous four
-- weeks or the flags, and Neon's Apache-2 edition has no continuous aggregates at all
-- (docs/adr/0008-trends-rollup.md). Means are rounded to 0.1; each *_days column counts the days
-- behind its mean; change_* is the week's mean minus the mean of the four weeks before it.
CREATE TABLE trends_weekly (
  user_id                 uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  week_start              date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
  week_end                date NOT NULL CHECK (week_end = week_start + 6),
  days                    smallint NOT NULL CHECK (days BETWEEN 0 AND 7),
  hrv_metric              text CHECK (hrv_metric IN ('rmssd', 'sdnn')),
  hrv_source              text,
  hrv_ms                  double precision,
  hrv_days                smallint NOT NULL,
  change_hrv_ms           double precision,
  resting_hr_source       text,
  resting_hr_bpm          double precision,
  resting_hr_days         smallint NOT NULL,
  change_resting_hr_bpm   double precision,
  sleep_source            text,
  total_sleep_s           double precision,
  sleep_days              smallint NOT NULL,
  change_total_sleep_s    double precision,
  readiness_score         double precision,
  readiness_days          smallint NOT NULL,
  change_readiness_score  double precision,
  hrv_below_band_dates    date[] NOT NULL DEFAULT '{}',
  short_sleep_dates       date[] NOT NULL DEFAULT '{}',
  flags                   text[] NOT NULL DEFAULT '{}',
  algorithm_version       text,
  computed_at             timestamptz NOT NULL,
  PRIMARY KEY (user_id, week_start)
);
