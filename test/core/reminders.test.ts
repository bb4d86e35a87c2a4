import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isQuiet, type QuietHours } from "../../src/core/quiet-hours.ts";
import { reminderTime } from "../../src/core/reminders.ts";

const DEFAULT: QuietHours = { start: "21:00", end: "08:00" };
const NY = "America/New_York";
const LONDON = "Europe/London";

// [zone, appointment start (UTC), hoursBefore, expected (UTC) or null, why]
const cases: [string, string, number, string | null, string][] = [
  // America/New_York spring forward, 2026-03-08 02:00 EST → 03:00 EDT (07:00Z)
  [NY, "2026-03-09T13:00Z", 24, "2026-03-08T13:00Z", "24 h is 24 real hours: 09:00 EDT, allowed"],
  [NY, "2026-03-08T13:00Z", 24, "2026-03-07T13:00Z", "across the gap: due 08:00 EST, allowed"],
  [NY, "2026-03-09T11:30Z", 24, "2026-03-08T12:00Z", "due 07:30 EDT is quiet → deferred to 08:00 EDT"],
  [NY, "2026-03-08T13:00Z", 3, "2026-03-08T01:59Z", "due 06:00 EDT; 08:00 is 1 h before → 20:59 EST the day before"],
  // America/New_York fall back, 2026-11-01 02:00 EDT → 01:00 EST (06:00Z)
  [NY, "2026-11-02T14:00Z", 24, "2026-11-01T14:00Z", "due 09:00 EST, allowed"],
  [NY, "2026-11-01T15:00Z", 4, "2026-11-01T13:00Z", "due 06:00 EST; 08:00 EST is exactly 2 h before → deferred"],
  [NY, "2026-11-01T14:30Z", 3, "2026-11-01T00:59Z", "08:00 EST is 1.5 h before → 20:59 EDT the day before"],
  [NY, "2026-11-01T06:30Z", 1, "2026-11-01T00:59Z", "start at the second 01:30, due the first 01:30 (quiet)"],
  // Europe/London: BST starts 2026-03-29 01:00Z, ends 2026-10-25 01:00Z
  [LONDON, "2026-03-30T06:30Z", 24, "2026-03-29T07:00Z", "due 07:30 BST is quiet → 08:00 BST"],
  [LONDON, "2026-03-29T09:00Z", 9, "2026-03-29T07:00Z", "due 00:00 GMT, across the gap; 08:00 BST is 2 h before → deferred"],
  [LONDON, "2026-03-29T08:30Z", 3, "2026-03-28T20:59Z", "08:00 BST is 1.5 h before → 20:59 GMT the day before"],
  [LONDON, "2026-10-26T08:30Z", 24, "2026-10-25T08:30Z", "due 08:30 GMT, allowed"],
  [LONDON, "2026-10-26T08:30Z", 25, "2026-10-25T08:00Z", "due 07:30 GMT is quiet → 08:00 GMT"],
  [LONDON, "2026-10-25T09:00Z", 2, "2026-10-24T19:59Z", "08:00 GMT is 1 h before → 20:59 BST the day before"],
  // hoursBefore 0: the due time is the start itself — never a reminder, quiet or not
  [NY, "2026-06-01T16:00Z", 0, null, "hoursBefore 0, start allowed"],
  [NY, "2026-06-01T03:00Z", 0, null, "hoursBefore 0, start quiet"],
];
for (const [zone, start, hoursBefore, expected, why] of cases) {
  test(`${zone} ${start} −${hoursBefore} h → ${expected} (${why})`, () => {
    const got = reminderTime({ start: new Date(start), hoursBefore, zone, quiet: DEFAULT });
    assert.equal(got?.toISOString() ?? null, expected === null ? null : new Date(expected).toISOString());
  });
}

test("negative or non-finite hoursBefore is a programming error", () => {
  for (const hoursBefore of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => reminderTime({ start: new Date("2026-06-01T16:00Z"), hoursBefore, zone: NY, quiet: DEFAULT }), RangeError);
  }
});

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const quietArb = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }))
  .filter(([a, b]) => a !== b)
  .map(([a, b]): QuietHours => ({ start: hhmm(a), end: hhmm(b) }));
const zoneArb = fc.constantFrom(NY, LONDON, "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata", "UTC");
const startArb = fc.integer({ min: Date.parse("2026-01-01T00:00Z"), max: Date.parse("2027-12-31T00:00Z") });

test("property: never inside quiet hours, always strictly before the start", () => {
  fc.assert(
    fc.property(startArb, fc.integer({ min: 0, max: 72 * 60 }), zoneArb, quietArb, (startMs, minutesBefore, zone, quiet) => {
      const start = new Date(Math.floor(startMs / 60_000) * 60_000);
      const hoursBefore = minutesBefore / 60;
      const due = start.getTime() - minutesBefore * 60_000;
      const got = reminderTime({ start, hoursBefore, zone, quiet });
      if (got === null) return;
      assert.ok(got.getTime() < start.getTime(), `${got.toISOString()} not before ${start.toISOString()}`);
      assert.equal(isQuiet(got, zone, quiet), false, `${got.toISOString()} is quiet in ${zone}`);
      if (!isQuiet(new Date(due), zone, quiet)) assert.equal(got.getTime(), due, "an allowed due time is kept");
      else if (got.getTime() > due) assert.ok(start.getTime() - got.getTime() >= 2 * 3_600_000, "deferred < 2 h before");
    }),
    { numRuns: 1000 },
  );
});
