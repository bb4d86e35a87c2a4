// The patient's reschedule / rebook page (GET /r/:token) and its JSON twins: reading changes nothing; one POST
// moves the appointment in one transaction (free; the old time becomes a RESCHEDULE opening); a taken time
// answers with what is still free; after a no-show the page books a new visit with the discount.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anAppointment, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_CLINIC_PHONE: "+16175550199" });
const drain = () => runDue(ctx.deps, ctx.clock.now());
const FORM = "application/x-www-form-urlencoded";

let phones = 4000;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;
const plus = (iso: string, minutes: number) => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

/** An appointment 48 h ahead, two open openings for its service, and the reminder's link (sent at 24 h). */
async function aSetup() {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Bright Smiles" });
  const drA = await aProvider(ctx, clinic, "Dr A");
  const drB = await aProvider(ctx, clinic, "Dr B");
  const service = await aService(ctx, clinic, { name: "Whitening", category: "facial", durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  const appointment = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: drA.id, serviceId: service.id, start: inHours(48) });
  const sameDay = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(51), end: inHours(52) });
  const nextWeek = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(24 * 7), end: inHours(24 * 7 + 1) });
  ctx.clock.set(new Date(inHours(24)));
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key })).body.items;
  const link: string = texts.at(-1).links[0];
  return { clinic, drA, drB, service, patient, phone, appointment, sameDay, nextWeek, token: link.split("/r/")[1]! };
}

const page = async (token: string, query = "") => {
  const res = await call(ctx, "GET", `/r/${token}${query}`);
  return { ...res, html: String(res.body) };
};
const book = (token: string, openingId: string) => call(ctx, "POST", `/r/${token}/openings/${openingId}`, { raw: "", contentType: FORM });

async function snapshot(clinicId: string) {
  const rows = async (sql: string) => (await ctx.deps.db.query(sql, [clinicId])).rows;
  return {
    appointments: await rows("SELECT * FROM appointments WHERE clinic_id = $1 ORDER BY id"),
    openings: await rows("SELECT * FROM openings WHERE clinic_id = $1 ORDER BY id"),
    offers: await rows("SELECT * FROM offers WHERE clinic_id = $1 ORDER BY id"),
    audit: await rows("SELECT * FROM audit_log WHERE clinic_id = $1 ORDER BY id"),
    links: await rows("SELECT * FROM appointment_links WHERE clinic_id = $1 ORDER BY id"),
  };
}

test("GET (page and JSON) changes nothing, shows the visit, the calendar links and the other times, each a POST form", async () => {
  const s = await aSetup();
  const before = await snapshot(s.clinic.id);
  const res = await page(s.token);
  assert.equal(res.status, 200);
  assert.equal(res.headers["cache-control"], "no-store");
  assert.match(String(res.headers["content-security-policy"]), /default-src 'self'/);
  assert.match(res.html, /data-state="reschedule"/);
  assert.match(res.html, /Wednesday 4 March, 9:00 AM EST/);
  assert.match(res.html, /href="\/r\/[^"]+\/calendar\.ics"/);
  assert.match(res.html, /calendar\.google\.com[^"]*ctz=America\/New_York/);
  assert.match(res.html, new RegExp(`<form method="post" action="/r/${s.token}/openings/${s.sameDay.id}">`));
  assert.match(res.html, new RegExp(`action="/r/${s.token}/openings/${s.nextWeek.id}"`));
  assert.ok(res.html.indexOf(s.sameDay.id) < res.html.indexOf(s.nextWeek.id), "the same day, same practitioner scores first");
  assert.match(res.html, /tel:\+16175550199/);
  const json = await call(ctx, "GET", `/api/public/reschedule/${s.token}`);
  assert.equal(json.status, 200);
  assert.equal(json.body.state, "reschedule");
  assert.equal(json.body.purpose, "RESCHEDULE");
  assert.equal(json.body.expiresAt, s.appointment.start);
  assert.deepEqual(
    json.body.openings.map((o: any) => o.slotId),
    [s.sameDay.id, s.nextWeek.id],
  );
  const ics = await call(ctx, "GET", `/r/${s.token}/calendar.ics`);
  assert.equal(ics.status, 200);
  assert.match(String(ics.body), /DTSTART:20260304T140000Z/);
  assert.deepEqual(await snapshot(s.clinic.id), before);
});

test("booking another time moves the appointment in one go: free, audited, the old time a RESCHEDULE opening", async () => {
  const s = await aSetup();
  const res = await book(s.token, s.sameDay.id);
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, `/r/${s.token}`);
  const old = (await call(ctx, "GET", `/api/booking/appointments/${s.appointment.id}`, { key: s.clinic.key })).body;
  assert.equal(old.status, "CANCELLED");
  assert.equal(old.cancelledBy, "patient");
  assert.equal(old.cancelReason, "rescheduled");
  const listed = (await call(ctx, "GET", `/api/booking/appointments?from=${inHours(0)}`, { key: s.clinic.key })).body.items;
  const moved = listed.find((a: any) => a.rebookedFromAppointmentId === s.appointment.id);
  assert.ok(moved);
  assert.equal(moved.status, "BOOKED");
  assert.equal(moved.start, s.sameDay.start);
  assert.equal(moved.source, "ONLINE");
  assert.equal(moved.discountPercent, 0);
  assert.ok(moved.reminderDueAt, "the new time gets its own reminder");
  const filled = (await call(ctx, "GET", `/api/booking/openings/${s.sameDay.id}`, { key: s.clinic.key })).body;
  assert.equal(filled.status, "FILLED");
  assert.equal(filled.filledAppointmentId, moved.id);
  const freed = (await call(ctx, "GET", "/api/booking/openings?status=OPEN", { key: s.clinic.key })).body.items.filter(
    (o: any) => o.sourceAppointmentId === s.appointment.id,
  );
  assert.equal(freed.length, 1);
  assert.equal(freed[0].source, "RESCHEDULE");
  assert.equal(freed[0].start, s.appointment.start);
  assert.equal(freed[0].end, s.appointment.end);
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${s.patient.id}/charges`, { key: s.clinic.key })).body.items, [], "moving is free");
  const audit = await ctx.deps.db.query("SELECT action, actor FROM audit_log WHERE clinic_id = $1 AND action = 'appointment.rescheduled'", [s.clinic.id]);
  assert.equal(audit.rows.length, 1);
  assert.match(audit.rows[0].actor, /^patient:link:[0-9a-f-]{36}$/);
  // The page now shows the new time; the same tap again answers the same; another time is refused.
  const after = await page(s.token);
  assert.match(after.html, /data-state="moved"/);
  assert.match(after.html, /You're booked/);
  assert.match(after.html, /Wednesday 4 March, 12:00 PM EST/);
  const again = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.sameDay.id}`);
  assert.equal(again.status, 200);
  assert.equal(again.body.appointmentId, moved.id);
  const other = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.nextWeek.id}`);
  assert.equal(other.status, 409);
  assert.equal(other.body.code, "conflict");
  // Rolled back: a confirmation went out for the move only.
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(s.phone)}`, { key: s.clinic.key })).body.items;
  assert.match(texts.at(-1).body, /you're booked for Wed 4 Mar, 12:00 PM EST/);
});

test("two taps on two times at once: exactly one move", async () => {
  const s = await aSetup();
  const [a, b] = await Promise.all([
    call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.sameDay.id}`),
    call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.nextWeek.id}`),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM appointments WHERE rebooked_from_appointment_id = $1", [s.appointment.id]);
  assert.equal(rows[0].n, 1);
  const filled = await ctx.deps.db.query("SELECT count(*)::int AS n FROM openings WHERE id = ANY($1) AND status = 'FILLED'", [[s.sameDay.id, s.nextWeek.id]]);
  assert.equal(filled.rows[0].n, 1);
});

test("a time taken since the page was opened: 409 with alternatives (JSON), the page says so and lists what is free", async () => {
  const s = await aSetup();
  const other = await aPatient(ctx, s.clinic, { phone: nextPhone() });
  const taken = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { patientId: other.id, providerId: s.drA.id, serviceId: s.service.id, start: s.sameDay.start },
  });
  assert.equal(taken.status, 201);
  const before = await snapshot(s.clinic.id);
  const json = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.sameDay.id}`);
  assert.equal(json.status, 409);
  assert.equal(json.body.code, "slot_filled");
  assert.deepEqual(
    json.body.alternatives.map((a: any) => a.slotId),
    [s.nextWeek.id],
  );
  const res = await book(s.token, s.sameDay.id);
  assert.equal(res.headers.location, `/r/${s.token}?m=taken`);
  const shown = await page(s.token, "?m=taken");
  assert.match(shown.html, /that time was just taken/);
  assert.doesNotMatch(shown.html, new RegExp(s.sameDay.id));
  assert.match(shown.html, new RegExp(s.nextWeek.id));
  assert.deepEqual(await snapshot(s.clinic.id), before, "a refused move writes nothing");
});

test("an unknown or malformed token has its own page; an expired link too; nothing is listed inside a closure", async () => {
  const s = await aSetup();
  for (const token of [`r_${"A".repeat(43)}`, "nonsense", `o_${"A".repeat(43)}`]) {
    const res = await page(token);
    assert.equal(res.status, 404);
    assert.match(res.html, /This link is not valid/);
    assert.equal((await call(ctx, "GET", `/api/public/reschedule/${token}`)).status, 404);
  }
  const closure = await call(ctx, "POST", "/api/booking/closures", {
    key: s.clinic.key,
    body: { start: inHours(24 * 7 - 1), end: inHours(24 * 7 + 2), reason: "training" },
  });
  assert.equal(closure.status, 201, JSON.stringify(closure.body));
  assert.deepEqual(
    (await call(ctx, "GET", `/api/public/reschedule/${s.token}`)).body.openings.map((o: any) => o.slotId),
    [s.sameDay.id],
  );
  const closed = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.nextWeek.id}`);
  assert.equal(closed.status, 409);
  ctx.clock.set(new Date(s.appointment.start));
  const expired = await page(s.token);
  assert.equal(expired.status, 200);
  assert.match(expired.html, /This link has expired/);
  const late = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.sameDay.id}`);
  assert.equal(late.status, 410);
});

test("moving to an overlapping time of the same practitioner frees only what is left of the old one", async () => {
  const s = await aSetup();
  // An opening overlapping the second half of the visit (staff could not make one over a booked time: inserted as
  // a row), so the 60-minute visit moves 30 minutes later.
  const { rows } = await ctx.deps.db.query(
    `INSERT INTO openings (clinic_id, provider_id, service_id, start_at, end_at, status, source, created_at, updated_at)
     VALUES ($1, $2, NULL, $3, $4, 'OPEN', 'NEW_SLOT', $5, $5) RETURNING id`,
    [s.clinic.id, s.drA.id, plus(s.appointment.start, 30), plus(s.appointment.start, 90), ctx.clock.now()],
  );
  const res = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${rows[0].id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const freed = (await call(ctx, "GET", "/api/booking/openings?status=OPEN", { key: s.clinic.key })).body.items.filter(
    (o: any) => o.sourceAppointmentId === s.appointment.id,
  );
  assert.equal(freed.length, 1);
  assert.equal(freed[0].source, "RESCHEDULE");
  assert.equal(freed[0].start, s.appointment.start);
  assert.equal(freed[0].end, plus(s.appointment.start, 30));
  assert.equal(freed[0].serviceId, null, "a piece shorter than the service: any service that fits");
});

test("after a first no-show the note carries a rebook link: the page offers times, the new visit records the discount", async () => {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Bright Smiles" });
  const drA = await aProvider(ctx, clinic, "Dr A");
  const service = await aService(ctx, clinic, { durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  const missed = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: drA.id, serviceId: service.id, start: inHours(2) });
  const later = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(72), end: inHours(73) });
  ctx.clock.set(new Date(inHours(2.25)));
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key })).body.items;
  const note = texts.find((t: any) => /we missed you/.test(t.body));
  assert.ok(note, JSON.stringify(texts));
  assert.match(note.body, /20% off your next visit\. Pick one here: http\S+\/r\/r_\S+ or call us at \+16175550199\./);
  const token = note.links[0].split("/r/")[1];
  const shown = await page(token);
  assert.match(shown.html, /data-state="rebook"/);
  assert.match(shown.html, /20% off your next visit/);
  assert.match(shown.html, new RegExp(later.id));
  const json = await call(ctx, "GET", `/api/public/reschedule/${token}`);
  assert.equal(json.body.purpose, "REBOOK");
  assert.equal(json.body.discountPercent, 20);
  assert.equal(json.body.expiresAt, new Date(ctx.clock.now().getTime() + 14 * 86_400_000).toISOString());
  const booked = await call(ctx, "POST", `/api/public/reschedule/${token}/openings/${later.id}`);
  assert.equal(booked.status, 200, JSON.stringify(booked.body));
  assert.equal(booked.body.discountPercent, 20);
  const staffView = (await call(ctx, "GET", `/api/booking/appointments/${booked.body.appointmentId}`, { key: clinic.key })).body;
  assert.equal(staffView.discountPercent, 20);
  assert.equal(staffView.rebookedFromAppointmentId, missed.id);
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${missed.id}`, { key: clinic.key })).body.status, "NO_SHOW");
  assert.match((await page(token)).html, /You're booked/);
  ctx.clock.set(new Date(ctx.clock.now().getTime() + 15 * 86_400_000));
  assert.match((await page(token)).html, /data-state="moved"/, "a used link keeps showing the booking");
});

test("a rebook link of a patient who now owes a deposit sends them to staff: no times, POST refused", async () => {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Bright Smiles" });
  const drA = await aProvider(ctx, clinic, "Dr A");
  const service = await aService(ctx, clinic, { durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  await anAppointment(ctx, clinic, { patientId: patient.id, providerId: drA.id, serviceId: service.id, start: inHours(2) });
  const later = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(72), end: inHours(73) });
  ctx.clock.set(new Date(inHours(2.25)));
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key })).body.items;
  const token = texts.find((t: any) => /we missed you/.test(t.body)).links[0].split("/r/")[1];
  await ctx.deps.db.query("UPDATE patients SET deposit_required_cents = 5000 WHERE id = $1", [patient.id]);
  const shown = await page(token);
  assert.match(shown.html, /data-state="closed"/);
  assert.match(shown.html, /a deposit is needed first/);
  assert.doesNotMatch(shown.html, new RegExp(later.id));
  assert.equal((await call(ctx, "POST", `/api/public/reschedule/${token}/openings/${later.id}`)).status, 409);
});

test("a move is not a cancellation for the frequent-canceller flag; a waitlist booking's entry follows the move", async () => {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Bright Smiles" });
  const dr = await aProvider(ctx, clinic, "Dr A");
  const service = await aService(ctx, clinic, { name: "Whitening", category: "facial", durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  const entry = (await call(ctx, "POST", "/api/booking/waitlist", { key: clinic.key, body: { patientId: patient.id, serviceId: service.id } })).body;
  const first = await anOpening(ctx, clinic, { providerId: dr.id, start: inHours(48), end: inHours(49) });
  const booked = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/book`, { key: clinic.key, body: { slotId: first.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const later = await anOpening(ctx, clinic, { providerId: dr.id, start: inHours(72), end: inHours(73) });
  ctx.clock.set(new Date(inHours(24)));
  await drain();
  const link: string = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key })).body.items.at(-1).links[0];
  assert.equal((await book(link.split("/r/")[1]!, later.id)).status, 303);
  const moved = (await call(ctx, "GET", `/api/booking/openings/${later.id}`, { key: clinic.key })).body.filledAppointmentId;
  const e = (await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: clinic.key })).body;
  assert.equal(e.status, "BOOKED");
  const { rows } = await ctx.deps.db.query("SELECT booked_appointment_id FROM waitlist_entries WHERE id = $1", [entry.id]);
  assert.equal(rows[0].booked_appointment_id, moved, "the entry names the new time");

  // One real cancellation after the move: one in 30 days, not two — no flag.
  const other = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: dr.id, serviceId: service.id, start: inHours(24 * 9) });
  assert.equal(
    (await call(ctx, "POST", `/api/booking/appointments/${other.id}/cancel`, { key: clinic.key, body: { by: "patient", confirm: true } })).status,
    200,
  );
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${patient.id}`, { key: clinic.key })).body.flags, []);
});

test("a time held for another patient's payment (a running claim) cannot be taken by a move: 409 slot_filled, nothing changes", async () => {
  const s = await aSetup();
  // Another patient who owes a deposit is offered the same-day time and taps Book: 202, held 90 s for payment.
  const other = await aPatient(ctx, s.clinic, { phone: nextPhone() });
  await ctx.deps.db.query("UPDATE patients SET deposit_required_cents = 5000 WHERE id = $1", [other.id]);
  const entry = await call(ctx, "POST", "/api/booking/waitlist", {
    key: s.clinic.key,
    body: { patientId: other.id, serviceId: s.service.id, providerIds: [s.drA.id] },
  });
  assert.equal(entry.status, 201, JSON.stringify(entry.body));
  const offered = await call(ctx, "POST", `/api/booking/waitlist/${entry.body.id}/notify`, { key: s.clinic.key, body: { slotId: s.sameDay.id } });
  assert.equal(offered.status, 201, JSON.stringify(offered.body));
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(other.phone)}`, { key: s.clinic.key })).body.items;
  const offerToken = String(texts.at(-1).links[0]).split("/o/")[1]!;
  const claimed = await call(ctx, "POST", `/api/public/offers/${offerToken}/accept`);
  assert.equal(claimed.status, 202, JSON.stringify(claimed.body));

  const before = await snapshot(s.clinic.id);
  const moved = await call(ctx, "POST", `/api/public/reschedule/${s.token}/openings/${s.sameDay.id}`);
  assert.equal(moved.status, 409, JSON.stringify(moved.body));
  assert.equal(moved.body.code, "slot_filled");
  const after = await snapshot(s.clinic.id);
  assert.deepEqual(after.appointments, before.appointments);
  assert.deepEqual(after.openings, before.openings);
  // The claimer still gets the time they were promised.
  const paid = await call(ctx, "POST", `/api/public/payment-holds/${new URL(claimed.body.paymentUrl).pathname.split("/pay/")[1]}/pay`);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
});
