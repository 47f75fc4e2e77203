-- Who replayed which dead letter, and when (the operator page and `npm run dlq`). A replay record
-- names the operator (their Cloudflare Access identity, or the local name in development) and the
-- queue message, never its body; it outlives the dead letter, which erasure may delete.
CREATE TABLE dead_letter_replays (
  id              bigserial PRIMARY KEY,
  dead_letter_id  bigint REFERENCES dead_letters(id) ON DELETE SET NULL,
  queue           text NOT NULL,
  message_id      text NOT NULL,
  replayed_by     text NOT NULL,
  replayed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_replays_dead_letter ON dead_letter_replays (dead_letter_id);
CREATE INDEX dead_letters_open ON dead_letters (queue, received_at) WHERE replayed_at IS NULL;
