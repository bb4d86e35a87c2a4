// holdExpiresAt = min(sentAt + holdMinutes, slotStart − cutoffMinutes); under 10 minutes the offer is not made.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { holdUntil, lastOfferMoment, MIN_HOLD_MINUTES } from "../../src/core/hold.ts";

const d = (iso: string) => new Date(iso);
const SENT = "2026-06-10T10:00:00.000Z";

// [why, sentAt, holdMinutes, slotStart, cutoffMinutes, expected holdExpiresAt | null]
const rows: [string, string, number, string, number, string | null][] = [
  ["holdMinutes binds: plenty of time before the start", SENT, 120, "2026-06-10T18:00:00.000Z", 30, "2026-06-10T12:00:00.000Z"],
  ["cut-off binds: the start is near", SENT, 120, "2026-06-10T12:00:00.000Z", 30, "2026-06-10T11:30:00.000Z"],
  ["both bind at the same instant", SENT, 120, "2026-06-10T12:30:00.000Z", 30, "2026-06-10T12:00:00.000Z"],
  ["cut-off one minute earlier than the full hold", SENT, 120, "2026-06-10T12:29:00.000Z", 30, "2026-06-10T11:59:00.000Z"],
  ["no cut-off: the hold may run to the start", SENT, 120, "2026-06-10T11:00:00.000Z", 0, "2026-06-10T11:00:00.000Z"],
  ["exactly 10 minutes by the cut-off: made", SENT, 120, "2026-06-10T10:40:00.000Z", 30, "2026-06-10T10:10:00.000Z"],
  ["9:59 by the cut-off: not made", SENT, 120, "2026-06-10T10:39:59.000Z", 30, null],
  ["9:59.999 by the cut-off: not made", SENT, 120, "2026-06-10T10:39:59.999Z", 30, null],
  ["exactly 10 minutes by holdMinutes: made", SENT, 10, "2026-06-10T18:00:00.000Z", 30, "2026-06-10T10:10:00.000Z"],
  ["9 minutes by holdMinutes: not made", SENT, 9, "2026-06-10T18:00:00.000Z", 30, null],
  ["the cut-off has already passed", SENT, 120, "2026-06-10T10:20:00.000Z", 30, null],
  ["the opening has already started", SENT, 120, "2026-06-10T09:00:00.000Z", 30, null],
  ["a week-long hold on a slot next month", SENT, 10_080, "2026-07-10T10:00:00.000Z", 30, "2026-06-17T10:00:00.000Z"],
  ["sent with seconds: the hold keeps them", "2026-06-10T10:00:42.500Z", 15, "2026-06-10T18:00:00.000Z", 30, "2026-06-10T10:15:42.500Z"],
];

for (const [why, sentAt, holdMinutes, slotStart, cutoff, expected] of rows) {
  test(`holdUntil: ${why}`, () => {
    const got = holdUntil(d(sentAt), holdMinutes, d(slotStart), cutoff);
    assert.equal(got?.toISOString() ?? null, expected);
  });
}

test("MIN_HOLD_MINUTES is 10", () => {
  assert.equal(MIN_HOLD_MINUTES, 10);
});

test("lastOfferMoment = start − cut-off − 10 minutes", () => {
  assert.equal(lastOfferMoment(d("2026-06-10T14:00:00.000Z"), 30).toISOString(), "2026-06-10T13:20:00.000Z");
  assert.equal(lastOfferMoment(d("2026-06-10T14:00:00.000Z"), 0).toISOString(), "2026-06-10T13:50:00.000Z");
  assert.equal(lastOfferMoment(d("2026-06-10T00:05:00.000Z"), 60).toISOString(), "2026-06-09T22:55:00.000Z");
});

test("lastOfferMoment agrees with holdUntil: at it a 10-minute hold is made, 1 ms later none", () => {
  const start = d("2026-06-10T14:00:00.000Z");
  const last = lastOfferMoment(start, 30);
  assert.equal(holdUntil(last, 120, start, 30)?.toISOString(), "2026-06-10T13:30:00.000Z");
  assert.equal(holdUntil(new Date(last.getTime() + 1), 120, start, 30), null);
});

test("property: the hold is one of the two bounds, the earlier, and at least 10 minutes — or null", () => {
  const base = d(SENT).getTime();
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10_080 }),
      fc.integer({ min: -600, max: 20_000 }),
      fc.integer({ min: 0, max: 1_439 }),
      (holdMinutes, startInMinutes, cutoff) => {
        const sentAt = new Date(base);
        const slotStart = new Date(base + startInMinutes * 60_000);
        const byLength = base + holdMinutes * 60_000;
        const byCutoff = slotStart.getTime() - cutoff * 60_000;
        const earlier = Math.min(byLength, byCutoff);
        const got = holdUntil(sentAt, holdMinutes, slotStart, cutoff);
        if (earlier - base < MIN_HOLD_MINUTES * 60_000) assert.equal(got, null);
        else assert.equal(got?.getTime(), earlier);
      },
    ),
  );
});
