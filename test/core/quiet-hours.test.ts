import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { isQuiet, lastAllowedBefore, nextAllowedSend, patientZone, spreadSend, type QuietHours } from "../../src/core/quiet-hours.ts";

const DEFAULT: QuietHours = { start: "21:00", end: "08:00" };
const MIN = 60_000;
const HOUR = 60 * MIN;
const d = (iso: string) => new Date(iso);
/** A wall-clock time in a zone, as an instant (for readable test inputs). */
const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();

// VECTORS.md "Quiet hours" — every row, verbatim.
const vectors: [string, string, string | "now", string][] = [
  ["2027-03-14T03:30Z", "America/New_York", "2027-03-14T12:00Z", "spring forward: 08:00 is EDT"],
  ["2026-11-01T05:30Z", "America/New_York", "2026-11-01T13:00Z", "fall back, first 01:30 (EDT)"],
  ["2026-11-01T06:30Z", "America/New_York", "2026-11-01T13:00Z", "fall back, second 01:30 (EST) is quiet too"],
  ["2026-12-01T04:59Z", "America/Los_Angeles", "now", "20:59 PST is not quiet yet"],
  ["2027-03-27T22:00Z", "Europe/London", "2027-03-28T07:00Z", "08:00 BST"],
  ["2027-04-03T11:00Z", "Australia/Sydney", "2027-04-03T22:00Z", "08:00 AEST after DST ends"],
];
for (const [now, zone, expected, why] of vectors) {
  test(`VECTORS: ${now} ${zone} → ${expected} (${why})`, () => {
    const want = expected === "now" ? d(now) : d(expected);
    assert.equal(nextAllowedSend(d(now), zone, DEFAULT).toISOString(), want.toISOString());
    assert.equal(isQuiet(d(now), zone, DEFAULT), expected !== "now");
  });
}

// More zones and DST changes, default quiet hours.
const more: [string, string, string, string][] = [
  ["2027-03-14T05:00Z", "America/Los_Angeles", "2027-03-14T15:00Z", "LA spring forward: 21:00 PST → 08:00 PDT"],
  ["2026-11-01T05:00Z", "America/Los_Angeles", "2026-11-01T16:00Z", "LA fall back: 22:00 PDT → 08:00 PST"],
  ["2027-03-27T21:00Z", "Europe/Berlin", "2027-03-28T06:00Z", "Berlin DST starts: 08:00 CEST"],
  ["2026-10-24T20:00Z", "Europe/Berlin", "2026-10-25T07:00Z", "Berlin DST ends: 08:00 CET"],
  ["2026-06-01T16:00Z", "Asia/Kolkata", "2026-06-02T02:30Z", "Kolkata 21:30 IST, half-hour offset, no DST"],
  ["2026-06-01T22:00Z", "Asia/Kolkata", "2026-06-02T02:30Z", "Kolkata 03:30 IST, after midnight"],
  ["2027-04-03T09:00Z", "Pacific/Auckland", "2027-04-03T20:00Z", "Auckland DST ends: 08:00 NZST"],
  ["2026-09-26T10:00Z", "Pacific/Auckland", "2026-09-26T19:00Z", "Auckland DST starts: 08:00 NZDT"],
  ["2027-04-03T14:30Z", "Pacific/Auckland", "2027-04-03T20:00Z", "Auckland repeated hour: second 02:30 (NZST) is quiet"],
];
for (const [now, zone, expected, why] of more) {
  test(`${why}`, () => {
    assert.equal(nextAllowedSend(d(now), zone, DEFAULT).toISOString(), d(expected).toISOString());
  });
}

test("quiet covers [start, end): exactly 21:00 is quiet, 20:59:59 and exactly 08:00 are not, 07:59:59 is", () => {
  const z = "America/New_York";
  assert.equal(isQuiet(local("2026-06-10T21:00", z), z, DEFAULT), true);
  assert.equal(isQuiet(local("2026-06-10T20:59:59.999", z), z, DEFAULT), false);
  assert.equal(isQuiet(local("2026-06-10T08:00", z), z, DEFAULT), false);
  assert.equal(isQuiet(local("2026-06-10T07:59:59.999", z), z, DEFAULT), true);
  assert.equal(isQuiet(local("2026-06-10T00:00", z), z, DEFAULT), true);
  assert.equal(isQuiet(local("2026-06-10T12:00", z), z, DEFAULT), false);
  const at8 = local("2026-06-10T08:00", z);
  assert.equal(nextAllowedSend(at8, z, DEFAULT), at8);
  assert.equal(nextAllowedSend(local("2026-06-10T21:00", z), z, DEFAULT).toISOString(), local("2026-06-11T08:00", z).toISOString());
  assert.equal(nextAllowedSend(local("2026-06-10T07:59:30", z), z, DEFAULT).toISOString(), at8.toISOString());
});

test("a same-day quiet span (12:00–13:00) does not wrap midnight", () => {
  const z = "Europe/Berlin";
  const lunch = { start: "12:00", end: "13:00" };
  assert.equal(isQuiet(local("2026-06-10T11:59", z), z, lunch), false);
  assert.equal(isQuiet(local("2026-06-10T12:00", z), z, lunch), true);
  assert.equal(isQuiet(local("2026-06-10T13:00", z), z, lunch), false);
  assert.equal(isQuiet(local("2026-06-10T23:00", z), z, lunch), false);
  assert.equal(nextAllowedSend(local("2026-06-10T12:30", z), z, lunch).toISOString(), local("2026-06-10T13:00", z).toISOString());
  assert.equal(lastAllowedBefore(local("2026-06-10T12:30", z), z, lunch)?.toISOString(), local("2026-06-10T11:59", z).toISOString());
});

test("start = end means no quiet hours at all", () => {
  const none = { start: "08:00", end: "08:00" };
  for (const h of ["00:00", "08:00", "21:30"]) assert.equal(isQuiet(local(`2026-06-10T${h}`, "UTC"), "UTC", none), false);
});

test("an end time inside the spring-forward gap ends quiet at the first instant after the gap", () => {
  const z = "America/New_York"; // 2027-03-14: 02:00 EST jumps to 03:00 EDT (07:00Z)
  const q = { start: "21:00", end: "02:30" };
  assert.equal(nextAllowedSend(d("2027-03-14T05:00Z"), z, q).toISOString(), "2027-03-14T07:00:00.000Z");
});

test("an end time inside the repeated hour ends quiet at its next occurrence after now", () => {
  const z = "America/New_York"; // 2026-11-01: 01:00–02:00 happens at EDT and again at EST
  const q = { start: "21:00", end: "01:30" };
  assert.equal(nextAllowedSend(d("2026-11-01T04:00Z"), z, q).toISOString(), "2026-11-01T05:30:00.000Z");
  // second 01:15 (EST) is quiet again by the wall clock; it ends at the second 01:30
  assert.equal(isQuiet(d("2026-11-01T06:15Z"), z, q), true);
  assert.equal(nextAllowedSend(d("2026-11-01T06:15Z"), z, q).toISOString(), "2026-11-01T06:30:00.000Z");
});

test("patientZone: the patient's zone when set, else the clinic's", () => {
  assert.equal(patientZone("Europe/London", "America/New_York"), "Europe/London");
  assert.equal(patientZone(null, "America/New_York"), "America/New_York");
  assert.equal(patientZone("", "America/New_York"), "America/New_York");
});

test("spreadSend releases perMinute items per minute, in queue order", () => {
  const start = d("2026-06-10T12:00:00Z");
  const at = (i: number, per: number) => spreadSend(start, i, per).toISOString();
  assert.equal(at(0, 5), "2026-06-10T12:00:00.000Z");
  assert.equal(at(4, 5), "2026-06-10T12:00:00.000Z");
  assert.equal(at(5, 5), "2026-06-10T12:01:00.000Z");
  assert.equal(at(11, 5), "2026-06-10T12:02:00.000Z");
  assert.equal(at(3, 1), "2026-06-10T12:03:00.000Z");
  assert.throws(() => spreadSend(start, 0, 0), RangeError);
  assert.throws(() => spreadSend(start, -1, 5), RangeError);
});

test("lastAllowedBefore: limit itself when allowed, else the last allowed minute before quiet began", () => {
  const z = "America/New_York";
  const noon = d("2026-12-01T17:00Z");
  assert.equal(lastAllowedBefore(noon, z, DEFAULT), noon);
  assert.equal(lastAllowedBefore(d("2026-12-01T03:00Z"), z, DEFAULT)?.toISOString(), "2026-12-01T01:59:00.000Z"); // 22:00 → 20:59 EST
  assert.equal(lastAllowedBefore(local("2026-06-10T21:00", z), z, DEFAULT)?.toISOString(), local("2026-06-10T20:59", z).toISOString());
  // across spring forward: 07:00 EDT → 20:59 EST the evening before
  assert.equal(lastAllowedBefore(d("2027-03-14T11:00Z"), z, DEFAULT)?.toISOString(), "2027-03-14T01:59:00.000Z");
  // across fall back: 07:00 EST → 20:59 EDT the evening before
  assert.equal(lastAllowedBefore(d("2026-11-01T12:00Z"), z, DEFAULT)?.toISOString(), "2026-11-01T00:59:00.000Z");
  assert.equal(lastAllowedBefore(d("2027-04-03T21:00Z"), "Australia/Sydney", DEFAULT)?.toISOString(), "2027-04-03T09:59:00.000Z");
});

test("lastAllowedBefore is null when the only allowed minute of the last 24 h fell in a DST gap", () => {
  // Allowed only 02:30–02:31 local; 2027-03-14 02:30 does not exist in New York.
  const q = { start: "02:31", end: "02:30" };
  assert.equal(lastAllowedBefore(d("2027-03-14T12:00Z"), "America/New_York", q), null);
});

// ---- properties ----

const zones = [
  "America/New_York",
  "America/Los_Angeles",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Sydney",
  "Pacific/Auckland",
  "Asia/Kolkata",
  "America/Sao_Paulo",
  "Australia/Lord_Howe",
  "UTC",
];
const spans: QuietHours[] = [
  DEFAULT,
  { start: "12:00", end: "13:00" },
  { start: "22:30", end: "07:15" },
  { start: "00:00", end: "06:00" },
  { start: "01:30", end: "02:30" },
];
const instant = fc.date({ min: d("2026-01-01T00:00Z"), max: d("2028-12-31T23:59Z"), noInvalidDate: true });
// Half the runs land within ±30 h of a real DST change in its own zone, where the bugs would be.
const transitions: [string, string][] = [
  ["2026-03-08T07:00Z", "America/New_York"],
  ["2026-11-01T06:00Z", "America/New_York"],
  ["2027-03-14T10:00Z", "America/Los_Angeles"],
  ["2027-03-28T01:00Z", "Europe/Berlin"],
  ["2026-10-25T01:00Z", "Europe/London"],
  ["2027-04-03T16:00Z", "Australia/Sydney"],
  ["2026-10-03T16:00Z", "Australia/Sydney"],
  ["2027-04-03T14:00Z", "Pacific/Auckland"],
  ["2026-09-26T14:00Z", "Pacific/Auckland"],
  ["2027-04-03T15:00Z", "Australia/Lord_Howe"],
];
const nearTransition = fc
  .tuple(fc.constantFrom(...transitions), fc.integer({ min: -30 * HOUR, max: 30 * HOUR }))
  .map(([[at, zone], delta]) => [new Date(d(at).getTime() + delta), zone] as const);
const where = fc.oneof(fc.tuple(instant, fc.constantFrom(...zones)), nearTransition);
const arbitraries = [where, fc.constantFrom(...spans)] as const;

test("property: nextAllowedSend is the first allowed instant at or after now, within 25 h", () => {
  fc.assert(
    fc.property(...arbitraries, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), ([x, zone], q, fractions) => {
      const r = nextAllowedSend(x, zone, q);
      assert.ok(r.getTime() >= x.getTime());
      assert.ok(r.getTime() - x.getTime() <= 25 * HOUR);
      assert.equal(isQuiet(r, zone, q), false);
      if (r.getTime() > x.getTime()) {
        // nothing allowed strictly between: the instant before r, each minute mark and random points are all quiet
        assert.equal(isQuiet(new Date(r.getTime() - 1), zone, q), true);
        const gap = r.getTime() - x.getTime();
        for (let t = x.getTime(); t < r.getTime(); t += Math.max(MIN, Math.floor(gap / 24))) assert.equal(isQuiet(new Date(t), zone, q), true);
        for (const f of fractions) assert.equal(isQuiet(new Date(x.getTime() + Math.floor(f * (gap - 1))), zone, q), true);
      }
    }),
    { numRuns: 400 },
  );
});

test("property: lastAllowedBefore is allowed, at or before the limit, within 24 h, and the last such minute", () => {
  fc.assert(
    fc.property(...arbitraries, ([limit, zone], q) => {
      const r = lastAllowedBefore(limit, zone, q);
      assert.ok(r !== null, "every listed span leaves allowed time in any 24 h");
      assert.ok(r.getTime() <= limit.getTime());
      assert.ok(r.getTime() >= limit.getTime() - 24 * HOUR);
      assert.equal(isQuiet(r, zone, q), false);
      if (r.getTime() < limit.getTime()) {
        // r is the start of the last allowed minute: the next minute up to the limit is quiet
        assert.equal(isQuiet(new Date(r.getTime() + MIN), zone, q), true);
        const gap = limit.getTime() - r.getTime() - MIN;
        for (let i = 0; i <= 12; i++) assert.equal(isQuiet(new Date(r.getTime() + MIN + Math.floor((gap * i) / 12)), zone, q), true);
      }
    }),
    { numRuns: 400 },
  );
});
