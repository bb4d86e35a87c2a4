// The analytics folds (src/core/analytics.ts), table-driven.
import assert from "node:assert/strict";
import { test } from "node:test";
import { byChannel, fairness, reachedBy, spread } from "../../src/core/analytics.ts";
import type { DeliveryTrace } from "../../src/core/analytics.ts";

test("spread: min, median, nearest-rank 90th percentile, max; null for nobody", () => {
  const cases: [number[], ReturnType<typeof spread>][] = [
    [[], null],
    [[3], { min: 3, median: 3, p90: 3, max: 3 }],
    [[1, 0, 0], { min: 0, median: 0, p90: 1, max: 1 }],
    [[0, 2, 4, 6], { min: 0, median: 3, p90: 6, max: 6 }],
    [[5, 1, 1, 1, 1, 1, 1, 1, 1, 2], { min: 1, median: 1, p90: 2, max: 5 }],
  ];
  for (const [counts, expected] of cases) assert.deepEqual(spread(counts), expected, JSON.stringify(counts));
});

test("byChannel merges the delivery and the accept rows of a channel, drops empty ones, and divides by offers reached", () => {
  const rows = [
    { channel: "SMS" as const, sent: 3, delivered: 2, offersReached: 2, accepted: 0 },
    { channel: "SMS" as const, sent: 0, delivered: 0, offersReached: 0, accepted: 1 },
    { channel: "EMAIL" as const, sent: 1, delivered: 0, offersReached: 1, accepted: 0 },
    { channel: "EMAIL" as const, sent: 0, delivered: 0, offersReached: 0, accepted: 1 },
    { channel: "PUSH" as const, sent: 0, delivered: 0, offersReached: 0, accepted: 0 },
  ];
  assert.deepEqual(byChannel(rows), [
    { channel: "EMAIL", sent: 1, delivered: 0, offersReached: 1, accepted: 1, conversionRate: 1 },
    { channel: "SMS", sent: 3, delivered: 2, offersReached: 2, accepted: 1, conversionRate: 0.5 },
  ]);
});

test("reachedBy: the last offer message sent that did not fail (by the accept's time when given)", () => {
  const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 14, m));
  const sms: DeliveryTrace = { kind: "OFFER", channel: "SMS", status: "DELIVERED", sentAt: at(0) };
  const failedSms: DeliveryTrace = { ...sms, status: "UNDELIVERED" };
  const email: DeliveryTrace = { kind: "OFFER", channel: "EMAIL", status: "SENT", sentAt: at(5) };
  const queued: DeliveryTrace = { kind: "OFFER", channel: "VOICE", status: "QUEUED", sentAt: null };
  const confirmation: DeliveryTrace = { kind: "CONFIRMATION", channel: "VOICE", status: "SENT", sentAt: at(9) };
  assert.equal(reachedBy([]), null);
  assert.equal(reachedBy([failedSms, queued]), null);
  assert.equal(reachedBy([failedSms, email]), "EMAIL");
  assert.equal(reachedBy([sms, email, confirmation]), "EMAIL");
  assert.equal(reachedBy([sms, email], at(3)), "SMS", "the email came after the answer");
});

test("fairness rounds the wait to a tenth of a minute and names no one when nobody was passed over", () => {
  assert.deepEqual(fairness([], null), { patients: 0, offersPerPatient: null, longestPassedOverMinutes: null, longestPassedOverEntryId: null });
  assert.equal(fairness([1], { entryId: "e1", minutes: 40.04 }).longestPassedOverMinutes, 40);
});
