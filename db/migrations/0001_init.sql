-- Core schema. Runs unchanged on plain Postgres 15, Neon and TimescaleDB-enabled servers
-- (hypertables are created in 0002 only where the extension exists).

CREATE TABLE users (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject     text NOT NULL UNIQUE,                 -- the identity provider's `sub`
  -- Audit rows point at this pseudonym, never at `id`: erasing the user deletes the only link
  -- between the append-only audit trail and the person.
  audit_ref   uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  timezone    text NOT NULL DEFAULT 'UTC',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connections (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  vendor             text NOT NULL CHECK (vendor IN ('oura', 'whoop')),
  vendor_user_id     text NOT NULL,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconsent')),
  access_token_enc   text NOT NULL,                 -- AES-256-GCM, "kid:iv:ciphertext"
  refresh_token_enc  text,
  token_expires_at   timestamptz,
  scopes             text NOT NULL DEFAULT '',
  connected_at       timestamptz NOT NULL DEFAULT now(),
  last_sync_at       timestamptz,
  UNIQUE (user_id, vendor),
  UNIQUE (vendor, vendor_user_id)
);

CREATE TABLE oauth_states (
  state_hash  text PRIMARY KEY,                     -- sha-256 of the state; the state itself is never stored
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  vendor      text NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Raw webhook deliveries, for audit and replay (30-day retention). event_key dedupes redeliveries.
CREATE TABLE webhook_events (
  id              bigserial,
  vendor          text NOT NULL,
  event_key       text NOT NULL,
  vendor_user_id  text NOT NULL,
  body            jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (vendor, event_key)
);
CREATE INDEX webhook_events_received_at ON webhook_events (received_at);
CREATE INDEX webhook_events_vendor_user ON webhook_events (vendor, vendor_user_id);

-- The vendor's own documents as fetched; a redelivered object replaces its row.
CREATE TABLE vendor_records (
  vendor       text NOT NULL,
  object_type  text NOT NULL,
  object_id    text NOT NULL,
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  document     jsonb NOT NULL,
  fetched_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (vendor, object_type, object_id)
);
CREATE INDEX vendor_records_user ON vendor_records (user_id);

-- One row per sleep session (naps included); the main night of a date feeds sleep_daily.
CREATE TABLE sleep_sessions (
  source            text NOT NULL,
  vendor_object_id  text NOT NULL,
  user_id           uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date              date NOT NULL,
  is_main           boolean NOT NULL,
  start_at          timestamptz NOT NULL,
  end_at            timestamptz NOT NULL,
  total_sleep_s     integer,
  efficiency_pct    real,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, vendor_object_id)
);
CREATE INDEX sleep_sessions_user_date ON sleep_sessions (user_id, date);

CREATE TABLE sleep_daily (
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date            date NOT NULL,
  source          text NOT NULL CHECK (source IN ('oura', 'whoop', 'apple_health', 'health_connect')),
  total_sleep_s   integer,
  deep_s          integer,
  light_s         integer,
  rem_s           integer,
  awake_s         integer,
  efficiency_pct  real,
  latency_s       integer,
  bedtime_start   timestamptz,
  bedtime_end     timestamptz,
  avg_hrv_ms      real,
  lowest_hr_bpm   real,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, date, source)
);

CREATE TABLE hrv_daily (
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date            date NOT NULL,
  source          text NOT NULL CHECK (source IN ('oura', 'whoop', 'apple_health', 'health_connect')),
  rmssd_ms        real,
  sdnn_ms         real,
  resting_hr_bpm  real,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, date, source),
  -- Apple reports SDNN, everyone else RMSSD: a row never carries both.
  CHECK (rmssd_ms IS NULL OR sdnn_ms IS NULL)
);

-- Phone uploads (Apple Health, Health Connect). The uuid dedupes re-uploads; start_at is part of the
-- key so the table can become a hypertable partitioned on it.
CREATE TABLE phone_samples (
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  uuid         text NOT NULL,
  source       text NOT NULL CHECK (source IN ('apple_health', 'health_connect')),
  type         text NOT NULL CHECK (type IN ('hrv_sdnn', 'hrv_rmssd', 'resting_hr', 'sleep_stage')),
  start_at     timestamptz NOT NULL,
  end_at       timestamptz NOT NULL,
  value        double precision,
  unit         text,
  stage        text,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, uuid, start_at)
);
CREATE INDEX phone_samples_user_end ON phone_samples (user_id, end_at);

CREATE TABLE readiness_snapshots (
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  date               date NOT NULL,
  score              integer CHECK (score BETWEEN 0 AND 100),
  level              text NOT NULL CHECK (level IN ('high', 'moderate', 'low', 'insufficient_data')),
  confidence         real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  components         jsonb NOT NULL,
  baseline           jsonb NOT NULL,
  algorithm_version  text NOT NULL,
  computed_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, date)
);

-- Append-only audit trail. subject_ref/actor_ref are users.audit_ref pseudonyms; no biometric values.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_ref   text NOT NULL,
  action      text NOT NULL,
  subject_ref uuid,
  resource    text NOT NULL,
  request_id  text
);
CREATE INDEX audit_log_subject ON audit_log (subject_ref, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Messages that exhausted their retries, with the reason; replayable by scripts/replay-dead-letters.
CREATE TABLE dead_letters (
  id           bigserial PRIMARY KEY,
  queue        text NOT NULL,
  message_id   text NOT NULL,
  user_id      uuid REFERENCES users(id) ON DELETE CASCADE,
  body         jsonb NOT NULL,
  reason       text NOT NULL,
  attempts     integer NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  replayed_at  timestamptz,
  UNIQUE (queue, message_id)
);

-- Oura webhook subscriptions expire; the daily cron renews them days ahead.
CREATE TABLE webhook_subscriptions (
  vendor           text NOT NULL,
  subscription_id  text NOT NULL,
  event_type       text NOT NULL,
  data_type        text NOT NULL,
  expires_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (vendor, subscription_id)
);
