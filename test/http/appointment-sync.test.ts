// Sync of appointments by external id (API.md "Connecting the clinic's own systems"):
// PUT /api/booking/appointments/external/:externalId creates (201), updates (200) or leaves unchanged (200,
// nothing written: the row's xmin, the audit log and the events outbox stay as they were). A host-side
// change runs exactly the native flow: a cancellation frees the time as an opening the waitlist flow offers
// (drained on the manual clock: the waitlisted patient gets the SMS), a no-show runs the no-show flow, a
// check-in the check-in, a move moves the appointment in place and frees the old time as a RESCHEDULE
// opening. Overlaps are refused whole (409 naming the other appointment). A fast-check property: any
// sequence of moves and confirmations converges to the last body (status never going back), and a PUT that
// changes nothing writes nothing.
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, call, inHours, T0, testApp, type Reply } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const tick = (ms: number) => ctx.clock.set(new Date(ctx.clock.now().getTime() + ms));

type Clinic = Awaited<ReturnType<typeof aClinic>>;

const put = (c: { key: string }, externalId: string, body: unknown, query = "") =>
  call(ctx, "PUT", `/api/booking/appointments/external/${encodeURIComponent(externalId)}${query}`, { key: c.key, body });

function assertSynced(res: Reply, outcome: "created" | "updated" | "unchanged", what: string) {
  assert.equal(res.status, outcome === "created" ? 201 : 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.headers["backfill-sync"], outcome, what);
}

function assertProblem(res: Reply, status: number, code: string, paths: string[], what: string) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, what);
  assert.deepEqual(
    [...new Set((res.body.errors ?? []).map((e: { path: string }) => e.path))].sort(),
    [...paths].sort(),
    `${what}: ${JSON.stringify(res.body.errors)}`,
  );
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ctx.deps.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0].n;
}
const auditRows = (entityId: string) => count("audit_log WHERE entity_id = $1", [entityId]);
const events = (entityId: string, type?: string) => count("webhook_events WHERE entity_id = $1 AND ($2::text IS NULL OR type = $2)", [entityId, type ?? null]);
const clinicRows = (table: string, clinicId: string) => count(`${table} WHERE clinic_id = $1`, [clinicId]);
async function version(id: string): Promise<string> {
  const { rows } = await ctx.deps.db.query("SELECT xmin::text AS v FROM appointments WHERE id = $1", [id]);
  return rows[0].v;
}
async function openingsOf(clinicId: string) {
  const { rows } = await ctx.deps.db.query(
    "SELECT id, source, status, start_at, end_at, source_appointment_id, filled_appointment_id FROM openings WHERE clinic_id = $1 ORDER BY created_at, start_at",
    [clinicId],
  );
  return rows as {
    id: string;
    source: string;
    status: string;
    start_at: Date;
    end_at: Date;
    source_appointment_id: string | null;
    filled_appointment_id: string | null;
  }[];
}

/** A clinic whose host system knows its records by external id, with an endpoint taking every event. */
async function aSyncedClinic() {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx);
  await ctx.deps.db.query(
    `INSERT INTO webhook_endpoints (clinic_id, url, events, secret, created_at, updated_at)
     VALUES ($1, 'https://hooks.example.com/backfill', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=', $2, $2)`,
    [clinic.id, T0],
  );
  const sync = async (path: string, body: object) => {
    const res = await call(ctx, "PUT", `/api/booking/${path}`, { key: clinic.key, body });
    assert.ok(res.status === 201 || res.status === 200, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const drA = await sync("providers/external/dr-a", { name: "Dr. A" });
  const drB = await sync("providers/external/dr-b", { name: "Dr. B" });
  const chair = await sync("chairs/external/op-1", { name: "Op 1" });
  const cleaning = await sync("services/external/svc-clean", { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000 });
  const holder = await sync("patients/external/pt-holder", { firstName: "Hal", lastName: "Holder", phone: "+16175550301", smsConsent: true });
  const waiting = await sync("patients/external/pt-waiting", { firstName: "Wen", lastName: "Waiting", phone: "+16175550302", smsConsent: true });
  return { clinic, drA, drB, chair, cleaning, holder, waiting };
}

const visit = (over: Record<string, unknown> = {}) => ({
  patientExternalId: "pt-holder",
  providerExternalId: "dr-a",
  chairExternalId: "op-1",
  serviceExternalId: "svc-clean",
  start: inHours(24),
  ...over,
});

async function outbox(clinic: Clinic) {
  const res = await call(ctx, "GET", "/api/dev/outbox", { key: clinic.key });
  assert.equal(res.status, 200);
  return res.body.items as { to: string; body: string; channel: string }[];
}

test("create 201 by external references, the same body again 200 unchanged with nothing written, dryRun writes nothing, ?externalId= finds it", async () => {
  const s = await aSyncedClinic();
  const dry = await put(s.clinic, "ap-1", visit(), "?dryRun=true");
  assertSynced(dry, "created", "dry run");
  assert.equal(await clinicRows("appointments", s.clinic.id), 0, "the dry run wrote nothing");

  const made = await put(s.clinic, "ap-1", visit());
  assertSynced(made, "created", "first PUT");
  const a = made.body;
  assert.equal(a.externalId, "ap-1");
  assert.equal(a.patientId, s.holder.id);
  assert.equal(a.providerId, s.drA.id);
  assert.equal(a.chairId, s.chair.id);
  assert.equal(a.status, "BOOKED");
  assert.equal(a.source, "STAFF");
  assert.equal(a.end, inHours(25), "end = start + the service's duration");
  assert.equal(await events(a.id, "appointment.created"), 1);

  const v = await version(a.id);
  const audits = await auditRows(a.id);
  const evs = await events(a.id);
  for (const again of [
    visit(),
    visit({ externalId: "ap-1", end: inHours(25) }),
    { patientId: s.holder.id, providerId: s.drA.id, chairId: s.chair.id, serviceId: s.cleaning.id, start: inHours(24), status: "BOOKED" },
  ]) {
    tick(60_000);
    const same = await put(s.clinic, "ap-1", again);
    assertSynced(same, "unchanged", JSON.stringify(again));
    assert.deepEqual(same.body, a);
  }
  const dryAgain = await put(s.clinic, "ap-1", visit({ start: inHours(48) }), "?dryRun=true");
  assertSynced(dryAgain, "updated", "a dry-run move");
  assert.equal(dryAgain.body.start, inHours(48));
  assert.equal(await version(a.id), v, "no UPDATE ran");
  assert.equal(await auditRows(a.id), audits);
  assert.equal(await events(a.id), evs);
  assert.equal((await openingsOf(s.clinic.id)).length, 0, "the dry-run move freed nothing");

  const listed = await call(ctx, "GET", "/api/booking/appointments?externalId=ap-1", { key: s.clinic.key });
  assert.deepEqual(
    listed.body.items.map((x: { id: string }) => x.id),
    [a.id],
  );
  // A body externalId other than the path's is refused.
  assertProblem(await put(s.clinic, "ap-1", visit({ externalId: "ap-2" })), 422, "validation_failed", ["/externalId"], "mismatched externalId");
});

test("a host cancellation runs the native cancellation: the freed time is an OPEN opening, offered to the waitlisted patient by SMS", async () => {
  const s = await aSyncedClinic();
  await anEntry(ctx, s.clinic, { patientId: s.waiting.id, serviceId: s.cleaning.id });
  const made = await put(s.clinic, "ap-c", visit());
  assertSynced(made, "created", "booked");
  tick(60_000);
  const cancelled = await put(s.clinic, "ap-c", visit({ status: "CANCELLED", cancelReason: "called the front desk" }));
  assertSynced(cancelled, "updated", "cancelled");
  assert.equal(cancelled.body.id, made.body.id);
  assert.equal(cancelled.body.status, "CANCELLED");
  assert.equal(cancelled.body.cancelledBy, "staff");
  assert.equal(await events(made.body.id, "appointment.cancelled"), 1);
  const [opening] = await openingsOf(s.clinic.id);
  assert.equal(opening?.source, "CANCELLATION");
  assert.equal(opening?.status, "OPEN");
  assert.equal(opening?.source_appointment_id, made.body.id);
  assert.equal(opening?.start_at.toISOString(), inHours(24));
  assert.equal(await events(opening!.id, "opening.created"), 1);

  // The waitlist flow picks it up on the clock, like any other opening.
  ctx.clock.advanceMinutes(30);
  await drain();
  const sent = await outbox(s.clinic);
  assert.equal(sent.length, 1, JSON.stringify(sent));
  assert.equal(sent[0]!.to, "+16175550302");
  assert.match(sent[0]!.body, /an appointment opened up/);
  assert.equal(await count("offers WHERE opening_id = $1 AND sent_at IS NOT NULL", [opening!.id]), 1);

  // The same cancellation again changes nothing; a cancelled appointment does not come back (409).
  const evs = await events(made.body.id);
  assertSynced(await put(s.clinic, "ap-c", visit({ status: "CANCELLED" })), "unchanged", "cancelled again");
  assertSynced(await put(s.clinic, "ap-c", visit({ status: "CANCELLED", start: inHours(30) })), "unchanged", "a cancelled visit's time is history");
  assert.equal(await events(made.body.id), evs);
  assertSynced(await put(s.clinic, "ap-c", visit()), "unchanged", "status left out keeps it");
  assertProblem(await put(s.clinic, "ap-c", visit({ status: "BOOKED" })), 409, "conflict", ["/status"], "revived");
  assert.equal((await openingsOf(s.clinic.id)).length, 1);
});

test("a host patient cancellation takes the clinic's fee as agreed (no quote), as a confirmed native one", async () => {
  const s = await aSyncedClinic();
  const patched = await call(ctx, "PATCH", "/api/booking/settings", {
    key: s.clinic.key,
    body: { cancellationPolicies: { hygiene: { gracePeriodMinutes: 0, feePercent: 50, noticeHours: 48, fullChargeHours: 2 } } },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const made = await put(s.clinic, "ap-fee", visit());
  tick(60_000);
  const cancelled = await put(s.clinic, "ap-fee", visit({ status: "CANCELLED", cancelledBy: "patient" }));
  assertSynced(cancelled, "updated", "patient cancellation");
  assert.equal(cancelled.body.cancelledBy, "patient");
  const { rows } = await ctx.deps.db.query("SELECT kind, amount_cents, status FROM charges WHERE appointment_id = $1", [made.body.id]);
  assert.deepEqual(rows, [{ kind: "CANCELLATION_FEE", amount_cents: 7500, status: "PENDING" }]);
});

test("a move runs in place: same id, the new time takes its opening, the old time is a RESCHEDULE opening, the reminder is due again", async () => {
  const s = await aSyncedClinic();
  const made = await put(s.clinic, "ap-m", visit());
  const a = made.body;
  // An opening Dr. A has at the new time (made by hand) is filled by the move.
  const there = await anOpening(ctx, s.clinic, { providerId: s.drA.id, start: inHours(48), end: inHours(49) });
  await ctx.deps.db.query("UPDATE appointments SET reminded_at = $2 WHERE id = $1", [a.id, T0]);
  const updates = await events(a.id, "appointment.updated");
  tick(60_000);
  const moved = await put(s.clinic, "ap-m", visit({ start: inHours(48) }));
  assertSynced(moved, "updated", "moved");
  assert.equal(moved.body.id, a.id, "the same appointment");
  assert.equal(moved.body.start, inHours(48));
  assert.equal(moved.body.end, inHours(49));
  assert.equal(moved.body.status, "BOOKED");
  assert.equal(await events(a.id, "appointment.updated"), updates + 1);
  const { rows } = await ctx.deps.db.query("SELECT reminded_at, reminder_due_at FROM appointments WHERE id = $1", [a.id]);
  assert.equal(rows[0].reminded_at, null, "a reminder for the new time will be sent");
  assert.ok(rows[0].reminder_due_at === null || rows[0].reminder_due_at.getTime() > ctx.clock.now().getTime());
  const openings = await openingsOf(s.clinic.id);
  const filled = openings.find((o) => o.id === there.id)!;
  assert.equal(filled.status, "FILLED");
  assert.equal(filled.filled_appointment_id, a.id);
  const freed = openings.find((o) => o.source === "RESCHEDULE")!;
  assert.equal(freed.status, "OPEN");
  assert.equal(freed.start_at.toISOString(), inHours(24));
  assert.equal(freed.end_at.toISOString(), inHours(25));
  assert.equal(freed.source_appointment_id, a.id);

  // Half an hour later on the same chair: only the first half of the old time is freed.
  tick(60_000);
  const nudged = await put(s.clinic, "ap-m", visit({ start: inHours(48.5) }));
  assertSynced(nudged, "updated", "nudged");
  const half = (await openingsOf(s.clinic.id)).filter((o) => o.source === "RESCHEDULE").at(-1)!;
  assert.equal(half.start_at.toISOString(), inHours(48));
  assert.equal(half.end_at.toISOString(), inHours(48.5));

  // To the other provider: the appointment follows, its old time is Dr. A's opening.
  const other = await put(s.clinic, "ap-m", visit({ start: inHours(48.5), providerExternalId: "dr-b" }));
  assertSynced(other, "updated", "other provider");
  assert.equal(other.body.providerId, s.drB.id);
});

test("an overlap is refused whole (409 naming the other appointment): nothing booked, moved or freed", async () => {
  const s = await aSyncedClinic();
  const first = (await put(s.clinic, "ap-1", visit())).body;
  const second = (await put(s.clinic, "ap-2", visit({ start: inHours(26), chairExternalId: null }))).body;
  const appointments = await clinicRows("appointments", s.clinic.id);
  const audits = await count("audit_log WHERE clinic_id = $1", [s.clinic.id]);
  const evs = await clinicRows("webhook_events", s.clinic.id);

  const clash = await put(s.clinic, "ap-3", visit({ start: inHours(24.5), patientExternalId: "pt-waiting" }));
  assertProblem(clash, 409, "conflict", ["/start"], "a new appointment over ap-1");
  assert.equal(clash.body.conflictingAppointmentId, first.id);
  assert.match(clash.body.detail, /externalId ap-1/);

  // Moving ap-2 onto ap-1's chair and time: refused, ap-2 stays, its old time is not freed.
  const move = await put(s.clinic, "ap-2", visit({ start: inHours(24.5), providerExternalId: "dr-b" }));
  assertProblem(move, 409, "conflict", ["/start"], "a move onto ap-1's chair");
  assert.equal(move.body.conflictingAppointmentId, first.id);
  const still = await call(ctx, "GET", `/api/booking/appointments/${second.id}`, { key: s.clinic.key });
  assert.equal(still.body.start, inHours(26));

  assert.equal(await clinicRows("appointments", s.clinic.id), appointments);
  assert.equal(await count("audit_log WHERE clinic_id = $1", [s.clinic.id]), audits);
  assert.equal(await clinicRows("webhook_events", s.clinic.id), evs);
  assert.equal(await clinicRows("openings", s.clinic.id), 0);
});

test("statuses: CONFIRMED, CHECKED_IN and COMPLETED recorded; status never goes back; a no-show runs the no-show flow", async () => {
  const s = await aSyncedClinic();
  const a = (await put(s.clinic, "ap-s", visit({ start: inHours(2) }))).body;
  const confirmed = await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "CONFIRMED" }));
  assertSynced(confirmed, "updated", "confirmed");
  assert.equal(confirmed.body.status, "CONFIRMED");
  // The host system does not know of the confirmation: its BOOKED keeps it, as a body without status does.
  assertSynced(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "BOOKED" })), "unchanged", "BOOKED on CONFIRMED");
  assertSynced(await put(s.clinic, "ap-s", visit({ start: inHours(2) })), "unchanged", "no status");
  // A no-show or a completed visit before it started is refused.
  assertProblem(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "NO_SHOW" })), 422, "validation_failed", ["/status"], "early no-show");
  assertProblem(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "COMPLETED" })), 422, "validation_failed", ["/status"], "early completion");

  ctx.clock.set(new Date(inHours(2)));
  const checkedIn = await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "CHECKED_IN" }));
  assertSynced(checkedIn, "updated", "checked in");
  assert.equal(checkedIn.body.status, "CHECKED_IN");
  assert.equal(checkedIn.body.checkedInAt, inHours(2));
  assert.equal(await count("audit_log WHERE entity_id = $1 AND action = 'appointment.checked_in'", [a.id]), 1);
  assertSynced(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "CONFIRMED" })), "unchanged", "CONFIRMED on CHECKED_IN");
  // A checked-in patient cannot be cancelled or missed (the native rules).
  assertProblem(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "CANCELLED" })), 409, "conflict", ["/status"], "cancel after check-in");
  tick(60 * 60_000);
  const done = await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "COMPLETED" }));
  assertSynced(done, "updated", "completed");
  assert.equal(done.body.status, "COMPLETED");
  assertProblem(await put(s.clinic, "ap-s", visit({ start: inHours(2), status: "CHECKED_IN" })), 409, "conflict", ["/status"], "after completion");

  // A no-show: the native flow (staff alert, the ladder's note to the patient, the event).
  const m = (await put(s.clinic, "ap-missed", visit({ start: inHours(4) }))).body;
  ctx.clock.set(new Date(inHours(4.25)));
  const missed = await put(s.clinic, "ap-missed", visit({ start: inHours(4), status: "NO_SHOW" }));
  assertSynced(missed, "updated", "no-show");
  assert.equal(missed.body.status, "NO_SHOW");
  assert.equal(await events(m.id, "appointment.no_show"), 1);
  assert.equal(await count("staff_alerts WHERE clinic_id = $1 AND kind = 'no_show' AND subject_id = $2", [s.clinic.id, m.id]), 1);
  assert.equal(await count("audit_log WHERE entity_id = $1 AND action = 'appointment.no_show'", [m.id]), 1);
  await drain();
  const notes = await outbox(s.clinic);
  assert.ok(
    notes.some((n) => n.to === "+16175550301"),
    "the patient is told, as after the sweep's no-show",
  );
  assertSynced(await put(s.clinic, "ap-missed", visit({ start: inHours(4), status: "NO_SHOW" })), "unchanged", "no-show again");
});

test("a new appointment sent as CANCELLED or COMPLETED is recorded without a booking's effects; NO_SHOW ahead is refused", async () => {
  const s = await aSyncedClinic();
  const open = await anOpening(ctx, s.clinic, { providerId: s.drA.id, start: inHours(24), end: inHours(25) });
  const cancelled = await put(s.clinic, "ap-old", visit({ status: "CANCELLED", cancelledBy: "patient" }));
  assertSynced(cancelled, "created", "recorded cancelled");
  assert.equal(cancelled.body.status, "CANCELLED");
  assert.equal(cancelled.body.cancelledBy, "patient");
  assert.equal((await openingsOf(s.clinic.id)).find((o) => o.id === open.id)!.status, "OPEN", "the opening was not filled");
  assert.equal(await clinicRows("charges", s.clinic.id), 0);
  assertSynced(await put(s.clinic, "ap-old", visit({ status: "CANCELLED", cancelledBy: "patient" })), "unchanged", "again");

  ctx.clock.set(new Date(inHours(30)));
  const past = await put(s.clinic, "ap-past", visit({ start: inHours(26), status: "COMPLETED" }));
  assertSynced(past, "created", "recorded completed");
  assert.equal(past.body.status, "COMPLETED");
  assertProblem(await put(s.clinic, "ap-future", visit({ start: inHours(40), status: "NO_SHOW" })), 422, "validation_failed", ["/status"], "a no-show ahead");
  assert.equal(await count("audit_log WHERE entity_id = $1 AND action = 'appointment.recorded'", [past.body.id]), 1);
});

test("bad input: unknown references 404 naming the field, a patient change 422, both forms 422, tenancy", async () => {
  const s = await aSyncedClinic();
  assertProblem(await put(s.clinic, "ap-x", visit({ serviceExternalId: "nope" })), 404, "not_found", ["/serviceExternalId"], "unknown service");
  assertProblem(await put(s.clinic, "ap-x", visit({ patientExternalId: undefined })), 422, "validation_failed", ["/patientId"], "no patient");
  assertProblem(await put(s.clinic, "ap-x", visit({ providerId: s.drA.id })), 422, "validation_failed", ["/providerExternalId"], "both forms");
  assertProblem(await put(s.clinic, "ap-x", visit({ status: "LATE" })), 422, "validation_failed", ["/status"], "unknown status");
  assertProblem(await put(s.clinic, "ap-x", visit({ end: inHours(23) })), 422, "validation_failed", ["/end"], "end before start");
  assert.equal(await clinicRows("appointments", s.clinic.id), 0);

  await put(s.clinic, "ap-x", visit());
  assertProblem(await put(s.clinic, "ap-x", visit({ patientExternalId: "pt-waiting" })), 422, "validation_failed", ["/patientExternalId"], "patient changed");

  // Another clinic: its own external ids; this clinic's are unknown there.
  const other = await aClinic(ctx);
  assertProblem(
    await put(other, "ap-x", visit()),
    404,
    "not_found",
    ["/patientExternalId", "/providerExternalId", "/chairExternalId", "/serviceExternalId"],
    "other clinic",
  );
  const mine = await call(ctx, "GET", "/api/booking/appointments?externalId=ap-x", { key: other.key });
  assert.equal(mine.body.items.length, 0);
});

test("twelve PUTs of one new external id at once book it once", async () => {
  const s = await aSyncedClinic();
  const replies = await Promise.all(Array.from({ length: 12 }, () => put(s.clinic, "ap-race", visit())));
  const outcomes = replies.map((r) => `${r.status} ${r.headers["backfill-sync"] ?? r.body.code}`).sort();
  assert.deepEqual(outcomes, [...Array(11).fill("200 unchanged"), "201 created"], outcomes.join(", "));
  assert.equal(await clinicRows("appointments", s.clinic.id), 1);
  assert.equal(await count("webhook_events WHERE clinic_id = $1 AND type = 'appointment.created'", [s.clinic.id]), 1);
});

test("property: appointment PUT sequences converge to the last body, status never back; unchanged PUTs write nothing", async () => {
  const s = await aSyncedClinic();
  const rank = { BOOKED: 0, CONFIRMED: 1 } as const;
  // [start hours, provider, status]: three times, two providers, with and without the confirmation.
  const pool: [number, string, keyof typeof rank | undefined][] = [];
  for (const h of [24, 24.5, 30]) for (const dr of ["dr-a", "dr-b"]) for (const st of [undefined, "CONFIRMED"] as const) pool.push([h, dr, st]);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 8 }), async (picks) => {
      const externalId = `prop-${++run}`;
      // Each run on its own day, so runs never collide with each other.
      const day = run * 24 * 7;
      let state: { h: number; dr: string; status: keyof typeof rank } | null = null;
      let id = "";
      for (const i of picks) {
        const [h, dr, st] = pool[i]!;
        tick(1000);
        const status: keyof typeof rank = state === null ? (st ?? "BOOKED") : rank[st ?? "BOOKED"] > rank[state.status] ? st! : state.status;
        const expected = state === null ? "created" : state.h === h && state.dr === dr && state.status === status ? "unchanged" : "updated";
        const before = id ? { audits: await auditRows(id), events: await events(id), v: await version(id) } : null;
        const res = await put(s.clinic, externalId, visit({ start: inHours(day + h), providerExternalId: dr, ...(st ? { status: st } : {}) }));
        assertSynced(res, expected, `${externalId} ${JSON.stringify(pool[i])}`);
        id = res.body.id;
        assert.equal(res.body.start, inHours(day + h));
        assert.equal(res.body.providerId, dr === "dr-a" ? s.drA.id : s.drB.id);
        assert.equal(res.body.status, status);
        if (before && expected === "unchanged") {
          assert.equal(await version(id), before.v, "no UPDATE");
          assert.equal(await auditRows(id), before.audits, "no audit row");
          assert.equal(await events(id), before.events, "no event");
        }
        if (before && expected === "updated") assert.ok((await events(id)) > before.events, "an event for the change");
        state = { h, dr, status };
      }
      // Converged: the last body, sent again (dry run), is the stored state.
      const [h, dr, st] = pool[picks.at(-1)!]!;
      const fresh = await put(s.clinic, externalId, visit({ start: inHours(day + h), providerExternalId: dr, ...(st ? { status: st } : {}) }), "?dryRun=true");
      assertSynced(fresh, "unchanged", "the last body is the stored state");
      // Every freed time is an opening of the appointment's own, never two open ones on one time.
      const { rows } = await ctx.deps.db.query(
        `SELECT count(*)::int AS n FROM openings a JOIN openings b ON a.id < b.id AND a.provider_id = b.provider_id
           AND a.status = 'OPEN' AND b.status = 'OPEN' AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)
         WHERE a.clinic_id = $1`,
        [s.clinic.id],
      );
      assert.equal(rows[0].n, 0);
    }),
    { numRuns: 25 },
  );
});
