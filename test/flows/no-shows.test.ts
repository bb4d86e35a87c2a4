import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aPatient, aService, aStaffedClinic, anAppointment, anEntry, anOpening, call, inHours, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const at = (iso: string, minutes: number) => ctx.clock.set(new Date(new Date(iso).getTime() + minutes * 60_000));

async function statusOf(key: string, id: string) {
  return (await call(ctx, "GET", `/api/booking/appointments/${id}`, { key })).body.status as string;
}

async function auditCount(action: string, entityId: string) {
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND entity_id = $2", [action, entityId]);
  return rows[0].n as number;
}

test("not marked before start + grace; marked after; checked-in appointments untouched", async () => {
  const s = await aStaffedClinic(ctx);
  const other = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const start = inHours(1);
  const missed = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
  const came = await anAppointment(ctx, s.clinic, {
    patientId: other.id,
    providerId: s.provider.id,
    chairId: s.chair.id,
    serviceId: s.service.id,
    start: inHours(3),
  });
  at(start, 4);
  await drain();
  assert.equal(await statusOf(s.clinic.key, missed.id), "BOOKED");
  at(start, 5);
  await drain();
  assert.equal(await statusOf(s.clinic.key, missed.id), "NO_SHOW");
  at(inHours(3), -1);
  assert.equal((await call(ctx, "POST", `/api/booking/appointments/${came.id}/check-in`, { key: s.clinic.key })).status, 200);
  at(inHours(3), 30);
  await drain();
  assert.equal(await statusOf(s.clinic.key, came.id), "CHECKED_IN");
  assert.equal(await auditCount("appointment.no_show", missed.id), 1);
  const alerts = await ctx.deps.db.query("SELECT * FROM staff_alerts WHERE subject_id = $1", [missed.id]);
  assert.equal(alerts.rows.length, 1);
});

async function notesTo(clinicId: string, to: string) {
  const { rows } = await ctx.deps.db.query("SELECT body, sent_at FROM dev_outbox WHERE clinic_id = $1 AND to_address = $2 ORDER BY sent_at, id", [
    clinicId,
    to,
  ]);
  return rows as { body: string; sent_at: Date }[];
}

test("the ladder tells the patient at every step: 1st the apology with 20% off, 2nd the deposit and how it is paid, 3rd prepayment", async () => {
  const s = await aStaffedClinic(ctx);
  const patientUrl = `/api/booking/patients/${s.patient.id}`;
  const starts = [inHours(30), inHours(32), inHours(34), inHours(35)];
  for (const [i, start] of starts.entries()) {
    await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
    at(start, 10);
    await drain();
    const p = (await call(ctx, "GET", patientUrl, { key: s.clinic.key })).body;
    assert.equal(p.noShowCount, i + 1);
    const notes = await notesTo(s.clinic.id, s.patient.phone);
    assert.equal(notes.length, i + 1, `one note per no-show (${i + 1})`);
    const latest = notes[i]!.body;
    assert.match(latest, /^Test Clinic[^:]*: we missed you/);
    if (i === 0) {
      assert.equal(p.depositRequiredCents, 0);
      assert.equal(p.prepaymentRequired, false);
      assert.match(latest, /20% off/);
      assert.match(latest, /Pick one here: http:\/\/\S+\/r\/r_\S+ or call us/);
    }
    if (i === 1) {
      assert.equal(p.depositRequiredCents, 5000);
      assert.equal(p.prepaymentRequired, false);
      assert.match(latest, /needs a \$50\.00 deposit\. It is held on your card on the payment page right after you tap Book/);
      assert.doesNotMatch(latest, /http/, "no rebook link (and no discount) after the first");
    }
    if (i >= 2) {
      assert.equal(p.prepaymentRequired, true);
      assert.match(latest, /paid in full when you book: you pay on the payment page right after you tap Book/);
    }
  }
});

test("the deposit note waits for the patient's quiet hours, goes by email without SMS consent, and not at all after a STOP", async () => {
  const s = await aStaffedClinic(ctx);
  const emailOnly = await aPatient(ctx, s.clinic, { phone: "+16175550141", email: "pat@example.com", smsConsent: false, emailConsent: true });
  const stopped = await aPatient(ctx, s.clinic, { phone: "+16175550142" });
  const night = new Date("2026-03-04T02:00:00Z"); // 21:00 in New York: marked at 21:06, quiet until 08:00 (13:00Z)
  for (const p of [emailOnly, stopped]) {
    for (const start of [inHours(26), night.toISOString()]) {
      const prov = (await call(ctx, "POST", "/api/booking/providers", { key: s.clinic.key, body: { name: `Dr ${p.id.slice(0, 6)} ${start}` } })).body;
      ctx.clock.set(new Date(new Date(start).getTime() - 3_600_000));
      await anAppointment(ctx, s.clinic, { patientId: p.id, providerId: prov.id, serviceId: s.service.id, start });
      ctx.clock.set(new Date(new Date(start).getTime() + 6 * 60_000));
      await drain();
    }
  }
  // Both second no-shows were marked at 21:06 New York time: nothing is sent before 08:00.
  assert.equal((await call(ctx, "GET", `/api/booking/patients/${emailOnly.id}`, { key: s.clinic.key })).body.depositRequiredCents, 5000);
  const email = await notesTo(s.clinic.id, "pat@example.com");
  assert.equal(email.length, 1, "the apology went by email; the deposit note waits");
  const stop = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: stopped.phone, body: "STOP" } });
  assert.equal(stop.status, 200);
  ctx.clock.set(new Date("2026-03-04T13:00:00Z"));
  await drain();
  const after = await notesTo(s.clinic.id, "pat@example.com");
  assert.equal(after.length, 2);
  assert.match(after[1]!.body, /\$50\.00 deposit/);
  assert.equal(after[1]!.sent_at.toISOString(), "2026-03-04T13:00:00.000Z");
  const texts = (await notesTo(s.clinic.id, stopped.phone)).map((n) => n.body);
  assert.ok(!texts.some((b) => /deposit/.test(b)), `no deposit text after STOP: ${texts.join(" | ")}`);
});

test("the rest of a no-show becomes a NO_SHOW opening, offered only to entries whose notice allows it", async () => {
  const s = await aStaffedClinic(ctx);
  assert.equal((await call(ctx, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { cutoffMinutes: 0 } })).status, 200);
  const short = await aService(ctx, s.clinic, { name: "Touch-up", durationMinutes: 30 });
  const picky = await aPatient(ctx, s.clinic, { phone: "+16175550111" });
  const ready = await aPatient(ctx, s.clinic, { phone: "+16175550112" });
  const pickyEntry = await anEntry(ctx, s.clinic, { patientId: picky.id, serviceId: short.id, minNoticeMinutes: 120, priority: "urgent" });
  const readyEntry = await anEntry(ctx, s.clinic, { patientId: ready.id, serviceId: short.id, minNoticeMinutes: 0 });
  const start = inHours(50);
  const missed = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
  at(start, 6);
  await drain();
  const openings = await ctx.deps.db.query("SELECT * FROM openings WHERE source_appointment_id = $1", [missed.id]);
  assert.equal(openings.rows.length, 1);
  assert.equal(openings.rows[0].source, "NO_SHOW");
  assert.equal(openings.rows[0].end_at.toISOString(), new Date(new Date(start).getTime() + 60 * 60_000).toISOString());
  const offers = await ctx.deps.db.query("SELECT entry_id FROM offers WHERE opening_id = $1", [openings.rows[0].id]);
  assert.deepEqual(
    offers.rows.map((r) => r.entry_id),
    [readyEntry.id],
  );
  assert.notEqual(pickyEntry.id, readyEntry.id);
});

test("two runners at once mark each appointment once", async () => {
  const s = await aStaffedClinic(ctx);
  const start = inHours(80);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const p = await aPatient(ctx, s.clinic, { phone: `+1617555012${i}` });
    const prov = (await call(ctx, "POST", "/api/booking/providers", { key: s.clinic.key, body: { name: `Dr ${i}` } })).body;
    ids.push((await anAppointment(ctx, s.clinic, { patientId: p.id, providerId: prov.id, serviceId: s.service.id, start })).id);
  }
  at(start, 10);
  await Promise.all([drain(), drain()]);
  for (const id of ids) {
    assert.equal(await statusOf(s.clinic.key, id), "NO_SHOW");
    assert.equal(await auditCount("appointment.no_show", id), 1);
  }
});

// The no-show opening starts at a whole five minutes after now + cutoff + the minimum hold. When the
// sweep runs exactly at start + grace, that sum is itself whole: the opening's last offer moment is
// the sweep's own instant, so a strict comparison never offered it (issue 10).
async function aNoShowWithAWaitingEntry(startIso: string) {
  ctx.clock.set(new Date("2026-03-02T13:00:00Z"));
  const s = await aStaffedClinic(ctx);
  const short = await aService(ctx, s.clinic, { name: "Touch-up", durationMinutes: 30 });
  const ready = await aPatient(ctx, s.clinic, { phone: "+16175550131" });
  const entry = await anEntry(ctx, s.clinic, { patientId: ready.id, serviceId: short.id, minNoticeMinutes: 0 });
  const end = new Date(new Date(startIso).getTime() + 120 * 60_000).toISOString();
  const missed = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: startIso, end });
  return { s, ready, entry, missed };
}

async function offersOfNoShow(appointmentId: string) {
  const { rows } = await ctx.deps.db.query(
    `SELECT f.status, f.entry_id, o.start_at FROM openings o LEFT JOIN offers f ON f.opening_id = o.id
     WHERE o.source_appointment_id = $1 AND o.source = 'NO_SHOW'`,
    [appointmentId],
  );
  return rows as { status: string | null; entry_id: string | null; start_at: Date }[];
}

test("a no-show is re-offered whenever the sweep runs: at exactly start + grace and at any second after", async () => {
  // Seconds after start + grace (5 min) at which the sweep runs; cutoff 30, minimum hold 10.
  const sweepSeconds = [0, 1, 59, 60, 61, 150, 240, 299, 300, 301, 899, 1800];
  for (const [i, seconds] of sweepSeconds.entries()) {
    const start = inHours(2 + i / 12); // 11:00 in New York and every 5 minutes after (a clinic each): whole five minutes
    const { s, ready, entry, missed } = await aNoShowWithAWaitingEntry(start);
    ctx.clock.set(new Date(new Date(start).getTime() + 5 * 60_000 + seconds * 1000));
    await drain();
    const offers = await offersOfNoShow(missed.id);
    assert.equal(offers.length, 1, `sweep at +${seconds}s: one NO_SHOW opening, offered once`);
    assert.deepEqual([offers[0]!.status, offers[0]!.entry_id], ["PENDING", entry.id], `sweep at +${seconds}s: offered to the waiting entry`);
    const sms = await ctx.deps.db.query("SELECT body FROM dev_outbox WHERE clinic_id = $1 AND to_address = $2", [s.clinic.id, ready.phone]);
    assert.equal(sms.rows.length, 1, `sweep at +${seconds}s: the offer text went out`);
  }
});

test("a no-show swept at exactly start + grace is offered even when the wave runs a moment later (another runner)", async () => {
  const { markDueNoShows } = await import("../../src/flows/mark-no-shows.ts");
  const start = inHours(51); // 12:00 in New York
  const { entry, missed } = await aNoShowWithAWaitingEntry(start);
  const sweep = new Date(new Date(start).getTime() + 5 * 60_000);
  assert.equal(await markDueNoShows(ctx.deps, sweep), 1);
  ctx.clock.set(new Date(sweep.getTime() + 5_000)); // the next poke of a worker, 5 s on
  await drain();
  const offers = await offersOfNoShow(missed.id);
  assert.deepEqual(
    offers.map((o) => [o.status, o.entry_id]),
    [["PENDING", entry.id]],
  );
});

test("an opening whose last offer moment is now is still offered (a minimum hold fits exactly)", async () => {
  ctx.clock.set(new Date("2026-03-02T13:00:00Z"));
  const s = await aStaffedClinic(ctx);
  const other = await aPatient(ctx, s.clinic, { phone: "+16175550132" });
  const entry = await anEntry(ctx, s.clinic, { patientId: other.id, serviceId: s.service.id });
  // cutoff 30 + minimum hold 10: an opening 40 minutes from now can still take one offer with a 10-minute hold.
  const start = new Date(ctx.clock.now().getTime() + 40 * 60_000);
  const opening = await anOpening(ctx, s.clinic, {
    providerId: s.provider.id,
    start: start.toISOString(),
    end: new Date(start.getTime() + 3_600_000).toISOString(),
  });
  await drain();
  const { rows } = await ctx.deps.db.query("SELECT entry_id, status, hold_expires_at FROM offers WHERE opening_id = $1", [opening.id]);
  assert.deepEqual(
    rows.map((r) => [r.entry_id, r.status, r.hold_expires_at.toISOString()]),
    [[entry.id, "PENDING", new Date(start.getTime() - 30 * 60_000).toISOString()]],
  );
});
