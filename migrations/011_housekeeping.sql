-- Housekeeping (issue 6): waitlist entries past their latest date expire, and the frequent-canceller flag
-- (2 or more patient cancellations in 30 days) is set on cancelling and cleared once it no longer holds.
-- The runner looks for both on every round, so each look is an index scan of the few rows concerned; so do
-- the other sweeps that read a big table when nothing is due (figures: npm run bench:sweeps, 200 × 2,000).

-- Entries that could still be offered (or were set aside) with a last date: the expiry sweep's queue
-- (expireEntriesPastLatestDate, bounded by UTC+14's date; bench/sweeps.ts idle p50 40 ms → 1.1 ms).
CREATE INDEX waitlist_entries_latest_date ON waitlist_entries (latest_date)
  WHERE latest_date IS NOT NULL AND status IN ('ACTIVE', 'EXHAUSTED', 'UNREACHABLE');

-- A patient's own cancellations, newest last: the 30-day count behind the flag.
CREATE INDEX appointments_patient_cancellations ON appointments (clinic_id, patient_id, cancelled_at)
  WHERE status = 'CANCELLED' AND cancelled_by = 'patient';

-- Flagged patients in the clearing sweep's order (lockStaleCancellerFlags, ORDER BY p.id; bench/sweeps.ts idle p50 152 ms → 6.4 ms).
CREATE INDEX patients_frequent_canceller ON patients (id) WHERE 'frequent_canceller' = ANY (flags);

-- Appointments that may become no-shows (lockDueNoShows; bench/sweeps.ts idle p50 69 ms seq scan → 0.9 ms).
CREATE INDEX appointments_no_show_due ON appointments (start_at, id) WHERE status IN ('BOOKED', 'CONFIRMED');

-- Deliveries being handed over, by last touch (lockStaleSending; bench/sweeps.ts idle p50 67 ms seq scan → 0.3 ms).
CREATE INDEX deliveries_sending ON deliveries (updated_at) WHERE status = 'SENDING';
