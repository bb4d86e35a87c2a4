// The claim under fire: a broadcast wave of 100 offers of one opening, all 100 patients accepting at
// the same instant, repeated. Exactly one appointment, the rest slot_filled with alternatives, no 5xx.
// Then the same race with staff joining in (a direct booking over the time, a waitlist book).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp, type Reply } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const drain = () => runDue(ctx.deps, ctx.clock.now());

const WAITLIST = 100;
const ROUNDS = 20;
const MIXED_ROUNDS = 6;
const ACTIVE = "('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED')";

type Clinic = { id: string; key: string };
let clinic: Clinic;
let provider: { id: string };
let chair: { id: string };
let service: { id: string };
let holder: { id: string }; // owns the appointments that get cancelled; never on the waitlist
let walkIn: { id: string }; // staff book them straight over an opening
let alternative: { id: string }; // an opening of another provider the entries never match: every loser's alternative
let phoneSeq = 0;
let slotHour = 24;
/** The 100 waitlisted patients whose entries are ACTIVE between rounds: entryId → patientId. */
const waiting = new Map<string, string>();

const nextPhone = () => `+1617555${String(100 + phoneSeq++).padStart(4, "0")}`;

async function addWaiting(): Promise<string> {
  const p = await aPatient(ctx, clinic, { firstName: `W${phoneSeq}`, phone: nextPhone(), smsConsent: true });
  const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId: service.id, providerIds: [provider.id] });
  waiting.set(e.id, p.id);
  return e.id;
}

before(async () => {
  ctx.clock.set(T0);
  clinic = await aClinic(ctx, { name: "Race Clinic" });
  const patched = await call(ctx, "PATCH", "/api/booking/settings", {
    key: clinic.key,
    body: { strategy: "broadcast", waveSize: 100, dailyCapPerPatient: 100, weeklyCapPerPatient: 700, maxNotificationsPerEntry: 100 },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  provider = await aProvider(ctx, clinic, "Dr. Race");
  const other = await aProvider(ctx, clinic, "Dr. Elsewhere");
  chair = await call(ctx, "POST", "/api/booking/chairs", { key: clinic.key, body: { name: "Op 1" } }).then((r) => r.body);
  service = await aService(ctx, clinic, { durationMinutes: 60 });
  holder = await aPatient(ctx, clinic, { firstName: "Holder", phone: "+16175559900" });
  walkIn = await aPatient(ctx, clinic, { firstName: "Walk", phone: "+16175559901" });
  alternative = await anOpening(ctx, clinic, { providerId: other.id, start: inHours(20), end: inHours(21) });
  const started = Date.now();
  for (let i = 0; i < WAITLIST; i++) await addWaiting();
  console.log(`# setup: ${WAITLIST} patients and entries in ${Date.now() - started} ms`);
});

/** A fresh opening: an appointment of the holder, cancelled; then the wave; returns the links by entry. */
async function openAndBroadcast() {
  const start = inHours(slotHour);
  slotHour += 2;
  const appt = await call(ctx, "POST", "/api/booking/appointments", {
    key: clinic.key,
    body: { patientId: holder.id, providerId: provider.id, chairId: chair.id, serviceId: service.id, start },
  });
  assert.equal(appt.status, 201, JSON.stringify(appt.body));
  const cancelled = await call(ctx, "POST", `/api/booking/appointments/${appt.body.id}/cancel`, { key: clinic.key, body: { by: "staff" } });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const opening = cancelled.body.opening as { id: string; start: string; end: string };
  assert.equal((cancelled.body.opening as { status: string }).status, "OPEN");

  const drained = await drain();
  assert.ok(drained.sent >= WAITLIST, `sent ${drained.sent}`);

  // The round's messages: the offers of this opening, their deliveries, and those in the outbox.
  const offers = await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${opening.id}&limit=200`, { key: clinic.key });
  assert.equal(offers.status, 200);
  assert.equal(offers.body.items.length, WAITLIST, "the wave reaches all 100 waiting entries");
  const deliveryToEntry = new Map<string, string>();
  for (const o of offers.body.items) {
    assert.equal(o.status, "PENDING");
    assert.ok(waiting.has(o.waitlistEntryId), "only waiting entries are offered");
    for (const d of o.deliveries) deliveryToEntry.set(d.id, o.waitlistEntryId);
  }
  const outbox = await call(ctx, "GET", "/api/dev/outbox", { key: clinic.key });
  assert.equal(outbox.status, 200);
  const links = new Map<string, string>(); // entryId → token
  for (const m of outbox.body.items as { deliveryId: string; links: string[] }[]) {
    const entryId = deliveryToEntry.get(m.deliveryId);
    if (!entryId) continue;
    assert.equal(m.links.length, 1);
    links.set(entryId, m.links[0]!.split("/o/")[1]!);
  }
  assert.equal(links.size, WAITLIST, "one booking link per offer in the outbox");
  return { opening, links };
}

async function activeAppointmentsAt(opening: { start: string; end: string }) {
  const { rows } = await db.query(
    `SELECT id, patient_id, source FROM appointments WHERE clinic_id = $1 AND provider_id = $2 AND status IN ${ACTIVE}
       AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)')`,
    [clinic.id, provider.id, opening.start, opening.end],
  );
  return rows as { id: string; patient_id: string; source: string }[];
}

/** Everything the invariants say about one opening after its race, given the appointment that won. */
async function assertSettled(openingId: string, opening: { start: string; end: string }, winnerAppointmentId: string, winnerEntryId: string | null) {
  const appts = await activeAppointmentsAt(opening);
  assert.equal(appts.length, 1, `exactly one active appointment at that time, got ${JSON.stringify(appts)}`);
  assert.equal(appts[0]!.id, winnerAppointmentId);
  const {
    rows: [o],
  } = await db.query("SELECT status, filled_appointment_id FROM openings WHERE id = $1", [openingId]);
  assert.equal(o.status, "FILLED");
  assert.equal(o.filled_appointment_id, winnerAppointmentId);
  const { rows: offers } = await db.query(
    `SELECT f.entry_id, f.status, f.booked_appointment_id, e.status AS entry_status
     FROM offers f JOIN waitlist_entries e ON e.id = f.entry_id WHERE f.opening_id = $1`,
    [openingId],
  );
  assert.equal(offers.length, WAITLIST);
  const accepted = offers.filter((r) => r.status === "ACCEPTED");
  for (const r of offers) {
    if (r.entry_id === winnerEntryId && accepted.length === 1) {
      assert.equal(r.status, "ACCEPTED");
      assert.equal(r.booked_appointment_id, winnerAppointmentId);
      assert.equal(r.entry_status, "BOOKED");
    } else {
      assert.equal(r.status, "WITHDRAWN", `offer of entry ${r.entry_id}`);
      assert.equal(r.entry_status, "ACTIVE", `entry ${r.entry_id} is back on the list`);
    }
  }
  assert.ok(accepted.length <= 1, "at most one accepted offer");
  if (winnerEntryId) {
    const {
      rows: [e],
    } = await db.query("SELECT status, booked_appointment_id FROM waitlist_entries WHERE id = $1", [winnerEntryId]);
    assert.equal(e.status, "BOOKED");
    assert.equal(e.booked_appointment_id, winnerAppointmentId);
  }
  const { rows: live } = await db.query("SELECT count(*)::int AS n FROM offers WHERE clinic_id = $1 AND status IN ('SCHEDULED', 'PENDING')", [clinic.id]);
  assert.equal(live[0].n, 0, "no live offer is left behind");
}

const accept = (token: string) => call(ctx, "POST", `/api/public/offers/${token}/accept`);

function assertNo5xx(replies: Reply[]) {
  const bad = replies.filter((r) => r.status >= 500);
  assert.equal(bad.length, 0, `5xx answers: ${JSON.stringify(bad.map((r) => r.body))}`);
}

function assertLoser(r: Reply) {
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.code, "slot_filled");
  assert.ok(Array.isArray(r.body.alternatives), "alternatives is an array");
  assert.ok(
    r.body.alternatives.some((a: { slotId: string }) => a.slotId === alternative.id),
    "the other provider's open slot is offered as an alternative",
  );
}

test(`${WAITLIST} concurrent accepts of one opening → exactly one appointment, the rest slot_filled; ${ROUNDS} rounds`, async () => {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = Date.now();
    const { opening, links } = await openAndBroadcast();
    const t1 = Date.now();
    const entries = [...links.keys()];
    const replies = await Promise.all(entries.map((e) => accept(links.get(e)!)));
    const t2 = Date.now();
    assertNo5xx(replies);
    const won = replies.flatMap((r, i) => (r.status === 200 ? [{ r, entryId: entries[i]! }] : []));
    assert.equal(won.length, 1, `exactly one 200, got ${replies.map((r) => r.status).join(",")}`);
    for (const r of replies) if (r.status !== 200) assertLoser(r);
    const { r: winner, entryId } = won[0]!;
    assert.equal(winner.body.status, "ACCEPTED");
    await assertSettled(opening.id, opening, winner.body.appointmentId, entryId);
    const patientId = waiting.get(entryId)!;
    const {
      rows: [a],
    } = await db.query("SELECT patient_id, source, from_waitlist_entry_id FROM appointments WHERE id = $1", [winner.body.appointmentId]);
    assert.deepEqual(a, { patient_id: patientId, source: "WAITLIST", from_waitlist_entry_id: entryId });

    // Repeating the winner's accept returns the same answer; a loser's retry is still slot_filled.
    const again = await accept(links.get(entryId)!);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, winner.body);
    assertLoser(await accept(links.get(entries.find((e) => e !== entryId)!)!));

    // The winner's entry is BOOKED: a new patient takes their place so that 100 keep waiting.
    waiting.delete(entryId);
    await addWaiting();
    times.push(Date.now() - t0);
    console.log(`# round ${round + 1}: wave ${t1 - t0} ms, ${WAITLIST} accepts ${t2 - t1} ms, total ${Date.now() - t0} ms`);
  }
  console.log(`# ${ROUNDS} rounds: mean ${Math.round(times.reduce((a, b) => a + b, 0) / times.length)} ms, max ${Math.max(...times)} ms per round`);
});

test("accepts racing a staff booking over the same time and a staff waitlist book: exactly one wins overall", async () => {
  for (let round = 0; round < MIXED_ROUNDS; round++) {
    const t0 = Date.now();
    const { opening, links } = await openAndBroadcast();
    // An entry that was never offered this opening (it joined after the wave), booked by staff.
    const latecomer = await aPatient(ctx, clinic, { firstName: `Late${round}`, phone: nextPhone() });
    const lateEntry = await anEntry(ctx, clinic, { patientId: latecomer.id, serviceId: service.id, providerIds: [provider.id] });
    const entries = [...links.keys()];
    type Racer = { kind: "accept"; entryId: string } | { kind: "staff" } | { kind: "book" };
    const fire = (r: Racer): Promise<Reply> =>
      r.kind === "accept"
        ? accept(links.get(r.entryId)!)
        : r.kind === "staff"
          ? call(ctx, "POST", "/api/booking/appointments", {
              key: clinic.key,
              body: { patientId: walkIn.id, providerId: provider.id, serviceId: service.id, start: opening.start },
            })
          : call(ctx, "POST", `/api/booking/waitlist/${lateEntry.id}/book`, { key: clinic.key, body: { slotId: opening.id } });
    const racers: Racer[] = entries.map((entryId) => ({ kind: "accept", entryId }));
    // Staff join the race at different places in the burst: first, last, the middle.
    const at = [0, racers.length, 50, 1, 99, 25][round % 6]!;
    racers.splice(at, 0, { kind: "staff" });
    racers.splice(racers.length - at, 0, { kind: "book" });
    // Some rounds give staff a head start of a few event-loop turns (no clock, no sleep) so that each
    // kind of racer gets to win now and then; the others start them all at once.
    const headStart = [0, 0, 30, 0, 60, 15][round % 6]!;
    const lead = round % 4 === 2 ? "staff" : "book";
    const order = headStart > 0 ? [...racers.filter((r) => r.kind === lead), ...racers.filter((r) => r.kind !== lead)] : racers;
    const started: Promise<Reply>[] = [];
    for (const [i, r] of order.entries()) {
      if (i === 1 && headStart > 0) for (let t = 0; t < headStart; t++) await new Promise((resolve) => setImmediate(resolve));
      started.push(fire(r));
    }
    const byRacer = new Map(order.map((r, i) => [r, started[i]!]));
    const replies = await Promise.all(racers.map((r) => byRacer.get(r)!));
    assertNo5xx(replies);
    const wins = replies.flatMap((r, i) => (r.status === 200 || r.status === 201 ? [{ r, racer: racers[i]! }] : []));
    assert.equal(wins.length, 1, `exactly one winner overall: ${replies.map((r) => r.status).join(",")}`);
    const { r: winReply, racer } = wins[0]!;
    for (const [i, r] of replies.entries()) {
      if (r === winReply) continue;
      const kind = racers[i]!.kind;
      if (kind === "staff") {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.code, "conflict");
      } else if (kind === "book") {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.code, "slot_filled");
        assert.ok(Array.isArray(r.body.alternatives));
      } else assertLoser(r);
    }
    const appointmentId: string =
      racer.kind === "accept" ? winReply.body.appointmentId : racer.kind === "staff" ? winReply.body.id : winReply.body.appointment.id;
    const winnerEntryId = racer.kind === "accept" ? racer.entryId : null;
    await assertSettled(opening.id, opening, appointmentId, winnerEntryId);
    const {
      rows: [a],
    } = await db.query("SELECT patient_id, source FROM appointments WHERE id = $1", [appointmentId]);
    if (racer.kind === "staff") assert.deepEqual(a, { patient_id: walkIn.id, source: "STAFF" });
    if (racer.kind === "book") {
      assert.deepEqual(a, { patient_id: latecomer.id, source: "WAITLIST" });
      const e = await call(ctx, "GET", `/api/booking/waitlist/${lateEntry.id}`, { key: clinic.key });
      assert.equal(e.body.status, "BOOKED");
    } else {
      // The latecomer lost: their entry stays on the list; take it off so the next wave stays at 100.
      const removed = await call(ctx, "DELETE", `/api/booking/waitlist/${lateEntry.id}`, { key: clinic.key });
      assert.equal(removed.status, 200);
    }
    if (racer.kind === "accept") {
      const again = await accept(links.get(racer.entryId)!);
      assert.equal(again.status, 200);
      assert.equal(again.body.appointmentId, appointmentId);
      waiting.delete(racer.entryId);
      await addWaiting();
    }
    console.log(
      `# mixed round ${round + 1}: staff at ${at}, head start ${headStart ? `${headStart} for ${lead}` : "none"}, winner ${racer.kind}, ${Date.now() - t0} ms`,
    );
  }
});
