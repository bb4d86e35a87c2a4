-- Backfill schema, version 1. Never edit this file once landed: add 002_….sql instead.
-- Every table carries clinic_id, and references between tables include it (composite foreign keys
-- on (clinic_id, id)), so a row can never point at another clinic's row.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Instance-wide secrets (the generated admin token's hash). Not per clinic.
CREATE TABLE instance_secrets (
  name        text PRIMARY KEY,
  value_hash  text NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE TABLE clinics (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid GENERATED ALWAYS AS (id) STORED,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  timezone    text NOT NULL,
  -- Only the settings a clinic changed; defaults live in src/core/settings.ts.
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  name        text NOT NULL,
  -- sha256 of the key: keys are 256-bit random, so a fast hash is enough; the key itself is never stored.
  key_hash    text NOT NULL UNIQUE,
  permissions text[] NOT NULL,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE providers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  name        text NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);

CREATE TABLE chairs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  name        text NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);

CREATE TABLE services (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id         uuid NOT NULL REFERENCES clinics(id),
  name              text NOT NULL,
  category          text NOT NULL,
  duration_minutes  integer NOT NULL CHECK (duration_minutes > 0),
  price_cents       integer NOT NULL CHECK (price_cents >= 0),
  active            boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);

CREATE TABLE patients (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  first_name              text NOT NULL,
  last_name               text NOT NULL,
  phone                   text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  email                   text,
  timezone                text,
  preferred_channel       text CHECK (preferred_channel IN ('SMS', 'EMAIL', 'VOICE', 'PUSH', 'MANUAL')),
  -- Current consent per channel, with when and how it last changed; the history is consent_events.
  sms_consent             boolean NOT NULL DEFAULT false,
  sms_consent_at          timestamptz,
  sms_consent_source      text,
  voice_consent           boolean NOT NULL DEFAULT false,
  voice_consent_at        timestamptz,
  voice_consent_source    text,
  email_consent           boolean NOT NULL DEFAULT false,
  email_consent_at        timestamptz,
  email_consent_source    text,
  deposit_required_cents  integer NOT NULL DEFAULT 0 CHECK (deposit_required_cents >= 0),
  prepayment_required     boolean NOT NULL DEFAULT false,
  flags                   text[] NOT NULL DEFAULT '{}',
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id)
);
CREATE INDEX patients_clinic_phone ON patients (clinic_id, phone);

-- Append-only history of consent given and revoked (TCPA record keeping).
CREATE TABLE consent_events (
  id          bigserial PRIMARY KEY,
  clinic_id   uuid NOT NULL,
  patient_id  uuid NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('SMS', 'EMAIL', 'VOICE', 'PUSH')),
  granted     boolean NOT NULL,
  source      text NOT NULL,
  at          timestamptz NOT NULL,
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
);
CREATE INDEX consent_events_patient ON consent_events (clinic_id, patient_id, at);

CREATE TABLE appointments (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  patient_id              uuid NOT NULL,
  provider_id             uuid NOT NULL,
  chair_id                uuid,
  service_id              uuid NOT NULL,
  start_at                timestamptz NOT NULL,
  end_at                  timestamptz NOT NULL,
  status                  text NOT NULL DEFAULT 'BOOKED'
                            CHECK (status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'CANCELLED', 'NO_SHOW')),
  source                  text NOT NULL DEFAULT 'STAFF' CHECK (source IN ('STAFF', 'WAITLIST', 'ONLINE')),
  from_waitlist_entry_id  uuid,
  booked_at               timestamptz NOT NULL,
  checked_in_at           timestamptz,
  cancelled_at            timestamptz,
  cancelled_by            text CHECK (cancelled_by IN ('patient', 'staff')),
  cancel_reason           text,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  CHECK (end_at > start_at),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
  FOREIGN KEY (clinic_id, provider_id) REFERENCES providers (clinic_id, id),
  FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
  FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
  -- Invariant: no two active appointments overlap for one provider, nor for one chair.
  -- Half-open ranges, so back-to-back appointments (10:00–10:30, 10:30–11:00) are fine.
  -- Proven by test/http/appointments.test.ts ("overlap" and "20 racing requests").
  CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (
    provider_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
  ) WHERE (status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED')),
  CONSTRAINT appointments_no_chair_overlap EXCLUDE USING gist (
    chair_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
  ) WHERE (chair_id IS NOT NULL AND status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED'))
);
CREATE INDEX appointments_clinic_start ON appointments (clinic_id, start_at, id);
CREATE INDEX appointments_patient ON appointments (clinic_id, patient_id);

CREATE TABLE openings (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  provider_id             uuid NOT NULL,
  chair_id                uuid,
  -- The service of the appointment that freed this time, when there was one (a hint for matching).
  service_id              uuid,
  start_at                timestamptz NOT NULL,
  end_at                  timestamptz NOT NULL,
  status                  text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'FILLED', 'EXPIRED', 'CLOSED')),
  source                  text NOT NULL CHECK (source IN ('CANCELLATION', 'NO_SHOW', 'NEW_SLOT', 'RESCHEDULE')),
  source_appointment_id   uuid,
  filled_appointment_id   uuid,
  filled_at               timestamptz,
  closed_at               timestamptz,
  -- When the waitlist flow should next look at this opening (the row is the queue; NULL = nothing due).
  next_wave_at            timestamptz,
  wave_count              integer NOT NULL DEFAULT 0,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  CHECK (end_at > start_at),
  CHECK ((status = 'FILLED') = (filled_appointment_id IS NOT NULL)),
  FOREIGN KEY (clinic_id, provider_id) REFERENCES providers (clinic_id, id),
  FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
  FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
  FOREIGN KEY (clinic_id, source_appointment_id) REFERENCES appointments (clinic_id, id),
  FOREIGN KEY (clinic_id, filled_appointment_id) REFERENCES appointments (clinic_id, id),
  -- Invariant: one provider's open openings never overlap (the same free time is offered once).
  CONSTRAINT openings_no_open_overlap EXCLUDE USING gist (
    provider_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
  ) WHERE (status = 'OPEN')
);
CREATE INDEX openings_clinic_start ON openings (clinic_id, start_at, id);
CREATE INDEX openings_due_wave ON openings (next_wave_at) WHERE status = 'OPEN' AND next_wave_at IS NOT NULL;

CREATE TABLE waitlist_entries (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  patient_id              uuid NOT NULL,
  service_id              uuid NOT NULL,
  -- Acceptable providers, the first preferred; empty = any. Each is checked against the clinic on write.
  provider_ids            uuid[] NOT NULL DEFAULT '{}',
  chair_ids               uuid[] NOT NULL DEFAULT '{}',
  -- [{ "weekdays": [1..7], "start": "HH:MM", "end": "HH:MM" }] in the clinic's zone; empty = any time.
  windows                 jsonb NOT NULL DEFAULT '[]'::jsonb,
  earliest_date           date,
  latest_date             date,
  priority                text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
  min_notice_minutes      integer NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
  preferred_time          text CHECK (preferred_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  notes                   text,
  status                  text NOT NULL DEFAULT 'ACTIVE'
                            CHECK (status IN ('ACTIVE', 'NOTIFIED', 'BOOKED', 'REMOVED', 'EXPIRED', 'UNREACHABLE', 'EXHAUSTED')),
  notification_count      integer NOT NULL DEFAULT 0 CHECK (notification_count >= 0),
  -- How many times a fitting opening went to someone else first (fairness: passed-over entries rise).
  passed_over_count       integer NOT NULL DEFAULT 0,
  booked_appointment_id   uuid,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  CHECK (earliest_date IS NULL OR latest_date IS NULL OR earliest_date <= latest_date),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
  FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
  FOREIGN KEY (clinic_id, booked_appointment_id) REFERENCES appointments (clinic_id, id)
);
CREATE INDEX waitlist_entries_clinic_status ON waitlist_entries (clinic_id, status, created_at, id);
CREATE INDEX waitlist_entries_match ON waitlist_entries (clinic_id, service_id) WHERE status = 'ACTIVE';

ALTER TABLE appointments
  ADD FOREIGN KEY (clinic_id, from_waitlist_entry_id) REFERENCES waitlist_entries (clinic_id, id);

-- An offer (API: notification): one opening offered to one waitlist entry, with a hold.
CREATE TABLE offers (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  opening_id              uuid NOT NULL,
  entry_id                uuid NOT NULL,
  patient_id              uuid NOT NULL,
  status                  text NOT NULL CHECK (status IN ('SCHEDULED', 'PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN')),
  channel                 text CHECK (channel IN ('SMS', 'EMAIL', 'VOICE', 'PUSH', 'MANUAL')),
  wave                    integer NOT NULL DEFAULT 1,
  message                 text,
  -- sha256 of the booking link's token; the token itself is never stored.
  token_hash              text UNIQUE,
  scheduled_for           timestamptz,
  sent_at                 timestamptz,
  hold_expires_at         timestamptz,
  hold_released           boolean NOT NULL DEFAULT false,
  responded_at            timestamptz,
  response                text CHECK (response IN ('ACCEPTED', 'DECLINED', 'NO_RESPONSE', 'EXPIRED')),
  booked_appointment_id   uuid,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, opening_id) REFERENCES openings (clinic_id, id),
  FOREIGN KEY (clinic_id, entry_id) REFERENCES waitlist_entries (clinic_id, id),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
  FOREIGN KEY (clinic_id, booked_appointment_id) REFERENCES appointments (clinic_id, id)
);
-- Invariant: one offer per (opening, entry), ever.
CREATE UNIQUE INDEX offers_once_per_opening_entry ON offers (opening_id, entry_id);
-- Invariant: one live offer per entry, and a patient holds at most one live offer at a time.
CREATE UNIQUE INDEX offers_one_live_per_entry ON offers (entry_id) WHERE status IN ('SCHEDULED', 'PENDING');
CREATE UNIQUE INDEX offers_one_live_per_patient ON offers (patient_id) WHERE status IN ('SCHEDULED', 'PENDING');
CREATE INDEX offers_clinic_created ON offers (clinic_id, created_at, id);
CREATE INDEX offers_hold_due ON offers (hold_expires_at) WHERE status = 'PENDING';

-- A delivery: one attempt to reach a patient on one channel. The due rows are the send queue.
CREATE TABLE deliveries (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  offer_id                uuid,
  patient_id              uuid,
  kind                    text NOT NULL DEFAULT 'OFFER',
  channel                 text NOT NULL CHECK (channel IN ('SMS', 'EMAIL', 'VOICE', 'PUSH', 'MANUAL')),
  status                  text NOT NULL DEFAULT 'QUEUED'
                            CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'FAILED', 'UNDELIVERED', 'BOUNCED')),
  to_address              text,
  payload                 jsonb NOT NULL DEFAULT '{}'::jsonb,
  provider_message_id     text,
  failure_reason          text,
  attempt_count           integer NOT NULL DEFAULT 0,
  due_at                  timestamptz,
  sent_at                 timestamptz,
  delivered_at            timestamptz,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, offer_id) REFERENCES offers (clinic_id, id),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status = 'QUEUED';
CREATE INDEX deliveries_offer ON deliveries (offer_id);
CREATE INDEX deliveries_provider_id ON deliveries (provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE TABLE outreach_tasks (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id               uuid NOT NULL REFERENCES clinics(id),
  offer_id                uuid,
  patient_id              uuid NOT NULL,
  deadline                timestamptz NOT NULL,
  priority                text NOT NULL DEFAULT 'high' CHECK (priority IN ('normal', 'high', 'urgent')),
  status                  text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE')),
  outcome                 text CHECK (outcome IN ('BOOKED', 'DECLINED', 'NO_ANSWER')),
  notes                   text,
  created_at              timestamptz NOT NULL,
  completed_at            timestamptz,
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, offer_id) REFERENCES offers (clinic_id, id),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
);
CREATE INDEX outreach_tasks_clinic_status ON outreach_tasks (clinic_id, status, created_at, id);

-- Append-only audit log: who did what to which row, with the row before and after.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  actor       text NOT NULL,
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   uuid,
  before      jsonb,
  after       jsonb,
  at          timestamptz NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (clinic_id, entity, entity_id, id);

-- Invariant: the audit log is append-only. Proven by test/store/audit.test.ts.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
