// Withdrawal is a decision of the offer decider (flows/withdraw-offers.ts): the path that withdraws
// says why, from the one list, and what a withdrawn offer means around it (the entry leaves NOTIFIED,
// its messages are not sent, the opening's flow moves on) happens whichever path it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WITHDRAW_REASONS } from "../../src/core/offer.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { pgCode } from "../../src/store/db.ts";
import { aPatient, aStaffedClinic, anAppointment, anEntry, anOpening, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());

async function offerRows(openingId: string) {
  const { rows } = await ctx.deps.db.query<{ entry_id: string; status: string; withdraw_reason: string | null }>(
    "SELECT entry_id, status, withdraw_reason FROM offers WHERE opening_id = $1 ORDER BY created_at, id",
    [openingId],
  );
  return rows.map((r) => [r.entry_id, r.status, r.withdraw_reason]);
}
const entryStatus = async (key: string, id: string) => (await call(ctx, "GET", `/api/booking/waitlist/${id}`, { key })).body.status as string;

test("removing an entry withdraws its live offer for entry_removed (not 'filled'), and the opening moves on to the next entry", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const next = await aPatient(ctx, s.clinic, { phone: "+16175550188" });
  const first = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, priority: "urgent" });
  const second = await anEntry(ctx, s.clinic, { patientId: next.id, serviceId: s.service.id });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  assert.deepEqual(await offerRows(opening.id), [[first.id, "PENDING", null]]);

  const removed = await call(ctx, "DELETE", `/api/booking/waitlist/${first.id}`, { key: s.clinic.key });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.deepEqual(await offerRows(opening.id), [[first.id, "WITHDRAWN", "entry_removed"]]);
  assert.equal(await entryStatus(s.clinic.key, first.id), "REMOVED");
  await drain();
  // Both offers were made at T0 on the test clock: compare as a set.
  assert.deepEqual(
    (await offerRows(opening.id)).sort(),
    [
      [first.id, "WITHDRAWN", "entry_removed"],
      [second.id, "PENDING", null],
    ].sort(),
  );
});

test("staff booking another patient into the opening withdraws its live offer for filled; the entry is ACTIVE again", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const walkIn = await aPatient(ctx, s.clinic, { phone: "+16175550189" });
  const waiting = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  assert.equal(await entryStatus(s.clinic.key, waiting.id), "NOTIFIED");

  await anAppointment(ctx, s.clinic, { patientId: walkIn.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24) });
  assert.deepEqual(await offerRows(opening.id), [[waiting.id, "WITHDRAWN", "filled"]]);
  assert.equal(await entryStatus(s.clinic.key, waiting.id), "ACTIVE");
  // Its messages are not waiting to go out any more.
  const { rows } = await ctx.deps.db.query<{ status: string }>("SELECT status FROM deliveries WHERE offer_id = (SELECT id FROM offers WHERE opening_id = $1)", [
    opening.id,
  ]);
  assert.ok(rows.length > 0 && rows.every((r) => r.status !== "QUEUED"), JSON.stringify(rows));
});

test("the schema holds withdraw_reason to WITHDRAW_REASONS: the same list, and another word is refused (23514)", async () => {
  const { rows } = await ctx.deps.db.query<{ def: string }>(
    "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'offers'::regclass AND conname = 'offers_withdraw_reason'",
  );
  const listed = [...(rows[0]?.def ?? "").matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), [...WITHDRAW_REASONS].sort());
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const update = ctx.deps.db.query("UPDATE offers SET status = 'WITHDRAWN', withdraw_reason = 'because' WHERE opening_id = $1 RETURNING id", [opening.id]);
  await assert.rejects(update, (e: unknown) => {
    assert.equal(pgCode(e), "23514");
    return true;
  });
});
