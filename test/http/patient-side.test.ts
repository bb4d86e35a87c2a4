// The patient's side (API.md "Patient side"): the booking link's token is the only credential, it is
// stored hashed, opening the link never changes state, and accept/decline/alternatives do.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const plus = (d: Date | string, minutes: number) => new Date(new Date(d).getTime() + minutes * 60_000).toISOString();

let phones = 300;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

type Clinic = { id: string; key: string };

async function aSetup(name = "Bright Smiles") {
  const clinic = await aClinic(ctx, { name, timezone: "America/New_York" });
  const drA = await aProvider(ctx, clinic, "Dr A");
  const drB = await aProvider(ctx, clinic, "Dr B");
  const service = await aService(ctx, clinic, { name: "Cleaning" });
  return { clinic, drA, drB, service };
}

async function aWaiter(clinic: Clinic, serviceId: string, entry: Record<string, unknown> = {}, patient: Record<string, unknown> = {}) {
  const p = await aPatient(ctx, clinic, { phone: nextPhone(), ...patient });
  const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId, ...entry });
  return { patient: p, entry: e, id: e.id as string, phone: p.phone as string };
}

/** The booking link's token in the newest offer message sent to `phone`. */
async function tokenFor(clinic: Clinic, phone: string): Promise<string> {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key });
  assert.equal(res.status, 200);
  const withLink = res.body.items.filter((m: any) => m.links.length > 0);
  assert.ok(withLink.length > 0, `no offer message to ${phone}`);
  const link: string = withLink.at(-1).links[0];
  assert.match(link, /\/o\/o_[A-Za-z0-9_-]{43}$/);
  return link.split("/o/")[1]!;
}

async function offersOf(clinic: Clinic, query: string) {
  return (await call(ctx, "GET", `/api/booking/waitlist/notifications${query}`, { key: clinic.key })).body.items as any[];
}
const entryOf = async (clinic: Clinic, id: string) => (await call(ctx, "GET", `/api/booking/waitlist/${id}`, { key: clinic.key })).body;

/** Every row the offer flow writes, for "nothing changed" comparisons. */
async function snapshot(clinicId: string) {
  const rows = async (sql: string) => (await ctx.deps.db.query(sql, [clinicId])).rows;
  return {
    offers: await rows("SELECT * FROM offers WHERE clinic_id = $1 ORDER BY id"),
    deliveries: await rows("SELECT * FROM deliveries WHERE clinic_id = $1 ORDER BY id"),
    audit: await rows("SELECT * FROM audit_log WHERE clinic_id = $1 ORDER BY id"),
    entries: await rows("SELECT * FROM waitlist_entries WHERE clinic_id = $1 ORDER BY id"),
    openings: await rows("SELECT * FROM openings WHERE clinic_id = $1 ORDER BY id"),
    appointments: await rows("SELECT * FROM appointments WHERE clinic_id = $1 ORDER BY id"),
  };
}

test("GET /api/public/offers/:token: the offer's shape, times for the patient's and the clinic's zone", async () => {
  ctx.clock.set(new Date("2026-03-02T17:00:00Z")); // 09:00 in Los Angeles, 12:00 in New York
  const { clinic, drA, service } = await aSetup();
  const w = await aWaiter(clinic, service.id, {}, { timezone: "America/Los_Angeles" });
  await anOpening(ctx, clinic, { providerId: drA.id, start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" });
  await drain();
  const token = await tokenFor(clinic, w.phone);

  const res = await call(ctx, "GET", `/api/public/offers/${token}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    status: "PENDING",
    slot: {
      start: "2026-03-03T14:00:00.000Z",
      end: "2026-03-03T15:00:00.000Z",
      providerName: "Dr A",
      serviceName: "Cleaning",
      clinicName: "Bright Smiles",
    },
    patientTimezone: "America/Los_Angeles",
    clinicTimezone: "America/New_York",
    holdExpiresAt: "2026-03-02T19:00:00.000Z",
  });
  assert.equal(res.headers["cache-control"], "no-store");

  const page = await call(ctx, "GET", `/o/${token}`);
  assert.equal(page.status, 200);
  assert.match(page.headers["content-type"] as string, /^text\/html/);
  const html = String(page.body);
  assert.match(html, /Bright Smiles/);
  assert.match(html, /Tuesday 3 March, 6:00 AM PST/, "the time in the patient's zone");
  assert.match(html, /Tuesday 3 March, 9:00 AM EST at the clinic/, "and in the clinic's, since they differ");
  assert.match(html, /Cleaning with Dr A/);
  assert.match(html, /Book this time/);
});

test("opening the link (page and JSON) five times changes nothing", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const token = await tokenFor(clinic, w.phone);
  const before = await snapshot(clinic.id);
  assert.equal(before.offers.length, 1);

  for (let i = 0; i < 5; i++) {
    ctx.clock.advanceMinutes(1);
    assert.equal((await call(ctx, "GET", `/o/${token}`)).status, 200);
    assert.equal((await call(ctx, "GET", `/api/public/offers/${token}`)).status, 200);
    assert.equal((await call(ctx, "HEAD" as "GET", `/o/${token}`)).status, 200);
    // And what the page itself fetches: its alternatives and (once booked) its calendar file.
    assert.equal((await call(ctx, "GET", `/api/public/offers/${token}/alternatives`)).status, 200);
    assert.equal((await call(ctx, "GET", `/o/${token}/calendar.ics`)).status, 404);
  }
  assert.deepEqual(await snapshot(clinic.id), before);
});

test("the token is stored only hashed: no column of deliveries, offers or audit_log holds it", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const token = await tokenFor(clinic, w.phone);
  // Drive it through decline too, so the audit trail has more than the send.
  assert.equal((await call(ctx, "POST", `/api/public/offers/${token}/decline`)).status, 200);

  for (const table of ["deliveries", "offers", "audit_log"]) {
    const { rows } = await ctx.deps.db.query(`SELECT t::text AS row FROM ${table} t`);
    assert.ok(rows.length > 0, table);
    for (const r of rows) assert.ok(!r.row.includes(token), `${table} holds the plaintext token: ${r.row}`);
    const secret = token.slice(2); // without the "o_" prefix
    for (const r of rows) assert.ok(!r.row.includes(secret), `${table} holds the token's random part`);
  }
  const hash = createHash("sha256").update(token).digest("hex");
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM deliveries WHERE token_hash = $1", [hash]);
  assert.equal(rows[0].n, 1, "the delivery keeps the token's sha256");
  // Nor does staff's view of the notification carry a working link.
  const [n] = await offersOf(clinic, `?entryId=${w.id}`);
  assert.ok(!String(n.message).includes(token));
});

test("an unknown or malformed token: 404 for the JSON, the page, accept and decline", async () => {
  const unknown = `o_${"A".repeat(43)}`;
  for (const token of [unknown, "not-a-token", `o_${"A".repeat(42)}`]) {
    const json = await call(ctx, "GET", `/api/public/offers/${encodeURIComponent(token)}`);
    assert.equal(json.status, 404, token);
    assert.equal(json.body.code, "not_found");
    assert.equal((await call(ctx, "GET", `/o/${encodeURIComponent(token)}`)).status, 404);
    assert.equal((await call(ctx, "POST", `/api/public/offers/${encodeURIComponent(token)}/accept`)).status, 404);
    assert.equal((await call(ctx, "POST", `/api/public/offers/${encodeURIComponent(token)}/decline`)).status, 404);
    const alt = await call(ctx, "POST", `/api/public/offers/${encodeURIComponent(token)}/alternatives/00000000-0000-4000-8000-000000000000/accept`);
    assert.equal(alt.status, 404);
  }
});

test("decline: 200, the entry goes back to the list and the next wave goes to the next in line", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, service } = await aSetup();
  const first = await aWaiter(clinic, service.id, { priority: "urgent" });
  const second = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const token = await tokenFor(clinic, first.phone);

  ctx.clock.advanceMinutes(7);
  const declined = await call(ctx, "POST", `/api/public/offers/${token}/decline`);
  assert.equal(declined.status, 200, JSON.stringify(declined.body));
  assert.equal(declined.body.status, "DECLINED");
  assert.equal((await call(ctx, "POST", `/api/public/offers/${token}/decline`)).status, 200, "repeating it changes nothing");
  assert.equal((await call(ctx, "GET", `/api/public/offers/${token}`)).body.status, "DECLINED");
  assert.equal((await entryOf(clinic, first.id)).status, "ACTIVE");
  const accept = await call(ctx, "POST", `/api/public/offers/${token}/accept`);
  assert.equal(accept.status, 409, "a declined offer cannot be accepted afterwards");
  assert.equal(accept.body.code, "offer_closed");

  await drain();
  const live = (await offersOf(clinic, `?slotId=${slot.id}`)).filter((o) => o.status === "PENDING");
  assert.equal(live.length, 1);
  assert.equal(live[0].waitlistEntryId, second.id);
  assert.equal(live[0].sentAt, plus(T0, 7));
  await tokenFor(clinic, second.phone);
});

test("accept: 200 with the appointment; accepting again gives the same answer", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const token = await tokenFor(clinic, w.phone);

  ctx.clock.advanceMinutes(3);
  const first = await call(ctx, "POST", `/api/public/offers/${token}/accept`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.status, "ACCEPTED");
  assert.equal(typeof first.body.appointmentId, "string");
  ctx.clock.advanceMinutes(3);
  const again = await call(ctx, "POST", `/api/public/offers/${token}/accept`);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body);
  const appointments = await ctx.deps.db.query("SELECT id FROM appointments WHERE clinic_id = $1", [clinic.id]);
  assert.equal(appointments.rows.length, 1, "one appointment, however often the patient taps");

  const appt = await call(ctx, "GET", `/api/booking/appointments/${first.body.appointmentId}`, { key: clinic.key });
  assert.equal(appt.body.source, "WAITLIST");
  assert.equal(appt.body.fromWaitlistEntryId, w.id);
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${slot.id}`, { key: clinic.key })).body.status, "FILLED");
  assert.equal((await call(ctx, "GET", `/api/public/offers/${token}`)).body.status, "ACCEPTED");
  assert.match(String((await call(ctx, "GET", `/o/${token}`)).body), /You're booked/);
  const decline = await call(ctx, "POST", `/api/public/offers/${token}/decline`);
  assert.equal(decline.status, 409, "an accepted offer cannot be declined");
});

test("after the hold: 410 offer_expired with alternatives; an alternative can be accepted, a non-alternative is 404", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, drB, service } = await aSetup();
  // The entry accepts only Dr A, so the automatic flow never offers it Dr B's opening.
  const w = await aWaiter(clinic, service.id, { providerIds: [drA.id] });
  const original = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const token = await tokenFor(clinic, w.phone);
  const alternative = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(26), end: inHours(27) });
  const tooFar = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(120), end: inHours(121) }); // past the 48 h horizon

  ctx.clock.set(new Date(inHours(2))); // the hold has run out
  const late = await call(ctx, "POST", `/api/public/offers/${token}/accept`);
  assert.equal(late.status, 410, JSON.stringify(late.body));
  assert.equal(late.body.code, "offer_expired");
  assert.deepEqual(
    late.body.alternatives.map((a: any) => a.slotId),
    [alternative.id],
  );
  const alt = late.body.alternatives[0];
  assert.equal(alt.providerName, "Dr B");
  assert.equal(alt.start, inHours(26));
  assert.equal(alt.end, inHours(27));
  assert.equal(typeof alt.matchScore, "number");
  assert.ok(Array.isArray(alt.matchReasons));
  await drain();
  assert.equal((await call(ctx, "POST", `/api/public/offers/${token}/accept`)).status, 410, "after the sweep too");
  assert.equal((await call(ctx, "GET", `/api/public/offers/${token}`)).body.status, "EXPIRED");
  assert.equal((await call(ctx, "POST", `/api/public/offers/${token}/decline`)).status, 410);

  for (const slotId of [tooFar.id, original.id, "00000000-0000-4000-8000-000000000000"]) {
    const res = await call(ctx, "POST", `/api/public/offers/${token}/alternatives/${slotId}/accept`);
    assert.equal(res.status, 404, `${slotId}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "not_found");
  }

  const taken = await call(ctx, "POST", `/api/public/offers/${token}/alternatives/${alternative.id}/accept`);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  assert.equal(taken.body.status, "ACCEPTED");
  const appt = await call(ctx, "GET", `/api/booking/appointments/${taken.body.appointmentId}`, { key: clinic.key });
  assert.equal(appt.body.providerId, drB.id);
  assert.equal(appt.body.start, inHours(26));
  assert.equal(appt.body.source, "WAITLIST");
  assert.equal(appt.body.fromWaitlistEntryId, w.id);
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${alternative.id}`, { key: clinic.key })).body.status, "FILLED");
  assert.equal((await entryOf(clinic, w.id)).status, "BOOKED");
  const again = await call(ctx, "POST", `/api/public/offers/${token}/alternatives/${alternative.id}/accept`);
  assert.equal(again.status, 200, `repeating it gives the same answer: ${JSON.stringify(again.body)}`);
  assert.deepEqual(again.body, taken.body);
});

test("accepting an offer whose opening was filled elsewhere: 409 slot_filled with alternatives", async () => {
  ctx.clock.set(T0);
  const { clinic, drA, drB, service } = await aSetup();
  await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { strategy: "broadcast", waveSize: 2 } });
  const a = await aWaiter(clinic, service.id, { providerIds: [drA.id] });
  const b = await aWaiter(clinic, service.id, { providerIds: [drA.id] });
  await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  const other = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(30), end: inHours(31) });
  const ta = await tokenFor(clinic, a.phone);
  const tb = await tokenFor(clinic, b.phone);
  assert.equal((await call(ctx, "POST", `/api/public/offers/${ta}/accept`)).status, 200);
  const lost = await call(ctx, "POST", `/api/public/offers/${tb}/accept`);
  assert.equal(lost.status, 409);
  assert.equal(lost.body.code, "slot_filled");
  assert.deepEqual(
    lost.body.alternatives.map((x: any) => x.slotId),
    [other.id],
  );
  const taken = await call(ctx, "POST", `/api/public/offers/${tb}/alternatives/${other.id}/accept`);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
});
