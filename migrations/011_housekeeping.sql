-- Housekeeping (issue 6): waitlist entries past their latest date expire, and the frequent-canceller flag
-- (2 or more patient cancellations in 30 days) is set on cancelling and cleared once it no longer holds.
-- The runner looks for both on every round, so each look is an index scan of the few rows concerned.

-- Entries that could still be offered (or were set aside) with a last date: the expiry sweep's queue.
CREATE INDEX waitlist_entries_latest_date ON waitlist_entries (latest_date)
  WHERE latest_date IS NOT NULL AND status IN ('ACTIVE', 'EXHAUSTED', 'UNREACHABLE');

-- A patient's own cancellations, newest last: the 30-day count behind the flag.
CREATE INDEX appointments_patient_cancellations ON appointments (clinic_id, patient_id, cancelled_at)
  WHERE status = 'CANCELLED' AND cancelled_by = 'patient';

-- Flagged patients: the few rows the clearing sweep re-checks.
CREATE INDEX patients_frequent_canceller ON patients (clinic_id) WHERE 'frequent_canceller' = ANY (flags);
