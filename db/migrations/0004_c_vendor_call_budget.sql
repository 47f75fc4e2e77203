-- App-wide call budget for vendors that limit the whole application (WHOOP: 100 a minute and 10,000 a
-- day). One row per (budget key, window); a call is granted by one conditional upsert per window, so
-- every isolate and consumer shares the same count. `blocked_until` holds a vendor 429's reset time.
CREATE TABLE vendor_call_budget (
  budget_key     text NOT NULL,
  window_name    text NOT NULL CHECK (window_name IN ('minute', 'day')),
  window_start   timestamptz NOT NULL,
  used           integer NOT NULL CHECK (used >= 0),
  blocked_until  timestamptz,
  PRIMARY KEY (budget_key, window_name)
);
