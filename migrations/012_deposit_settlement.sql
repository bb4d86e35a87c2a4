-- Deposits settle with the visit (issue 6): a deposit held (AUTHORIZED) at a claim is released when
-- the patient comes (checked in, completed) or the appointment is cancelled, and kept (CHARGED) when
-- they do not come (NO_SHOW). A sweep does it through the payments port (src/flows/settle-deposits.ts).
--
-- Its queue: charges.next_attempt_at (the fee sweep's retry column, reused). Whatever path gives an
-- appointment its outcome (check-in, cancel, a move, the no-show sweep), this trigger marks its held
-- deposit due in the same transaction, at the appointment's updated_at (the flow's clock, not the
-- database's). A declined settlement then moves next_attempt_at on (backoff) or clears it (left to staff).
CREATE FUNCTION backfill_deposit_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE charges SET next_attempt_at = NEW.updated_at
   WHERE clinic_id = NEW.clinic_id AND appointment_id = NEW.id
     AND kind = 'DEPOSIT' AND status = 'AUTHORIZED' AND attempts = 0 AND next_attempt_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER appointments_deposit_due AFTER UPDATE OF status ON appointments
  FOR EACH ROW WHEN (NEW.status IN ('CHECKED_IN', 'COMPLETED', 'CANCELLED', 'NO_SHOW') AND NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION backfill_deposit_due();
-- Idle, the sweep reads only deposits marked due (bench/sweeps.ts: walking every held deposit and its
-- appointment was 3.8 ms / 6,343 pages with 1,269 held).
CREATE INDEX charges_deposits_due ON charges (next_attempt_at) WHERE kind = 'DEPOSIT' AND status = 'AUTHORIZED';
