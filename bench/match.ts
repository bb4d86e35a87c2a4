// Match bench (issue 3): 1,000 clinics × 1,000 waitlist entries on a throwaway embedded PostgreSQL.
// Measures, per sampled clinic: cancellation → first delivery queued (the cancel flow, then the
// opening's first wave, as the runner does it), and match+rank (matchOpening) against the raw limit,
// the very CANDIDATES_SQL it runs, with the same parameters, in the same run.
//
//   BENCH_CLINICS (1000)  BENCH_ENTRIES_PER_CLINIC (1000; patients per clinic likewise)  BENCH_SAMPLES (200)
//
// Prints figures; never asserts a timing.
import pg from "pg";
import { performance } from "node:perf_hooks";
import { outboxChannels } from "../src/channels/outbox.ts";
import { devGateway } from "../src/payments/dev-gateway.ts";
import { ManualClock } from "../src/clock.ts";
import { parseConfig } from "../src/config.ts";
import { localDate } from "../src/core/time.ts";
import type { Opening } from "../src/core/types.ts";
import { advanceOpening, type Advance } from "../src/flows/advance-opening.ts";
import { bookAppointment } from "../src/flows/book-appointment.ts";
import { cancelAppointment } from "../src/flows/cancel-appointment.ts";
import { settingsIn } from "../src/flows/change-settings.ts";
import type { Caller, Deps } from "../src/flows/deps.ts";
import { matchOpening } from "../src/flows/match-opening.ts";
import { CANDIDATES_SQL, candidateParams } from "../src/store/candidates.ts";
import { createPool, inTransaction } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { lockDueOpenings } from "../src/store/openings.ts";
import { benchDatabase, bytes, envInt, md5Uuid, ms, ratio, seconds, silentLog, summarize, table, T0, type Summary } from "./lib.ts";

const CLINICS = envInt("BENCH_CLINICS", 1000);
const ENTRIES = envInt("BENCH_ENTRIES_PER_CLINIC", 1000);
const PATIENTS = ENTRIES;
const SAMPLES = envInt("BENCH_SAMPLES", 200);
// src/flows/match-opening.ts MAX_CANDIDATES (not exported): the LIMIT the match passes to the SQL.
const MAX_CANDIDATES = 500;
// Timed repetitions of match+rank and of the raw SQL per opening (alternating which runs first).
const REPS = 3;
// Rows per loading statement, in clinics: progress lines, and no single giant transaction.
const CHUNK = 100;

const id = (kind: string, c: number, k: number) => md5Uuid(`${kind}:${c}:${k}`);
const log = (line = "") => console.log(line);

// ---------------------------------------------------------------------------------------------------
// Loading: set-based INSERT … SELECT over generate_series. Every id is md5('kind:clinic:n')::uuid, so
// rows refer to each other without joins and the script can name them; every "random" choice is
// hashint8extended of (clinic, n, salt), so a run is reproducible.

const HELPERS = `
CREATE FUNCTION bench_h(c int, k int, salt int, m int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ((hashint8extended(c::bigint * 1000003 + k, salt) & 1073741823) % m)::int $$;
CREATE FUNCTION bench_id(kind text, c int, k int) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT md5(kind || ':' || c || ':' || k)::uuid $$;`;

// $1 = T0, $2 = first clinic, $3 = last clinic, $4 = patients per clinic, $5 = entries per clinic.
// Clinics: 5 zones; strategies: sequential (default), broadcast ×3, adaptive.
const LOAD_CLINICS = `
INSERT INTO clinics (id, name, timezone, settings, created_at)
SELECT bench_id('clinic', c, 0), 'Bench clinic ' || c,
  (ARRAY['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix'])[1 + c % 5],
  (ARRAY['{}', '{"strategy": "broadcast", "waveSize": 3}', '{"strategy": "adaptive"}'])[1 + c % 3]::jsonb,
  $1::timestamptz - interval '400 days'
FROM generate_series($2::int, $3::int) c`;

// 3–8 providers, 2–4 chairs, 6–10 services (service 1: 60 min; one inactive service in a fifth of clinics).
const LOAD_RESOURCES = [
  `INSERT INTO providers (id, clinic_id, name, created_at)
   SELECT bench_id('provider', c, k), bench_id('clinic', c, 0), 'Dr. Bench ' || c || '-' || k, $1::timestamptz - interval '400 days'
   FROM generate_series($2::int, $3::int) c, generate_series(1, 3 + c % 6) k`,
  `INSERT INTO chairs (id, clinic_id, name, created_at)
   SELECT bench_id('chair', c, k), bench_id('clinic', c, 0), 'Chair ' || k, $1::timestamptz - interval '400 days'
   FROM generate_series($2::int, $3::int) c, generate_series(1, 2 + c % 3) k`,
  `INSERT INTO services (id, clinic_id, name, category, duration_minutes, price_cents, active, created_at)
   SELECT bench_id('service', c, k), bench_id('clinic', c, 0), 'Service ' || k,
     CASE WHEN k = 1 THEN 'facial' ELSE (ARRAY['injectables', 'laser', 'facial', 'hygiene'])[1 + (k + c) % 4] END,
     CASE WHEN k = 1 THEN 60 ELSE (ARRAY[15, 30, 45, 60, 90, 120])[1 + (k * 7 + c) % 6] END,
     5000 + ((k * 3779 + c) % 40) * 1000,
     NOT (k = 6 + c % 5 AND c % 5 = 0),
     $1::timestamptz - interval '400 days'
   FROM generate_series($2::int, $3::int) c, generate_series(1, 6 + c % 5) k`,
];

// Patients: 92 % with a phone, 75 % with an email; consent SMS 85 %, email 60 %, voice 15 %; a few in
// another zone; some prefer a channel.
const LOAD_PATIENTS = `
INSERT INTO patients (id, clinic_id, first_name, last_name, phone, email, timezone, preferred_channel,
  sms_consent, sms_consent_at, sms_consent_source, voice_consent, voice_consent_at, voice_consent_source,
  email_consent, email_consent_at, email_consent_source, created_at, updated_at)
SELECT id, clinic_id, first_name, last_name, phone, email, timezone, preferred_channel,
  sms, CASE WHEN sms THEN created END, CASE WHEN sms THEN 'import' END,
  voice, CASE WHEN voice THEN created END, CASE WHEN voice THEN 'import' END,
  mail, CASE WHEN mail THEN created END, CASE WHEN mail THEN 'import' END,
  created, created
FROM (
  SELECT bench_id('patient', c, k) AS id, bench_id('clinic', c, 0) AS clinic_id,
    (ARRAY['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jamal', 'Kira', 'Liam', 'Maya', 'Noah', 'Olga', 'Pablo'])[1 + bench_h(c, k, 1, 16)] AS first_name,
    (ARRAY['Smith', 'Garcia', 'Nguyen', 'Khan', 'Müller', 'Rossi', 'Kowalski', 'Silva', 'Tanaka', 'Okafor', 'Cohen', 'Dubois', 'Haddad', 'Ivanova', 'Jensen', 'Lopez'])[1 + bench_h(c, k, 2, 16)] AS last_name,
    CASE WHEN bench_h(c, k, 3, 100) < 92 THEN '+1' || (2000000000 + c::bigint * 100000 + k) END AS phone,
    CASE WHEN bench_h(c, k, 4, 100) < 75 THEN 'patient' || c || '.' || k || '@example.test' END AS email,
    (ARRAY['America/Los_Angeles', 'Europe/London', 'America/New_York'])[1 + bench_h(c, k, 5, 30)] AS timezone,
    (ARRAY['SMS', 'EMAIL', 'VOICE'])[1 + bench_h(c, k, 6, 10)] AS preferred_channel,
    bench_h(c, k, 7, 100) < 85 AS sms,
    bench_h(c, k, 8, 100) < 15 AS voice,
    bench_h(c, k, 9, 100) < 60 AS mail,
    $1::timestamptz - make_interval(days => 1 + bench_h(c, k, 10, 390)) AS created
  FROM generate_series($2::int, $3::int) c, generate_series(1, $4::int) k
) x`;

// Entries: a random patient and service; providers any (40 %), one (40 %) or two (20 %); a chair on
// 10 %; windows on half (weekday mornings/afternoons, weekends, split days, one short slot); date
// bounds on a quarter/third; priority 80/15/5; min notice 0 (half) up to 2 days; a preferred time on
// 30 %; statuses mostly ACTIVE; some already notified once or more; waited up to 180 days.
const LOAD_ENTRIES = `
INSERT INTO waitlist_entries (id, clinic_id, patient_id, service_id, provider_ids, chair_ids, windows,
  earliest_date, latest_date, priority, min_notice_minutes, preferred_time, notes, status,
  notification_count, passed_over_count, created_at, updated_at)
SELECT bench_id('entry', c, k), bench_id('clinic', c, 0),
  bench_id('patient', c, 1 + bench_h(c, k, 11, $4::int)),
  bench_id('service', c, 1 + bench_h(c, k, 12, 6 + c % 5)),
  CASE WHEN hp < 40 THEN '{}'::uuid[]
       WHEN hp < 80 THEN ARRAY[bench_id('provider', c, 1 + p1)]
       ELSE ARRAY[bench_id('provider', c, 1 + p1), bench_id('provider', c, 1 + (p1 + 1) % (3 + c % 6))] END,
  CASE WHEN bench_h(c, k, 15, 100) < 10 THEN ARRAY[bench_id('chair', c, 1 + bench_h(c, k, 16, 2 + c % 3))] ELSE '{}'::uuid[] END,
  (ARRAY['[]', '[]', '[]', '[]', '[]',
    '[{"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "12:00"}]',
    '[{"weekdays": [1, 2, 3, 4, 5], "start": "12:00", "end": "18:00"}]',
    '[{"weekdays": [6, 7], "start": "09:00", "end": "17:00"}]',
    '[{"weekdays": [1, 3, 5], "start": "07:00", "end": "19:00"}, {"weekdays": [2, 4], "start": "16:00", "end": "20:00"}]',
    '[{"weekdays": [2], "start": "09:00", "end": "11:30"}]'])[1 + bench_h(c, k, 17, 10)]::jsonb,
  CASE WHEN bench_h(c, k, 18, 100) < 25 THEN ($1::timestamptz)::date + (bench_h(c, k, 19, 21) - 7) END,
  CASE WHEN bench_h(c, k, 20, 100) < 30 THEN ($1::timestamptz)::date + (14 + bench_h(c, k, 21, 90)) END,
  CASE WHEN hr < 5 THEN 'urgent' WHEN hr < 20 THEN 'high' ELSE 'normal' END,
  (ARRAY[0, 0, 0, 0, 0, 60, 120, 240, 1440, 2880])[1 + bench_h(c, k, 23, 10)],
  CASE WHEN bench_h(c, k, 24, 100) < 30 THEN lpad((8 + bench_h(c, k, 25, 10))::text, 2, '0') || (ARRAY[':00', ':30'])[1 + bench_h(c, k, 26, 2)] END,
  CASE WHEN bench_h(c, k, 27, 100) < 20 THEN 'Bench note ' || k || ': prefers texts, flexible on Fridays' END,
  CASE WHEN hs < 85 THEN 'ACTIVE' WHEN hs < 90 THEN 'BOOKED' WHEN hs < 95 THEN 'REMOVED' WHEN hs < 98 THEN 'EXPIRED' ELSE 'EXHAUSTED' END,
  CASE WHEN hs >= 98 THEN 3 WHEN hn < 70 THEN 0 WHEN hn < 90 THEN 1 WHEN hn < 98 THEN 2 ELSE 3 END,
  CASE WHEN bench_h(c, k, 29, 100) < 75 THEN 0 ELSE bench_h(c, k, 30, 5) END,
  created, created
FROM (
  SELECT c, k, bench_h(c, k, 13, 100) AS hp, bench_h(c, k, 14, 3 + c % 6) AS p1, bench_h(c, k, 22, 100) AS hr,
    bench_h(c, k, 28, 100) AS hs, bench_h(c, k, 31, 100) AS hn,
    $1::timestamptz - make_interval(mins => bench_h(c, k, 32, 180 * 1440)) AS created
  FROM generate_series($2::int, $3::int) c, generate_series(1, $5::int) k
) x`;

// Appointments: each provider, 20 days back to 13 days ahead, two 60-minute slots a day (13:00 and
// 15:00 UTC), 70 % taken; past ones completed/cancelled/no-show, future ones booked/confirmed/cancelled.
// The bench's own appointments are at 17:00 UTC, so they never collide with these.
const LOAD_APPOINTMENTS = `
INSERT INTO appointments (clinic_id, patient_id, provider_id, service_id, start_at, end_at, status, source,
  booked_at, cancelled_at, cancelled_by, created_at, updated_at)
SELECT bench_id('clinic', c, 0), bench_id('patient', c, 1 + bench_h(c, s, 41, $4::int)), bench_id('provider', c, p),
  bench_id('service', c, 1 + bench_h(c, s, 42, 6 + c % 5)), start_at, start_at + interval '60 minutes', status,
  (ARRAY['STAFF', 'STAFF', 'STAFF', 'ONLINE'])[1 + bench_h(c, s, 43, 4)],
  start_at - interval '14 days',
  CASE WHEN status = 'CANCELLED' THEN start_at - interval '1 day' END,
  CASE WHEN status = 'CANCELLED' THEN 'patient' END,
  start_at - interval '14 days', start_at - interval '14 days'
FROM (
  SELECT c, p, s, date_trunc('day', $1::timestamptz) + make_interval(days => d, hours => 13 + 2 * j) AS start_at,
    CASE WHEN d < 0 THEN (CASE WHEN h < 85 THEN 'COMPLETED' WHEN h < 93 THEN 'CANCELLED' ELSE 'NO_SHOW' END)
         ELSE (CASE WHEN h < 70 THEN 'BOOKED' WHEN h < 90 THEN 'CONFIRMED' ELSE 'CANCELLED' END) END AS status
  FROM generate_series($2::int, $3::int) c, generate_series(1, 3 + c % 6) p, generate_series(-20, 13) d, generate_series(0, 1) j,
    LATERAL (SELECT p * 1000 + (d + 30) * 2 + j AS s) sk,
    LATERAL (SELECT bench_h(c, s, 44, 100) AS h, bench_h(c, s, 45, 100) AS taken) hh
  WHERE taken < 70
) x`;

// History: 40 past openings per clinic (expired or closed), each offered to 3 entries (declined,
// expired, withdrawn) over the last 14 days, so the cap and "already offered" subqueries find rows.
const LOAD_OPENINGS = `
INSERT INTO openings (id, clinic_id, provider_id, start_at, end_at, status, source, closed_at, next_wave_at, wave_count, created_at, updated_at)
SELECT bench_id('opening', c, o), bench_id('clinic', c, 0), bench_id('provider', c, 1 + o % (3 + c % 6)),
  start_at, start_at + interval '60 minutes',
  CASE WHEN o % 4 = 0 THEN 'CLOSED' ELSE 'EXPIRED' END, 'CANCELLATION',
  CASE WHEN o % 4 = 0 THEN start_at - interval '2 hours' END, NULL, 1 + o % 3,
  start_at - interval '1 day', start_at - interval '30 minutes'
FROM generate_series($2::int, $3::int) c, generate_series(1, 40) o,
  LATERAL (SELECT date_trunc('day', $1::timestamptz) - make_interval(days => o % 14) + interval '18 hours' AS start_at) t`;

const LOAD_OFFERS = `
INSERT INTO offers (clinic_id, opening_id, entry_id, patient_id, status, channel, wave, message, scheduled_for, sent_at,
  hold_expires_at, hold_released, responded_at, response, withdraw_reason, hold_minutes, rank, score, created_at, updated_at)
SELECT bench_id('clinic', c, 0), bench_id('opening', c, o), bench_id('entry', c, ek), bench_id('patient', c, 1 + bench_h(c, ek, 11, $4::int)),
  (ARRAY['DECLINED', 'EXPIRED', 'WITHDRAWN'])[1 + j], 'SMS', 1, 'Bench offer', created, created,
  created + interval '2 hours', true,
  CASE WHEN j = 0 THEN created + interval '20 minutes' END,
  (ARRAY['DECLINED', 'NO_RESPONSE', NULL])[1 + j],
  CASE WHEN j = 2 THEN 'filled' END,
  120, j + 1, 40 - j, created, created
FROM generate_series($2::int, $3::int) c, generate_series(1, 40) o, generate_series(0, 2) j,
  LATERAL (SELECT 1 + ((o * 3 + j) * 7919) % $5::int AS ek,
    $1::timestamptz - make_interval(hours => (o % 14) * 24 + 2 + j) AS created) t`;

async function load(db: pg.Client): Promise<{ steps: [string, number][]; total: number }> {
  const steps: [string, number][] = [];
  const started = performance.now();
  const step = async (name: string, run: () => Promise<void>) => {
    const t = performance.now();
    await run();
    const took = performance.now() - t;
    steps.push([name, took]);
    log(`  loaded ${name.padEnd(16)} ${seconds(took).padStart(8)}`);
  };
  const chunked = async (sql: string) => {
    // Each statement takes the leading parameters it uses ($1 … $n).
    const used = Math.max(...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    for (let lo = 1; lo <= CLINICS; lo += CHUNK) {
      await db.query(sql, [T0, lo, Math.min(CLINICS, lo + CHUNK - 1), PATIENTS, ENTRIES].slice(0, used));
    }
  };
  await db.query("SET TimeZone = 'UTC'");
  await db.query("SET maintenance_work_mem = '256MB'");
  await db.query(HELPERS);
  await step("clinics", () => db.query(LOAD_CLINICS, [T0, 1, CLINICS]).then(() => {}));
  await step("resources", async () => {
    for (const sql of LOAD_RESOURCES) await db.query(sql, [T0, 1, CLINICS]);
  });
  await step("patients", () => chunked(LOAD_PATIENTS));
  await step("waitlist entries", () => chunked(LOAD_ENTRIES));
  await step("appointments", () => chunked(LOAD_APPOINTMENTS));
  await step("openings", () => chunked(LOAD_OPENINGS));
  await step("offers", () => chunked(LOAD_OFFERS));
  await db.query("DROP FUNCTION bench_h(int, int, int, int); DROP FUNCTION bench_id(text, int, int)");
  // VACUUM as well as ANALYZE: the steady state of a live database (visibility map set), and
  // autovacuum has nothing left to do in the middle of the measurements.
  await step("vacuum analyze", () => db.query("VACUUM (ANALYZE)").then(() => {}));
  await db.query("CHECKPOINT");
  return { steps, total: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------------

interface Sample {
  clinic: number;
  opening: Opening;
  advance: Advance;
  offers: number;
  cancelMs: number;
  waveMs: number;
}

async function main() {
  log(
    `Backfill match bench: ${CLINICS.toLocaleString("en-US")} clinics × ${ENTRIES.toLocaleString("en-US")} waitlist entries ` +
      `(${(CLINICS * ENTRIES).toLocaleString("en-US")} entries, ${(CLINICS * PATIENTS).toLocaleString("en-US")} patients), ${SAMPLES} sampled openings`,
  );
  const startedAll = performance.now();
  const { server, url } = await benchDatabase("backfill_bench");
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

    log("\nLoading (set-based INSERT … SELECT generate_series, FKs and indexes in place):");
    const loaded = await load(loader);
    const { rows: counts } = await loader.query(`
      SELECT (SELECT count(*) FROM clinics) AS clinics, (SELECT count(*) FROM providers) AS providers,
        (SELECT count(*) FROM services) AS services, (SELECT count(*) FROM patients) AS patients,
        (SELECT count(*) FROM waitlist_entries) AS entries,
        (SELECT count(*) FROM waitlist_entries WHERE status = 'ACTIVE') AS active_entries,
        (SELECT count(*) FROM appointments) AS appointments, (SELECT count(*) FROM openings) AS openings,
        (SELECT count(*) FROM offers) AS offers, pg_database_size(current_database()) AS db_size,
        pg_total_relation_size('waitlist_entries') AS entries_size`);
    const n = counts[0];
    log(`Load time ${seconds(loaded.total)} · database ${bytes(n.db_size)} (waitlist_entries with indexes ${bytes(n.entries_size)})`);
    log(
      `Rows: ${n.clinics} clinics, ${n.providers} providers, ${n.services} services, ${n.patients} patients, ` +
        `${n.entries} entries (${n.active_entries} ACTIVE), ${n.appointments} appointments, ${n.openings} past openings, ${n.offers} past offers`,
    );

    // ---- cancellation → first delivery queued ----
    const clock = new ManualClock(T0);
    const deps: Deps = {
      db: pool,
      clock,
      config: parseConfig({ DATABASE_URL: url }),
      log: silentLog,
      channels: outboxChannels(pool),
      payments: devGateway(pool),
    };
    const dayOf = new Map<number, number>();
    const samples: Sample[] = [];
    const day0 = Date.UTC(T0.getUTCFullYear(), T0.getUTCMonth(), T0.getUTCDate());
    log(`\nSampling ${SAMPLES} openings: book → cancel (cancelAppointment) → first wave (lockDueOpenings + advanceOpening, one transaction)…`);
    for (let i = 0; i < SAMPLES; i++) {
      const c = 1 + (Math.floor((i * CLINICS) / SAMPLES) % CLINICS);
      const day = (dayOf.get(c) ?? 0) + 1; // a clinic sampled twice uses the next day
      dayOf.set(c, day);
      const caller: Caller = { clinicId: id("clinic", c, 0), actor: "bench" };
      const start = new Date(day0 + day * 86_400_000 + 17 * 3_600_000);
      const booked = await bookAppointment(deps, caller, {
        patientId: id("patient", c, 1 + (i % PATIENTS)),
        providerId: id("provider", c, 1),
        serviceId: id("service", c, 1),
        start,
      });
      if (!booked.ok) throw new Error(`booking in clinic ${c}: ${booked.code} ${booked.detail}`);

      const t0 = performance.now();
      const cancelled = await cancelAppointment(deps, caller, booked.value.id, { by: "patient", reason: "bench", confirm: true });
      const t1 = performance.now();
      if (!cancelled.ok || !cancelled.value.cancelled || !cancelled.value.opening) throw new Error(`cancel in clinic ${c} made no opening`);
      const opening = cancelled.value.opening;
      const advance = await inTransaction(pool, async (tx) => {
        const [due] = await lockDueOpenings(tx, clock.now(), 1);
        if (!due || due.id !== opening.id) throw new Error(`the due opening is ${due?.id ?? "none"}, expected ${opening.id}`);
        return advanceOpening(tx, due, clock.now(), { index: 0 });
      });
      const t2 = performance.now();
      const {
        rows: [q],
      } = await pool.query(`SELECT count(*) AS n FROM deliveries d JOIN offers o ON o.id = d.offer_id WHERE o.opening_id = $1 AND d.status = 'QUEUED'`, [
        opening.id,
      ]);
      samples.push({ clinic: c, opening, advance, offers: q.n, cancelMs: t1 - t0, waveMs: t2 - t1 });
    }
    const queued = samples.filter((s) => s.offers > 0);
    const outcomes = new Map<string, number>();
    for (const s of samples) outcomes.set(s.advance, (outcomes.get(s.advance) ?? 0) + 1);

    // ---- match+rank vs the raw SQL, same openings, same parameters ----
    log(`Timing match+rank (matchOpening) and the raw CANDIDATES_SQL, ${REPS}× each per opening, alternating which goes first…`);
    const matchMs: number[] = [];
    const rawMs: number[] = [];
    const perOpeningRatio: number[] = [];
    const sqlRows: number[] = [];
    const fitting: number[] = [];
    let limitHit = 0;
    for (const [i, s] of samples.entries()) {
      const settings = await settingsIn(pool, s.opening.clinicId);
      const now = clock.now();
      const params = candidateParams(s.opening, now, localDate(s.opening.start, settings.timezone), settings.maxNotificationsPerEntry, MAX_CANDIDATES);
      const mine = { match: [] as number[], raw: [] as number[] };
      for (let r = 0; r < REPS; r++) {
        const order = (i + r) % 2 === 0 ? (["match", "raw"] as const) : (["raw", "match"] as const);
        for (const which of order) {
          const t = performance.now();
          if (which === "match") {
            const m = await matchOpening(pool, s.opening, settings, now);
            mine.match.push(performance.now() - t);
            if (r === 0) fitting.push(m.length);
          } else {
            const { rowCount } = await pool.query(CANDIDATES_SQL, params);
            mine.raw.push(performance.now() - t);
            if (r === 0) {
              sqlRows.push(rowCount ?? 0);
              if ((rowCount ?? 0) >= MAX_CANDIDATES) limitHit++;
            }
          }
        }
      }
      matchMs.push(...mine.match);
      rawMs.push(...mine.raw);
      perOpeningRatio.push(summarize(mine.match).p50 / summarize(mine.raw).p50);
    }

    // ---- figures ----
    const row = (name: string, xs: number[]) => {
      const s = summarize(xs);
      return [name, String(s.n), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), ms(s.mean)];
    };
    const cancelToQueued = queued.map((s) => s.cancelMs + s.waveMs);
    log("\nResults (milliseconds; sequential, one opening at a time)");
    log(
      table(
        ["", "n", "p50", "p95", "p99", "max", "mean"],
        [
          row("cancel → first delivery queued", cancelToQueued),
          row(
            "  cancel flow (opening created)",
            queued.map((s) => s.cancelMs),
          ),
          row(
            "  first wave (lock + advance)",
            queued.map((s) => s.waveMs),
          ),
          row("match+rank (matchOpening)", matchMs),
          row("raw CANDIDATES_SQL (pool.query)", rawMs),
        ],
      ),
    );
    const m: Summary = summarize(matchMs);
    const r: Summary = summarize(rawMs);
    const pr = summarize(perOpeningRatio);
    log(
      `\nmatch+rank ÷ raw SQL: p50 ${ratio(m.p50, r.p50)}, p95 ${ratio(m.p95, r.p95)}, p99 ${ratio(m.p99, r.p99)}, max ${ratio(m.max, r.max)}; ` +
        `per opening (median of ${REPS} each): p50 ${pr.p50.toFixed(2)}×, p99 ${pr.p99.toFixed(2)}×`,
    );
    const rowsS = summarize(sqlRows);
    const fitS = summarize(fitting);
    log(
      `Candidates per opening: SQL rows p50 ${rowsS.p50} (max ${rowsS.max}); fitting after the core's rules p50 ${fitS.p50} (max ${fitS.max}); ` +
        `LIMIT ${MAX_CANDIDATES} reached in ${limitHit} of ${samples.length} openings`,
    );
    log(
      `First waves: ${[...outcomes].map(([k, v]) => `${v} ${k}`).join(", ")}; offers queued per wave p50 ${summarize(queued.map((s) => s.offers)).p50}, ` +
        `max ${summarize(queued.map((s) => s.offers)).max}` +
        (samples.length > queued.length ? ` (${samples.length - queued.length} openings queued nothing: excluded from cancel → queued)` : ""),
    );

    // ---- one plan ----
    const probe = samples[Math.floor(samples.length / 2)]!;
    const settings = await settingsIn(pool, probe.opening.clinicId);
    const params = candidateParams(
      probe.opening,
      clock.now(),
      localDate(probe.opening.start, settings.timezone),
      settings.maxNotificationsPerEntry,
      MAX_CANDIDATES,
    );
    const { rows: plan } = await loader.query(`EXPLAIN (ANALYZE, BUFFERS) ${CANDIDATES_SQL}`, params);
    log(`\nEXPLAIN (ANALYZE, BUFFERS) CANDIDATES_SQL, clinic ${probe.clinic} (${settings.timezone}), opening ${probe.opening.start.toISOString()}:`);
    for (const p of plan) log(`  ${p["QUERY PLAN"]}`);
    log(`\nTotal bench time ${seconds(performance.now() - startedAll)}`);
  } finally {
    await loader.end().catch(() => {});
    await pool.end().catch(() => {});
    await server.stop();
  }
}

await main();
