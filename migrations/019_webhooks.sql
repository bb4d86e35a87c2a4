-- Events out (issue 11; API.md "Events out (webhooks)", the Standard Webhooks specification).
--
-- Endpoints: where a clinic's events go. `secret` is the signing key (whsec_…); it has to be kept as
-- written to sign (HMAC), so unlike API keys it is not hashed. After a rotation the previous secret signs
-- beside the new one until previous_secret_expires_at (24 h).
CREATE TABLE webhook_endpoints (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id                   uuid NOT NULL REFERENCES clinics(id),
  url                         text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
  description                 text,
  -- Event types, or '*' for all.
  events                      text[] NOT NULL DEFAULT '{*}' CHECK (cardinality(events) > 0),
  disabled                    boolean NOT NULL DEFAULT false,
  disabled_reason             text,
  disabled_at                 timestamptz,
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  -- The first failed attempt since the endpoint's last success (NULL: not failing). 5 days → disabled.
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);
CREATE INDEX webhook_endpoints_clinic ON webhook_endpoints (clinic_id) WHERE NOT disabled;

-- Events: the outbox. Written by the triggers below in the same transaction as the change, so a change that
-- rolls back never emits and a committed one is never lost. `sequence` rises per clinic (one sequence for
-- all: gaps are allowed; two changes of one row are ordered by its row lock, so their events are too).
-- `snapshot` is the row as the change left it; `data`, the resource as the API returns it, is rendered
-- from it once, at the first delivery attempt, and kept so every retry sends the same body.
CREATE SEQUENCE webhook_event_sequence;
CREATE TABLE webhook_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  sequence    bigint NOT NULL DEFAULT nextval('webhook_event_sequence'),
  type        text NOT NULL CHECK (type IN (
                'appointment.created', 'appointment.updated', 'appointment.cancelled', 'appointment.no_show',
                'opening.created', 'opening.filled', 'opening.closed',
                'offer.sent', 'offer.accepted', 'offer.declined', 'offer.expired',
                'waitlist_entry.created', 'waitlist_entry.updated', 'patient.consent_changed',
                'outreach_task.created', 'webhook.test')),
  entity      text NOT NULL,
  entity_id   uuid,
  snapshot    jsonb,
  data        jsonb,
  created_at  timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);
CREATE INDEX webhook_events_clinic ON webhook_events (clinic_id, sequence);

-- One event to one endpoint. The due rows are the queue (next_attempt_at; NULL = nothing due: SUCCEEDED,
-- GAVE_UP, or its endpoint disabled). A worker takes a due row with FOR UPDATE SKIP LOCKED and writes a
-- lease (locked_until) before it POSTs outside any transaction; a worker killed mid-POST leaves its lease to
-- run out, and the row is due again: at least once, never lost.
CREATE TABLE webhook_deliveries (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id         uuid NOT NULL REFERENCES clinics(id),
  endpoint_id       uuid NOT NULL,
  event_id          uuid NOT NULL,
  status            text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'GAVE_UP')),
  attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_status_code  integer,
  last_error        text,
  next_attempt_at   timestamptz,
  locked_until      timestamptz,
  succeeded_at      timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  UNIQUE (endpoint_id, event_id),
  FOREIGN KEY (clinic_id, endpoint_id) REFERENCES webhook_endpoints (clinic_id, id) ON DELETE CASCADE,
  FOREIGN KEY (clinic_id, event_id) REFERENCES webhook_events (clinic_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (clinic_id, endpoint_id, created_at DESC, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Writes one event and its deliveries, one per enabled endpoint of the clinic that takes its type, due at
-- `p_at` (the flow's clock, not the database's). Nothing is written when no endpoint takes it.
CREATE FUNCTION backfill_emit_event(p_clinic uuid, p_type text, p_entity text, p_id uuid, p_snapshot jsonb, p_at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ev uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e
                  WHERE e.clinic_id = p_clinic AND NOT e.disabled AND ('*' = ANY (e.events) OR p_type = ANY (e.events))) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_events (clinic_id, type, entity, entity_id, snapshot, created_at)
       VALUES (p_clinic, p_type, p_entity, p_id, p_snapshot, p_at)
    RETURNING id INTO ev;
  INSERT INTO webhook_deliveries (clinic_id, endpoint_id, event_id, next_attempt_at, created_at, updated_at)
       SELECT p_clinic, e.id, ev, p_at, p_at, p_at FROM webhook_endpoints e
        WHERE e.clinic_id = p_clinic AND NOT e.disabled AND ('*' = ANY (e.events) OR p_type = ANY (e.events));
  PERFORM pg_notify('backfill_work', 'webhook_deliveries');
END $$;

-- The columns of a row the API shows: an update that changes none of them (a bookkeeping column, or the same
-- body synced again) emits nothing.
CREATE FUNCTION backfill_visible(p_row jsonb, p_hidden text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT p_row - p_hidden
$$;

-- Every path that changes one of these rows (API, dashboard, SMS reply, voice, sweeps, sync) emits its
-- event here, so none can forget. Proven by test/flows/webhook-events.test.ts (a table test of every path).
CREATE FUNCTION backfill_appointment_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  hidden text[] := ARRAY['updated_at', 'cancel_quote_cents', 'cancel_quote_expires_at'];
  t text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    t := 'appointment.created';
  ELSIF backfill_visible(to_jsonb(NEW), hidden) = backfill_visible(to_jsonb(OLD), hidden) THEN
    RETURN NULL;
  ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'CANCELLED' THEN
    t := 'appointment.cancelled';
  ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'NO_SHOW' THEN
    t := 'appointment.no_show';
  ELSE
    t := 'appointment.updated';
  END IF;
  PERFORM backfill_emit_event(NEW.clinic_id, t, 'appointment', NEW.id, to_jsonb(NEW), NEW.updated_at);
  RETURN NULL;
END $$;
CREATE TRIGGER appointments_event AFTER INSERT OR UPDATE ON appointments
  FOR EACH ROW EXECUTE FUNCTION backfill_appointment_event();

-- An opening that ends without being filled (CLOSED, or EXPIRED: too late to offer) is opening.closed.
CREATE FUNCTION backfill_opening_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    t := 'opening.created';
  ELSIF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  ELSIF NEW.status = 'FILLED' THEN
    t := 'opening.filled';
  ELSIF NEW.status IN ('CLOSED', 'EXPIRED') THEN
    t := 'opening.closed';
  ELSE
    RETURN NULL;
  END IF;
  PERFORM backfill_emit_event(NEW.clinic_id, t, 'opening', NEW.id, to_jsonb(NEW), NEW.updated_at);
  RETURN NULL;
END $$;
CREATE TRIGGER openings_event AFTER INSERT OR UPDATE ON openings
  FOR EACH ROW EXECUTE FUNCTION backfill_opening_event();

-- offer.sent when the offer is first handed to a channel (sent_at set); then its answer. A WITHDRAWN offer
-- (the opening filled or closed, the entry removed) has no event of its own: opening.* and
-- waitlist_entry.updated tell it.
CREATE FUNCTION backfill_offer_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.sent_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.sent_at IS NULL) THEN
    PERFORM backfill_emit_event(NEW.clinic_id, 'offer.sent', 'offer', NEW.id, to_jsonb(NEW), NEW.updated_at);
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('ACCEPTED', 'DECLINED', 'EXPIRED') THEN
    PERFORM backfill_emit_event(NEW.clinic_id, 'offer.' || lower(NEW.status), 'offer', NEW.id, to_jsonb(NEW), NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER offers_event AFTER INSERT OR UPDATE ON offers
  FOR EACH ROW EXECUTE FUNCTION backfill_offer_event();

CREATE FUNCTION backfill_entry_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  hidden text[] := ARRAY['updated_at', 'passed_over_count'];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM backfill_emit_event(NEW.clinic_id, 'waitlist_entry.created', 'waitlist_entry', NEW.id, to_jsonb(NEW), NEW.updated_at);
  ELSIF backfill_visible(to_jsonb(NEW), hidden) <> backfill_visible(to_jsonb(OLD), hidden) THEN
    PERFORM backfill_emit_event(NEW.clinic_id, 'waitlist_entry.updated', 'waitlist_entry', NEW.id, to_jsonb(NEW), NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER waitlist_entries_event AFTER INSERT OR UPDATE ON waitlist_entries
  FOR EACH ROW EXECUTE FUNCTION backfill_entry_event();

-- A consent granted or revoked (a new patient's granted consents count: before them there was none).
CREATE FUNCTION backfill_consent_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' AND (NEW.sms_consent OR NEW.voice_consent OR NEW.email_consent))
     OR (TG_OP = 'UPDATE' AND (NEW.sms_consent, NEW.voice_consent, NEW.email_consent)
                              IS DISTINCT FROM (OLD.sms_consent, OLD.voice_consent, OLD.email_consent)) THEN
    PERFORM backfill_emit_event(NEW.clinic_id, 'patient.consent_changed', 'patient', NEW.id, to_jsonb(NEW), NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER patients_consent_event AFTER INSERT OR UPDATE ON patients
  FOR EACH ROW EXECUTE FUNCTION backfill_consent_event();

CREATE FUNCTION backfill_outreach_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM backfill_emit_event(NEW.clinic_id, 'outreach_task.created', 'outreach_task', NEW.id, to_jsonb(NEW), NEW.created_at);
  RETURN NULL;
END $$;
CREATE TRIGGER outreach_tasks_event AFTER INSERT ON outreach_tasks
  FOR EACH ROW EXECUTE FUNCTION backfill_outreach_event();
