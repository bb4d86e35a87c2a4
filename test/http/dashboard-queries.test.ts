// A dashboard page costs a fixed number of queries whatever the number of rows it shows: its read flow
// asks for every row's offers, trails, matches, appointments and names in one `= ANY($ids)` query each.
// Counted on the app's own pool (every pool.query of the request), for a board of 1 and one of 20.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aPatient, aStaffedClinic, anAppointment, anEntry, anOpening, call, inHours, testApp } from "../harness/app.ts";
import { loggedIn } from "../harness/staff.ts";

const ctx = await testApp();

/** How many queries the pool ran while `fn` did. */
async function queriesDuring(fn: () => Promise<unknown>): Promise<number> {
  const pool = ctx.deps.db;
  const query = pool.query;
  let n = 0;
  pool.query = ((...args: unknown[]) => {
    n++;
    return (query as (...a: unknown[]) => unknown).apply(pool, args);
  }) as typeof query;
  try {
    await fn();
  } finally {
    pool.query = query;
  }
  return n;
}

/**
 * A clinic whose board shows `n` open openings (each with a live offer to a patient of its own, its
 * delivery, and a waiting entry that fits every opening as "next"), `n` openings filled today, and `n`
 * open outreach tasks.
 */
async function aBoard(n: number) {
  const s = await aStaffedClinic(ctx);
  const waiting = await aPatient(ctx, s.clinic, { firstName: "Next", phone: "+16175550199" });
  await anEntry(ctx, s.clinic, { patientId: waiting.id, serviceId: s.service.id });
  for (let i = 0; i < n; i++) {
    const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(48 + 2 * i), end: inHours(49 + 2 * i) });
    const patient = await aPatient(ctx, s.clinic, { firstName: `Offered${i}`, phone: `+1617555${String(1000 + i)}` });
    const entry = await anEntry(ctx, s.clinic, { patientId: patient.id, serviceId: s.service.id });
    const notified = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/notify`, { key: s.clinic.key, body: { slotId: opening.id } });
    assert.equal(notified.status, 201, JSON.stringify(notified.body));
    await ctx.deps.db.query(
      `INSERT INTO outreach_tasks (clinic_id, offer_id, patient_id, deadline, priority, status, notes, created_at)
       VALUES ($1, $2, $3, $4, 'high', 'OPEN', 'test', $4)`,
      [s.clinic.id, notified.body.id, patient.id, ctx.clock.now()],
    );

    const booked = await aPatient(ctx, s.clinic, { firstName: `Booked${i}`, phone: `+1617556${String(1000 + i)}` });
    const filled = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(300 + 2 * i), end: inHours(301 + 2 * i) });
    const appointment = await anAppointment(ctx, s.clinic, {
      patientId: booked.id,
      providerId: s.provider.id,
      serviceId: s.service.id,
      start: inHours(300 + 2 * i),
    });
    await ctx.deps.db.query("UPDATE openings SET status = 'FILLED', filled_at = $2, filled_appointment_id = $3 WHERE id = $1", [
      filled.id,
      ctx.clock.now(),
      appointment.id,
    ]);
  }
  const { agent } = await loggedIn(ctx, s.clinic.key, "front_desk");
  return agent;
}

const small = await aBoard(1);
const large = await aBoard(20);

for (const page of ["/today/panel", "/notifications", "/outreach"]) {
  test(`${page} runs as many queries for 20 rows as for 1`, async () => {
    let one = "";
    let twenty = "";
    const forOne = await queriesDuring(async () => (one = (await small.get(page)).body));
    const forTwenty = await queriesDuring(async () => (twenty = (await large.get(page)).body));
    // The pages did show their rows (a page that errors out early would also be "constant").
    assert.equal((twenty.match(/Offered\d+/g) ?? []).length >= 20, true, twenty.slice(0, 500));
    assert.ok(one.includes("Offered0"), one.slice(0, 500));
    assert.equal(forTwenty, forOne, `${page}: ${forOne} queries for 1 row, ${forTwenty} for 20`);
  });
}

test("Today shows every opening's live offer, who is next, and every booking of the day", async () => {
  const body = (await large.get("/today/panel")).body;
  assert.equal((body.match(/<article class="card opening"/g) ?? []).length, 20);
  assert.equal((body.match(/<li class="offer"/g) ?? []).length, 20);
  for (let i = 0; i < 20; i++) assert.match(body, new RegExp(`Offered${i} Example <span class="badge s-pending">`));
  // The waiting entry fits every opening: it is "next" on each card.
  assert.equal((body.match(/<strong>Next:<\/strong> Next Example/g) ?? []).length, 20);
  assert.equal((body.match(/<li class="booking"/g) ?? []).length, 20);
  for (let i = 0; i < 20; i++) assert.match(body, new RegExp(`<strong>Booked${i} Example</strong>`));
});
