-- Real channels: web push subscriptions, what patients text back, staff alerts, instance settings.

-- A patient's browser that opted in to web push on an offer page.
CREATE TABLE push_subscriptions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL,
  patient_id  uuid NOT NULL,
  endpoint    text NOT NULL,
  p256dh      text NOT NULL,
  auth        text NOT NULL,
  created_at  timestamptz NOT NULL,
  UNIQUE (clinic_id, patient_id, endpoint),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
);

-- Texts patients sent us. Shown to staff when they were not a keyword we act on.
CREATE TABLE inbound_messages (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  patient_id  uuid,
  channel     text NOT NULL DEFAULT 'SMS',
  from_address text NOT NULL,
  body        text NOT NULL,
  -- What we did with it: accepted, declined, opted_out, opted_in, help, not_understood, no_live_offer…
  action      text NOT NULL,
  provider_message_id text,
  received_at timestamptz NOT NULL,
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
);
CREATE INDEX inbound_messages_clinic ON inbound_messages (clinic_id, received_at);
-- A provider retrying its webhook must not make us act twice.
CREATE UNIQUE INDEX inbound_messages_provider_id ON inbound_messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- Staff alerts (dashboard list; also emailed to the clinic's staffAlertEmail).
CREATE TABLE staff_alerts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  kind        text NOT NULL,
  subject_id  uuid,
  message     text NOT NULL,
  created_at  timestamptz NOT NULL,
  read_at     timestamptz
);
CREATE INDEX staff_alerts_clinic ON staff_alerts (clinic_id, created_at);

-- One open outreach task per offer.
CREATE UNIQUE INDEX outreach_tasks_one_per_offer ON outreach_tasks (offer_id) WHERE status = 'OPEN';

-- Instance-wide settings that are not secrets' hashes (the generated VAPID key pair).
CREATE TABLE instance_settings (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL
);
