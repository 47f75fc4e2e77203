-- Security review (issue 10).

-- A vendor account that consented, held until the hub user who started the flow claims it with the
-- connect code (POST /v1/connections/{vendor}/complete). The callback alone attaches nothing: the
-- browser that consented may belong to someone else than the user the `state` was issued to.
CREATE TABLE pending_connections (
  id                 uuid PRIMARY KEY,
  code_hash          text NOT NULL UNIQUE,       -- sha-256 of the connect code; the code itself is never stored
  started_by         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  vendor             text NOT NULL,
  vendor_user_id     text NOT NULL,
  access_token_enc   text NOT NULL,              -- sealed under AAD "pending-<id>:access"
  refresh_token_enc  text,
  token_expires_at   timestamptz,
  scopes             text NOT NULL DEFAULT '',
  expires_at         timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_connections_expires_at ON pending_connections (expires_at);

-- Raw deliveries name the hub user they were processed for, so that export and erasure find them
-- after the vendor account was disconnected (the account-to-user link is gone with the connection).
ALTER TABLE webhook_events ADD COLUMN user_id uuid REFERENCES users(id) ON DELETE CASCADE;
UPDATE webhook_events w SET user_id = c.user_id
  FROM connections c WHERE c.vendor = w.vendor AND c.vendor_user_id = w.vendor_user_id;
CREATE INDEX webhook_events_user ON webhook_events (user_id);
