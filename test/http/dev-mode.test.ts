// Development and test mode (API.md): the dev outbox, its status callback stand-in, inbound texts,
// and the test clock; none of it exists in production.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { ADMIN_TOKEN, aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp, type TestContext } from "../harness/app.ts";

// The main app runs with the test clock; two more show the routes that must not exist elsewhere.
const ctx = await testApp({ BACKFILL_TEST_CLOCK: "1" });
const plain = await testApp();
const production = await testApp({ NODE_ENV: "production", BACKFILL_TEST_CLOCK: "1" });
const drain = () => runDue(ctx.deps, ctx.clock.now());
const plus = (d: Date | string, minutes: number) => new Date(new Date(d).getTime() + minutes * 60_000).toISOString();

let phones = 500;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

type Clinic = { id: string; key: string };

async function aSetup(c: TestContext = ctx) {
  const clinic = await aClinic(c, { timezone: "America/New_York" });
  const provider = await aProvider(c, clinic, "Dr A");
  const service = await aService(c, clinic);
  return { clinic, provider, service };
}

async function aWaiter(clinic: Clinic, serviceId: string, over: { phone?: string; priority?: string } = {}) {
  const p = await aPatient(ctx, clinic, { phone: over.phone ?? nextPhone() });
  const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId, ...(over.priority ? { priority: over.priority } : {}) });
  return { patient: p, id: e.id as string, phone: p.phone as string };
}

async function outbox(key: string, to?: string, c: TestContext = ctx) {
  const res = await call(c, "GET", `/api/dev/outbox${to ? `?to=${encodeURIComponent(to)}` : ""}`, { key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items as any[];
}

const offersOf = async (clinic: Clinic, query: string) =>
  (await call(ctx, "GET", `/api/booking/waitlist/notifications${query}`, { key: clinic.key })).body.items as any[];

// ---------------------------------------------------------------- the outbox

test("GET /api/dev/outbox: ?to= filters, oldest first; a clinic key sees its own clinic only, the admin token all; no auth → 401", async () => {
  ctx.clock.set(T0);
  const a = await aSetup();
  const b = await aSetup();
  const shared = nextPhone(); // the same person is a patient of both clinics
  const p1 = await aWaiter(a.clinic, a.service.id, { phone: shared, priority: "urgent" });
  const p2 = await aWaiter(a.clinic, a.service.id);
  const p3 = await aWaiter(b.clinic, b.service.id, { phone: shared });
  const slotA1 = await anOpening(ctx, a.clinic, { providerId: a.provider.id, start: inHours(24), end: inHours(25) });
  await drain(); // T0: a's slot → p1
  ctx.clock.advanceMinutes(1);
  const a2 = await aProvider(ctx, a.clinic, "Dr B");
  await anOpening(ctx, a.clinic, { providerId: a2.id, start: inHours(26), end: inHours(27) });
  await drain(); // T0 + 1: → p2
  ctx.clock.advanceMinutes(1);
  await anOpening(ctx, b.clinic, { providerId: b.provider.id, start: inHours(24), end: inHours(25) });
  await drain(); // T0 + 2: b's slot → p3
  ctx.clock.advanceMinutes(1);
  const [offer1] = await offersOf(a.clinic, `?slotId=${slotA1.id}`);
  assert.equal(
    (await call(ctx, "PUT", `/api/booking/waitlist/notifications/${offer1.id}/response`, { key: a.clinic.key, body: { response: "ACCEPTED" } })).status,
    200,
  );
  await drain(); // T0 + 3: the confirmation to p1

  const all = await outbox(a.clinic.key);
  assert.deepEqual(
    all.map((m) => [m.to, m.sentAt]),
    [
      [shared, T0.toISOString()],
      [p2.phone, plus(T0, 1)],
      [shared, plus(T0, 3)],
    ],
  );
  const first = all[0];
  assert.deepEqual(Object.keys(first).sort(), ["body", "channel", "deliveryId", "id", "links", "sentAt", "subject", "to"]);
  assert.equal(first.channel, "SMS");
  assert.equal(first.links.length, 1);
  assert.ok(first.body.includes(first.links[0]), "the body carries the booking link");
  assert.equal(first.deliveryId, offer1.deliveries[0].id);

  const toP1 = await outbox(a.clinic.key, shared);
  assert.deepEqual(
    toP1.map((m) => m.sentAt),
    [T0.toISOString(), plus(T0, 3)],
    "oldest first",
  );
  assert.match(toP1[1].body, /you're booked/);
  assert.deepEqual(
    (await outbox(b.clinic.key, shared)).map((m) => m.sentAt),
    [plus(T0, 2)],
    "clinic b sees only its own",
  );
  assert.deepEqual(await outbox(a.clinic.key, "+19999999999"), []);
  const admin = await outbox(ADMIN_TOKEN, shared);
  assert.deepEqual(
    admin.map((m) => m.sentAt),
    [T0.toISOString(), plus(T0, 2), plus(T0, 3)],
    "the admin token sees every clinic",
  );
  assert.ok((await outbox(ADMIN_TOKEN)).some((m) => m.to === p3.phone));

  assert.equal((await call(ctx, "GET", "/api/dev/outbox")).status, 401);
  assert.equal((await call(ctx, "GET", "/api/dev/outbox", { key: "bk_not-a-real-key" })).status, 401);
  assert.equal(p1.patient.phone, shared);
});

test("POST /api/dev/outbox/:id/status moves a delivery's status forward only", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const other = await aSetup();
  const w = await aWaiter(clinic, service.id);
  await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const [message] = await outbox(clinic.key, w.phone);
  const status = (body: object, key = clinic.key, id = message.id) => call(ctx, "POST", `/api/dev/outbox/${id}/status`, { key, body });

  ctx.clock.advanceMinutes(1);
  const delivered = await status({ status: "DELIVERED" });
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
  assert.deepEqual(delivered.body, { deliveryId: message.deliveryId, status: "DELIVERED", changed: true });
  const duplicate = await status({ status: "DELIVERED" });
  assert.deepEqual(duplicate.body, { deliveryId: message.deliveryId, status: "DELIVERED", changed: false });
  ctx.clock.advanceMinutes(1);
  const late = await status({ status: "FAILED", errorCode: "30003" });
  assert.equal(late.status, 200);
  assert.deepEqual(late.body, { deliveryId: message.deliveryId, status: "DELIVERED", changed: false }, "the message did arrive");

  const [n] = await offersOf(clinic, `?entryId=${w.id}`);
  assert.equal(n.deliveries[0].status, "DELIVERED");
  assert.equal(n.deliveries[0].deliveredAt, plus(T0, 1));
  assert.equal(n.deliveries[0].failureReason, null);
  assert.equal(n.status, "PENDING");

  assert.equal((await status({ status: "DELIVERED" }, other.clinic.key)).status, 404, "another clinic's key");
  assert.equal((await status({ status: "DELIVERED" }, ADMIN_TOKEN)).body.changed, false, "the admin token reaches every clinic");
  assert.equal((await status({ status: "DELIVERED" }, clinic.key, "00000000-0000-4000-8000-000000000000")).status, 404);
  const bad = await status({ status: "SENT" });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, "validation_failed");
  assert.equal((await call(ctx, "POST", `/api/dev/outbox/${message.id}/status`, { body: { status: "DELIVERED" } })).status, 401);
});

// ---------------------------------------------------------------- inbound texts

test("POST /api/dev/inbound-sms: YES books the sender's live offer, NO declines it", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const drB = await aProvider(ctx, clinic, "Dr B");
  const yes = await aWaiter(clinic, service.id, { priority: "urgent" });
  const no = await aWaiter(clinic, service.id, { priority: "high" });
  const next = await aWaiter(clinic, service.id);
  const s1 = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  const s2 = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(28), end: inHours(29) });
  await drain();
  const sms = (from: string, body: string) => call(ctx, "POST", "/api/dev/inbound-sms", { key: clinic.key, body: { from, body } });
  const liveOf = async (entryId: string) => (await offersOf(clinic, `?entryId=${entryId}`)).find((o) => o.status === "PENDING");
  const yesOffer = await liveOf(yes.id);
  const noOffer = await liveOf(no.id);
  assert.ok(yesOffer && noOffer);

  ctx.clock.advanceMinutes(5);
  const accepted = await sms(yes.phone, "Yes");
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.deepEqual(accepted.body, { action: "accepted", reply: null });
  const [booked] = await offersOf(clinic, `?entryId=${yes.id}`);
  assert.equal(booked.status, "ACCEPTED");
  assert.equal(booked.respondedAt, plus(T0, 5));
  const appt = await call(ctx, "GET", `/api/booking/appointments/${booked.bookedAppointmentId}`, { key: clinic.key });
  assert.equal(appt.body.patientId, yes.patient.id);
  assert.equal(appt.body.source, "WAITLIST");
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${yesOffer.slotId}`, { key: clinic.key })).body.status, "FILLED");

  // National format is read in the clinic's country; the reply word is case-insensitive.
  const national = `(${no.phone.slice(2, 5)}) ${no.phone.slice(5, 8)}-${no.phone.slice(8)}`;
  const declined = await sms(national, "no");
  assert.deepEqual(declined.body, { action: "declined", reply: null });
  assert.equal((await offersOf(clinic, `?entryId=${no.id}`))[0].status, "DECLINED");
  await drain();
  const nextOffer = await liveOf(next.id);
  assert.equal(nextOffer?.slotId, noOffer.slotId, "the declined opening moves on to the next in line");
  assert.ok([s1.id, s2.id].includes(nextOffer.slotId));

  assert.equal((await sms(yes.phone, "YES")).body.action, "no_live_offer");
  const unclear = await sms(next.phone, "what time is it?");
  assert.equal(unclear.body.action, "not_understood");
  assert.match(unclear.body.reply, /reply YES to take the offered time or NO to pass/);
  assert.equal((await liveOf(next.id))?.status, "PENDING", "an unclear reply changes nothing");
  const invalid = await sms("12", "YES");
  assert.equal(invalid.status, 422);
  assert.equal((await call(ctx, "POST", "/api/dev/inbound-sms", { body: { from: yes.phone, body: "YES" } })).status, 401);
});

// ---------------------------------------------------------------- the test clock

test("POST /api/dev/clock {advanceMinutes}: the hold expires and the next wave goes out before the answer", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const first = await aWaiter(clinic, service.id, { priority: "urgent" });
  const second = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });

  const kick = await call(ctx, "POST", "/api/dev/clock", { key: clinic.key, body: { advanceMinutes: 0 } });
  assert.equal(kick.status, 200, JSON.stringify(kick.body));
  assert.equal(kick.body.now, T0.toISOString());
  assert.equal((await outbox(clinic.key, first.phone)).length, 1, "due work ran: the first wave is out");

  const moved = await call(ctx, "POST", "/api/dev/clock", { key: clinic.key, body: { advanceMinutes: 121 } });
  assert.equal(moved.status, 200);
  assert.equal(moved.body.now, plus(T0, 121));
  assert.equal(ctx.clock.now().toISOString(), plus(T0, 121), "the server's clock moved");
  // No runDue here: the answer came after the work was done.
  const byEntry = Object.fromEntries((await offersOf(clinic, `?slotId=${slot.id}`)).map((o) => [o.waitlistEntryId, o]));
  assert.equal(byEntry[first.id].status, "EXPIRED");
  assert.equal(byEntry[second.id].status, "PENDING");
  assert.equal(byEntry[second.id].sentAt, plus(T0, 121));
  assert.equal((await outbox(clinic.key, second.phone)).length, 1);

  const read = await call(ctx, "GET", "/api/dev/clock", { key: clinic.key });
  assert.deepEqual(read.body, { now: plus(T0, 121) });
  assert.equal((await call(ctx, "GET", "/api/dev/clock", { key: ADMIN_TOKEN })).status, 200);
});

test("POST /api/dev/clock {now}: forward only (the past → 422); GET /api/dev/clock; auth and validation", async () => {
  ctx.clock.set(T0);
  const { clinic } = await aSetup();
  const set = await call(ctx, "POST", "/api/dev/clock", { key: ADMIN_TOKEN, body: { now: "2026-03-02T15:30:00-05:00" } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.now, "2026-03-02T20:30:00.000Z");
  assert.deepEqual((await call(ctx, "GET", "/api/dev/clock", { key: clinic.key })).body, { now: "2026-03-02T20:30:00.000Z" });

  const past = await call(ctx, "POST", "/api/dev/clock", { key: clinic.key, body: { now: T0.toISOString() } });
  assert.equal(past.status, 422);
  assert.equal(past.body.code, "validation_failed");
  assert.equal(past.body.errors[0].path, "/now");
  assert.equal(ctx.clock.now().toISOString(), "2026-03-02T20:30:00.000Z", "unchanged");
  const same = await call(ctx, "POST", "/api/dev/clock", { key: clinic.key, body: { now: "2026-03-02T20:30:00Z" } });
  assert.equal(same.status, 200, "the same instant is not the past");

  for (const body of [{}, { advanceMinutes: -5 }, { advanceMinutes: 1.5 }, { now: "yesterday" }, { now: plus(T0, 600), advanceMinutes: 1 }]) {
    const res = await call(ctx, "POST", "/api/dev/clock", { key: clinic.key, body });
    assert.equal(res.status, 422, JSON.stringify(body));
  }
  assert.equal((await call(ctx, "GET", "/api/dev/clock")).status, 401);
  assert.equal((await call(ctx, "POST", "/api/dev/clock", { body: { advanceMinutes: 1 } })).status, 401);
  assert.equal(ctx.clock.now().toISOString(), "2026-03-02T20:30:00.000Z");
});

test("without BACKFILL_TEST_CLOCK=1 the clock routes are 404 (the other dev routes stay)", async () => {
  const { clinic } = await aSetup(plain);
  for (const key of [ADMIN_TOKEN, clinic.key]) {
    const get = await call(plain, "GET", "/api/dev/clock", { key });
    assert.equal(get.status, 404);
    assert.equal(get.body.code, "not_found");
    assert.equal((await call(plain, "POST", "/api/dev/clock", { key, body: { advanceMinutes: 5 } })).status, 404);
  }
  assert.equal((await call(plain, "GET", "/api/dev/outbox", { key: clinic.key })).status, 200);
  assert.equal(plain.clock.now().toISOString(), T0.toISOString(), "nothing moved the clock");
});

test("with NODE_ENV=production every /api/dev route is 404, whatever the credentials", async () => {
  const { clinic } = await aSetup(production);
  const id = "00000000-0000-4000-8000-000000000000";
  const routes: ["GET" | "POST", string, object | undefined][] = [
    ["GET", "/api/dev/outbox", undefined],
    ["GET", "/api/dev/outbox?to=%2B16175550100", undefined],
    ["POST", `/api/dev/outbox/${id}/status`, { status: "DELIVERED" }],
    ["POST", "/api/dev/inbound-sms", { from: "+16175550100", body: "YES" }],
    ["GET", "/api/dev/clock", undefined],
    ["POST", "/api/dev/clock", { advanceMinutes: 5 }],
  ];
  for (const [method, url, body] of routes) {
    for (const key of [ADMIN_TOKEN, clinic.key, null]) {
      const res = await call(production, method, url, { key, body });
      assert.equal(res.status, 404, `${method} ${url} (${key ? "with" : "without"} a credential): ${res.status}`);
      assert.equal(res.body.code, "not_found");
    }
  }
  const docs = await call(production, "GET", "/docs/json");
  assert.equal(docs.status, 200);
  assert.ok(!Object.keys(docs.body.paths).some((p) => p.startsWith("/api/dev")), "nor are they documented");
  const devDocs = await call(ctx, "GET", "/docs/json");
  assert.ok(Object.keys(devDocs.body.paths).includes("/api/dev/clock"), "(while a test-clock server documents them)");
});
