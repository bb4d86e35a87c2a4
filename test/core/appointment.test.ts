import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ACTIVE_APPOINTMENT_STATUSES, appointmentEnd, decideCancel, decideCheckIn, isActive, MIN_OPENING_MINUTES } from "../../src/core/appointment.ts";
import { APPOINTMENT_STATUSES, type Appointment, type AppointmentStatus } from "../../src/core/types.ts";

const at = (iso: string) => new Date(iso);
const BOOKED_AT = at("2026-06-01T09:00:00Z");

function anAppointment(over: Partial<Appointment> = {}): Appointment {
  return {
    id: "a1",
    clinicId: "c1",
    patientId: "p1",
    providerId: "dr-a",
    chairId: null,
    serviceId: "s1",
    start: at("2026-06-15T14:00:00Z"),
    end: at("2026-06-15T15:00:00Z"),
    status: "BOOKED",
    source: "STAFF",
    fromWaitlistEntryId: null,
    bookedAt: BOOKED_AT,
    checkedInAt: null,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    reminderDueAt: null,
    remindedAt: null,
    discountPercent: 0,
    rebookedFromAppointmentId: null,
    externalId: null,
    createdAt: BOOKED_AT,
    updatedAt: BOOKED_AT,
    ...over,
  };
}

test("the statuses that hold time", () => {
  assert.deepEqual(ACTIVE_APPOINTMENT_STATUSES, ["BOOKED", "CONFIRMED", "CHECKED_IN", "COMPLETED"]);
  assert.deepEqual(
    APPOINTMENT_STATUSES.filter((s) => isActive(s)),
    ["BOOKED", "CONFIRMED", "CHECKED_IN", "COMPLETED"],
  );
  assert.equal(isActive("CANCELLED"), false);
  assert.equal(isActive("NO_SHOW"), false);
});

test("an opening must be at least 5 minutes", () => {
  assert.equal(MIN_OPENING_MINUTES, 5);
});

const ends: [string, string | undefined, number, string][] = [
  ["2026-06-15T14:00:00.000Z", undefined, 60, "2026-06-15T15:00:00.000Z"],
  ["2026-06-15T14:00:00.000Z", undefined, 45, "2026-06-15T14:45:00.000Z"],
  ["2026-06-15T14:00:00.000Z", undefined, 0, "2026-06-15T14:00:00.000Z"],
  ["2026-06-15T14:00:00.000Z", "2026-06-15T14:20:00.000Z", 60, "2026-06-15T14:20:00.000Z"],
  ["2026-06-15T23:30:00.000Z", undefined, 90, "2026-06-16T01:00:00.000Z"],
  // 01:30 EST + 60 minutes on the spring-forward night is 03:30 EDT: an hour of time, two on the clock.
  ["2026-03-08T06:30:00.000Z", undefined, 60, "2026-03-08T07:30:00.000Z"],
  // 01:30 EDT + 60 minutes on the fall-back night is 01:30 EST.
  ["2026-11-01T05:30:00.000Z", undefined, 60, "2026-11-01T06:30:00.000Z"],
];
for (const [start, end, duration, expected] of ends) {
  test(`appointmentEnd(${start}, ${end ?? "no end"}, ${duration} min) is ${expected}`, () => {
    assert.equal(appointmentEnd(at(start), end === undefined ? undefined : at(end), duration).toISOString(), expected);
  });
}

test("appointmentEnd returns a given end as it is", () => {
  const end = at("2026-06-15T14:20:00Z");
  assert.equal(appointmentEnd(at("2026-06-15T14:00:00Z"), end, 60), end);
});

// [name, appointment start, end, now, freed interval or null]
const cancels: [string, string, string, string, [string, string] | null][] = [
  ["a day ahead: all of it", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-14T14:00:00Z", ["2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z"]],
  [
    "a millisecond ahead: all of it",
    "2026-06-15T14:00:00Z",
    "2026-06-15T15:00:00Z",
    "2026-06-15T13:59:59.999Z",
    ["2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z"],
  ],
  ["starting right now: all of it", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T14:00:00Z", ["2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z"]],
  [
    "in progress by a millisecond: from the next 5 minutes",
    "2026-06-15T14:00:00Z",
    "2026-06-15T15:00:00Z",
    "2026-06-15T14:00:00.001Z",
    ["2026-06-15T14:05:00Z", "2026-06-15T15:00:00Z"],
  ],
  [
    "in progress: rounded up to the next 5 minutes",
    "2026-06-15T14:00:00Z",
    "2026-06-15T15:00:00Z",
    "2026-06-15T14:12:00Z",
    ["2026-06-15T14:15:00Z", "2026-06-15T15:00:00Z"],
  ],
  [
    "in progress on the 5 minutes: from now",
    "2026-06-15T14:00:00Z",
    "2026-06-15T15:00:00Z",
    "2026-06-15T14:15:00Z",
    ["2026-06-15T14:15:00Z", "2026-06-15T15:00:00Z"],
  ],
  [
    "exactly 5 minutes left after rounding",
    "2026-06-15T14:00:00Z",
    "2026-06-15T15:00:00Z",
    "2026-06-15T14:54:59Z",
    ["2026-06-15T14:55:00Z", "2026-06-15T15:00:00Z"],
  ],
  ["exactly 5 minutes left", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T14:55:00Z", ["2026-06-15T14:55:00Z", "2026-06-15T15:00:00Z"]],
  ["under 5 minutes left after rounding: nothing", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T14:55:00.001Z", null],
  ["4 minutes left: nothing", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T14:56:00Z", null],
  ["ending right now: nothing", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T15:00:00Z", null],
  ["already over: nothing", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-15T15:30:00Z", null],
  ["long over: nothing", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z", "2026-06-22T14:00:00Z", null],
  ["off the grid, ahead: all of it", "2026-06-15T14:02:00Z", "2026-06-15T14:47:00Z", "2026-06-15T14:01:00Z", ["2026-06-15T14:02:00Z", "2026-06-15T14:47:00Z"]],
  ["off the grid, in progress", "2026-06-15T14:02:00Z", "2026-06-15T14:47:00Z", "2026-06-15T14:03:00Z", ["2026-06-15T14:05:00Z", "2026-06-15T14:47:00Z"]],
  ["off the grid, 7 minutes left", "2026-06-15T14:02:00Z", "2026-06-15T14:47:00Z", "2026-06-15T14:40:00Z", ["2026-06-15T14:40:00Z", "2026-06-15T14:47:00Z"]],
  ["off the grid, 2 minutes left after rounding", "2026-06-15T14:02:00Z", "2026-06-15T14:47:00Z", "2026-06-15T14:41:00Z", null],
  // Fall back in New York: 01:00 EDT (05:00Z) to 01:30 EST (06:30Z) is 90 minutes.
  // Cancelled at 01:40 EDT, the 50 minutes until 01:30 EST are free, though the clock goes backwards.
  [
    "New York fall back: the repeated hour counts",
    "2026-11-01T05:00:00Z",
    "2026-11-01T06:30:00Z",
    "2026-11-01T05:40:00Z",
    ["2026-11-01T05:40:00Z", "2026-11-01T06:30:00Z"],
  ],
  // Spring forward: at 01:57 EST the next 5 minutes are 03:00 EDT.
  [
    "New York spring forward: rounding skips the gap",
    "2026-03-08T06:30:00Z",
    "2026-03-08T07:30:00Z",
    "2026-03-08T06:57:00Z",
    ["2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"],
  ],
  // London on its clock change: 00:30 GMT to 02:30 BST is one hour of time.
  ["London spring forward", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T00:58:00Z", ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]],
  // Sydney DST ends 03:00 AEDT → 02:00 AEST (16:00Z): 02:30 AEDT to 02:30 AEST is 60 minutes.
  ["Sydney fall back", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z", "2026-04-04T16:01:00Z", ["2026-04-04T16:05:00Z", "2026-04-04T16:30:00Z"]],
  // Kathmandu is UTC+05:45, still on the 5-minute grid: 10:16 local rounds to 10:20 local.
  [
    "Kathmandu: the grid is on the local 5 minutes too",
    "2026-06-15T04:15:00Z",
    "2026-06-15T05:15:00Z",
    "2026-06-15T04:31:00Z",
    ["2026-06-15T04:35:00Z", "2026-06-15T05:15:00Z"],
  ],
];
for (const status of ["BOOKED", "CONFIRMED"] as const) {
  for (const [name, start, end, now, freed] of cancels) {
    test(`decideCancel ${status}: ${name}`, () => {
      const a = anAppointment({ status, start: at(start), end: at(end) });
      const before = structuredClone(a);
      assert.deepEqual(decideCancel(a, at(now)), { ok: true, value: { freed: freed && { start: at(freed[0]), end: at(freed[1]) } } });
      assert.deepEqual(a, before, "the appointment is not mutated");
    });
  }
}

for (const status of ["CHECKED_IN", "COMPLETED", "CANCELLED", "NO_SHOW"] as const) {
  test(`decideCancel: a ${status} appointment cannot be cancelled, whenever it is`, () => {
    for (const now of ["2026-06-14T14:00:00Z", "2026-06-15T14:30:00Z", "2026-06-16T14:00:00Z"]) {
      assert.deepEqual(decideCancel(anAppointment({ status }), at(now)), {
        ok: false,
        code: "conflict",
        detail: `appointment is ${status} and cannot be cancelled`,
      });
    }
  });
}

const checkIns: [AppointmentStatus, unknown][] = [
  ["BOOKED", { ok: true, value: "CHECKED_IN" }],
  ["CONFIRMED", { ok: true, value: "CHECKED_IN" }],
  ["CHECKED_IN", { ok: false, code: "conflict", detail: "appointment is CHECKED_IN and cannot be checked in" }],
  ["COMPLETED", { ok: false, code: "conflict", detail: "appointment is COMPLETED and cannot be checked in" }],
  ["CANCELLED", { ok: false, code: "conflict", detail: "appointment is CANCELLED and cannot be checked in" }],
  ["NO_SHOW", { ok: false, code: "conflict", detail: "appointment is NO_SHOW and cannot be checked in" }],
];
test("the check-in table covers every appointment status", () => {
  assert.deepEqual(
    checkIns.map(([s]) => s),
    [...APPOINTMENT_STATUSES],
  );
});
for (const [status, expected] of checkIns) {
  test(`decideCheckIn: ${status}`, () => {
    assert.deepEqual(decideCheckIn(anAppointment({ status })), expected);
  });
}

const STEP = 5 * 60_000;
const MS = { min: Date.parse("2020-01-01T00:00:00Z"), max: Date.parse("2035-01-01T00:00:00Z") };
const cancellable = fc.record({
  start: fc.integer(MS),
  minutes: fc.integer({ min: 1, max: 8 * 60 }),
  extraMs: fc.integer({ min: 0, max: 59_999 }),
  status: fc.constantFrom("BOOKED" as const, "CONFIRMED" as const),
});
/** `now` near the appointment most of the time, so every branch is common. */
const nowFor = (start: number, end: number) =>
  fc.oneof(
    fc.integer({ min: start - 3_600_000, max: end + 3_600_000 }),
    fc.integer({ min: start, max: end }),
    fc.constantFrom(start, end, start - 1, start + 1, end - 1, end + 1, end - STEP),
    fc.integer(MS),
  );

test("property: the freed interval lies inside the appointment, never before now, ends with it and is worth offering", () => {
  const seen = { whole: 0, rest: 0, none: 0 };
  fc.assert(
    fc.property(
      cancellable.chain((x) => {
        const end = x.start + x.minutes * 60_000 + x.extraMs;
        return fc.tuple(fc.constant({ ...x, end }), nowFor(x.start, end));
      }),
      ([x, nowMs]) => {
        const a = anAppointment({ status: x.status, start: new Date(x.start), end: new Date(x.end) });
        const r = decideCancel(a, new Date(nowMs));
        assert.equal(r.ok, true);
        if (!r.ok) return;
        const freed = r.value.freed;
        if (nowMs < x.start) {
          // Not started: all of it, whatever its length.
          assert.deepEqual(freed, { start: new Date(x.start), end: new Date(x.end) });
          seen.whole++;
          return;
        }
        if (freed === null) {
          // Nothing worth offering is left.
          assert.ok(x.end - Math.ceil(nowMs / STEP) * STEP < MIN_OPENING_MINUTES * 60_000);
          seen.none++;
          return;
        }
        seen.rest++;
        assert.ok(freed.start.getTime() >= nowMs, "never before now");
        assert.ok(freed.start.getTime() >= x.start, "inside the appointment");
        assert.equal(freed.end.getTime(), x.end, "ends with the appointment");
        assert.ok(freed.end.getTime() - freed.start.getTime() >= MIN_OPENING_MINUTES * 60_000, "at least 5 minutes");
        assert.equal(freed.start.getTime() % STEP, 0, "on the 5-minute grid");
        assert.ok(freed.start.getTime() - nowMs < STEP, "from the next 5 minutes, not later");
      },
    ),
    { numRuns: 5000 },
  );
  assert.ok(seen.whole > 200 && seen.rest > 200 && seen.none > 200, JSON.stringify(seen));
});

test("property: only BOOKED and CONFIRMED appointments can be cancelled or checked in", () => {
  fc.assert(
    fc.property(fc.constantFrom(...APPOINTMENT_STATUSES), fc.integer(MS), (status, nowMs) => {
      const a = anAppointment({ status });
      const cancellableStatus = status === "BOOKED" || status === "CONFIRMED";
      assert.equal(decideCancel(a, new Date(nowMs)).ok, cancellableStatus);
      assert.equal(decideCheckIn(a).ok, cancellableStatus);
    }),
  );
});
