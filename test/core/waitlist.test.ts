import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ENTRY_STATUSES, type EntryStatus } from "../../src/core/types.ts";
import { checkPreferences, decideEdit, decideRemove, isClosed, type EntryPreferences } from "../../src/core/waitlist.ts";

const weekday = (weekdays: number[], start = "09:00", end = "17:00") => ({ weekdays, start, end });

// [name, preferences, expected errors]
const preferences: [string, EntryPreferences, { path: string; message: string }[]][] = [
  ["nothing", {}, []],
  [
    "a full, well-formed request",
    {
      windows: [weekday([1, 2, 3]), weekday([6, 7], "08:00", "12:00")],
      earliestDate: "2026-03-01",
      latestDate: "2026-03-31",
      preferredTime: "13:00",
      providerIds: ["dr-a", "dr-b"],
      chairIds: ["chair-1"],
    },
    [],
  ],
  ["nulls", { earliestDate: null, latestDate: null, preferredTime: null }, []],
  ["empty lists", { windows: [], providerIds: [], chairIds: [] }, []],
  ["a one-minute window", { windows: [weekday([4], "09:00", "09:01")] }, []],
  ["a window all day", { windows: [weekday([1, 2, 3, 4, 5, 6, 7], "00:00", "23:59")] }, []],
  ["start not a time", { windows: [weekday([1], "9:00")] }, [{ path: "/windows/0/start", message: "must be HH:MM" }]],
  ["end not a time", { windows: [weekday([1], "09:00", "24:00")] }, [{ path: "/windows/0/end", message: "must be HH:MM" }]],
  [
    "neither a time (and no ordering error on top)",
    { windows: [weekday([1], "morning", "evening")] },
    [
      { path: "/windows/0/start", message: "must be HH:MM" },
      { path: "/windows/0/end", message: "must be HH:MM" },
    ],
  ],
  ["an empty window", { windows: [weekday([1], "10:00", "10:00")] }, [{ path: "/windows/0/end", message: "must be after start" }]],
  ["a window over midnight", { windows: [weekday([5], "22:00", "02:00")] }, [{ path: "/windows/0/end", message: "must be after start" }]],
  ["no weekday", { windows: [weekday([])] }, [{ path: "/windows/0/weekdays", message: "must name at least one weekday" }]],
  ["a repeated weekday", { windows: [weekday([1, 3, 1])] }, [{ path: "/windows/0/weekdays", message: "must not repeat a weekday" }]],
  [
    "errors in the second window point at index 1",
    { windows: [weekday([1]), weekday([2, 2], "17:00", "09:00")] },
    [
      { path: "/windows/1/end", message: "must be after start" },
      { path: "/windows/1/weekdays", message: "must not repeat a weekday" },
    ],
  ],
  ["earliestDate not a real date", { earliestDate: "2026-02-29" }, [{ path: "/earliestDate", message: "must be a date YYYY-MM-DD" }]],
  ["latestDate in US format", { latestDate: "03/01/2026" }, [{ path: "/latestDate", message: "must be a date YYYY-MM-DD" }]],
  ["an empty date", { earliestDate: "" }, [{ path: "/earliestDate", message: "must be a date YYYY-MM-DD" }]],
  ["a leap day", { earliestDate: "2028-02-29", latestDate: "2028-03-01" }, []],
  ["the same day", { earliestDate: "2026-03-08", latestDate: "2026-03-08" }, []],
  ["over the new year", { earliestDate: "2026-12-31", latestDate: "2027-01-01" }, []],
  ["dates reversed", { earliestDate: "2026-04-01", latestDate: "2026-03-31" }, [{ path: "/latestDate", message: "must not be before earliestDate" }]],
  ["only a latest date", { latestDate: "2026-03-31" }, []],
  [
    "a bad date is not also compared",
    { earliestDate: "2026-13-01", latestDate: "2026-01-01" },
    [{ path: "/earliestDate", message: "must be a date YYYY-MM-DD" }],
  ],
  ["preferredTime not a time", { preferredTime: "1pm" }, [{ path: "/preferredTime", message: "must be HH:MM" }]],
  ["preferredTime at midnight", { preferredTime: "00:00" }, []],
  ["a repeated provider", { providerIds: ["dr-a", "dr-b", "dr-a"] }, [{ path: "/providerIds", message: "must not repeat an id" }]],
  ["a repeated chair", { chairIds: ["c", "c"] }, [{ path: "/chairIds", message: "must not repeat an id" }]],
  [
    "every error, in order",
    {
      windows: [weekday([], "7", "09:00")],
      earliestDate: "2026-02-30",
      latestDate: "tomorrow",
      preferredTime: "25:00",
      providerIds: ["a", "a"],
      chairIds: ["b", "b"],
    },
    [
      { path: "/windows/0/start", message: "must be HH:MM" },
      { path: "/windows/0/weekdays", message: "must name at least one weekday" },
      { path: "/earliestDate", message: "must be a date YYYY-MM-DD" },
      { path: "/latestDate", message: "must be a date YYYY-MM-DD" },
      { path: "/preferredTime", message: "must be HH:MM" },
      { path: "/providerIds", message: "must not repeat an id" },
      { path: "/chairIds", message: "must not repeat an id" },
    ],
  ],
];
for (const [name, p, expected] of preferences) {
  test(`checkPreferences: ${name}`, () => {
    assert.deepEqual(checkPreferences(p), expected);
  });
}

const hhmm = fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
const goodWindow = fc
  .tuple(fc.integer({ min: 0, max: 1438 }), fc.integer({ min: 1, max: 1439 }), fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }))
  .filter(([s, e]) => e > s)
  .map(([s, e, weekdays]) => ({
    weekdays,
    start: `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`,
    end: `${String(Math.floor(e / 60)).padStart(2, "0")}:${String(e % 60).padStart(2, "0")}`,
  }));
const dateArb = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

test("property: well-formed preferences have no errors", () => {
  fc.assert(
    fc.property(
      fc.array(goodWindow, { maxLength: 4 }),
      dateArb,
      dateArb,
      fc.option(hhmm),
      fc.uniqueArray(fc.uuid(), { maxLength: 4 }),
      (windows, a, b, preferredTime, ids) => {
        const [earliestDate, latestDate] = a <= b ? [a, b] : [b, a];
        assert.deepEqual(checkPreferences({ windows, earliestDate, latestDate, preferredTime, providerIds: ids, chairIds: ids }), []);
      },
    ),
  );
});

test("property: every error points at a field of the request that is there", () => {
  const anyTime = fc.oneof(hhmm, fc.string({ maxLength: 6 }));
  const anyWindow = fc.record({ weekdays: fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 8 }), start: anyTime, end: anyTime });
  fc.assert(
    fc.property(
      fc.array(anyWindow, { maxLength: 4 }),
      fc.option(fc.oneof(dateArb, fc.string({ maxLength: 10 }))),
      fc.option(fc.oneof(dateArb, fc.string({ maxLength: 10 }))),
      (windows, earliestDate, latestDate) => {
        for (const e of checkPreferences({ windows, earliestDate, latestDate })) {
          const m = /^\/windows\/(\d+)\/(start|end|weekdays)$/.exec(e.path);
          if (m) assert.ok(Number(m[1]) < windows.length, e.path);
          else assert.match(e.path, /^\/(earliestDate|latestDate)$/);
        }
      },
    ),
  );
});

test("isClosed: only BOOKED and REMOVED entries are finished", () => {
  assert.deepEqual(
    ENTRY_STATUSES.filter((s) => isClosed(s)),
    ["BOOKED", "REMOVED"],
  );
});

const keep = (status: EntryStatus) => ({ ok: true, value: { status, resetCount: false } });
const reset = { ok: true, value: { status: "ACTIVE", resetCount: true } };
const closed = (status: EntryStatus) => ({ ok: false, code: "conflict", detail: `waitlist entry is ${status} and cannot be changed` });
const onlyActive = {
  ok: false,
  code: "validation_failed",
  detail: "status can only be set to ACTIVE (use DELETE to remove)",
  errors: [{ path: "/status", message: "can only be set to ACTIVE" }],
};
const live = { ok: false, code: "conflict", detail: "waitlist entry has a live offer; it becomes ACTIVE when that ends" };

// Every current status × every requested status (undefined = status not in the request).
const REQUESTED = [undefined, "ACTIVE", "NOTIFIED", "BOOKED", "REMOVED", "EXPIRED", "UNREACHABLE", "EXHAUSTED"] as const;
const o = onlyActive;
const editMatrix: Record<EntryStatus, unknown[]> = {
  // columns:  (absent), ACTIVE, NOTIFIED, BOOKED, REMOVED, EXPIRED, UNREACHABLE, EXHAUSTED
  ACTIVE: [keep("ACTIVE"), keep("ACTIVE"), o, o, o, o, o, o],
  NOTIFIED: [keep("NOTIFIED"), live, keep("NOTIFIED"), o, o, o, o, o],
  BOOKED: REQUESTED.map(() => closed("BOOKED")),
  REMOVED: REQUESTED.map(() => closed("REMOVED")),
  EXPIRED: [keep("EXPIRED"), reset, o, o, o, keep("EXPIRED"), o, o],
  UNREACHABLE: [keep("UNREACHABLE"), reset, o, o, o, o, keep("UNREACHABLE"), o],
  EXHAUSTED: [keep("EXHAUSTED"), reset, o, o, o, o, o, keep("EXHAUSTED")],
};

test("the edit matrix covers every entry status", () => {
  assert.deepEqual(Object.keys(editMatrix).sort(), [...ENTRY_STATUSES].sort());
  assert.deepEqual(REQUESTED.slice(1), [...ENTRY_STATUSES]);
});

for (const current of ENTRY_STATUSES) {
  for (const [i, requested] of REQUESTED.entries()) {
    test(`decideEdit: ${current} with status ${requested ?? "(absent)"}`, () => {
      assert.deepEqual(decideEdit(current, requested), editMatrix[current][i]);
    });
  }
}

const removals: [EntryStatus, unknown][] = [
  ["ACTIVE", { ok: true, value: "REMOVED" }],
  ["NOTIFIED", { ok: true, value: "REMOVED" }],
  ["EXPIRED", { ok: true, value: "REMOVED" }],
  ["UNREACHABLE", { ok: true, value: "REMOVED" }],
  ["EXHAUSTED", { ok: true, value: "REMOVED" }],
  ["BOOKED", { ok: false, code: "conflict", detail: "waitlist entry is BOOKED and cannot be removed" }],
  ["REMOVED", { ok: false, code: "conflict", detail: "waitlist entry is REMOVED and cannot be removed" }],
];
test("the removal table covers every entry status", () => {
  assert.deepEqual(removals.map(([s]) => s).sort(), [...ENTRY_STATUSES].sort());
});
for (const [current, expected] of removals) {
  test(`decideRemove: ${current}`, () => {
    assert.deepEqual(decideRemove(current), expected);
  });
}
