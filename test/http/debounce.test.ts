// The opening debounce (settings openingDebounceMinutes): an opening's first wave waits for it whatever
// wakes the waitlist flow — a new entry, an edited or resumed entry — not only the opening's own due time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aPatient, aStaffedClinic, anAppointment, anEntry, anOpening, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const minutesAfter = (start: Date, minutes: number) => ctx.clock.set(new Date(start.getTime() + minutes * 60_000));

async function offersOf(openingId: string) {
  const { rows } = await ctx.deps.db.query("SELECT entry_id, status FROM offers WHERE opening_id = $1 ORDER BY created_at", [openingId]);
  return rows.map((r) => [r.entry_id, r.status]);
}

async function debouncedClinic(minutes: number) {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const res = await call(ctx, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { openingDebounceMinutes: minutes } });
  assert.equal(res.status, 200);
  return s;
}

test("a cancellation's opening waits for its debounce although new and edited entries wake the runner", async () => {
  const s = await debouncedClinic(15);
  const booked = await aPatient(ctx, s.clinic, { phone: "+16175550201" });
  const waiting = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const appointment = await anAppointment(ctx, s.clinic, { patientId: booked.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(26) });
  const cancelled = await call(ctx, "POST", `/api/booking/appointments/${appointment.id}/cancel`, { key: s.clinic.key, body: { by: "staff" } });
  assert.equal(cancelled.status, 200);
  const openingId = cancelled.body.opening.id as string;
  await drain();
  assert.deepEqual(await offersOf(openingId), [], "inside the debounce: nothing offered");

  // A new entry 1 minute in wakes idle openings: the debounce still holds.
  minutesAfter(T0, 1);
  const late = await aPatient(ctx, s.clinic, { phone: "+16175550202" });
  await anEntry(ctx, s.clinic, { patientId: late.id, serviceId: s.service.id });
  await drain();
  assert.deepEqual(await offersOf(openingId), [], "a new entry does not end the debounce");

  // An edit 2 minutes in (priority) wakes them too.
  minutesAfter(T0, 2);
  const edited = await call(ctx, "PATCH", `/api/booking/waitlist/${waiting.id}`, { key: s.clinic.key, body: { priority: "urgent" } });
  assert.equal(edited.status, 200);
  await drain();
  assert.deepEqual(await offersOf(openingId), [], "an edited entry does not end the debounce");

  minutesAfter(T0, 14);
  await drain();
  assert.deepEqual(await offersOf(openingId), [], "one minute before its end");

  minutesAfter(T0, 15);
  await drain();
  assert.deepEqual(await offersOf(openingId), [[waiting.id, "PENDING"]], "the first wave at the debounce's end, to the best entry");
});

test("a staff-made opening waits for the debounce when an entry is added during it", async () => {
  const s = await debouncedClinic(10);
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(30), end: inHours(31) });
  minutesAfter(T0, 3);
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await drain();
  assert.deepEqual(await offersOf(opening.id), []);
  minutesAfter(T0, 10);
  await drain();
  assert.deepEqual(await offersOf(opening.id), [[entry.id, "PENDING"]]);
});

test("without a debounce (the default 0) a new entry is offered an idle opening at once", async () => {
  const s = await debouncedClinic(0);
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(34), end: inHours(35) });
  await drain();
  assert.deepEqual(await offersOf(opening.id), []);
  minutesAfter(T0, 1);
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await drain();
  assert.deepEqual(await offersOf(opening.id), [[entry.id, "PENDING"]]);
});

test("an offer staff made by hand during the debounce, declined: the opening's first wave still waits for its end", async () => {
  const s = await debouncedClinic(20);
  const other = await aPatient(ctx, s.clinic, { phone: "+16175550203" });
  const first = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const second = await anEntry(ctx, s.clinic, { patientId: other.id, serviceId: s.service.id });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(38), end: inHours(39) });
  const notified = await call(ctx, "POST", `/api/booking/waitlist/${first.id}/notify`, { key: s.clinic.key, body: { slotId: opening.id } });
  assert.equal(notified.status, 201);
  await drain();
  minutesAfter(T0, 5);
  const declined = await call(ctx, "PUT", `/api/booking/waitlist/notifications/${notified.body.id}/response`, {
    key: s.clinic.key,
    body: { response: "DECLINED" },
  });
  assert.equal(declined.status, 200);
  await drain(); // the decline wakes the opening
  assert.deepEqual(await offersOf(opening.id), [[first.id, "DECLINED"]]);
  minutesAfter(T0, 20);
  await drain();
  assert.deepEqual(await offersOf(opening.id), [
    [first.id, "DECLINED"],
    [second.id, "PENDING"],
  ]);
});
