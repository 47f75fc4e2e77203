-- Vendor activity mapped beside the nights (issue 12):
-- - daily_signals gains columns that come from their own vendor documents, not from the night:
--   Oura's daily_sleep score (and its contributors), WHOOP's cycle strain, energy and heart rate.
--   A row now holds whatever of its columns some document gave; it is removed when none is left.
-- - workouts: one row per vendor workout (Oura `workout`, WHOOP v2 workout), keyed by the vendor's id.
ALTER TABLE daily_signals
  ADD COLUMN sleep_score              smallint CHECK (sleep_score BETWEEN 0 AND 100),
  ADD COLUMN sleep_score_contributors jsonb,
  ADD COLUMN strain                   real CHECK (strain BETWEEN 0 AND 21),
  ADD COLUMN cycle_calories_kcal      real CHECK (cycle_calories_kcal >= 0),
  ADD COLUMN cycle_avg_hr_bpm         real,
  ADD COLUMN cycle_max_hr_bpm         real;

CREATE TABLE workouts (
  source            text NOT NULL CHECK (source IN ('oura', 'whoop')),
  vendor_object_id  text NOT NULL,
  user_id           uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date              date NOT NULL,
  activity          text NOT NULL,
  start_at          timestamptz NOT NULL,
  end_at            timestamptz NOT NULL,
  calories_kcal     real CHECK (calories_kcal >= 0),
  distance_m        real CHECK (distance_m >= 0),
  intensity         text,
  recorded_by       text,
  label             text,
  strain            real CHECK (strain BETWEEN 0 AND 21),
  avg_hr_bpm        real,
  max_hr_bpm        real,
  hr_zone_durations_s integer[],
  score_state       text,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, vendor_object_id)
);
CREATE INDEX workouts_user_date ON workouts (user_id, date);
