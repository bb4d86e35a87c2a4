import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { addMinutes, isCalendarDate, isTimeZone, localDate, minutesBetween, minutesOfDay } from "../../src/core/time.ts";

const at = (iso: string) => new Date(iso);

const zones: [string, boolean][] = [
  ["America/New_York", true],
  ["Europe/London", true],
  ["Australia/Sydney", true],
  ["America/Argentina/Buenos_Aires", true],
  ["America/Port-au-Prince", true],
  ["Asia/Kathmandu", true],
  ["Pacific/Chatham", true],
  ["UTC", true],
  ["Etc/UTC", true],
  ["Etc/GMT+5", true],
  ["Etc/GMT-14", true],
  ["", false],
  ["+02:00", false],
  ["-05:00", false],
  ["Z", false],
  ["UTC+2", false],
  ["Mars/Olympus_Mons", false],
  ["America/Springfield", false],
  ["America/New_York/", false],
  ["/America/New_York", false],
  ["America//New_York", false],
  ["America/New York", false],
  [" UTC", false],
  ["UTC ", false],
  ["America/New_York\n", false],
  ["../etc/passwd", false],
];
for (const [zone, expected] of zones) {
  test(`isTimeZone(${JSON.stringify(zone)}) is ${expected}`, () => {
    assert.equal(isTimeZone(zone), expected);
  });
}

const times: [string, number | null][] = [
  ["00:00", 0],
  ["00:01", 1],
  ["08:00", 480],
  ["12:30", 750],
  ["21:00", 1260],
  ["23:59", 1439],
  ["24:00", null],
  ["23:60", null],
  ["7:00", null],
  ["07:0", null],
  ["0700", null],
  ["07h00", null],
  ["07:00:00", null],
  [" 07:00", null],
  ["07:00 ", null],
  ["07:00\n", null],
  ["-1:00", null],
  ["ab:cd", null],
  ["", null],
];
for (const [hhmm, expected] of times) {
  test(`minutesOfDay(${JSON.stringify(hhmm)}) is ${expected}`, () => {
    assert.equal(minutesOfDay(hhmm), expected);
  });
}

test("minutesOfDay: every HH:MM of the day maps to its minute, in order", () => {
  for (let m = 0; m < 24 * 60; m++) {
    const hhmm = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    assert.equal(minutesOfDay(hhmm), m, hhmm);
  }
});

const additions: [string, number, string][] = [
  ["2026-06-15T10:00:00.000Z", 0, "2026-06-15T10:00:00.000Z"],
  ["2026-06-15T10:00:00.000Z", 90, "2026-06-15T11:30:00.000Z"],
  ["2026-06-15T10:00:00.000Z", -30, "2026-06-15T09:30:00.000Z"],
  ["2026-06-15T10:00:00.000Z", 0.5, "2026-06-15T10:00:30.000Z"],
  ["2026-06-15T23:50:00.000Z", 20, "2026-06-16T00:10:00.000Z"],
  ["2026-12-31T23:59:00.000Z", 1, "2027-01-01T00:00:00.000Z"],
  // Instants, not wall clocks: 01:30 EST + 60 min is 03:30 EDT on the spring-forward night.
  ["2026-03-08T06:30:00.000Z", 60, "2026-03-08T07:30:00.000Z"],
  // 01:30 EDT + 60 min is 01:30 EST on the fall-back night.
  ["2026-11-01T05:30:00.000Z", 60, "2026-11-01T06:30:00.000Z"],
];
for (const [from, minutes, expected] of additions) {
  test(`addMinutes(${from}, ${minutes}) is ${expected}`, () => {
    const start = at(from);
    assert.equal(addMinutes(start, minutes).toISOString(), expected);
    assert.equal(start.toISOString(), from, "the argument is not mutated");
  });
}

const spans: [string, string, number][] = [
  ["2026-06-15T10:00:00Z", "2026-06-15T10:00:00Z", 0],
  ["2026-06-15T10:00:00Z", "2026-06-15T11:15:00Z", 75],
  ["2026-06-15T11:15:00Z", "2026-06-15T10:00:00Z", -75],
  ["2026-06-15T10:00:00Z", "2026-06-15T10:00:30Z", 0.5],
  // New York local midnight to midnight: 23 h on the spring-forward day, 25 h on the fall-back day.
  ["2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23 * 60],
  ["2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25 * 60],
  // London and Sydney the same way.
  ["2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z", 23 * 60],
  ["2026-04-04T13:00:00Z", "2026-04-05T14:00:00Z", 25 * 60],
];
for (const [from, to, expected] of spans) {
  test(`minutesBetween(${from}, ${to}) is ${expected}`, () => {
    assert.equal(minutesBetween(at(from), at(to)), expected);
  });
}

// [instant, zone, local date, why]
const dates: [string, string, string, string][] = [
  // America/New_York spring forward, Sunday 2026-03-08 02:00 EST → 03:00 EDT (07:00Z).
  ["2026-03-08T04:59:59.999Z", "America/New_York", "2026-03-07", "Sat 23:59:59.999 EST"],
  ["2026-03-08T05:00:00Z", "America/New_York", "2026-03-08", "Sun 00:00 EST"],
  ["2026-03-08T06:59:59Z", "America/New_York", "2026-03-08", "Sun 01:59:59 EST, just before the gap"],
  ["2026-03-08T07:00:00Z", "America/New_York", "2026-03-08", "Sun 03:00 EDT, just after the gap"],
  ["2026-03-09T03:59:59Z", "America/New_York", "2026-03-08", "Sun 23:59:59 EDT"],
  ["2026-03-09T04:00:00Z", "America/New_York", "2026-03-09", "Mon 00:00 EDT (midnight is now UTC−4)"],
  // America/New_York fall back, Sunday 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
  ["2026-11-01T03:59:59Z", "America/New_York", "2026-10-31", "Sat 23:59:59 EDT"],
  ["2026-11-01T04:00:00Z", "America/New_York", "2026-11-01", "Sun 00:00 EDT"],
  ["2026-11-01T05:30:00Z", "America/New_York", "2026-11-01", "01:30 EDT, the first one"],
  ["2026-11-01T06:30:00Z", "America/New_York", "2026-11-01", "01:30 EST, the repeated one"],
  ["2026-11-02T04:59:59Z", "America/New_York", "2026-11-01", "Sun 23:59:59 EST (a 25-hour day)"],
  ["2026-11-02T05:00:00Z", "America/New_York", "2026-11-02", "Mon 00:00 EST"],
  // Europe/London: BST from 2026-03-29 01:00Z to 2026-10-25 01:00Z.
  ["2026-03-28T23:59:59Z", "Europe/London", "2026-03-28", "Sat 23:59:59 GMT"],
  ["2026-03-29T00:00:00Z", "Europe/London", "2026-03-29", "Sun 00:00 GMT"],
  ["2026-03-29T22:59:59Z", "Europe/London", "2026-03-29", "Sun 23:59:59 BST"],
  ["2026-03-29T23:00:00Z", "Europe/London", "2026-03-30", "Mon 00:00 BST, an hour before UTC midnight"],
  ["2026-10-24T22:59:59Z", "Europe/London", "2026-10-24", "Sat 23:59:59 BST"],
  ["2026-10-24T23:00:00Z", "Europe/London", "2026-10-25", "Sun 00:00 BST"],
  ["2026-10-25T23:59:59Z", "Europe/London", "2026-10-25", "Sun 23:59:59 GMT"],
  ["2026-10-26T00:00:00Z", "Europe/London", "2026-10-26", "Mon 00:00 GMT"],
  // Australia/Sydney: DST ends 2026-04-05 03:00 AEDT → 02:00 AEST; starts 2026-10-04 02:00 AEST → 03:00 AEDT.
  ["2026-04-04T12:59:59Z", "Australia/Sydney", "2026-04-04", "Sat 23:59:59 AEDT"],
  ["2026-04-04T13:00:00Z", "Australia/Sydney", "2026-04-05", "Sun 00:00 AEDT, still Saturday in UTC"],
  ["2026-04-04T16:30:00Z", "Australia/Sydney", "2026-04-05", "02:30 AEST, the repeated half hour"],
  ["2026-04-05T13:59:59Z", "Australia/Sydney", "2026-04-05", "Sun 23:59:59 AEST"],
  ["2026-04-05T14:00:00Z", "Australia/Sydney", "2026-04-06", "Mon 00:00 AEST"],
  ["2026-10-03T13:59:59Z", "Australia/Sydney", "2026-10-03", "Sat 23:59:59 AEST"],
  ["2026-10-03T14:00:00Z", "Australia/Sydney", "2026-10-04", "Sun 00:00 AEST"],
  ["2026-10-04T12:59:59Z", "Australia/Sydney", "2026-10-04", "Sun 23:59:59 AEDT"],
  ["2026-10-04T13:00:00Z", "Australia/Sydney", "2026-10-05", "Mon 00:00 AEDT"],
  // One instant, three dates.
  ["2026-06-15T10:30:00Z", "Pacific/Kiritimati", "2026-06-16", "UTC+14"],
  ["2026-06-15T10:30:00Z", "UTC", "2026-06-15", "UTC"],
  ["2026-06-15T10:30:00Z", "Pacific/Pago_Pago", "2026-06-14", "UTC−11"],
  // A 45-minute offset.
  ["2026-06-15T18:14:59Z", "Asia/Kathmandu", "2026-06-15", "23:59:59 +05:45"],
  ["2026-06-15T18:15:00Z", "Asia/Kathmandu", "2026-06-16", "00:00 +05:45"],
  // Samoa skipped Friday 2011-12-30 entirely when it moved from UTC−10 to UTC+14.
  ["2011-12-30T09:59:59Z", "Pacific/Apia", "2011-12-29", "Thu 23:59:59 −10"],
  ["2011-12-30T10:00:00Z", "Pacific/Apia", "2011-12-31", "Sat 00:00 +14"],
];
for (const [instant, zone, expected, why] of dates) {
  test(`localDate(${instant}, ${zone}) is ${expected} (${why})`, () => {
    assert.equal(localDate(at(instant), zone), expected);
  });
}

const calendarDates: [string, boolean][] = [
  ["2026-03-08", true],
  ["2026-01-01", true],
  ["2026-12-31", true],
  ["2024-02-29", true],
  ["2000-02-29", true],
  ["2026-02-28", true],
  ["2026-02-29", false],
  ["1900-02-29", false],
  ["2026-04-31", false],
  ["2026-13-01", false],
  ["2026-00-10", false],
  ["2026-01-00", false],
  ["2026-01-32", false],
  ["2026-1-01", false],
  ["26-01-01", false],
  ["20260101", false],
  ["2026/01/01", false],
  ["2026-01-01T00:00", false],
  ["2026-01-01Z", false],
  [" 2026-01-01", false],
  ["2026-01-01 ", false],
  ["", false],
];
for (const [value, expected] of calendarDates) {
  test(`isCalendarDate(${JSON.stringify(value)}) is ${expected}`, () => {
    assert.equal(isCalendarDate(value), expected);
  });
}

const propertyZones = [
  "UTC",
  "America/New_York",
  "America/Los_Angeles",
  "Europe/London",
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "Pacific/Kiritimati",
  "Pacific/Pago_Pago",
];
const instants = fc.date({ min: at("1970-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z"), noInvalidDate: true });

/** An oracle that does not use Luxon: the platform's own ICU. */
function icuDate(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

test("property: localDate agrees with Intl's calendar date in the zone, and is a calendar date", () => {
  fc.assert(
    fc.property(instants, fc.constantFrom(...propertyZones), (d, zone) => {
      const date = localDate(d, zone);
      assert.equal(date, icuDate(d, zone));
      assert.equal(isCalendarDate(date), true);
    }),
    { numRuns: 2000 },
  );
});

test("property: localDate in UTC is the date part of the ISO instant", () => {
  fc.assert(fc.property(instants, (d) => localDate(d, "UTC") === d.toISOString().slice(0, 10)));
});

test("property: minutesBetween undoes addMinutes", () => {
  fc.assert(
    fc.property(instants, fc.integer({ min: -1_000_000, max: 1_000_000 }), (d, m) => {
      assert.equal(minutesBetween(d, addMinutes(d, m)), m);
      assert.equal(minutesBetween(addMinutes(d, m), d), 0 - m); // 0 - m, not -m: no negative zero
    }),
  );
});
