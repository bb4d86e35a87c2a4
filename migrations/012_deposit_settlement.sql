-- Deposits settle with the visit (issue 6): a deposit held (AUTHORIZED) at a claim is released when
-- the patient comes (checked in, completed) or the appointment is cancelled, and kept (CHARGED) when
-- they do not come (NO_SHOW). A sweep does it through the payments port; this index is its queue.
CREATE INDEX charges_held_deposits ON charges (appointment_id) WHERE kind = 'DEPOSIT' AND status = 'AUTHORIZED';
-- A settlement the gateway declined is tried again later, like a fee (attempts, next_attempt_at reused).
