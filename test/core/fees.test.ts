import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cancellationFee, policyFor } from "../../src/core/fees.ts";
import { DEFAULT_CANCELLATION_POLICIES, type CancellationPolicy } from "../../src/core/settings.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = new Date("2026-06-15T15:00:00Z");
const CUSTOM: CancellationPolicy = { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 48, fullChargeHours: 24 };
const policies = { ...DEFAULT_CANCELLATION_POLICIES, custom: CUSTOM };

// VECTORS.md "Cancellation fees" — every row: category, price, waitlist minutes (null = not from waitlist),
// minutes to start, fee, reason.
const vectors: [string, number, number | null, number, number, string][] = [
  ["injectables", 40000, 10, 10 * 60, 0, "grace_period"],
  ["injectables", 40000, 20, 10 * 60, 40000, "full_charge"],
  ["injectables", 40000, null, 23 * 60 + 59, 40000, "full_charge"],
  ["injectables", 40000, null, 24 * 60, 0, "enough_notice"],
  ["facial", 15000, null, 11 * 60, 15000, "full_charge"],
  ["custom", 15000, null, 30 * 60, 7500, "late_notice"],
];
for (const [category, priceCents, waitlistMinutes, minutesToStart, fee, reason] of vectors) {
  test(`VECTORS: ${category} ${priceCents} waitlist=${waitlistMinutes} ${minutesToStart} min → ${fee}`, () => {
    const now = new Date(START.getTime() - minutesToStart * MIN);
    const bookedAt = new Date(now.getTime() - (waitlistMinutes ?? 3 * 24 * 60) * MIN);
    const got = cancellationFee({
      priceCents,
      policy: policyFor(policies, category),
      fromWaitlist: waitlistMinutes !== null,
      bookedAt,
      now,
      start: START,
    });
    assert.equal(got.feeCents, fee);
    assert.equal(got.reason, reason);
    assert.equal(got.gracePeriodActive, reason === "grace_period");
    assert.equal(got.hoursToStart, Math.trunc(minutesToStart / 60));
  });
}

test("policyFor falls back to default, and own categories win", () => {
  assert.deepEqual(policyFor(DEFAULT_CANCELLATION_POLICIES, "laser").gracePeriodMinutes, 10);
  assert.equal(policyFor(DEFAULT_CANCELLATION_POLICIES, "massage"), DEFAULT_CANCELLATION_POLICIES.default);
  assert.equal(policyFor(DEFAULT_CANCELLATION_POLICIES, "toString"), DEFAULT_CANCELLATION_POLICIES.default);
  assert.throws(() => policyFor({}, "facial"), RangeError);
});

test("cancelling at or after the start costs the full price, even inside the grace period", () => {
  const policy = policyFor(policies, "injectables");
  for (const late of [0, 1, 30 * MIN, 5 * HOUR]) {
    const now = new Date(START.getTime() + late);
    const got = cancellationFee({ priceCents: 40000, policy, fromWaitlist: true, bookedAt: now, now, start: START });
    assert.equal(got.feeCents, 40000);
    assert.equal(got.reason, "full_charge");
    assert.equal(got.gracePeriodActive, false);
  }
});

test("late-notice fee rounds down to a whole cent; bad prices are rejected", () => {
  const policy = { ...CUSTOM, feePercent: 33 };
  const now = new Date(START.getTime() - 30 * HOUR);
  const got = cancellationFee({ priceCents: 999, policy, fromWaitlist: false, bookedAt: now, now, start: START });
  assert.equal(got.feeCents, 329);
  for (const priceCents of [-1, 1.5, Number.NaN]) {
    assert.throws(() => cancellationFee({ priceCents, policy, fromWaitlist: false, bookedAt: now, now, start: START }), RangeError);
  }
});

const policyArb = fc
  .record({
    gracePeriodMinutes: fc.integer({ min: 0, max: 120 }),
    feePercent: fc.integer({ min: 0, max: 100 }),
    noticeHours: fc.integer({ min: 0, max: 96 }),
    fullChargeHours: fc.integer({ min: 0, max: 96 }),
  })
  .map((p) => ({ ...p, fullChargeHours: Math.min(p.fullChargeHours, p.noticeHours) }));
const caseArb = fc.record({
  priceCents: fc.integer({ min: 0, max: 10_000_000 }),
  policy: policyArb,
  fromWaitlist: fc.boolean(),
  bookedBeforeStart: fc.integer({ min: 0, max: 14 * 24 * 60 }), // minutes
  firstCancel: fc.integer({ min: 0, max: 15 * 24 * 60 }), // minutes after booking
  laterBy: fc.integer({ min: 0, max: 3 * 24 * 60 * 60 }), // seconds after the first cancellation
});

test("property: integer fee in [0, price]; never decreases as the cancellation comes later", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const bookedAt = new Date(START.getTime() - c.bookedBeforeStart * MIN);
      const now1 = new Date(bookedAt.getTime() + c.firstCancel * MIN);
      const now2 = new Date(now1.getTime() + c.laterBy * 1000);
      const base = { priceCents: c.priceCents, policy: c.policy, fromWaitlist: c.fromWaitlist, bookedAt, start: START };
      const a = cancellationFee({ ...base, now: now1 });
      const b = cancellationFee({ ...base, now: now2 });
      for (const r of [a, b]) {
        assert.ok(Number.isInteger(r.feeCents));
        assert.ok(r.feeCents >= 0 && r.feeCents <= c.priceCents);
        assert.ok(Number.isInteger(r.hoursToStart) && !Object.is(r.hoursToStart, -0));
      }
      assert.ok(b.feeCents >= a.feeCents, `fee dropped from ${a.feeCents} to ${b.feeCents}`);
    }),
    { numRuns: 1000 },
  );
});
