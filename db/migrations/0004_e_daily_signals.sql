-- Vendor scores mapped beside the nights, one row per (user, date, source), read by GET
-- /v1/me/signals, exported and erased with the user. Oura: the main night's embedded readiness
-- (score, temperature deviation); WHOOP: the night's recovery (score, SpO2, skin temperature,
-- calibration).
CREATE TABLE daily_signals (
  user_id                  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date                     date NOT NULL,
  source                   text NOT NULL CHECK (source IN ('oura', 'whoop')),
  readiness_score          smallint CHECK (readiness_score BETWEEN 0 AND 100),
  temperature_deviation_c  real,
  recovery_score           smallint CHECK (recovery_score BETWEEN 0 AND 100),
  spo2_pct                 real CHECK (spo2_pct BETWEEN 0 AND 100),
  skin_temp_c              real,
  user_calibrating         boolean,
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, date, source)
);
