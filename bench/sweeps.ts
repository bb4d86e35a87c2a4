// Sweeps bench: the idle cost of the due-work runner (src/jobs/runner.ts runDue), which every instance
// runs every 5 s and on every wake-up, against a big clinic population with NOTHING due at `now`.
// Measures runDue(deps, now) idle, and in the same run the raw limit: each sweep's own statement (the
// very SQL text and parameters its store function sends, captured from it), run directly on the pool,
// and their sum. One EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) per statement says how each one finds
// that nothing is due (its scans, and the pages it touched).
//
//   BENCH_CLINICS (200)  BENCH_APPOINTMENTS_PER_CLINIC (2000; patients half that)  BENCH_ENTRIES_PER_CLINIC (500)
//   BENCH_RUNS (200)
//
// Prints figures; never asserts a timing.
import pg from "pg";
import { performance } from "node:perf_hooks";
import { outboxChannels } from "../src/channels/outbox.ts";
import { ManualClock } from "../src/clock.ts";
import { parseConfig } from "../src/config.ts";
import { FREQUENT_CANCELLER_COUNT, windowStart } from "../src/core/cancellers.ts";
import { addMinutes } from "../src/core/time.ts";
import type { Deps } from "../src/flows/deps.ts";
import { runDue, type Drained } from "../src/jobs/runner.ts";
import { devGateway } from "../src/payments/dev-gateway.ts";
import { lockDueFee, lockSettleableDeposit } from "../src/store/charges.ts";
import { duePaymentHolds } from "../src/store/payment-holds.ts";
import { createPool, type Pool, type Queryable } from "../src/store/db.ts";
import { claimDueDeliveries, lockStaleSending } from "../src/store/deliveries.ts";
import { expireEntriesPastLatestDate, lockStaleCancellerFlags } from "../src/store/housekeeping.ts";
import { migrate } from "../src/store/migrate.ts";
import { lockDueNoShows } from "../src/store/no-shows.ts";
import { lockExpiredHolds } from "../src/store/offers.ts";
import { lockDueOpenings } from "../src/store/openings.ts";
import { lockDueReminders } from "../src/store/reminders.ts";
import { takeDueWebhookDeliveries } from "../src/store/webhook-deliveries.ts";
import { benchDatabase, bytes, envInt, ms, ratio, seconds, silentLog, summarize, table, T0 } from "./lib.ts";

const CLINICS = envInt("BENCH_CLINICS", 200);
const APPOINTMENTS = envInt("BENCH_APPOINTMENTS_PER_CLINIC", 2000);
const PATIENTS = Math.max(200, Math.floor(APPOINTMENTS / 2));
const ENTRIES = envInt("BENCH_ENTRIES_PER_CLINIC", 500);
const RUNS = envInt("BENCH_RUNS", 200);
const WARMUP = 5;
// Rows per loading statement, in clinics: progress lines, and no single giant transaction.
const CHUNK = 50;
// Appointments: 243 days (182 back, 60 ahead), 12 one-hour slots a day (12:00–23:00 UTC) per provider, at
// least 3 providers: each appointment has its own (provider, day, slot), so the overlap constraints hold.
const DAYS = 243;
const PAST_DAYS = 182;
const PAST_OPENINGS = 120; // per clinic, over the last 180 days, with 3 offers each
const OPEN_OPENINGS = 5; // per clinic, in the next days, each with a live offer (hold running)
if (APPOINTMENTS > DAYS * 3 * 12) throw new Error(`BENCH_APPOINTMENTS_PER_CLINIC must be at most ${DAYS * 3 * 12}`);
if (ENTRIES < 20) throw new Error("BENCH_ENTRIES_PER_CLINIC must be at least 20");

const log = (line = "") => console.log(line);

// ---------------------------------------------------------------------------------------------------
// Loading: set-based INSERT … SELECT over generate_series, as bench/match.ts. Every id is
// md5('kind:clinic:n')::uuid; every "random" choice is hashint8extended of (clinic, n, salt). `now` is
// T0 (a Monday, 14:00 UTC: the same local date in every clinic's zone) and nothing is due at it: past
// appointments are in final states, future ones were reminded when their reminder was due, fees are
// due at future slots (or were left for staff), held deposits wait for their visit, holds and waves
// are in the future, claims ended, deliveries went out (a few are deferred to later), flagged
// patients still cancel often enough.

const HELPERS = `
CREATE FUNCTION bench_h(c int, k int, salt int, m int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ((hashint8extended(c::bigint * 1000003 + k, salt) & 1073741823) % m)::int $$;
CREATE FUNCTION bench_id(kind text, c int, k int) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT md5(kind || ':' || c || ':' || k)::uuid $$;
-- The entry offered j-th (0–2) for past opening o: entries 1–${OPEN_OPENINGS} hold the live offers.
CREATE FUNCTION bench_ek(o int, j int, e int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ${OPEN_OPENINGS} + 1 + ((o * 3 + j) * 7919) % (e - ${OPEN_OPENINGS}) $$;`;

// $1 = now, $2 = first clinic, $3 = last clinic, $4 = patients, $5 = appointments, $6 = entries per clinic.
const LOAD_CLINICS = `
INSERT INTO clinics (id, name, timezone, settings, created_at)
SELECT bench_id('clinic', c, 0), 'Bench clinic ' || c,
  (ARRAY['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix'])[1 + c % 5],
  (ARRAY['{}', '{"noShowGraceMinutes": 15}', '{"strategy": "broadcast", "waveSize": 3}', '{"noShowGraceMinutes": 10, "strategy": "adaptive"}'])[1 + c % 4]::jsonb,
  $1::timestamptz - interval '400 days'
FROM generate_series($2::int, $3::int) c`;

const LOAD_RESOURCES = [
  `INSERT INTO providers (id, clinic_id, name, created_at)
   SELECT bench_id('provider', c, k), bench_id('clinic', c, 0), 'Dr. Bench ' || c || '-' || k, $1::timestamptz - interval '400 days'
   FROM generate_series($2::int, $3::int) c, generate_series(1, 3 + c % 6) k`,
  `INSERT INTO services (id, clinic_id, name, category, duration_minutes, price_cents, created_at)
   SELECT bench_id('service', c, k), bench_id('clinic', c, 0), 'Service ' || k,
     (ARRAY['injectables', 'laser', 'facial', 'hygiene'])[1 + (k + c) % 4], (ARRAY[30, 45, 60])[1 + k % 3],
     5000 + k * 1000, $1::timestamptz - interval '400 days'
   FROM generate_series($2::int, $3::int) c, generate_series(1, 6) k`,
];

// Patients: 92 % with a phone, 75 % with an email, consent SMS 85 % / email 60 %; 1 % carry a "vip" flag.
const LOAD_PATIENTS = `
INSERT INTO patients (id, clinic_id, first_name, last_name, phone, email, timezone, sms_consent, sms_consent_at, sms_consent_source,
  email_consent, email_consent_at, email_consent_source, flags, created_at, updated_at)
SELECT id, clinic_id, first_name, last_name, phone, email, timezone, sms, CASE WHEN sms THEN created END, CASE WHEN sms THEN 'import' END,
  mail, CASE WHEN mail THEN created END, CASE WHEN mail THEN 'import' END, flags, created, created
FROM (
  SELECT bench_id('patient', c, k) AS id, bench_id('clinic', c, 0) AS clinic_id,
    (ARRAY['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo'])[1 + bench_h(c, k, 1, 8)] AS first_name,
    (ARRAY['Smith', 'Garcia', 'Nguyen', 'Khan', 'Müller', 'Rossi', 'Silva', 'Okafor'])[1 + bench_h(c, k, 2, 8)] AS last_name,
    CASE WHEN bench_h(c, k, 3, 100) < 92 THEN '+1' || (2000000000 + c::bigint * 100000 + k) END AS phone,
    CASE WHEN bench_h(c, k, 4, 100) < 75 THEN 'patient' || c || '.' || k || '@example.test' END AS email,
    (ARRAY['America/Los_Angeles', 'Europe/London', 'America/New_York'])[1 + bench_h(c, k, 5, 30)] AS timezone,
    bench_h(c, k, 7, 100) < 85 AS sms, bench_h(c, k, 9, 100) < 60 AS mail,
    CASE WHEN bench_h(c, k, 6, 100) < 1 THEN '{vip}'::text[] ELSE '{}'::text[] END AS flags,
    $1::timestamptz - make_interval(days => 1 + bench_h(c, k, 10, 390)) AS created
  FROM generate_series($2::int, $3::int) c, generate_series(1, $4::int) k
) x`;

// Appointments: k → (day, slot, provider), 182 days back to 60 ahead. Past: COMPLETED 80 %, CANCELLED 8 %,
// NO_SHOW 6 %, the rest CHECKED_IN (on the last day) or COMPLETED. Future: BOOKED 55 %, CONFIRMED 33 %,
// CANCELLED 12 %. Cancellations: 70 % by the patient, among 200 patients per clinic (some cancel often). Reminders due
// 24 h before (95 %), sent when due (reminded_at), so the future ones not yet due are the reminder queue.
const LOAD_APPOINTMENTS = `
INSERT INTO appointments (id, clinic_id, patient_id, provider_id, service_id, start_at, end_at, status, source, booked_at,
  checked_in_at, cancelled_at, cancelled_by, cancel_reason, reminder_due_at, reminded_at, created_at, updated_at)
SELECT bench_id('appointment', c, k), bench_id('clinic', c, 0),
  bench_id('patient', c, CASE WHEN status = 'CANCELLED' THEN 1 + bench_h(c, k, 51, 200) ELSE 1 + bench_h(c, k, 52, $4::int) END),
  bench_id('provider', c, 1 + slot % np), bench_id('service', c, 1 + bench_h(c, k, 53, 6)),
  start_at, start_at + interval '60 minutes', status, (ARRAY['STAFF', 'STAFF', 'ONLINE', 'WAITLIST'])[1 + bench_h(c, k, 54, 4)],
  booked,
  CASE WHEN status IN ('CHECKED_IN', 'COMPLETED') THEN start_at - interval '5 minutes' END,
  CASE WHEN status = 'CANCELLED' THEN LEAST(start_at - make_interval(hours => 1 + bench_h(c, k, 55, 96)),
    $1::timestamptz - make_interval(mins => 5 + bench_h(c, k, 56, 20160))) END,
  CASE WHEN status = 'CANCELLED' THEN (CASE WHEN bench_h(c, k, 57, 10) < 7 THEN 'patient' ELSE 'staff' END) END,
  CASE WHEN status = 'CANCELLED' THEN 'bench' END,
  due, CASE WHEN due <= $1::timestamptz THEN due END,
  booked, GREATEST(booked, LEAST(start_at, $1::timestamptz))
FROM (
  SELECT c, k, 3 + c % 6 AS np, (k - 1) / ${DAYS} AS slot,
    date_trunc('day', $1::timestamptz) + make_interval(days => (k - 1) % ${DAYS} - ${PAST_DAYS}, hours => 12 + ((k - 1) / ${DAYS}) / (3 + c % 6)) AS start_at,
    bench_h(c, k, 50, 100) AS h
  FROM generate_series($2::int, $3::int) c, generate_series(1, $5::int) k
) s,
LATERAL (SELECT CASE WHEN start_at < $1::timestamptz
    THEN (CASE WHEN h < 80 THEN 'COMPLETED' WHEN h < 88 THEN 'CANCELLED' WHEN h < 94 THEN 'NO_SHOW'
               WHEN start_at > $1::timestamptz - interval '1 day' THEN 'CHECKED_IN' ELSE 'COMPLETED' END)
    ELSE (CASE WHEN h < 55 THEN 'BOOKED' WHEN h < 88 THEN 'CONFIRMED' ELSE 'CANCELLED' END) END AS status) st,
LATERAL (SELECT LEAST(start_at - make_interval(days => 1 + bench_h(c, k, 58, 30)), $1::timestamptz - interval '1 hour') AS booked,
  CASE WHEN bench_h(c, k, 59, 100) < 95 THEN start_at - interval '24 hours' END AS due) b`;

// Late patient cancellations (under 48 h) owe a fee at the slot's start: future ones PENDING, past ones
// CHARGED (60 %) or WAIVED, 2 % declined 4 times and left for staff (PENDING, next_attempt_at NULL).
const LOAD_CHARGES = `
INSERT INTO charges (id, clinic_id, patient_id, appointment_id, kind, amount_cents, status, reason, due_at,
  payment_reference, attempts, next_attempt_at, failure_note, created_at, updated_at)
SELECT md5('charge:' || a.id)::uuid, a.clinic_id, a.patient_id, a.id, 'CANCELLATION_FEE', 2500 + h % 4 * 1000, fee,
  'late cancellation', a.start_at, CASE WHEN fee = 'CHARGED' THEN 'dev_' || md5(a.id::text) END,
  CASE WHEN fee = 'CHARGED' THEN 1 WHEN a.start_at < $1::timestamptz AND fee = 'PENDING' THEN 4 ELSE 0 END, NULL,
  CASE WHEN a.start_at < $1::timestamptz AND fee = 'PENDING' THEN 'card_declined' END,
  a.cancelled_at, GREATEST(a.cancelled_at, LEAST(a.start_at, $1::timestamptz))
FROM appointments a,
  LATERAL (SELECT abs(hashtext(a.id::text)) AS h) x,
  LATERAL (SELECT CASE WHEN a.start_at >= $1::timestamptz OR h % 50 = 0 THEN 'PENDING' WHEN h % 5 < 3 THEN 'CHARGED' ELSE 'WAIVED' END AS fee) s
WHERE a.status = 'CANCELLED' AND a.cancelled_by = 'patient' AND a.start_at - a.cancelled_at < interval '48 hours'`;

// Deposits paid at a claim (3 % of appointments): held (AUTHORIZED) for the upcoming ones, settled for the
// past ones (kept on a no-show, released otherwise).
const LOAD_DEPOSITS = `
INSERT INTO charges (id, clinic_id, patient_id, appointment_id, kind, amount_cents, status, reason, due_at, payment_reference,
  created_at, updated_at)
SELECT md5('deposit:' || a.id)::uuid, a.clinic_id, a.patient_id, a.id, 'DEPOSIT', 5000,
  CASE WHEN a.status IN ('BOOKED', 'CONFIRMED') THEN 'AUTHORIZED' WHEN a.status = 'NO_SHOW' THEN 'CHARGED' ELSE 'REFUNDED' END,
  'deposit_required', a.booked_at, 'dev_' || md5('deposit:' || a.id), a.booked_at, GREATEST(a.booked_at, LEAST(a.start_at, $1::timestamptz))
FROM appointments a WHERE abs(hashtext('deposit:' || a.id)) % 100 < 3`;

// Flagged: exactly the patients with 2+ own cancellations in the last 30 days (the flag still holds).
const FLAG_CANCELLERS = `
UPDATE patients p SET flags = p.flags || '{frequent_canceller}'::text[], updated_at = $1
FROM (SELECT clinic_id, patient_id FROM appointments
      WHERE status = 'CANCELLED' AND cancelled_by = 'patient' AND cancelled_at > $1::timestamptz - interval '30 days'
      GROUP BY clinic_id, patient_id HAVING count(*) >= 2) x
WHERE p.clinic_id = x.clinic_id AND p.id = x.patient_id`;

// Entries: 35 % with a latest date. ACTIVE 60 %, BOOKED 15 %, REMOVED 8 %, EXPIRED 10 % (latest date
// passed), EXHAUSTED 4 %, UNREACHABLE 3 %; the live ones end today or later. Entries 1–5 hold live offers.
const LOAD_ENTRIES = `
INSERT INTO waitlist_entries (id, clinic_id, patient_id, service_id, latest_date, priority, status, notification_count,
  created_at, updated_at)
SELECT bench_id('entry', c, k), bench_id('clinic', c, 0), bench_id('patient', c, 1 + (k - 1) % $4::int),
  bench_id('service', c, 1 + bench_h(c, k, 61, 6)),
  CASE WHEN status = 'EXPIRED' THEN today - (1 + bench_h(c, k, 62, 60))
       WHEN bench_h(c, k, 63, 100) >= 35 THEN NULL
       WHEN status IN ('ACTIVE', 'NOTIFIED', 'EXHAUSTED', 'UNREACHABLE') THEN today + bench_h(c, k, 64, 121)
       ELSE today + (bench_h(c, k, 65, 271) - 150) END,
  (ARRAY['normal', 'normal', 'normal', 'normal', 'high', 'urgent'])[1 + bench_h(c, k, 66, 6)],
  status, CASE WHEN status = 'EXHAUSTED' THEN 3 ELSE bench_h(c, k, 67, 3) END,
  created, created
FROM (
  SELECT c, k, ($1::timestamptz AT TIME ZONE 'UTC')::date AS today,
    CASE WHEN k <= ${OPEN_OPENINGS} THEN 'NOTIFIED' WHEN hs < 60 THEN 'ACTIVE' WHEN hs < 75 THEN 'BOOKED' WHEN hs < 83 THEN 'REMOVED'
         WHEN hs < 93 THEN 'EXPIRED' WHEN hs < 97 THEN 'EXHAUSTED' ELSE 'UNREACHABLE' END AS status,
    $1::timestamptz - make_interval(mins => 60 + bench_h(c, k, 68, 180 * 1440)) AS created
  FROM generate_series($2::int, $3::int) c, generate_series(1, $6::int) k, LATERAL (SELECT bench_h(c, k, 60, 100) AS hs) h
) x`;

// Openings: 120 past ones (FILLED, EXPIRED, CLOSED) and 5 OPEN ones ahead, waiting on a live hold (next
// wave at its end, or none).
const LOAD_OPENINGS = `
INSERT INTO openings (id, clinic_id, provider_id, start_at, end_at, status, source, filled_appointment_id, filled_at, closed_at,
  next_wave_at, wave_count, created_at, updated_at)
SELECT bench_id('opening', c, o), bench_id('clinic', c, 0), bench_id('provider', c, 1 + o % (3 + c % 6)),
  start_at, start_at + interval '60 minutes', status, CASE WHEN o % 5 = 0 THEN 'NO_SHOW' ELSE 'CANCELLATION' END,
  CASE WHEN status = 'FILLED' THEN bench_id('appointment', c, 1 + o % LEAST(180, $5::int)) END,
  CASE WHEN status = 'FILLED' THEN start_at - interval '20 hours' END,
  CASE WHEN status = 'CLOSED' THEN start_at - interval '2 hours' END,
  CASE WHEN status = 'OPEN' AND o % 2 = 0 THEN $1::timestamptz + make_interval(mins => 15 + o % 7) END,
  1 + o % 3, start_at - interval '1 day', LEAST(start_at, $1::timestamptz - interval '10 minutes')
FROM generate_series($2::int, $3::int) c, generate_series(1, ${PAST_OPENINGS + OPEN_OPENINGS}) o,
  LATERAL (SELECT CASE WHEN o > ${PAST_OPENINGS} THEN date_trunc('day', $1::timestamptz) + make_interval(days => o - ${PAST_OPENINGS}, hours => 8)
                       ELSE date_trunc('day', $1::timestamptz) - make_interval(days => 1 + (o * 3) / 2, hours => -19) END AS start_at,
                  CASE WHEN o > ${PAST_OPENINGS} THEN 'OPEN' ELSE (ARRAY['FILLED', 'EXPIRED', 'CLOSED', 'EXPIRED'])[1 + o % 4] END AS status) t`;

// Offers: 3 per past opening (accepted / declined / withdrawn, expired, …), and per open opening a
// PENDING one (hold ends 10–40 min from now) and a declined one.
const LOAD_OFFERS = `
INSERT INTO offers (id, clinic_id, opening_id, entry_id, patient_id, status, channel, wave, message, scheduled_for, sent_at,
  hold_expires_at, hold_released, responded_at, response, booked_appointment_id, withdraw_reason, hold_minutes, rank, score, created_at, updated_at)
SELECT bench_id('offer', c, o * 3 + j), bench_id('clinic', c, 0), bench_id('opening', c, o), bench_id('entry', c, ek),
  bench_id('patient', c, 1 + (ek - 1) % $4::int), status, CASE WHEN j = 2 THEN 'EMAIL' ELSE 'SMS' END, 1, 'Bench offer',
  created, created, held, status <> 'PENDING',
  CASE WHEN status IN ('ACCEPTED', 'DECLINED') THEN created + interval '12 minutes' END,
  CASE status WHEN 'ACCEPTED' THEN 'ACCEPTED' WHEN 'DECLINED' THEN 'DECLINED' WHEN 'EXPIRED' THEN 'NO_RESPONSE' END,
  CASE WHEN status = 'ACCEPTED' THEN bench_id('appointment', c, 1 + o % LEAST(180, $5::int)) END,
  CASE WHEN status = 'WITHDRAWN' THEN (CASE WHEN o % 4 = 2 THEN 'closed' ELSE 'filled' END) END,
  120, j + 1, 40 - j, created, created
FROM generate_series($2::int, $3::int) c, generate_series(1, ${PAST_OPENINGS + OPEN_OPENINGS}) o, generate_series(0, 2) j,
  LATERAL (SELECT CASE WHEN o > ${PAST_OPENINGS} THEN (CASE WHEN j = 0 THEN o - ${PAST_OPENINGS} ELSE bench_ek(o, j, $6::int) END)
                       ELSE bench_ek(o, j, $6::int) END AS ek,
    CASE WHEN o > ${PAST_OPENINGS} THEN (ARRAY['PENDING', 'DECLINED'])[1 + j]
         WHEN o % 4 = 0 THEN (ARRAY['ACCEPTED', 'DECLINED', 'WITHDRAWN'])[1 + j]
         WHEN o % 4 = 2 THEN 'WITHDRAWN'
         ELSE (ARRAY['EXPIRED', 'DECLINED', 'EXPIRED'])[1 + j] END AS status,
    CASE WHEN o > ${PAST_OPENINGS} THEN $1::timestamptz - make_interval(mins => 20 + j)
         ELSE date_trunc('day', $1::timestamptz) - make_interval(days => 1 + (o * 3) / 2, hours => -19) - make_interval(hours => 20 + j) END AS created) t,
  LATERAL (SELECT CASE WHEN status = 'PENDING' THEN $1::timestamptz + make_interval(mins => 10 + (o % 5) * 7) ELSE created + interval '2 hours' END AS held) hh
WHERE o <= ${PAST_OPENINGS} OR j < 2`;

// Claims: a PAID deposit on every other filled opening (its accepted offer), a LAPSED one on an expired one.
const LOAD_CLAIMS = `
INSERT INTO payment_holds (id, clinic_id, opening_id, offer_id, entry_id, patient_id, kind, amount_cents, status, expires_at, token_hash,
  appointment_id, payment_reference, created_at, updated_at)
SELECT bench_id('claim', c, o), bench_id('clinic', c, 0), bench_id('opening', c, o), bench_id('offer', c, o * 3),
  bench_id('entry', c, ek), bench_id('patient', c, 1 + (ek - 1) % $4::int), CASE WHEN o % 3 = 0 THEN 'PREPAYMENT' ELSE 'DEPOSIT' END, 5000,
  CASE WHEN o % 8 = 0 THEN 'PAID' ELSE 'LAPSED' END, created + interval '90 seconds', md5('claim-token:' || c || ':' || o),
  CASE WHEN o % 8 = 0 THEN bench_id('appointment', c, 1 + o % LEAST(180, $5::int)) END,
  CASE WHEN o % 8 = 0 THEN 'dev_' || md5('claim:' || c || ':' || o) END,
  created, created + interval '90 seconds'
FROM generate_series($2::int, $3::int) c, generate_series(1, ${PAST_OPENINGS}) o,
  LATERAL (SELECT bench_ek(o, 0, $6::int) AS ek,
    date_trunc('day', $1::timestamptz) - make_interval(days => 1 + (o * 3) / 2, hours => -19) - interval '19 hours' AS created) t
WHERE o % 8 IN (0, 1)`;

// Deliveries: one per offer (DELIVERED 70 %, SENT 15 %, FAILED 10 %, UNDELIVERED 5 %; the live ones
// delivered); one REMINDER per reminded appointment; 2 NOTICEs per clinic deferred by quiet hours.
const LOAD_OFFER_DELIVERIES = `
INSERT INTO deliveries (clinic_id, offer_id, patient_id, kind, channel, status, to_address, provider_message_id, attempt_count,
  due_at, sent_at, delivered_at, failure_reason, token_hash, created_at, updated_at)
SELECT f.clinic_id, f.id, f.patient_id, 'OFFER', f.channel, ds, 'bench:' || f.patient_id,
  CASE WHEN ds <> 'FAILED' THEN 'SM' || md5(f.id::text) END, 1, f.created_at,
  CASE WHEN ds <> 'FAILED' THEN f.created_at END, CASE WHEN ds = 'DELIVERED' THEN f.created_at + interval '5 seconds' END,
  CASE WHEN ds IN ('FAILED', 'UNDELIVERED') THEN 'carrier rejected' END, md5('token:' || f.id),
  f.created_at, f.created_at + interval '5 seconds'
FROM offers f, LATERAL (SELECT abs(hashtext(f.id::text)) % 100 AS h) x,
  LATERAL (SELECT CASE WHEN f.status = 'PENDING' OR h < 70 THEN 'DELIVERED' WHEN h < 85 THEN 'SENT' WHEN h < 95 THEN 'FAILED' ELSE 'UNDELIVERED' END AS ds) s`;

const LOAD_REMINDER_DELIVERIES = `
INSERT INTO deliveries (clinic_id, patient_id, kind, channel, status, to_address, payload, provider_message_id, attempt_count,
  due_at, sent_at, delivered_at, failure_reason, created_at, updated_at)
SELECT a.clinic_id, a.patient_id, 'REMINDER', CASE WHEN h % 5 = 0 THEN 'EMAIL' ELSE 'SMS' END, ds, 'bench:' || a.patient_id,
  jsonb_build_object('appointmentId', a.id), CASE WHEN ds <> 'FAILED' THEN 'SM' || md5(a.id::text) END, 1,
  a.reminded_at, CASE WHEN ds <> 'FAILED' THEN a.reminded_at END, CASE WHEN ds = 'DELIVERED' THEN a.reminded_at + interval '5 seconds' END,
  CASE WHEN ds = 'FAILED' THEN 'carrier rejected' END, a.reminded_at, a.reminded_at + interval '5 seconds'
FROM appointments a, LATERAL (SELECT abs(hashtext(a.id::text)) AS h) x,
  LATERAL (SELECT CASE WHEN h % 100 < 85 THEN 'DELIVERED' WHEN h % 100 < 97 THEN 'SENT' ELSE 'FAILED' END AS ds) s
WHERE a.reminded_at IS NOT NULL`;

const LOAD_DEFERRED_NOTICES = `
INSERT INTO deliveries (clinic_id, kind, channel, status, payload, due_at, created_at, updated_at)
SELECT bench_id('clinic', c, 0), 'NOTICE', 'SMS', 'QUEUED', jsonb_build_object('to', '+12000000000', 'text', 'Bench notice'),
  $1::timestamptz + make_interval(hours => 1 + (c + n) % 12), $1::timestamptz - interval '1 hour', $1::timestamptz - interval '1 hour'
FROM generate_series($2::int, $3::int) c, generate_series(1, 2) n`;

async function load(db: pg.Client): Promise<number> {
  const started = performance.now();
  const step = async (name: string, run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    log(`  loaded ${name.padEnd(20)} ${seconds(performance.now() - t).padStart(8)}`);
  };
  const params = (lo: number, hi: number) => [T0, lo, hi, PATIENTS, APPOINTMENTS, ENTRIES];
  const chunked = async (sql: string) => {
    // Each statement gets only the parameters it uses, renumbered in order ($1, $2, $4 → $1, $2, $3).
    const used = [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
    const text = sql.replace(/\$(\d+)/g, (_, d: string) => `$${used.indexOf(Number(d)) + 1}`);
    for (let lo = 1; lo <= CLINICS; lo += CHUNK) {
      const all = params(lo, Math.min(CLINICS, lo + CHUNK - 1));
      await db.query(
        text,
        used.map((n) => all[n - 1]),
      );
    }
  };
  await db.query("SET TimeZone = 'UTC'");
  await db.query("SET maintenance_work_mem = '256MB'");
  await db.query(HELPERS);
  await step("clinics", () => db.query(LOAD_CLINICS, [T0, 1, CLINICS]));
  await step("resources", async () => {
    for (const sql of LOAD_RESOURCES) await db.query(sql, [T0, 1, CLINICS]);
  });
  await step("patients", () => chunked(LOAD_PATIENTS));
  await step("appointments", () => chunked(LOAD_APPOINTMENTS));
  await step("charges", async () => {
    await db.query(LOAD_CHARGES, [T0]);
    await db.query(LOAD_DEPOSITS, [T0]);
  });
  await step("canceller flags", () => db.query(FLAG_CANCELLERS, [T0]));
  await step("waitlist entries", () => chunked(LOAD_ENTRIES));
  await step("openings", () => chunked(LOAD_OPENINGS));
  await step("offers", () => chunked(LOAD_OFFERS));
  await step("claims", () => chunked(LOAD_CLAIMS));
  await step("deliveries", async () => {
    await db.query(LOAD_OFFER_DELIVERIES);
    await db.query(LOAD_REMINDER_DELIVERIES);
    await db.query(LOAD_DEFERRED_NOTICES, [T0, 1, CLINICS]);
  });
  await db.query("DROP FUNCTION bench_h(int, int, int, int); DROP FUNCTION bench_id(text, int, int); DROP FUNCTION bench_ek(int, int, int)");
  // VACUUM as well as ANALYZE: the steady state of a live database, and autovacuum idle during the runs.
  await step("vacuum analyze", () => db.query("VACUUM (ANALYZE)"));
  await db.query("CHECKPOINT");
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------------
// The raw limit: each sweep's statement exactly as its store function sends it (text and parameters,
// captured by calling the function on a recorder), with the arguments runDue passes (src/flows/*).

interface Statement {
  text: string;
  values: unknown[];
}

async function capture(call: (q: Queryable) => Promise<unknown>): Promise<Statement> {
  let got: Statement | null = null;
  const recorder = {
    query: async (text: string, values: unknown[] = []) => {
      got = { text, values };
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  await call(recorder);
  if (!got) throw new Error("the store function sent no statement");
  return got;
}

interface Sweep extends Statement {
  name: string;
}

async function sweepsAt(now: Date): Promise<Sweep[]> {
  const list: [string, (q: Queryable) => Promise<unknown>][] = [
    ["canceller flags  lockStaleCancellerFlags", (q) => lockStaleCancellerFlags(q, windowStart(now), FREQUENT_CANCELLER_COUNT, 100)],
    ["claims           duePaymentHolds", (q) => duePaymentHolds(q, now, 50)],
    ["fees             lockDueFee", (q) => lockDueFee(q, now)],
    ["deposits         lockSettleableDeposit", (q) => lockSettleableDeposit(q, now)],
    ["no-shows         lockDueNoShows", (q) => lockDueNoShows(q, now, 1)],
    ["holds            lockExpiredHolds", (q) => lockExpiredHolds(q, now, 50)],
    ["entries          expireEntriesPastLatestDate", (q) => expireEntriesPastLatestDate(q, now, 100)],
    ["waves            lockDueOpenings", (q) => lockDueOpenings(q, now, 1)],
    ["reminders        lockDueReminders", (q) => lockDueReminders(q, now, 1)],
    ["reconcile        lockStaleSending", (q) => lockStaleSending(q, addMinutes(now, -5), 50)],
    ["dispatch         claimDueDeliveries", (q) => claimDueDeliveries(q, now, 50)],
    [
      "webhooks         takeDueWebhookDeliveries",
      (q) => takeDueWebhookDeliveries(q, { now, leaseUntil: new Date(now.getTime() + 60_000), limit: 50, perEndpoint: 3 }),
    ],
  ];
  return Promise.all(list.map(async ([name, call]) => ({ name, ...(await capture(call)) })));
}

/** The pool, recording every statement sent through it or its clients into `into` (when set). */
function recording(pool: Pool, sink: { into: Statement[] | null }): Pool {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === "query") {
          return (text: string, values?: unknown[]) => {
            sink.into?.push({ text, values: values ?? [] });
            return (t as unknown as Queryable).query(text, values);
          };
        }
        if (prop === "connect" && t === (pool as object)) return async () => wrap(await pool.connect());
        const v = Reflect.get(t, prop);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
  return wrap(pool);
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

/** The scans of a plan, outermost first: "Seq Scan appointments", "Index Scan offers_hold_due", … */
function scans(node: PlanNode, out: string[] = []): string[] {
  if (node["Node Type"].endsWith("Scan") && (node["Relation Name"] || node["Index Name"])) {
    out.push(`${node["Node Type"]} ${node["Index Name"] ?? node["Relation Name"]}`);
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  log(
    `Backfill sweeps bench: the idle runDue over ${CLINICS.toLocaleString("en-US")} clinics × ${APPOINTMENTS.toLocaleString("en-US")} appointments ` +
      `(${(CLINICS * APPOINTMENTS).toLocaleString("en-US")}), ${ENTRIES} waitlist entries and ${PATIENTS} patients per clinic, ${RUNS} runs`,
  );
  const startedAll = performance.now();
  const { server, url } = await benchDatabase("backfill_bench_sweeps");
  const pool = createPool(url);
  const loader = new pg.Client(url);
  try {
    await loader.connect();
    const {
      rows: [version],
    } = await loader.query("SHOW server_version");
    const {
      rows: [sb],
    } = await loader.query("SHOW shared_buffers");
    log(`PostgreSQL ${version.server_version} (embedded, fsync off, shared_buffers ${sb.shared_buffers}), pool of 20 as in src/main.ts`);
    await migrate(pool);

    log("\nLoading (set-based INSERT … SELECT generate_series, FKs, constraints and indexes in place):");
    const loadMs = await load(loader);
    const {
      rows: [n],
    } = await loader.query(
      `
      SELECT (SELECT count(*) FROM patients) AS patients,
        (SELECT count(*) FROM patients WHERE 'frequent_canceller' = ANY (flags)) AS flagged,
        (SELECT count(*) FROM appointments) AS appointments,
        (SELECT count(*) FROM appointments WHERE start_at >= $1 AND status IN ('BOOKED', 'CONFIRMED')) AS upcoming,
        (SELECT count(*) FROM appointments WHERE reminded_at IS NOT NULL) AS reminded,
        (SELECT count(*) FROM waitlist_entries) AS entries,
        (SELECT count(*) FROM waitlist_entries WHERE latest_date IS NOT NULL AND status IN ('ACTIVE', 'EXHAUSTED', 'UNREACHABLE')) AS dated,
        (SELECT count(*) FROM charges) AS charges, (SELECT count(*) FROM charges WHERE status = 'PENDING') AS pending_fees,
        (SELECT count(*) FROM charges WHERE status = 'AUTHORIZED') AS held,
        (SELECT count(*) FROM payment_holds) AS claims, (SELECT count(*) FROM openings) AS openings,
        (SELECT count(*) FROM offers) AS offers, (SELECT count(*) FROM offers WHERE status = 'PENDING') AS live_offers,
        (SELECT count(*) FROM deliveries) AS deliveries, (SELECT count(*) FROM deliveries WHERE status = 'QUEUED') AS queued,
        pg_database_size(current_database()) AS db_size`,
      [T0],
    );
    log(`Load time ${seconds(loadMs)} · database ${bytes(n.db_size)}`);
    log(
      `Rows: ${n.appointments} appointments (${n.upcoming} upcoming BOOKED/CONFIRMED, ${n.reminded} reminded), ${n.patients} patients ` +
        `(${n.flagged} frequent_canceller), ${n.entries} entries (${n.dated} live with a latest date), ${n.charges} charges (${n.pending_fees} PENDING fees, ${n.held} deposits held), ` +
        `${n.claims} claims, ${n.openings} openings, ${n.offers} offers (${n.live_offers} holds running), ${n.deliveries} deliveries (${n.queued} deferred)`,
    );

    // ---- the statements, and a check that they are all runDue sends when idle ----
    const now = T0;
    const sink: { into: Statement[] | null } = { into: null };
    const deps: Deps = {
      db: recording(pool, sink),
      clock: new ManualClock(now),
      config: parseConfig({ DATABASE_URL: url }),
      log: silentLog,
      channels: outboxChannels(pool),
      payments: devGateway(pool),
    };
    const sweeps = await sweepsAt(now);
    const drained: Drained = { waves: 0, sent: 0, expired: 0, noShows: 0, reminders: 0, webhooks: 0 };
    sink.into = [];
    const first = await runDue(deps, now);
    const sent = sink.into;
    sink.into = null;
    for (const k of Object.keys(drained) as (keyof Drained)[]) drained[k] += first[k];
    const control = sent.filter((s) => /^(BEGIN|COMMIT|ROLLBACK)$/.test(s.text));
    const work = sent.filter((s) => !control.includes(s));
    const same = (a: Statement, b: Statement) => a.text === b.text && JSON.stringify(a.values) === JSON.stringify(b.values);
    const unlisted = work.filter((s) => !sweeps.some((w) => same(w, s)));
    const unsent = sweeps.filter((w) => !work.some((s) => same(w, s)));
    log(
      `\nOne idle runDue sends ${work.length} statements in ${control.filter((s) => s.text === "BEGIN").length} transactions ` +
        `(+ ${control.length} BEGIN/COMMIT); ` +
        (unlisted.length === 0 && unsent.length === 0
          ? `the raw list below is exactly those ${sweeps.length} statements, same text and parameters.`
          : `NOT the raw list: ${unlisted.length} sent but not listed (${unlisted.map((s) => s.text.slice(0, 60)).join(" | ")}), ${unsent.length} listed but not sent (${unsent.map((s) => s.name).join(", ")}).`),
    );

    // ---- timing: runDue and the raw statements, alternating which goes first ----
    log(`Timing runDue(deps, now) idle and each raw statement (pool.query), ${RUNS} runs after ${WARMUP} warm-up, alternating which goes first…`);
    const runMs: number[] = [];
    const rawSum: number[] = [];
    const rawEach = sweeps.map(() => [] as number[]);
    for (let i = -WARMUP; i < RUNS; i++) {
      const order = i % 2 === 0 ? (["run", "raw"] as const) : (["raw", "run"] as const);
      for (const which of order) {
        if (which === "run") {
          const t = performance.now();
          const d = await runDue(deps, now);
          const took = performance.now() - t;
          for (const k of Object.keys(drained) as (keyof Drained)[]) drained[k] += d[k];
          if (i >= 0) runMs.push(took);
        } else {
          let sum = 0;
          for (const [j, s] of sweeps.entries()) {
            const t = performance.now();
            await pool.query(s.text, s.values);
            const took = performance.now() - t;
            sum += took;
            if (i >= 0) rawEach[j]!.push(took);
          }
          if (i >= 0) rawSum.push(sum);
        }
      }
    }

    // ---- plans: one EXPLAIN (ANALYZE, BUFFERS) per statement, rolled back ----
    const plans: { scans: string; buffers: number }[] = [];
    for (const s of sweeps) {
      await loader.query("BEGIN");
      try {
        const { rows } = await loader.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.text}`, s.values);
        const root: PlanNode = rows[0]["QUERY PLAN"][0].Plan;
        plans.push({ scans: scans(root).join(" → "), buffers: (root["Shared Hit Blocks"] ?? 0) + (root["Shared Read Blocks"] ?? 0) });
      } finally {
        await loader.query("ROLLBACK");
      }
    }

    // ---- figures ----
    log("\nPer sweep: the raw statement (milliseconds), its plan's scans (outermost first) and the 8 kB pages it touched");
    log(
      table(
        ["sweep            store function", "plan", "p50", "p95", "pages"],
        sweeps.map((s, j) => {
          const x = summarize(rawEach[j]!);
          return [s.name, plans[j]!.scans, ms(x.p50), ms(x.p95), String(plans[j]!.buffers)];
        }),
        2,
      ),
    );
    const r = summarize(runMs);
    const w = summarize(rawSum);
    log("\nTotals (milliseconds)");
    log(
      table(
        ["", "n", "p50", "p95", "p99", "max", "mean"],
        [
          ["runDue(deps, now), idle", String(r.n), ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max), ms(r.mean)],
          ["raw sum of the statements", String(w.n), ms(w.p50), ms(w.p95), ms(w.p99), ms(w.max), ms(w.mean)],
        ],
      ),
    );
    log(
      `\nrunDue ÷ raw sum: p50 ${ratio(r.p50, w.p50)}, p95 ${ratio(r.p95, w.p95)}. ` +
        `At one round every 5 s, an idle instance spends ${(r.p50 / 50).toFixed(2)} % of a connection's time on it (p50).`,
    );
    const did = Object.entries(drained).filter(([, v]) => v > 0);
    log(
      did.length === 0 ? `Nothing was due: every run found no work.` : `Work was found (the load is not idle!): ${did.map(([k, v]) => `${k} ${v}`).join(", ")}`,
    );
    log(`\nTotal bench time ${seconds(performance.now() - startedAll)}`);
  } finally {
    await loader.end().catch(() => {});
    await pool.end().catch(() => {});
    await server.stop();
  }
}

await main();
