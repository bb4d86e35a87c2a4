-- Payments (issue 6): the dev gateway's ledger, the 90-second claim of a patient who owes a deposit or a
-- prepayment (API.md "Lifecycle", Deposits), and what the fee sweep needs on charges.

-- The dev gateway's record of every money movement it answered ok (src/payments/dev-gateway.ts). A real
-- gateway keeps its own; this table is what the default adapter "is". One row per idempotency key: a
-- retried call with the same key finds its row and answers the same, never a second movement.
CREATE TABLE payment_ledger (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq               bigserial NOT NULL, -- the order calls arrived in (created_at ties under a frozen test clock)
  clinic_id         uuid NOT NULL REFERENCES clinics(id),
  patient_id        uuid NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('CHARGE', 'REFUND', 'AUTHORIZATION')),
  amount_cents      integer NOT NULL CHECK (amount_cents > 0),
  idempotency_key   text NOT NULL UNIQUE,
  reference         text NOT NULL UNIQUE,
  -- For a REFUND: the reference of the charge or authorization it returns.
  refunds_reference text,
  description       text NOT NULL,
  created_at        timestamptz NOT NULL
);
CREATE INDEX payment_ledger_patient ON payment_ledger (clinic_id, patient_id, created_at, seq);

-- A claim: the slot held for 90 s while the accepting patient pays. The raw token is only in the
-- payment URL; token_hash is its sha256.
CREATE TABLE claims (
  id                uuid PRIMARY KEY,
  clinic_id         uuid NOT NULL REFERENCES clinics(id),
  opening_id        uuid NOT NULL,
  -- The offer whose link (or SMS reply) made the claim. For an alternative slot it is an offer of
  -- another opening; for a direct accept it is this opening's offer, whose hold waits for the claim.
  offer_id          uuid NOT NULL,
  entry_id          uuid NOT NULL,
  patient_id        uuid NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('DEPOSIT', 'PREPAYMENT')),
  amount_cents      integer NOT NULL CHECK (amount_cents > 0),
  status            text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'PAID', 'LAPSED', 'CANCELLED')),
  expires_at        timestamptz NOT NULL,
  token_hash        text NOT NULL UNIQUE,
  appointment_id    uuid,
  payment_reference text,
  -- The gateway's last refusal (the claim stays OPEN so the patient can try again until it lapses).
  last_failure      text,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  UNIQUE (clinic_id, id),
  CHECK ((status = 'PAID') = (appointment_id IS NOT NULL)),
  FOREIGN KEY (clinic_id, opening_id) REFERENCES openings (clinic_id, id),
  FOREIGN KEY (clinic_id, offer_id) REFERENCES offers (clinic_id, id),
  FOREIGN KEY (clinic_id, entry_id) REFERENCES waitlist_entries (clinic_id, id),
  FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
  FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id)
);
-- Invariant: at most one OPEN claim per opening. Proven by test/http/claims.test.ts
-- "the index refuses a second OPEN claim on one opening (23505)".
CREATE UNIQUE INDEX claims_one_open_per_opening ON claims (opening_id) WHERE status = 'OPEN';
CREATE INDEX claims_due ON claims (expires_at) WHERE status = 'OPEN';
CREATE INDEX claims_offer ON claims (offer_id) WHERE status = 'OPEN';

-- Charges: a deposit is AUTHORIZED (captured or released at the desk), a payment returned is REFUNDED.
ALTER TABLE charges DROP CONSTRAINT charges_status_check;
ALTER TABLE charges ADD CONSTRAINT charges_status_check
  CHECK (status IN ('PENDING', 'CHARGED', 'WAIVED', 'AUTHORIZED', 'REFUNDED'));
-- The fee sweep: the gateway's reference once paid; declines counted, noted and retried with backoff
-- (next_attempt_at NULL after a decline = left for staff).
ALTER TABLE charges
  ADD COLUMN payment_reference text,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN failure_note text;
CREATE INDEX charges_due_fees ON charges (due_at) WHERE status = 'PENDING' AND kind = 'CANCELLATION_FEE';
