-- Appointment reminders, SMS replies C / X / R and the patient's reschedule / rebook link (API.md "Lifecycle").
--
-- The reminder is a due column on the appointment (the rows are the queue, like openings.next_wave_at):
-- reminder_due_at is computed when the appointment is booked (and again when the clinic's reminder settings
-- or the patient's zone change); the sweep claims due rows with FOR UPDATE SKIP LOCKED and sets reminded_at
-- in the same transaction as the REMINDER delivery it queues, so a reminder is queued at most once.
ALTER TABLE appointments ADD COLUMN reminder_due_at timestamptz;
ALTER TABLE appointments ADD COLUMN reminded_at timestamptz;
-- A patient who texted X while a fee applies: the quote they were told, valid until the expiry; a second X
-- within it confirms (never for more than quoted), C keeps the appointment.
ALTER TABLE appointments ADD COLUMN cancel_quote_cents integer CHECK (cancel_quote_cents >= 0);
ALTER TABLE appointments ADD COLUMN cancel_quote_expires_at timestamptz;
-- Rebooking after a first no-show records the clinic's discount (settings noShowDiscountPercent).
ALTER TABLE appointments ADD COLUMN discount_percent integer NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100);
-- The appointment this one replaced (a reschedule) or followed (a rebooking after a no-show).
ALTER TABLE appointments ADD COLUMN rebooked_from_appointment_id uuid;
ALTER TABLE appointments ADD CONSTRAINT appointments_rebooked_from
  FOREIGN KEY (clinic_id, rebooked_from_appointment_id) REFERENCES appointments (clinic_id, id);
-- One move per appointment: a second reschedule from the same link (two taps, two tabs) cannot book twice.
CREATE UNIQUE INDEX appointments_one_rebooking ON appointments (clinic_id, rebooked_from_appointment_id)
  WHERE rebooked_from_appointment_id IS NOT NULL;

CREATE INDEX appointments_reminder_due ON appointments (reminder_due_at)
  WHERE reminded_at IS NULL AND reminder_due_at IS NOT NULL AND status IN ('BOOKED', 'CONFIRMED');
-- "The patient's next reminded appointment" for an SMS reply.
CREATE INDEX appointments_patient_reminded ON appointments (clinic_id, patient_id, start_at)
  WHERE reminded_at IS NOT NULL AND status IN ('BOOKED', 'CONFIRMED');

-- Links that let a patient move (RESCHEDULE, until the appointment starts) or rebook after a no-show
-- (REBOOK, 14 days). Random 256-bit tokens, stored as sha256 only; each is bound to one appointment.
CREATE TABLE appointment_links (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id       uuid NOT NULL REFERENCES clinics(id),
  appointment_id  uuid NOT NULL,
  purpose         text NOT NULL CHECK (purpose IN ('RESCHEDULE', 'REBOOK')),
  token_hash      text NOT NULL UNIQUE,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id)
);
CREATE INDEX appointment_links_appointment ON appointment_links (clinic_id, appointment_id);
