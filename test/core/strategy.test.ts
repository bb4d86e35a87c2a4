// planWave: the size of the next wave and its hold, for sequential, broadcast and adaptive.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { STRATEGIES, type Strategy } from "../../src/core/settings.ts";
import { planWave, type WaveInput } from "../../src/core/strategy.ts";

const START = new Date("2026-06-10T14:00:00.000Z");
const MINUTE = 60_000;

/** A wave input whose time left (start − cut-off − now) is `timeLeft` minutes. */
function wave(over: Partial<WaveInput> & { timeLeft?: number } = {}): WaveInput {
  const { timeLeft = 600, ...rest } = over;
  const cutoffMinutes = rest.cutoffMinutes ?? 30;
  return {
    strategy: "sequential",
    waveSize: 3,
    holdMinutes: 120,
    cutoffMinutes,
    now: new Date(START.getTime() - (timeLeft + cutoffMinutes) * MINUTE),
    slotStart: START,
    waveNumber: 1,
    candidates: 5,
    ...rest,
  };
}

// ---- null: nobody, or too little time ----

for (const strategy of STRATEGIES) {
  test(`${strategy}: null with no candidates`, () => {
    assert.equal(planWave(wave({ strategy, candidates: 0 })), null);
  });
  test(`${strategy}: null when less than 10 minutes are left before the cut-off`, () => {
    assert.equal(planWave(wave({ strategy, timeLeft: 9.99 })), null);
    assert.equal(planWave(wave({ strategy, timeLeft: 0 })), null);
    assert.equal(planWave(wave({ strategy, timeLeft: -60 })), null, "past the cut-off");
  });
  test(`${strategy}: exactly 10 minutes left still makes a 10-minute hold`, () => {
    const plan = planWave(wave({ strategy, timeLeft: 10 }));
    assert.ok(plan);
    assert.equal(plan.holdMinutes, 10);
  });
  test(`${strategy}: null when the opening has already started`, () => {
    assert.equal(planWave(wave({ strategy, now: new Date(START.getTime() + MINUTE) })), null);
  });
}

// ---- sequential ----

// [timeLeft, holdMinutes, candidates, expected]
const sequential: [number, number, number, { size: number; holdMinutes: number }][] = [
  [600, 120, 5, { size: 1, holdMinutes: 120 }],
  [600, 120, 1, { size: 1, holdMinutes: 120 }],
  [120, 120, 5, { size: 1, holdMinutes: 120 }],
  [45, 120, 5, { size: 1, holdMinutes: 45 }],
  [45.7, 120, 5, { size: 1, holdMinutes: 45 }],
  [10, 120, 50, { size: 1, holdMinutes: 10 }],
];
for (const [timeLeft, holdMinutes, candidates, expected] of sequential) {
  test(`sequential: ${timeLeft} min left, hold ${holdMinutes}, ${candidates} candidates → ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(planWave(wave({ strategy: "sequential", timeLeft, holdMinutes, candidates, waveSize: 4 })), expected);
  });
}

// ---- broadcast ----

const broadcast: [number, number, number, { size: number; holdMinutes: number }][] = [
  // [waveSize, candidates, timeLeft, expected]
  [5, 10, 600, { size: 5, holdMinutes: 120 }],
  [5, 3, 600, { size: 3, holdMinutes: 120 }],
  [5, 5, 600, { size: 5, holdMinutes: 120 }],
  [1, 10, 600, { size: 1, holdMinutes: 120 }],
  [5, 10, 30, { size: 5, holdMinutes: 30 }],
];
for (const [waveSize, candidates, timeLeft, expected] of broadcast) {
  test(`broadcast: waveSize ${waveSize}, ${candidates} candidates, ${timeLeft} min left → ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(planWave(wave({ strategy: "broadcast", waveSize, candidates, timeLeft })), expected);
  });
}

test("broadcast: the wave number does not change the size", () => {
  for (const waveNumber of [1, 2, 5]) {
    assert.deepEqual(planWave(wave({ strategy: "broadcast", waveSize: 4, candidates: 20, waveNumber })), { size: 4, holdMinutes: 120 });
  }
});

// ---- adaptive ----

const adaptive = (timeLeft: number, over: Partial<WaveInput> = {}) =>
  planWave(wave({ strategy: "adaptive", waveSize: 1, holdMinutes: 120, candidates: 20, timeLeft, ...over }));

test("adaptive: sequential with a full hold while every candidate can have one in turn", () => {
  assert.deepEqual(adaptive(20 * 120), { size: 1, holdMinutes: 120 });
  assert.deepEqual(adaptive(10_000), { size: 1, holdMinutes: 120 });
  assert.deepEqual(adaptive(360, { candidates: 3 }), { size: 1, holdMinutes: 120 });
  assert.deepEqual(adaptive(120, { candidates: 1 }), { size: 1, holdMinutes: 120 });
});

// 20 candidates, clinic hold 120 min, waveSize 1, first wave: as the start nears, holds shrink and waves grow.
const approach: [number, { size: number; holdMinutes: number }, string][] = [
  [2400, { size: 1, holdMinutes: 120 }, "20 × 120 min fits: sequential"],
  [2399, { size: 2, holdMinutes: 120 }, "19 rounds of 120 min: pairs"],
  [1200, { size: 2, holdMinutes: 120 }, "10 rounds"],
  [480, { size: 5, holdMinutes: 120 }, "4 rounds of the full hold"],
  [479, { size: 5, holdMinutes: 119 }, "the hold shrinks to a quarter of the time left"],
  [240, { size: 5, holdMinutes: 60 }, "a quarter: 60 min"],
  [60, { size: 5, holdMinutes: 15 }, "a quarter is 15 min, the floor"],
  [59, { size: 7, holdMinutes: 15 }, "15 min floor leaves 3 rounds"],
  [30, { size: 10, holdMinutes: 15 }, "2 rounds, and the wave is capped at 10"],
  [15, { size: 10, holdMinutes: 15 }, "1 round"],
  [12, { size: 10, holdMinutes: 12 }, "under 15 min the hold is all that is left"],
  [10, { size: 10, holdMinutes: 10 }, "the last moment: a 10-minute hold"],
];
for (const [timeLeft, expected, why] of approach) {
  test(`adaptive: ${timeLeft} min left → ${JSON.stringify(expected)} (${why})`, () => {
    assert.deepEqual(adaptive(timeLeft), expected);
  });
}

test("adaptive: later waves are at least 2^(wave − 1)", () => {
  assert.deepEqual(adaptive(1200, { waveNumber: 1 }), { size: 2, holdMinutes: 120 });
  assert.deepEqual(adaptive(1200, { waveNumber: 2 }), { size: 2, holdMinutes: 120 });
  assert.deepEqual(adaptive(1200, { waveNumber: 3 }), { size: 4, holdMinutes: 120 });
  assert.deepEqual(adaptive(1200, { waveNumber: 4 }), { size: 8, holdMinutes: 120 });
  assert.deepEqual(adaptive(1200, { waveNumber: 5 }), { size: 10, holdMinutes: 120 }, "capped at 10");
  assert.deepEqual(adaptive(1200, { waveNumber: 50 }), { size: 10, holdMinutes: 120 });
});

test("adaptive: a clinic waveSize above 10 raises the cap", () => {
  assert.deepEqual(adaptive(15, { candidates: 40, waveSize: 25 }), { size: 25, holdMinutes: 15 });
  assert.deepEqual(adaptive(15, { candidates: 40, waveSize: 4 }), { size: 10, holdMinutes: 15 });
});

test("adaptive: the wave is never larger than the candidates", () => {
  assert.deepEqual(adaptive(15, { candidates: 3 }), { size: 3, holdMinutes: 15 });
  assert.deepEqual(adaptive(30, { candidates: 3, waveNumber: 6 }), { size: 3, holdMinutes: 15 });
});

test("adaptive: never over the clinic's hold, even when it is under the 15-minute adaptive floor", () => {
  assert.deepEqual(adaptive(100, { holdMinutes: 12 }), { size: 3, holdMinutes: 12 });
  assert.deepEqual(adaptive(11, { holdMinutes: 12 }), { size: 10, holdMinutes: 11 });
  assert.deepEqual(adaptive(30, { holdMinutes: 10 }), { size: 7, holdMinutes: 10 });
});

// ---- properties ----

const arbInput = (strategies: readonly Strategy[]) =>
  fc
    .record({
      strategy: fc.constantFrom(...strategies),
      waveSize: fc.integer({ min: 1, max: 30 }),
      holdMinutes: fc.integer({ min: 10, max: 10_080 }),
      cutoffMinutes: fc.integer({ min: 0, max: 1_439 }),
      timeLeftSeconds: fc.integer({ min: -3_600, max: 30 * 24 * 3_600 }),
      waveNumber: fc.integer({ min: 1, max: 20 }),
      candidates: fc.integer({ min: 0, max: 200 }),
    })
    .map(({ timeLeftSeconds, ...rest }) => ({ ...wave({ ...rest, timeLeft: timeLeftSeconds / 60 }), timeLeft: timeLeftSeconds / 60 }));

test("property: null exactly when nobody fits or under 10 minutes are left; else size in [1, candidates], 10 ≤ hold ≤ holdMinutes, hold ≤ time left", () => {
  fc.assert(
    fc.property(arbInput(STRATEGIES), ({ timeLeft, ...input }) => {
      const plan = planWave(input);
      if (input.candidates === 0 || timeLeft < 10) {
        assert.equal(plan, null);
        return;
      }
      assert.ok(plan, "a plan when there is time and someone fits");
      assert.ok(Number.isInteger(plan.size) && Number.isInteger(plan.holdMinutes));
      assert.ok(plan.size >= 1 && plan.size <= input.candidates, `size ${plan.size}`);
      assert.ok(plan.holdMinutes >= 10, `hold ${plan.holdMinutes} under 10`);
      assert.ok(plan.holdMinutes <= input.holdMinutes, `hold ${plan.holdMinutes} over ${input.holdMinutes}`);
      assert.ok(plan.holdMinutes <= timeLeft, `hold ${plan.holdMinutes} over ${timeLeft} left`);
      if (input.strategy === "sequential") assert.equal(plan.size, 1);
      if (input.strategy === "broadcast") assert.equal(plan.size, Math.min(input.waveSize, input.candidates));
      if (input.strategy === "adaptive") assert.ok(plan.size <= Math.max(10, input.waveSize));
    }),
    { numRuns: 2_000 },
  );
});

test("property: adaptive — as the start nears, holds never grow and waves never shrink", () => {
  fc.assert(
    fc.property(
      arbInput(["adaptive"]),
      fc.integer({ min: 600, max: 30 * 24 * 3_600 }),
      fc.integer({ min: 1, max: 200 }),
      ({ timeLeft, ...input }, laterSeconds, candidates) => {
        const earlier = { ...input, candidates }; // fewer minutes left
        const later = { ...earlier, now: new Date(input.now.getTime() - laterSeconds * 1_000) }; // more minutes left
        const near = planWave(earlier);
        const far = planWave(later);
        if (timeLeft < 10) return;
        assert.ok(near && far);
        assert.ok(near.holdMinutes <= far.holdMinutes, `hold ${near.holdMinutes} near vs ${far.holdMinutes} far`);
        assert.ok(near.size >= far.size, `size ${near.size} near vs ${far.size} far`);
      },
    ),
    { numRuns: 2_000 },
  );
});
