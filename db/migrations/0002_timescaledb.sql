-- Time-series tables become TimescaleDB hypertables where the server offers the extension
-- (Neon: Apache-2 edition). On plain Postgres this migration changes nothing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    RAISE NOTICE 'timescaledb not available: time-series tables stay plain indexed tables';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS timescaledb;
  PERFORM create_hypertable('sleep_daily', 'date', chunk_time_interval => interval '90 days', if_not_exists => true, migrate_data => true);
  PERFORM create_hypertable('hrv_daily', 'date', chunk_time_interval => interval '90 days', if_not_exists => true, migrate_data => true);
  PERFORM create_hypertable('readiness_snapshots', 'date', chunk_time_interval => interval '90 days', if_not_exists => true, migrate_data => true);
  PERFORM create_hypertable('phone_samples', 'start_at', chunk_time_interval => interval '30 days', if_not_exists => true, migrate_data => true);
END
$$;
