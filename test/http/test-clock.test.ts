// The test clock is deterministic (API.md, "Development and test mode"; issue 10 item 1): when
// POST /api/dev/clock answers, all work due at that time is done, whichever worker did it.
// 1. The real service (startService, as `npm start` builds it) with BACKFILL_TEST_CLOCK=1: many
//    cancellations, one move of the clock by 0, and every offer is already in the outbox in the answer.
//    It used to start the LISTEN/NOTIFY worker too, whose wake-ups held the rows the request then skipped.
// 2. A rival worker on the same database (another instance, or anything that sweeps) cannot make the
//    clock answer early either, nor can a second clock request running at the same time.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { startWorker } from "../../src/jobs/runner.ts";
import { startService } from "../../src/main.ts";
import { testDatabase } from "../harness/db.ts";
import { ADMIN_TOKEN, call, testApp, type TestContext } from "../harness/app.ts";

const OPENINGS = 20;
const ROUNDS = Number(process.env.CLOCK_ROUNDS ?? 30);
// A Monday, 10:00 in New York: far from quiet hours whatever the real time is when the test runs.
const START = new Date("2036-03-03T15:00:00Z");
const DAY = 24 * 60;

type Api = (method: "GET" | "POST", path: string, key: string, body?: unknown) => Promise<{ status: number; body: any }>;

let phones = 0;
const nextPhone = () => `+1617555${String(1000 + phones++).padStart(4, "0")}`;

async function made(api: Api, path: string, key: string, body: unknown) {
  const res = await api("POST", path, key, body);
  assert.equal(res.status, 201, `POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A clinic with `OPENINGS` waiting patients and as many booked appointments tomorrow, one per hour.
 * Returns its key and a function that cancels them all at once (each cancellation is an opening due now).
 */
async function aBusyClinic(api: Api, now: Date) {
  const clinic = await made(api, "/api/admin/clinics", ADMIN_TOKEN, { name: "Clock Clinic", timezone: "America/New_York" });
  const key = clinic.apiKey as string;
  const provider = await made(api, "/api/booking/providers", key, { name: "Dr Clock" });
  const service = await made(api, "/api/booking/services", key, { name: "Cleaning", category: "hygiene", durationMinutes: 30, priceCents: 100 });
  const booked = await made(api, "/api/booking/patients", key, { firstName: "Booked", lastName: "Patient", phone: nextPhone(), smsConsent: true });
  // Made side by side: the rounds are many and the machine is shared.
  const people = await Promise.all(
    Array.from({ length: OPENINGS }, async (_, i) => {
      const waiter = await made(api, "/api/booking/patients", key, { firstName: "Wait", lastName: `Er${i}`, phone: nextPhone(), smsConsent: true });
      await made(api, "/api/booking/waitlist", key, { patientId: waiter.id, serviceId: service.id });
      const start = new Date(now.getTime() + (24 + i) * 3_600_000).toISOString();
      const appointment = await made(api, "/api/booking/appointments", key, { patientId: booked.id, providerId: provider.id, serviceId: service.id, start });
      return { phone: waiter.phone as string, appointment: appointment.id as string };
    }),
  );
  const waiters = new Set(people.map((m) => m.phone));
  const appointments = people.map((m) => m.appointment);
  const cancelAll = async () => {
    const answers = await Promise.all(appointments.map((id) => api("POST", `/api/booking/appointments/${id}/cancel`, key, { by: "staff" })));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
  };
  return { key, waiters, cancelAll };
}

/** How many waiting patients have their offer text (the booked patient's reminder is not one). */
async function offersInOutbox(api: Api, clinic: { key: string; waiters: Set<string> }): Promise<number> {
  const res = await api("GET", "/api/dev/outbox", clinic.key);
  assert.equal(res.status, 200);
  return new Set((res.body.items as { channel: string; to: string }[]).filter((m) => m.channel === "SMS" && clinic.waiters.has(m.to)).map((m) => m.to)).size;
}

async function moveClock(api: Api, body: { now: string } | { advanceMinutes: number }) {
  const res = await api("POST", "/api/dev/clock", ADMIN_TOKEN, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { now: string };
}

test("the service on the test clock: 20 cancellations, one move by 0 → all 20 offers are in the outbox when it answers (30 rounds)", {
  timeout: 600_000,
}, async () => {
  const { url } = await testDatabase();
  const config = parseConfig({
    DATABASE_URL: url,
    BACKFILL_TEST_CLOCK: "1",
    BACKFILL_ADMIN_TOKEN: ADMIN_TOKEN,
    BACKFILL_RATE_LIMIT: "1000000",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
  });
  const service = await startService(config);
  after(() => service.stop());
  const address = service.app.server.address();
  assert.ok(address && typeof address === "object");
  const base = `http://127.0.0.1:${address.port}`;
  const api: Api = async (method, path, key, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.json() };
  };

  await moveClock(api, { now: START.toISOString() });
  const misses: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const now = new Date(START.getTime() + round * DAY * 60_000);
    if (round > 0) await moveClock(api, { now: now.toISOString() });
    const clinic = await aBusyClinic(api, now);
    await clinic.cancelAll();
    await moveClock(api, { advanceMinutes: 0 });
    const seen = await offersInOutbox(api, clinic);
    if (seen !== OPENINGS) misses.push(`round ${round}: ${seen} of ${OPENINGS}`);
  }
  assert.deepEqual(misses, [], "offers missing from the outbox when the clock answered");
});

test("a rival worker sweeping the same database, and a second clock request at the same time, never make the clock answer early (30 rounds)", {
  timeout: 600_000,
}, async () => {
  const ctx = await testApp({ BACKFILL_TEST_CLOCK: "1" });
  // Another instance's worker: woken by every commit (LISTEN), on the same clock.
  const rival = await startWorker(ctx.deps, 50);
  try {
    await rivalRounds(ctx);
  } finally {
    // Here, not in an after hook: the file's pool waits for the worker's LISTEN connection to come back.
    await rival.stop();
  }
});

async function rivalRounds(ctx: TestContext) {
  const api: Api = async (method, path, key, body) => {
    const res = await call(ctx, method, path, { key, ...(body === undefined ? {} : { body }) });
    return { status: res.status, body: res.body };
  };

  await moveClock(api, { now: START.toISOString() });
  const misses: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const now = new Date(START.getTime() + round * DAY * 60_000);
    if (round > 0) await moveClock(api, { now: now.toISOString() });
    const clinic = await aBusyClinic(api, now);
    await clinic.cancelAll();
    // Two moves at once: each must see every offer in the outbox when it answers.
    const [a, b] = await Promise.all(
      [0, 0].map(async (advanceMinutes) => {
        const answer = await moveClock(api, { advanceMinutes });
        return { answer, seen: await offersInOutbox(api, clinic) };
      }),
    );
    for (const { seen } of [a!, b!]) if (seen !== OPENINGS) misses.push(`round ${round}: ${seen} of ${OPENINGS}`);
    assert.deepEqual([a!.answer.now, b!.answer.now], [now.toISOString(), now.toISOString()]);
  }
  assert.deepEqual(misses, [], "offers missing from the outbox when the clock answered");
}

test("two moves at the same time add up, and each answers with its own time", async () => {
  const ctx = await testApp({ BACKFILL_TEST_CLOCK: "1" });
  const api: Api = async (method, path, key, body) => {
    const res = await call(ctx, method, path, { key, ...(body === undefined ? {} : { body }) });
    return { status: res.status, body: res.body };
  };
  await moveClock(api, { now: START.toISOString() });
  const answers = await Promise.all([moveClock(api, { advanceMinutes: 60 }), moveClock(api, { advanceMinutes: 60 })]);
  assert.deepEqual(answers.map((a) => a.now).sort(), [
    new Date(START.getTime() + 3_600_000).toISOString(),
    new Date(START.getTime() + 7_200_000).toISOString(),
  ]);
  assert.equal((await api("GET", "/api/dev/clock", ADMIN_TOKEN)).body.now, new Date(START.getTime() + 7_200_000).toISOString());
});
