-- The core loop: booking links per delivery, the dev outbox, and what a wave decided.

-- Each message carries its own booking link; only the token's sha256 is kept. A link opens the
-- offer its delivery belongs to.
ALTER TABLE offers DROP COLUMN token_hash;
ALTER TABLE deliveries ADD COLUMN token_hash text UNIQUE;

-- The hold length the wave chose (adaptive shrinks it near the start); applied when the offer is sent.
ALTER TABLE offers ADD COLUMN hold_minutes integer NOT NULL DEFAULT 120 CHECK (hold_minutes > 0);
ALTER TABLE offers ADD COLUMN withdraw_reason text;
ALTER TABLE offers ADD COLUMN rank integer;
ALTER TABLE offers ADD COLUMN score integer;
CREATE INDEX offers_opening ON offers (opening_id);
CREATE INDEX offers_patient_created ON offers (patient_id, created_at);

-- Messages that went to the dev outbox because their channel is not configured (and the record of
-- what an offer said). Shown by GET /api/dev/outbox and the dashboard.
CREATE TABLE dev_outbox (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigserial NOT NULL, -- ties on sent_at (a frozen test clock) keep their order
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  delivery_id uuid NOT NULL,
  channel     text NOT NULL,
  to_address  text NOT NULL,
  subject     text,
  body        text NOT NULL,
  links       text[] NOT NULL DEFAULT '{}',
  sent_at     timestamptz NOT NULL,
  FOREIGN KEY (clinic_id, delivery_id) REFERENCES deliveries (clinic_id, id)
);
CREATE INDEX dev_outbox_clinic ON dev_outbox (clinic_id, sent_at, seq);
CREATE INDEX dev_outbox_to ON dev_outbox (to_address);

-- Wakes the job runners when work is written (LISTEN backfill_work); sent at commit.
CREATE FUNCTION backfill_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('backfill_work', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_wake AFTER INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION backfill_notify_work();
CREATE TRIGGER openings_wake AFTER INSERT OR UPDATE OF next_wave_at ON openings FOR EACH STATEMENT EXECUTE FUNCTION backfill_notify_work();
