-- Money a patient owes the clinic (API.md "Lifecycle"): cancellation fees now; deposits and prepayments later.
-- A cancellation fee is PENDING until the slot starts (due_at); refilling the opening first WAIVES it.
CREATE TABLE charges (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id       uuid NOT NULL REFERENCES clinics(id),
  patient_id      uuid NOT NULL,
  appointment_id  uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('CANCELLATION_FEE', 'DEPOSIT', 'PREPAYMENT')),
  amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
  status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'CHARGED', 'WAIVED')),
  reason          text NOT NULL,
  due_at          timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
  FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id)
);
CREATE INDEX charges_patient ON charges (clinic_id, patient_id, created_at, id);
CREATE INDEX charges_appointment ON charges (clinic_id, appointment_id);
-- One cancellation fee per appointment.
CREATE UNIQUE INDEX charges_one_cancellation_fee ON charges (clinic_id, appointment_id) WHERE kind = 'CANCELLATION_FEE';
