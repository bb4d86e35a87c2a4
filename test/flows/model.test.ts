// Model-based test of the whole waitlist loop: random sequences of openings (new slots, cancellations),
// due-work sweeps after clock advances (holds expire, next waves, deferred sends), accepts and declines
// by link, staff answers, staff bookings of entries into openings, direct bookings over openings,
// cancellations, removals, staff notifications, SMS replies, provider status callbacks — and bursts
// of several of those at once. A small model only picks valid-ish arguments; after EVERY step the
// invariants of DESIGN.md are checked straight in SQL, and no answer may be a 5xx.
// The default seed is fixed so that a CI run is reproducible; MODEL_RUNS=300 MODEL_SEED=random hunts
// longer with fresh sequences (MODEL_SEED=<n> replays one).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, aPatient, aProvider, aService, call, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;

const RUNS = Number(process.env.MODEL_RUNS ?? 30);
const MAX_COMMANDS = 25;
const ACTIVE = "('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED')";
const LIVE = "('SCHEDULED', 'PENDING')";

interface Real {
  clinicId: string;
  key: string;
  providers: string[];
  chairs: string[];
  services: string[];
  patients: string[];
  phones: string[];
  /** Owns the appointments that are booked only to be cancelled (never on the waitlist). */
  holder: string;
  cutoffMinutes: number;
  dailyCap: number;
}

interface Model {
  openings: string[];
  entries: string[];
  appointments: string[];
  offers: string[];
  tokens: string[];
  /** Dev outbox messages of this clinic (to play the provider's status callbacks). */
  messages: string[];
  /** What happened so far, for the failure message. */
  log: string[];
}

/** How often each route answered what: printed at the end, to see what the runs reached. */
const outcomes = new Map<string, number>();

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

async function req(m: Model, r: Real | null, method: Method, url: string, body: unknown, allowed: number[]) {
  const res = await call(ctx, method, url, { key: r?.key ?? null, ...(body === undefined ? {} : { body }) });
  const said = `${method} ${url} ${body === undefined ? "" : JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`;
  m.log.push(`    ${said.slice(0, 400)}`);
  const route = url.replace(/[0-9a-f-]{36}|o_[\w-]{43}/g, ":id").replace(/\?.*$/, "");
  const outcome = `${method} ${route} → ${res.status}${res.body?.code ? ` ${res.body.code}` : ""}`;
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  assert.ok(res.status < 500, `5xx: ${said}\n${m.log.join("\n")}`);
  assert.ok(allowed.includes(res.status), `unexpected status: ${said}\n${m.log.join("\n")}`);
  return res;
}

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;

/** The answer to an accept, a decline or a staff answer that was refused: a known code, and alternatives where due. */
function assertRefusal(m: Model, res: { status: number; body: any }, withAlternatives: boolean) {
  const ctxMsg = `${JSON.stringify(res.body)}\n${m.log.join("\n")}`;
  if (res.status === 410) assert.equal(res.body.code, "offer_expired", ctxMsg);
  if (res.status === 409) assert.ok(["slot_filled", "offer_closed", "conflict"].includes(res.body.code), ctxMsg);
  if (withAlternatives && (res.body.code === "slot_filled" || res.body.code === "offer_expired")) {
    assert.ok(Array.isArray(res.body.alternatives), `alternatives: ${ctxMsg}`);
  }
}

// ---------------------------------------------------------------- invariants, in SQL

async function rowsOf(sql: string, params: unknown[]) {
  return (await db.query(sql, params)).rows;
}

async function checkInvariants(m: Model, r: Real, afterSweep: boolean) {
  const t = Date.now();
  try {
    await checkAll(m, r, afterSweep);
  } finally {
    checkMs += Date.now() - t;
  }
}

async function checkAll(m: Model, r: Real, afterSweep: boolean) {
  const c = r.clinicId;
  const now = ctx.clock.now();
  const problems: string[] = [];
  const expectNone = async (what: string, sql: string, params: unknown[] = [c]) => {
    const rows = await rowsOf(sql, params);
    if (rows.length > 0) problems.push(`${what}: ${JSON.stringify(rows)}`);
  };

  await expectNone(
    "two active appointments overlap for one provider or one chair",
    `SELECT a.id AS a, b.id AS b FROM appointments a JOIN appointments b ON b.clinic_id = a.clinic_id AND a.id < b.id
       AND (a.provider_id = b.provider_id OR (a.chair_id IS NOT NULL AND a.chair_id = b.chair_id))
       AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')
     WHERE a.clinic_id = $1 AND a.status IN ${ACTIVE} AND b.status IN ${ACTIVE}`,
  );
  await expectNone(
    // (A booking fills every open opening it takes the time of: same provider, or same chair.)
    "a FILLED opening without exactly one filled appointment of its provider or chair over its time",
    `SELECT o.id, o.status, o.filled_appointment_id FROM openings o LEFT JOIN appointments a ON a.id = o.filled_appointment_id
     WHERE o.clinic_id = $1 AND ((o.status = 'FILLED') <> (o.filled_appointment_id IS NOT NULL)
       OR (o.status = 'FILLED' AND (a.id IS NULL OR NOT (a.provider_id = o.provider_id OR a.chair_id = o.chair_id)
         OR NOT tstzrange(a.start_at, a.end_at, '[)') && tstzrange(o.start_at, o.end_at, '[)'))))`,
  );
  await expectNone(
    "an opening with more than one ACCEPTED offer",
    `SELECT opening_id, count(*) FROM offers WHERE clinic_id = $1 AND status = 'ACCEPTED' GROUP BY opening_id HAVING count(*) > 1`,
  );
  await expectNone(
    "an ACCEPTED offer whose booking is not the appointment that filled its opening",
    `SELECT f.id, f.booked_appointment_id, o.filled_appointment_id, o.status FROM offers f JOIN openings o ON o.id = f.opening_id
     WHERE f.clinic_id = $1 AND f.status = 'ACCEPTED' AND f.booked_appointment_id IS DISTINCT FROM o.filled_appointment_id`,
  );
  await expectNone(
    "an ACCEPTED offer without an appointment for that patient that is active (or was cancelled, or missed, after the accept)",
    `SELECT f.id, f.booked_appointment_id, a.patient_id, f.patient_id AS offer_patient, a.status FROM offers f
       LEFT JOIN appointments a ON a.id = f.booked_appointment_id
     WHERE f.clinic_id = $1 AND f.status = 'ACCEPTED' AND (a.id IS NULL OR a.patient_id <> f.patient_id
       OR NOT (a.status IN ${ACTIVE} OR (a.status = 'CANCELLED' AND a.cancelled_at >= f.responded_at)
               OR (a.status = 'NO_SHOW' AND a.start_at >= f.responded_at)))`,
  );
  await expectNone(
    "an opening that is not OPEN still has live offers",
    `SELECT o.id, o.status, f.id AS offer, f.status AS offer_status FROM openings o JOIN offers f ON f.opening_id = o.id
     WHERE o.clinic_id = $1 AND o.status <> 'OPEN' AND f.status IN ${LIVE}`,
  );
  await expectNone(
    "more than one live offer for one entry",
    `SELECT entry_id, count(*) FROM offers WHERE clinic_id = $1 AND status IN ${LIVE} GROUP BY entry_id HAVING count(*) > 1`,
  );
  await expectNone(
    "more than one live offer for one patient",
    `SELECT patient_id, count(*) FROM offers WHERE clinic_id = $1 AND status IN ${LIVE} GROUP BY patient_id HAVING count(*) > 1`,
  );
  await expectNone(
    "an offer of an entry names another patient",
    `SELECT f.id FROM offers f JOIN waitlist_entries e ON e.id = f.entry_id WHERE f.clinic_id = $1 AND f.patient_id <> e.patient_id`,
  );
  await expectNone(
    "a PENDING offer without sent_at and a hold ending by the opening's start minus the cut-off",
    `SELECT f.id, f.sent_at, f.hold_expires_at, o.start_at FROM offers f JOIN openings o ON o.id = f.opening_id
     WHERE f.clinic_id = $1 AND f.status = 'PENDING' AND (f.sent_at IS NULL OR f.hold_expires_at IS NULL
       OR f.hold_expires_at > o.start_at - make_interval(mins => $2) OR f.hold_expires_at <= f.sent_at)`,
    [c, r.cutoffMinutes],
  );
  await expectNone(
    "an entry is NOTIFIED without a live offer, or has a live offer without being NOTIFIED",
    `SELECT e.id, e.status, f.id AS live_offer FROM waitlist_entries e
       LEFT JOIN offers f ON f.entry_id = e.id AND f.status IN ${LIVE}
     WHERE e.clinic_id = $1 AND (e.status = 'NOTIFIED') <> (f.id IS NOT NULL)`,
  );
  await expectNone(
    "a BOOKED entry without its appointment",
    `SELECT e.id FROM waitlist_entries e LEFT JOIN appointments a ON a.id = e.booked_appointment_id
     WHERE e.clinic_id = $1 AND e.status = 'BOOKED' AND (a.id IS NULL OR a.patient_id <> e.patient_id)`,
  );
  await expectNone(
    "an offer accepted after its hold ran out",
    `SELECT id, responded_at, hold_expires_at FROM offers
     WHERE clinic_id = $1 AND status = 'ACCEPTED' AND hold_expires_at IS NOT NULL AND responded_at >= hold_expires_at`,
  );
  await expectNone("a delivery sent twice", `SELECT delivery_id, count(*) FROM dev_outbox WHERE clinic_id = $1 GROUP BY delivery_id HAVING count(*) > 1`);
  await expectNone(
    "an offer message sent in the patient's quiet hours (21:00–08:00 their time)",
    `SELECT m.id, m.sent_at, coalesce(p.timezone, k.timezone) AS zone FROM dev_outbox m
       JOIN deliveries d ON d.id = m.delivery_id JOIN patients p ON p.id = d.patient_id JOIN clinics k ON k.id = m.clinic_id
     WHERE m.clinic_id = $1 AND d.kind = 'OFFER'
       AND ((m.sent_at AT TIME ZONE coalesce(p.timezone, k.timezone))::time >= '21:00'
         OR (m.sent_at AT TIME ZONE coalesce(p.timezone, k.timezone))::time < '08:00')`,
  );
  await expectNone(
    "more offers sent to one patient in 24 h than the daily cap",
    `WITH sent AS (SELECT DISTINCT ON (d.offer_id) d.offer_id, d.patient_id, m.sent_at FROM dev_outbox m
                   JOIN deliveries d ON d.id = m.delivery_id WHERE m.clinic_id = $1 AND d.kind = 'OFFER' ORDER BY d.offer_id, m.sent_at)
     SELECT a.patient_id, a.sent_at, count(*) FROM sent a JOIN sent b ON b.patient_id = a.patient_id
       AND b.sent_at > a.sent_at - interval '1 day' AND b.sent_at <= a.sent_at
     GROUP BY a.patient_id, a.offer_id, a.sent_at HAVING count(*) > $2`,
    [c, r.dailyCap],
  );
  if (afterSweep) {
    await expectNone(
      "a PENDING offer past its hold after the sweep",
      `SELECT id, hold_expires_at FROM offers WHERE clinic_id = $1 AND status = 'PENDING' AND hold_expires_at <= $2`,
      [c, now],
    );
    await expectNone(
      "an OPEN opening still due after the sweep",
      `SELECT id, next_wave_at FROM openings WHERE clinic_id = $1 AND status = 'OPEN' AND next_wave_at <= $2`,
      [c, now],
    );
    await expectNone(
      "a delivery still due after the sweep",
      `SELECT id, status, due_at FROM deliveries WHERE clinic_id = $1 AND status = 'QUEUED' AND due_at <= $2`,
      [c, now],
    );
    await expectNone(
      "an OPEN opening past its cut-off after the sweep",
      `SELECT o.id, o.start_at FROM openings o WHERE o.clinic_id = $1 AND o.status = 'OPEN' AND o.start_at - make_interval(mins => $3) <= $2`,
      [c, now, r.cutoffMinutes],
    );
  }
  // Liveness: an open opening nobody holds an offer of is looked at again soon (the flow rechecks
  // every 30 min): when an offer ends without a booking the next wave must not wait for the cut-off.
  await expectNone(
    "an OPEN opening without live offers that is not due again within 30 min",
    `SELECT o.id, o.next_wave_at, o.start_at FROM openings o WHERE o.clinic_id = $1 AND o.status = 'OPEN'
       AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.opening_id = o.id AND f.status IN ${LIVE})
       AND (o.next_wave_at IS NULL OR o.next_wave_at > $2::timestamptz + interval '30 minutes')`,
    [c, now],
  );
  if (problems.length > 0) assert.fail(`invariants broken at ${now.toISOString()}:\n  ${problems.join("\n  ")}\n${m.log.join("\n")}`);

  // Refresh what the model picks from: offers and the booking links that went out.
  m.offers = (await rowsOf("SELECT id FROM offers WHERE clinic_id = $1 ORDER BY created_at, id", [c])).map((x) => x.id);
  m.tokens = (
    await rowsOf(
      `SELECT o.links[1] AS link FROM dev_outbox o JOIN deliveries d ON d.id = o.delivery_id
       WHERE o.clinic_id = $1 AND d.kind = 'OFFER' AND cardinality(o.links) > 0 ORDER BY o.seq`,
      [c],
    )
  ).map((x) => String(x.link).split("/o/")[1]!);
  m.messages = (await rowsOf("SELECT id FROM dev_outbox WHERE clinic_id = $1 ORDER BY seq", [c])).map((x) => x.id);
}

// ---------------------------------------------------------------- commands

let stepCount = 0;

class Step implements fc.AsyncCommand<Model, Real> {
  // act is also run inside a Burst, concurrently with others.
  constructor(
    readonly label: string,
    readonly act: (m: Model, r: Real) => Promise<void>,
    readonly needs: (m: Model) => boolean = () => true,
    readonly sweep = false,
  ) {}
  check(m: Readonly<Model>): boolean {
    return this.needs(m as Model);
  }
  async run(m: Model, r: Real): Promise<void> {
    stepCount++;
    m.log.push(`  ${this.label} @ ${ctx.clock.now().toISOString()}`);
    await this.act(m, r);
    await checkInvariants(m, r, this.sweep);
  }
  toString(): string {
    return this.label;
  }
}

const HOUR = 3_600_000;
function slotStart(hoursAhead: number, half: boolean): Date {
  const now = ctx.clock.now().getTime();
  return new Date((Math.floor(now / HOUR) + 1) * HOUR + hoursAhead * HOUR + (half ? HOUR / 2 : 0));
}

const slotArgs = fc.record({
  provider: fc.nat(1),
  chair: fc.option(fc.nat(1), { nil: null }),
  hours: fc.integer({ min: 0, max: 40 }),
  half: fc.boolean(),
  minutes: fc.constantFrom(30, 60, 90),
  viaCancel: fc.boolean(),
});
type SlotArgs = typeof slotArgs extends fc.Arbitrary<infer A> ? A : never;

/** A new opening: POST /api/booking/openings, or an appointment of the holder booked and cancelled. */
async function open(m: Model, r: Real, a: SlotArgs) {
  const start = slotStart(a.hours, a.half);
  const end = new Date(start.getTime() + a.minutes * 60_000);
  const providerId = pick(r.providers, a.provider);
  const chairId = a.chair === null ? null : pick(r.chairs, a.chair);
  if (!a.viaCancel) {
    const res = await req(m, r, "POST", "/api/booking/openings", { providerId, chairId, start: start.toISOString(), end: end.toISOString() }, [201, 409]);
    if (res.status === 201) m.openings.push(res.body.id);
    return;
  }
  const booked = await req(
    m,
    r,
    "POST",
    "/api/booking/appointments",
    { patientId: r.holder, providerId, chairId, serviceId: r.services[0], start: start.toISOString(), end: end.toISOString() },
    [201, 409],
  );
  if (booked.status !== 201) return;
  const cancelled = await req(m, r, "POST", `/api/booking/appointments/${booked.body.id}/cancel`, { by: "staff" }, [200]);
  if (cancelled.body.opening) m.openings.push(cancelled.body.opening.id);
}

const openSlot = slotArgs.map((a) => new Step(`open ${JSON.stringify(a)}`, (m, r) => open(m, r, a)));

const sweep = fc.constantFrom(0, 1, 10, 30, 61, 121, 300).map(
  (minutes) =>
    new Step(
      `advance ${minutes} min + runDue`,
      async (m) => {
        ctx.clock.advanceMinutes(minutes);
        const drained = await runDue(ctx.deps, ctx.clock.now());
        m.log.push(`    drained ${JSON.stringify(drained)}`);
      },
      () => true,
      true,
    ),
);

const acceptLink = fc.nat().map(
  (i) =>
    new Step(
      `accept link #${i}`,
      async (m) => {
        const token = pick(m.tokens, i);
        const res = await req(m, null, "POST", `/api/public/offers/${token}/accept`, undefined, [200, 409, 410]);
        if (res.status !== 200) return assertRefusal(m, res, true);
        assert.equal(res.body.status, "ACCEPTED");
        m.appointments.push(res.body.appointmentId);
        // Repeating it returns the same answer.
        const again = await req(m, null, "POST", `/api/public/offers/${token}/accept`, undefined, [200]);
        assert.deepEqual(again.body, res.body);
      },
      (m) => m.tokens.length > 0,
    ),
);

const declineLink = fc.nat().map(
  (i) =>
    new Step(
      `decline link #${i}`,
      async (m) => {
        const res = await req(m, null, "POST", `/api/public/offers/${pick(m.tokens, i)}/decline`, undefined, [200, 409, 410]);
        if (res.status !== 200) assertRefusal(m, res, false);
      },
      (m) => m.tokens.length > 0,
    ),
);

const staffResponse = fc.record({ i: fc.nat(), response: fc.constantFrom("ACCEPTED", "DECLINED") }).map(
  (a) =>
    new Step(
      `staff response ${JSON.stringify(a)}`,
      async (m, r) => {
        const id = pick(m.offers, a.i);
        const res = await req(m, r, "PUT", `/api/booking/waitlist/notifications/${id}/response`, { response: a.response }, [200, 409, 410]);
        if (res.status !== 200) return assertRefusal(m, res, false);
        if (a.response === "ACCEPTED") {
          assert.equal(res.body.status, "ACCEPTED");
          assert.ok(res.body.bookedAppointmentId);
          m.appointments.push(res.body.bookedAppointmentId);
        }
      },
      (m) => m.offers.length > 0,
    ),
);

const staffBookEntry = fc.record({ entry: fc.nat(), opening: fc.nat() }).map(
  (a) =>
    new Step(
      `staff book entry ${JSON.stringify(a)}`,
      async (m, r) => {
        const res = await req(m, r, "POST", `/api/booking/waitlist/${pick(m.entries, a.entry)}/book`, { slotId: pick(m.openings, a.opening) }, [201, 409]);
        if (res.status === 201) m.appointments.push(res.body.appointment.id);
        else if (res.body.code === "slot_filled") assert.ok(Array.isArray(res.body.alternatives), JSON.stringify(res.body));
      },
      (m) => m.entries.length > 0 && m.openings.length > 0,
    ),
);

const staffBookOver = fc.record({ opening: fc.nat(), patient: fc.nat(), service: fc.nat(1), shift: fc.constantFrom(0, 0, 30, -30), chair: fc.boolean() }).map(
  (a) =>
    new Step(
      `staff appointment over opening ${JSON.stringify(a)}`,
      async (m, r) => {
        const {
          rows: [o],
        } = await db.query("SELECT provider_id, chair_id, start_at FROM openings WHERE id = $1", [pick(m.openings, a.opening)]);
        const start = new Date(o.start_at.getTime() + a.shift * 60_000);
        const res = await req(
          m,
          r,
          "POST",
          "/api/booking/appointments",
          {
            patientId: pick(r.patients, a.patient),
            providerId: o.provider_id,
            chairId: a.chair ? o.chair_id : null,
            serviceId: pick(r.services, a.service),
            start: start.toISOString(),
          },
          [201, 409],
        );
        if (res.status === 201) m.appointments.push(res.body.id);
        else assert.equal(res.body.code, "conflict");
      },
      (m) => m.openings.length > 0,
    ),
);

const cancel = fc.record({ i: fc.nat(), by: fc.constantFrom("staff", "patient") }).map(
  (a) =>
    new Step(
      `cancel appointment ${JSON.stringify(a)}`,
      async (m, r) => {
        const url = `/api/booking/appointments/${pick(m.appointments, a.i)}/cancel`;
        let res = await req(m, r, "POST", url, { by: a.by }, [200, 409]);
        // A fee is quoted first (API.md, Lifecycle): confirm it.
        if (res.status === 200 && res.body.requiresConfirmation) res = await req(m, r, "POST", url, { by: a.by, confirm: true }, [200, 409]);
        if (res.status === 200 && res.body.opening) m.openings.push(res.body.opening.id);
      },
      (m) => m.appointments.length > 0,
    ),
);

const removeEntry = fc.nat().map(
  (i) =>
    new Step(
      `remove entry #${i}`,
      async (m, r) => {
        await req(m, r, "DELETE", `/api/booking/waitlist/${pick(m.entries, i)}`, undefined, [200, 409]);
      },
      (m) => m.entries.length > 0,
    ),
);

const addEntry = fc.record({ patient: fc.nat(), service: fc.nat(1), provider: fc.constantFrom(null, 0, 1) }).map(
  (a) =>
    new Step(`add entry ${JSON.stringify(a)}`, async (m, r) => {
      const body = {
        patientId: pick(r.patients, a.patient),
        serviceId: pick(r.services, a.service),
        ...(a.provider === null ? {} : { providerIds: [pick(r.providers, a.provider)] }),
      };
      const res = await req(m, r, "POST", "/api/booking/waitlist", body, [201]);
      m.entries.push(res.body.id);
    }),
);

const notify = fc.record({ entry: fc.nat(), opening: fc.nat(), channel: fc.constantFrom(undefined, "SMS", "EMAIL") }).map(
  (a) =>
    new Step(
      `staff notify ${JSON.stringify(a)}`,
      async (m, r) => {
        const body = { slotId: pick(m.openings, a.opening), ...(a.channel ? { channel: a.channel } : {}) };
        await req(m, r, "POST", `/api/booking/waitlist/${pick(m.entries, a.entry)}/notify`, body, [201, 409, 422]);
      },
      (m) => m.entries.length > 0 && m.openings.length > 0,
    ),
);

const notifyMatches = fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).map(
  (is) =>
    new Step(
      `staff notify-matches ${JSON.stringify(is)}`,
      async (m, r) => {
        const slotIds = [...new Set(is.map((i) => pick(m.openings, i)))];
        await req(m, r, "POST", "/api/booking/waitlist/notify-matches", { slotIds }, [200]);
      },
      (m) => m.openings.length > 0,
    ),
);

const inboundSms = fc.record({ patient: fc.nat(), body: fc.constantFrom("YES", "NO", "STOP", "START", "HELP") }).map(
  (a) =>
    new Step(`inbound sms ${JSON.stringify(a)}`, async (m, r) => {
      const res = await req(m, r, "POST", "/api/dev/inbound-sms", { from: pick(r.phones, a.patient), body: a.body }, [200]);
      if (res.body.action === "accepted") m.appointments = await activeAppointments(r);
    }),
);

const providerStatus = fc.record({ i: fc.nat(), status: fc.constantFrom("DELIVERED", "FAILED", "UNDELIVERED") }).map(
  (a) =>
    new Step(
      `provider status ${JSON.stringify(a)}`,
      async (m, r) => {
        await req(m, r, "POST", `/api/dev/outbox/${pick(m.messages, a.i)}/status`, { status: a.status }, [200]);
      },
      (m) => m.messages.length > 0,
    ),
);

async function activeAppointments(r: Real): Promise<string[]> {
  return (await rowsOf(`SELECT id FROM appointments WHERE clinic_id = $1 ORDER BY created_at, id`, [r.clinicId])).map((x) => x.id);
}

/** Several actions at once (a claim, a decline, staff, a sweep…): the invariants hold whoever wins. */
class Burst implements fc.AsyncCommand<Model, Real> {
  constructor(readonly steps: Step[]) {}
  check(m: Readonly<Model>): boolean {
    return this.steps.every((s) => s.check(m));
  }
  async run(m: Model, r: Real): Promise<void> {
    stepCount++;
    m.log.push(`  ${this.toString()} @ ${ctx.clock.now().toISOString()}`);
    await Promise.all(this.steps.map((s) => s.act(m, r)));
    await checkInvariants(m, r, false);
  }
  toString(): string {
    return `burst [${this.steps.map(String).join(" | ")}]`;
  }
}

const sweepNow = fc.constant(new Step("runDue", async () => void (await runDue(ctx.deps, ctx.clock.now()))));
const burst = fc
  .array(fc.oneof(acceptLink, acceptLink, declineLink, staffResponse, staffBookEntry, staffBookOver, cancel, removeEntry, notify, inboundSms, sweepNow), {
    minLength: 2,
    maxLength: 6,
  })
  .map((steps) => new Burst(steps));

const commands = [
  openSlot,
  openSlot,
  sweep,
  sweep,
  sweep,
  acceptLink,
  acceptLink,
  declineLink,
  staffResponse,
  staffBookEntry,
  staffBookOver,
  cancel,
  removeEntry,
  addEntry,
  notify,
  notifyMatches,
  inboundSms,
  providerStatus,
  burst,
  burst,
];

// ---------------------------------------------------------------- a fresh clinic per run

const world = fc.record({
  strategy: fc.constantFrom("sequential", "broadcast", "adaptive"),
  waveSize: fc.integer({ min: 1, max: 4 }),
  holdMinutes: fc.constantFrom(15, 30, 60, 120),
  cutoffMinutes: fc.constantFrom(0, 30, 60),
  maxNotificationsPerEntry: fc.integer({ min: 1, max: 4 }),
  dailyCapPerPatient: fc.constantFrom(1, 2, 100),
  clockOffsetMinutes: fc.integer({ min: 0, max: 1439 }),
  /** Openings made (and swept once) before the commands run, so that every run starts with offers out. */
  openings: fc.array(slotArgs, { minLength: 1, maxLength: 3 }),
  patients: fc.array(
    fc.record({
      timezone: fc.constantFrom(null, "America/Los_Angeles", "Europe/London"),
      email: fc.boolean(),
      entries: fc.array(fc.record({ service: fc.nat(1), provider: fc.constantFrom(null, 0, 1), minNoticeMinutes: fc.constantFrom(0, 0, 120) }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
    { minLength: 2, maxLength: 5 },
  ),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

let runNo = 0;
let setupMs = 0;
let checkMs = 0;
const WEEK = 7 * 24 * HOUR;

async function setUp(w: World): Promise<{ model: Model; real: Real }> {
  // Each run starts a week after the previous one began (a run advances the clock by at most ~5 days),
  // at a different time of day so that quiet hours fall anywhere in it.
  runNo++;
  ctx.clock.set(new Date(T0.getTime() + runNo * WEEK + w.clockOffsetMinutes * 60_000));
  await runDue(ctx.deps, ctx.clock.now()); // earlier runs' leftovers
  const clinic = await aClinic(ctx, { name: `Model ${runNo}` });
  const settings = {
    strategy: w.strategy,
    waveSize: w.waveSize,
    holdMinutes: w.holdMinutes,
    cutoffMinutes: w.cutoffMinutes,
    maxNotificationsPerEntry: w.maxNotificationsPerEntry,
    dailyCapPerPatient: w.dailyCapPerPatient,
    weeklyCapPerPatient: Math.min(700, w.dailyCapPerPatient * 3),
  };
  const patched = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: settings });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const providers = [(await aProvider(ctx, clinic, "Dr. A")).id, (await aProvider(ctx, clinic, "Dr. B")).id];
  const chairs = [
    (await call(ctx, "POST", "/api/booking/chairs", { key: clinic.key, body: { name: "Op 1" } })).body.id,
    (await call(ctx, "POST", "/api/booking/chairs", { key: clinic.key, body: { name: "Op 2" } })).body.id,
  ];
  const services = [
    (await aService(ctx, clinic, { name: "Cleaning", category: "hygiene", durationMinutes: 30 })).id,
    (await aService(ctx, clinic, { name: "Filling", category: "restorative", durationMinutes: 60 })).id,
  ];
  const holder = (await aPatient(ctx, clinic, { firstName: "Holder", phone: "+16175559900" })).id;
  const model: Model = {
    openings: [],
    entries: [],
    appointments: [],
    offers: [],
    tokens: [],
    messages: [],
    log: [`run ${runNo}: ${JSON.stringify({ settings, clock: ctx.clock.now() })}`],
  };
  const patients: string[] = [];
  const phones: string[] = [];
  for (const [i, p] of w.patients.entries()) {
    const phone = `+1617555${String(100 + i).padStart(4, "0")}`;
    const patient = await aPatient(ctx, clinic, {
      firstName: `P${i}`,
      phone,
      smsConsent: true,
      ...(p.email ? { email: `p${i}@example.com`, emailConsent: true } : {}),
      ...(p.timezone ? { timezone: p.timezone } : {}),
    });
    patients.push(patient.id);
    phones.push(phone);
    for (const e of p.entries) {
      const entry = await anEntry(ctx, clinic, {
        patientId: patient.id,
        serviceId: services[e.service]!,
        minNoticeMinutes: e.minNoticeMinutes,
        ...(e.provider === null ? {} : { providerIds: [providers[e.provider]!] }),
      });
      model.entries.push(entry.id);
    }
  }
  model.log.push(`  world ${JSON.stringify(w)}`);
  const real: Real = {
    clinicId: clinic.id,
    key: clinic.key,
    providers,
    chairs,
    services,
    patients,
    phones,
    holder,
    cutoffMinutes: w.cutoffMinutes,
    dailyCap: w.dailyCapPerPatient,
  };
  for (const a of w.openings) await open(model, real, a);
  await runDue(ctx.deps, ctx.clock.now());
  return { model, real };
}

test(`model: ${RUNS} runs × up to ${MAX_COMMANDS} commands keep every invariant after every step`, async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(world, fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }), async (w, cmds) => {
      const t = Date.now();
      const { model, real } = await setUp(w);
      setupMs += Date.now() - t;
      await checkInvariants(model, real, true);
      await fc.asyncModelRun(() => ({ model, real }), cmds);
    }),
    { numRuns: RUNS, includeErrorInReport: true, seed: process.env.MODEL_SEED === "random" ? Date.now() : Number(process.env.MODEL_SEED ?? 20261122) },
  );
  for (const [k, n] of [...outcomes].sort()) console.log(`#   ${String(n).padStart(5)} × ${k}`);
  const {
    rows: [pg],
  } = await db.query("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
  console.log(`# model: deadlocks detected (and retried) in this database: ${pg.deadlocks}`);
  console.log(`# model: ${RUNS} runs, ${stepCount} steps in ${Date.now() - started} ms (set-up ${setupMs} ms, invariant checks ${checkMs} ms)`);
});

// ---------------------------------------------------------------- what the model found, pinned down

async function smallClinic(settings: object) {
  ctx.clock.set(new Date(T0.getTime() + ++runNo * WEEK));
  await runDue(ctx.deps, ctx.clock.now());
  const clinic = await aClinic(ctx, { name: `Regression ${runNo}` });
  const patched = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: settings });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const provider = (await aProvider(ctx, clinic)).id as string;
  const short = (await aService(ctx, clinic, { name: "Check", durationMinutes: 30 })).id as string;
  const long = (await aService(ctx, clinic, { name: "Filling", durationMinutes: 60 })).id as string;
  return { clinic, provider, short, long };
}

const at = (hours: number) => new Date(ctx.clock.now().getTime() + hours * HOUR).toISOString();
const sweepNowAt = () => runDue(ctx.deps, ctx.clock.now());
async function offersOf(openingId: string) {
  return rowsOf("SELECT id, entry_id, patient_id, status, sent_at FROM offers WHERE opening_id = $1 ORDER BY created_at", [openingId]);
}
async function entryStatus(id: string) {
  return (await rowsOf("SELECT status FROM waitlist_entries WHERE id = $1", [id]))[0]!.status as string;
}

test("removing the entry that holds an opening's only offer sends the next wave now, not at the cut-off", async () => {
  const s = await smallClinic({ strategy: "sequential", dailyCapPerPatient: 5, weeklyCapPerPatient: 10 });
  const first = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const second = await aPatient(ctx, s.clinic, { phone: "+16175550102" });
  const e1 = await anEntry(ctx, s.clinic, { patientId: first.id, serviceId: s.short, priority: "urgent" });
  const e2 = await anEntry(ctx, s.clinic, { patientId: second.id, serviceId: s.short });
  const opening = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(24), end: at(25) } });
  await sweepNowAt();
  assert.deepEqual(
    (await offersOf(opening.body.id)).map((o) => [o.entry_id, o.status]),
    [[e1.id, "PENDING"]],
  );

  assert.equal((await call(ctx, "DELETE", `/api/booking/waitlist/${e1.id}`, { key: s.clinic.key })).status, 200);
  await sweepNowAt(); // same instant: no hold ran out, the removal itself moves the opening on
  // Both offers carry the same (test-clock) created_at, so compare them by entry, not by row order.
  const byEntry = (rows: string[][]) => [...rows].sort((a, b) => a[0]!.localeCompare(b[0]!));
  assert.deepEqual(
    byEntry((await offersOf(opening.body.id)).map((o) => [o.entry_id as string, o.status as string])),
    byEntry([
      [e1.id, "WITHDRAWN"],
      [e2.id, "PENDING"],
    ]),
  );
});

test("staff booking an entry whose patient holds the opening's offer through another entry: that entry is ACTIVE again", async () => {
  const s = await smallClinic({ strategy: "sequential" });
  const p = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const offered = await anEntry(ctx, s.clinic, { patientId: p.id, serviceId: s.short });
  const other = await anEntry(ctx, s.clinic, { patientId: p.id, serviceId: s.long });
  // 30 minutes: only the short service fits, so the offer goes to that entry; staff book the other.
  const opening = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(24), end: at(24.5) } });
  await sweepNowAt();
  assert.deepEqual(
    (await offersOf(opening.body.id)).map((o) => [o.entry_id, o.status]),
    [[offered.id, "PENDING"]],
  );

  const booked = await call(ctx, "POST", `/api/booking/waitlist/${other.id}/book`, { key: s.clinic.key, body: { slotId: opening.body.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.equal(await entryStatus(other.id), "BOOKED");
  assert.equal(await entryStatus(offered.id), "ACTIVE", "not NOTIFIED without a live offer");
  assert.deepEqual(
    (await offersOf(opening.body.id)).map((o) => o.status),
    ["WITHDRAWN"],
  );
});

test("staff book into an opening whose time a racing booking took: slot_filled with alternatives", async () => {
  const s = await smallClinic({});
  const p = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const walkIn = await aPatient(ctx, s.clinic, { phone: "+16175550102" });
  const entry = await anEntry(ctx, s.clinic, { patientId: p.id, serviceId: s.long });
  // A 30-minute opening; the 60-minute service runs into an appointment right after it.
  const opening = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(24), end: at(24.5) } });
  const elsewhere = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(30), end: at(31) } });
  const next = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { patientId: walkIn.id, providerId: s.provider, serviceId: s.short, start: at(24.5) },
  });
  assert.equal(next.status, 201);
  const res = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/book`, { key: s.clinic.key, body: { slotId: opening.body.id } });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.code, "slot_filled");
  assert.ok(Array.isArray(res.body.alternatives), JSON.stringify(res.body));
  assert.deepEqual(
    res.body.alternatives.map((a: { slotId: string }) => a.slotId),
    [elsewhere.body.id],
  );
});

test("an offer withdrawn while its message was on the way still counts against the patient's daily cap", async () => {
  const s = await smallClinic({ strategy: "sequential", dailyCapPerPatient: 1, weeklyCapPerPatient: 3 });
  const p = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const walkIn = await aPatient(ctx, s.clinic, { phone: "+16175550102" });
  await anEntry(ctx, s.clinic, { patientId: p.id, serviceId: s.short });
  const first = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(24), end: at(25) } });
  // While the offer's text is with the provider, staff book the opening for someone else.
  const sms = ctx.deps.channels.SMS;
  ctx.deps.channels.SMS = {
    lookup: (d) => sms.lookup(d),
    async send(message, now) {
      const result = await sms.send(message, now);
      ctx.deps.channels.SMS = sms;
      const over = await call(ctx, "POST", "/api/booking/appointments", {
        key: s.clinic.key,
        body: { patientId: walkIn.id, providerId: s.provider, serviceId: s.short, start: first.body.start },
      });
      assert.equal(over.status, 201);
      return result;
    },
  };
  try {
    await sweepNowAt();
  } finally {
    ctx.deps.channels.SMS = sms;
  }
  const [offer] = await offersOf(first.body.id);
  assert.equal(offer.status, "WITHDRAWN");
  assert.ok(offer.sent_at, "the offer went out: it is recorded as sent");
  // A second opening the same day: the patient has had today's one offer message already.
  const second = await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider, start: at(26), end: at(27) } });
  await sweepNowAt();
  assert.deepEqual(await offersOf(second.body.id), []);
  const texts = await rowsOf("SELECT count(*)::int AS n FROM dev_outbox WHERE clinic_id = $1 AND to_address = $2", [s.clinic.id, "+16175550101"]);
  assert.equal(texts[0]!.n, 1);
});
