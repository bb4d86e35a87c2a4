// Contention bench (issue 3): 200 patients hold offers for one opening (broadcast, waveSize 200) and
// all accept at once. Exactly one may win. Measured per round: wall time of the burst, per-accept
// latency, winners and 409s, through the flow (acceptByToken) and through HTTP (app.inject POST
// /api/public/offers/:token/accept); and, in the same run, the raw limit: 200 concurrent runs of the
// same guarded UPDATE (fillOpeningIfOpen's SQL) on a fresh opening, straight through pg, plus the
// smallest claim transaction (BEGIN; SELECT … FOR UPDATE; guarded UPDATE; COMMIT).
//
//   BENCH_ROUNDS (5)  BENCH_ACCEPTS (200)
//
// Prints figures; never asserts a timing.
import { performance } from "node:perf_hooks";
import { outboxChannels } from "../src/channels/outbox.ts";
import { devGateway } from "../src/payments/dev-gateway.ts";
import { ManualClock } from "../src/clock.ts";
import { parseConfig } from "../src/config.ts";
import type { ErrorCode } from "../src/core/errors.ts";
import { addResource, addService } from "../src/flows/add-resource.ts";
import { addToWaitlist } from "../src/flows/add-to-waitlist.ts";
import { bookAppointment } from "../src/flows/book-appointment.ts";
import { cancelAppointment } from "../src/flows/cancel-appointment.ts";
import { changeSettings } from "../src/flows/change-settings.ts";
import { createClinic } from "../src/flows/create-clinic.ts";
import type { Caller, Deps } from "../src/flows/deps.ts";
import { acceptByToken } from "../src/flows/public-offer.ts";
import { registerPatient } from "../src/flows/register-patient.ts";
import { buildApp } from "../src/http/app.ts";
import { STATUS_OF } from "../src/http/problem.ts";
import { runDue } from "../src/jobs/runner.ts";
import { createPool, type Pool } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { benchDatabase, envInt, median, ms, ratio, seconds, silentLog, summarize, table, T0 } from "./lib.ts";

const ROUNDS = envInt("BENCH_ROUNDS", 5);
const ACCEPTS = envInt("BENCH_ACCEPTS", 200);
const POOL_SIZE = 20; // src/main.ts: createPool(url) → 20 connections

// fillOpeningIfOpen (src/store/openings.ts), verbatim.
const GUARDED_UPDATE = `UPDATE openings SET status = 'FILLED', filled_appointment_id = $3, filled_at = $4, next_wave_at = NULL, updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`;

const log = (line = "") => console.log(line);
const unwrap = <T>(r: { ok: true; value: T } | { ok: false; code: string; detail?: string }, what: string): T => {
  if (!r.ok) throw new Error(`${what}: ${r.code} ${r.detail ?? ""}`);
  return r.value;
};

interface Burst {
  wallMs: number;
  latencies: number[];
  winners: number;
  conflicts: number; // 409
  other: Map<string, number>;
  /** Why the losers lost (error codes, or HTTP problem codes). */
  codes: Map<string, number>;
}

function burst(): Burst {
  return { wallMs: 0, latencies: [], winners: 0, conflicts: 0, other: new Map(), codes: new Map() };
}

/** `one` answers "won", "409" or "409 <code>", or anything else (counted as other). */
async function fire(n: number, one: (i: number) => Promise<string>): Promise<Burst> {
  const b = burst();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      let outcome: string;
      try {
        outcome = await one(i);
      } catch (e) {
        outcome = `error: ${e instanceof Error ? e.message : String(e)}`;
      }
      b.latencies.push(performance.now() - s);
      if (outcome === "won") b.winners++;
      else if (outcome.startsWith("409")) {
        b.conflicts++;
        const code = outcome.slice(4);
        if (code) b.codes.set(code, (b.codes.get(code) ?? 0) + 1);
      } else b.other.set(outcome, (b.other.get(outcome) ?? 0) + 1);
    }),
  );
  b.wallMs = performance.now() - t0;
  return b;
}

interface Stage {
  clinicId: string;
  openingId: string;
  providerId: string;
  appointmentId: string;
  tokens: string[];
  waveMs: number;
}

/** A clinic whose cancelled appointment went out, by runDue, as ACCEPTS offers with booking links. */
async function stage(deps: Deps, clock: ManualClock, name: string, slot: number): Promise<Stage> {
  const { clinic } = unwrap(await createClinic(deps, { name, timezone: "America/New_York" }), "clinic");
  const caller: Caller = { clinicId: clinic.id, actor: "bench" };
  unwrap(
    await changeSettings(deps, caller, {
      strategy: "broadcast",
      waveSize: ACCEPTS,
      maxNotificationsPerEntry: 1000,
      dailyCapPerPatient: 1000,
      weeklyCapPerPatient: 1000,
    }),
    "settings",
  );
  const provider = unwrap(await addResource(deps, caller, "providers", { name: "Dr. Bench" }), "provider");
  const service = unwrap(await addService(deps, caller, { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000 }), "service");
  const patient = async (i: number) =>
    unwrap(
      await registerPatient(deps, caller, {
        firstName: "Pat",
        lastName: `Bench${i}`,
        phone: `+1212${String(5550000 + i).padStart(7, "0")}`,
        smsConsent: true,
      }),
      `patient ${i}`,
    );
  const booker = await patient(0);
  for (let i = 1; i <= ACCEPTS; i++) {
    const p = await patient(i);
    unwrap(await addToWaitlist(deps, caller, { patientId: p.id, serviceId: service.id }), `entry ${i}`);
  }
  // Tomorrow 10:00 New York, one hour later per stage so stages never collide.
  const start = new Date(T0.getTime() + 25 * 3_600_000 + slot * 3_600_000);
  const appointment = unwrap(await bookAppointment(deps, caller, { patientId: booker.id, providerId: provider.id, serviceId: service.id, start }), "booking");
  const cancelled = unwrap(await cancelAppointment(deps, caller, appointment.id, { by: "patient", confirm: true }), "cancel");
  const opening = cancelled.cancelled ? cancelled.opening : null;
  if (!opening) throw new Error("the cancellation made no opening");
  const t = performance.now();
  await runDue(deps, clock.now());
  const waveMs = performance.now() - t;
  const { rows } = await deps.db.query<{ links: string[] }>("SELECT links FROM dev_outbox WHERE clinic_id = $1 ORDER BY seq", [clinic.id]);
  const tokens = rows.flatMap((r) => r.links).map((l) => l.split("/o/")[1]!);
  if (tokens.length !== ACCEPTS) throw new Error(`expected ${ACCEPTS} booking links, the outbox has ${tokens.length}`);
  return { clinicId: clinic.id, openingId: opening.id, providerId: provider.id, appointmentId: appointment.id, tokens, waveMs };
}

/** What the race left behind: appointments booked from the waitlist and the opening's status. */
async function outcome(db: Pool, s: Stage): Promise<string> {
  const {
    rows: [r],
  } = await db.query(
    `SELECT (SELECT count(*) FROM appointments WHERE clinic_id = $1 AND source = 'WAITLIST') AS booked,
       (SELECT status FROM openings WHERE id = $2) AS opening,
       (SELECT count(*) FROM offers WHERE opening_id = $2 AND status = 'ACCEPTED') AS accepted`,
    [s.clinicId, s.openingId],
  );
  return `${r.booked} booked, opening ${r.opening}, ${r.accepted} offer ACCEPTED`;
}

/** A fresh OPEN opening of the stage's provider (a day later, so it overlaps nothing). */
async function freshOpening(db: Pool, s: Stage, n: number, now: Date): Promise<string> {
  const start = new Date(T0.getTime() + 49 * 3_600_000 + n * 3_600_000);
  const { rows } = await db.query(
    `INSERT INTO openings (clinic_id, provider_id, start_at, end_at, status, source, next_wave_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'OPEN', 'NEW_SLOT', NULL, $5, $5) RETURNING id`,
    [s.clinicId, s.providerId, start, new Date(start.getTime() + 3_600_000), now],
  );
  return rows[0].id;
}

async function main() {
  log(`Backfill contention bench: ${ACCEPTS} concurrent accepts of one opening, ${ROUNDS} rounds`);
  const { server, url } = await benchDatabase("backfill_contention");
  const pool = createPool(url, POOL_SIZE);
  const raw = createPool(url, POOL_SIZE);
  const clock = new ManualClock(T0);
  const config = parseConfig({
    DATABASE_URL: url,
    BACKFILL_ADMIN_TOKEN: "bench-admin-token-0123456789",
    BACKFILL_RATE_LIMIT: "1000000",
    BACKFILL_PUBLIC_URL: "http://bench.invalid",
  });
  const deps: Deps = { db: pool, clock, config, log: silentLog, channels: outboxChannels(pool), payments: devGateway(pool) };
  const app = await buildApp(deps);
  try {
    await migrate(pool);
    const {
      rows: [v],
    } = await pool.query("SHOW server_version");
    log(`PostgreSQL ${v.server_version} (embedded, fsync off); the app's pool and the raw pool: ${POOL_SIZE} connections each (as src/main.ts)`);
    log(
      `Each round: a fresh clinic, broadcast waveSize ${ACCEPTS}, caps raised, ${ACCEPTS} patients on the waitlist; a cancelled appointment → runDue → ${ACCEPTS} offers sent to the dev outbox with booking links.\n`,
    );

    const rows: string[][] = [];
    const all = { flow: [] as Burst[], http: [] as Burst[], update: [] as Burst[], tx: [] as Burst[] };
    const waves: number[] = [];
    const checks: string[] = [];
    const other = new Map<string, number>();
    const stageStarted = performance.now();
    let setupMs = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const t = performance.now();
      const viaFlow = await stage(deps, clock, `Contention ${round} flow`, 2 * round);
      const viaHttp = await stage(deps, clock, `Contention ${round} http`, 2 * round + 1);
      setupMs += performance.now() - t;
      waves.push(viaFlow.waveMs, viaHttp.waveMs);
      const now = clock.now();

      const flow = await fire(ACCEPTS, async (i) => {
        const r = await acceptByToken(deps, viaFlow.tokens[i]!);
        if (r.ok) return "won";
        return STATUS_OF[r.code as ErrorCode] === 409 ? `409 ${r.code}` : r.code;
      });
      const http = await fire(ACCEPTS, async (i) => {
        const res = await app.inject({ method: "POST", url: `/api/public/offers/${viaHttp.tokens[i]!}/accept` });
        if (res.statusCode === 200) return "won";
        return res.statusCode === 409 ? `409 ${String(res.json().code)}` : `HTTP ${res.statusCode}`;
      });
      checks.push(`round ${round}: flow ${await outcome(pool, viaFlow)}; HTTP ${await outcome(pool, viaHttp)}`);

      const target = await freshOpening(raw, viaFlow, round * 2, now);
      const update = await fire(ACCEPTS, async () => {
        const r = await raw.query(GUARDED_UPDATE, [viaFlow.clinicId, target, viaFlow.appointmentId, now]);
        return r.rowCount === 1 ? "won" : "409";
      });
      const target2 = await freshOpening(raw, viaFlow, round * 2 + 1, now);
      const tx = await fire(ACCEPTS, async () => {
        const c = await raw.connect();
        try {
          await c.query("BEGIN");
          await c.query("SELECT * FROM openings WHERE clinic_id = $1 AND id = $2 FOR UPDATE", [viaFlow.clinicId, target2]);
          const r = await c.query(GUARDED_UPDATE, [viaFlow.clinicId, target2, viaFlow.appointmentId, now]);
          await c.query("COMMIT");
          return r.rowCount === 1 ? "won" : "409";
        } catch (e) {
          await c.query("ROLLBACK").catch(() => {});
          throw e;
        } finally {
          c.release();
        }
      });

      for (const [name, b] of [
        ["accept (flow)", flow],
        ["accept (HTTP)", http],
        ["raw guarded UPDATE", update],
        ["raw claim tx", tx],
      ] as const) {
        const s = summarize(b.latencies);
        for (const [k, n] of b.other) other.set(`${name}: ${k}`, (other.get(`${name}: ${k}`) ?? 0) + n);
        rows.push([
          `${round}`,
          name,
          ms(b.wallMs),
          ms(s.p50),
          ms(s.p99),
          ms(s.max),
          `${b.winners}`,
          `${b.conflicts}`,
          `${[...b.other.values()].reduce((a, x) => a + x, 0)}`,
          ratio(b.wallMs, update.wallMs),
        ]);
      }
      all.flow.push(flow);
      all.http.push(http);
      all.update.push(update);
      all.tx.push(tx);
    }

    log(table(["round", "", "wall ms", "p50 ms", "p99 ms", "max ms", "winners", "409s", "other", "wall ÷ raw UPDATE"], rows, 2));
    log("\nMedian over rounds:");
    const sumRows = (Object.entries(all) as [string, Burst[]][]).map(([name, bs]) => {
      const label = { flow: "accept (flow)", http: "accept (HTTP)", update: "raw guarded UPDATE", tx: "raw claim tx" }[name]!;
      return [
        label,
        ms(median(bs.map((b) => b.wallMs))),
        ms(median(bs.map((b) => summarize(b.latencies).p50))),
        ms(median(bs.map((b) => summarize(b.latencies).p99))),
        bs.map((b) => b.winners).join(" "),
        `${bs.reduce((a, b) => a + b.conflicts, 0)}`,
        ratio(median(bs.map((b) => b.wallMs)), median(all.update.map((b) => b.wallMs))),
        ms(median(bs.map((b) => b.wallMs)) / ACCEPTS),
      ];
    });
    log(table(["", "wall ms", "p50 ms", "p99 ms", "winners per round", "409s", "wall ÷ raw UPDATE", "wall ms per accept"], sumRows));
    for (const [label, bs] of [
      ["flow", all.flow],
      ["HTTP", all.http],
    ] as const) {
      const codes = new Map<string, number>();
      for (const b of bs) for (const [k, n] of b.codes) codes.set(k, (codes.get(k) ?? 0) + n);
      log(`409 codes (${label}): ${[...codes].map(([k, n]) => `${k} ×${n}`).join(", ") || "none"}`);
    }
    if (other.size > 0) log(`\nOther outcomes: ${[...other].map(([k, n]) => `${k} ×${n}`).join("; ")}`);
    log(`\nAfter each race: ${checks.join(" | ")}`);
    const w = summarize(waves);
    log(
      `Setup: runDue for a ${ACCEPTS}-offer wave + ${ACCEPTS} sends to the outbox took p50 ${ms(w.p50)} ms (max ${ms(w.max)}); ` +
        `all setup ${seconds(setupMs)}, whole bench ${seconds(performance.now() - stageStarted)}`,
    );
  } finally {
    await app.close().catch(() => {});
    await raw.end().catch(() => {});
    await pool.end().catch(() => {});
    await server.stop();
  }
}

await main();
