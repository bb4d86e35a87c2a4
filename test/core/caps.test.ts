// Caps: 3 notifications per entry, 1 offer per patient a day, 3 a week (the defaults), as data.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { capReached, type CapLimits, type CapReason, type CapUsage } from "../../src/core/caps.ts";
import { defaultSettings } from "../../src/core/settings.ts";

const DEFAULTS: CapLimits = { maxNotificationsPerEntry: 3, dailyCapPerPatient: 1, weeklyCapPerPatient: 3 };

test("the default limits are 3 per entry, 1 a day and 3 a week", () => {
  const s = defaultSettings("America/New_York");
  assert.deepEqual(
    { maxNotificationsPerEntry: s.maxNotificationsPerEntry, dailyCapPerPatient: s.dailyCapPerPatient, weeklyCapPerPatient: s.weeklyCapPerPatient },
    DEFAULTS,
  );
});

// [entry notifications, patient offers last 24 h, last 7 days, expected]
const rows: [number, number, number, CapReason | null][] = [
  [0, 0, 0, null],
  [2, 0, 2, null],
  [3, 0, 0, "max_notifications_reached"],
  [4, 0, 0, "max_notifications_reached"],
  [0, 1, 1, "daily_cap"],
  [0, 2, 2, "daily_cap"],
  [0, 0, 3, "weekly_cap"],
  [0, 0, 7, "weekly_cap"],
  // Several reached: the entry cap is reported first, then the daily, then the weekly.
  [3, 1, 3, "max_notifications_reached"],
  [0, 1, 3, "daily_cap"],
  [2, 0, 3, "weekly_cap"],
];
for (const [entryNotifications, patientOffersLastDay, patientOffersLastWeek, expected] of rows) {
  test(`defaults: entry ${entryNotifications}, day ${patientOffersLastDay}, week ${patientOffersLastWeek} → ${expected ?? "may offer"}`, () => {
    assert.equal(capReached({ entryNotifications, patientOffersLastDay, patientOffersLastWeek }, DEFAULTS), expected);
  });
}

test("a clinic's own limits: 5 per entry, 2 a day, 4 a week", () => {
  const limits: CapLimits = { maxNotificationsPerEntry: 5, dailyCapPerPatient: 2, weeklyCapPerPatient: 4 };
  assert.equal(capReached({ entryNotifications: 4, patientOffersLastDay: 1, patientOffersLastWeek: 3 }, limits), null);
  assert.equal(capReached({ entryNotifications: 5, patientOffersLastDay: 0, patientOffersLastWeek: 0 }, limits), "max_notifications_reached");
  assert.equal(capReached({ entryNotifications: 0, patientOffersLastDay: 2, patientOffersLastWeek: 2 }, limits), "daily_cap");
  assert.equal(capReached({ entryNotifications: 0, patientOffersLastDay: 1, patientOffersLastWeek: 4 }, limits), "weekly_cap");
});

test("a limit of 0 stops every offer", () => {
  const zero = { entryNotifications: 0, patientOffersLastDay: 0, patientOffersLastWeek: 0 };
  assert.equal(capReached(zero, { ...DEFAULTS, maxNotificationsPerEntry: 0 }), "max_notifications_reached");
  assert.equal(capReached(zero, { ...DEFAULTS, dailyCapPerPatient: 0 }), "daily_cap");
  assert.equal(capReached(zero, { ...DEFAULTS, weeklyCapPerPatient: 0 }), "weekly_cap");
});

test("property: null exactly when every count is under its limit", () => {
  const n = fc.integer({ min: 0, max: 10 });
  fc.assert(
    fc.property(n, n, n, n, n, n, (e, day, week, maxE, maxD, maxW) => {
      const usage: CapUsage = { entryNotifications: e, patientOffersLastDay: day, patientOffersLastWeek: week };
      const limits: CapLimits = { maxNotificationsPerEntry: maxE, dailyCapPerPatient: maxD, weeklyCapPerPatient: maxW };
      assert.equal(capReached(usage, limits) === null, e < maxE && day < maxD && week < maxW);
    }),
  );
});
