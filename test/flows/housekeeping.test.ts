// Housekeeping (issue 6): entries past their latest date expire in the clinic's zone; a patient who books
// by any path has their other entries for that service resolved; the frequent-canceller flag.
import assert from "node:assert/strict";
import { test } from "node:test";
import { flagsFor, FREQUENT_CANCELLER } from "../../src/core/cancellers.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { aPatient, aService, aStaffedClinic, anAppointment, anEntry, anOpening, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const setNow = (iso: string) => ctx.clock.set(new Date(iso));

async function entry(key: string, id: string) {
  return (await call(ctx, "GET", `/api/booking/waitlist/${id}`, { key })).body;
}
async function auditCount(action: string, entityId: string) {
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND entity_id = $2", [action, entityId]);
  return rows[0].n as number;
}

test("flagsFor: the flag at 2 cancellations, gone below; other flags kept in order", () => {
  assert.deepEqual(flagsFor([], 0), []);
  assert.deepEqual(flagsFor([], 1), []);
  assert.deepEqual(flagsFor([], 2), [FREQUENT_CANCELLER]);
  assert.deepEqual(flagsFor(["vip"], 5), ["vip", FREQUENT_CANCELLER]);
  assert.deepEqual(flagsFor(["a", FREQUENT_CANCELLER, "b"], 2), ["a", FREQUENT_CANCELLER, "b"]);
  assert.deepEqual(flagsFor(["a", FREQUENT_CANCELLER, "b"], 1), ["a", "b"]);
});

test("an entry expires once its latest date is over in the clinic's zone (not in UTC), audited", async () => {
  setNow(T0.toISOString());
  const s = await aStaffedClinic(ctx); // America/New_York
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, latestDate: "2026-03-03" });
  const open = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: (await aService(ctx, s.clinic, { name: "Whitening" })).id });
  // 2026-03-04T04:30Z is 23:30 on the 3rd in New York: the last day is not over there (it is in UTC).
  setNow("2026-03-04T04:30:00Z");
  await drain();
  assert.equal((await entry(s.clinic.key, e.id)).status, "ACTIVE");
  setNow("2026-03-04T05:00:00Z"); // midnight in New York
  await drain();
  assert.equal((await entry(s.clinic.key, e.id)).status, "EXPIRED");
  assert.equal((await entry(s.clinic.key, open.id)).status, "ACTIVE", "an entry without a latest date never expires");
  assert.equal(await auditCount("waitlist_entry.expired", e.id), 1);
  await drain();
  assert.equal(await auditCount("waitlist_entry.expired", e.id), 1, "expired once");
});

test("an entry holding a live offer is not expired under it; it expires when the offer ends", async () => {
  setNow(T0.toISOString());
  const s = await aStaffedClinic(ctx);
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, latestDate: "2026-03-02" });
  // An opening today at 15:00–16:00 New York; the offer goes out at once, its hold ends at 14:30 local.
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: "2026-03-02T20:00:00Z", end: "2026-03-02T21:00:00Z" });
  await drain();
  assert.equal((await entry(s.clinic.key, e.id)).status, "NOTIFIED");
  // Midnight passes in New York is not reached while the hold runs; move to the next day at 05:01Z
  // (00:01 local): the hold has ended long before, so the entry is ACTIVE again and then EXPIRED.
  setNow("2026-03-03T05:01:00Z");
  await drain();
  assert.equal((await entry(s.clinic.key, e.id)).status, "EXPIRED");
  const offers = (await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${opening.id}`, { key: s.clinic.key })).body.items;
  assert.deepEqual(
    offers.map((o: { status: string }) => o.status),
    ["EXPIRED"],
  );
});

test("staff booking a patient for a service resolves their entries for it and withdraws their live offer", async () => {
  setNow(T0.toISOString());
  const s = await aStaffedClinic(ctx);
  const other = await aService(ctx, s.clinic, { name: "Whitening" });
  const next = await aPatient(ctx, s.clinic, { phone: "+16175550177" });
  const mine = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, priority: "urgent" });
  const elsewhere = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: other.id });
  const theirs = await anEntry(ctx, s.clinic, { patientId: next.id, serviceId: s.service.id });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  assert.equal((await entry(s.clinic.key, mine.id)).status, "NOTIFIED");

  // The patient phones the desk and takes a time next week instead.
  const booked = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24 * 7) });
  const e = await entry(s.clinic.key, mine.id);
  assert.equal(e.status, "BOOKED");
  assert.equal((await entry(s.clinic.key, elsewhere.id)).status, "ACTIVE", "another service's entry stays");
  assert.equal((await entry(s.clinic.key, theirs.id)).status, "ACTIVE");
  const { rows } = await ctx.deps.db.query("SELECT status, withdraw_reason FROM offers WHERE entry_id = $1", [mine.id]);
  assert.deepEqual(rows, [{ status: "WITHDRAWN", withdraw_reason: "booked_elsewhere" }]);
  const { rows: resolved } = await ctx.deps.db.query("SELECT booked_appointment_id FROM waitlist_entries WHERE id = $1", [mine.id]);
  assert.equal(resolved[0].booked_appointment_id, booked.id);

  // The opening's flow moves on to the next patient at once.
  await drain();
  const offers = (await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${opening.id}`, { key: s.clinic.key })).body.items;
  assert.deepEqual(
    offers.map((o: { waitlistEntryId: string; status: string }) => [o.waitlistEntryId, o.status]).sort(),
    [
      [mine.id, "WITHDRAWN"],
      [theirs.id, "PENDING"],
    ].sort(),
  );
});

test("frequent_canceller: set at the 2nd patient cancellation in 30 days, not by staff cancellations, cleared after", async () => {
  setNow(T0.toISOString());
  const s = await aStaffedClinic(ctx);
  const key = s.clinic.key;
  const flags = async () => (await call(ctx, "GET", `/api/booking/patients/${s.patient.id}`, { key })).body.flags as string[];
  const book = (hours: number) =>
    anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(hours) });
  const cancel = async (id: string, by: "patient" | "staff") => {
    const res = await call(ctx, "POST", `/api/booking/appointments/${id}/cancel`, { key, body: { by, confirm: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  await cancel((await book(24 * 5)).id, "patient");
  await cancel((await book(24 * 6)).id, "staff");
  assert.deepEqual(await flags(), [], "one patient cancellation (the staff one does not count)");
  setNow(inHours(24 * 20));
  await cancel((await book(24 * 25)).id, "patient");
  assert.deepEqual(await flags(), [FREQUENT_CANCELLER]);
  assert.equal(await auditCount("patient.flagged", s.patient.id), 1);
  // 29 days after the first: still two in the window; 31 days after: one, and the sweep clears it.
  setNow(inHours(24 * 29));
  await drain();
  assert.deepEqual(await flags(), [FREQUENT_CANCELLER]);
  setNow(inHours(24 * 31));
  await drain();
  assert.deepEqual(await flags(), []);
  assert.equal(await auditCount("patient.unflagged", s.patient.id), 1);
});
