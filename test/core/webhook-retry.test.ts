// Webhook retries (API.md "Events out"): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then GAVE_UP; Retry-After can
// only delay (capped at 10 h); 410 and 5 days of failure disable the endpoint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AttemptResult, decideOutcome, MAX_ATTEMPTS, nextAttemptAt, retryAfterMs, type Outcome } from "../../src/core/webhook-retry.ts";

const NOW = new Date("2026-06-10T10:00:00.000Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const after = (ms: number) => new Date(NOW.getTime() + ms);

test("8 attempts in all", () => assert.equal(MAX_ATTEMPTS, 8));

// [attempts so far (this one failed), Retry-After in ms or null, expected wait in ms or null (given up)]
const schedule: [number, number | null, number | null][] = [
  [1, null, 5 * S],
  [2, null, 5 * M],
  [3, null, 30 * M],
  [4, null, 2 * H],
  [5, null, 5 * H],
  [6, null, 10 * H],
  [7, null, 10 * H],
  [8, null, null],
  [9, null, null],
  [0, null, null],
  // Retry-After: the later of it and the schedule; capped at the longest step.
  [1, 60 * S, 60 * S],
  [1, 1 * S, 5 * S],
  [2, 0, 5 * M],
  [3, 3 * H, 3 * H],
  [1, 48 * H, 10 * H],
  [7, 11 * H, 10 * H],
  [8, 1 * H, null],
];
for (const [attempts, retryAfter, wait] of schedule) {
  test(`nextAttemptAt after attempt ${attempts}, Retry-After ${retryAfter ?? "none"} → ${wait ?? "none"}`, () => {
    assert.deepEqual(nextAttemptAt(attempts, NOW, retryAfter), wait === null ? null : after(wait));
  });
}

// [header, expected ms or null]
const headers: [string | null | undefined, number | null][] = [
  [undefined, null],
  [null, null],
  ["", null],
  ["  ", null],
  ["120", 120 * S],
  [" 7 ", 7 * S],
  ["0", 0],
  ["-5", null],
  ["1.5", null],
  ["soon", null],
  ["Wed, 10 Jun 2026 10:30:00 GMT", 30 * M],
  ["Wed, 10 Jun 2026 09:00:00 GMT", 0], // in the past: now
  ["Thu, 11 Jun 2026 10:00:00 GMT", 24 * H],
];
for (const [header, ms] of headers) {
  test(`retryAfterMs(${JSON.stringify(header)}) → ${ms}`, () => assert.equal(retryAfterMs(header, NOW), ms));
}

const ok = (status: number, retryAfter: string | null = null): AttemptResult => ({ kind: "response", status, retryAfter });

// [why, attempts, result, failingSince, expected]
const outcomes: [string, number, AttemptResult, Date | null, Outcome][] = [
  [
    "200 on the first attempt",
    1,
    ok(200),
    null,
    { delivery: { status: "SUCCEEDED" }, failingSince: null, disable: null, lastStatusCode: 200, lastError: null },
  ],
  [
    "204 after failures clears failing_since",
    3,
    ok(204),
    after(-H),
    { delivery: { status: "SUCCEEDED" }, failingSince: null, disable: null, lastStatusCode: 204, lastError: null },
  ],
  [
    "500 on the first attempt: retried in 5 s, failing from now",
    1,
    ok(500),
    null,
    { delivery: { status: "FAILED", nextAttemptAt: after(5 * S) }, failingSince: NOW, disable: null, lastStatusCode: 500, lastError: "HTTP 500" },
  ],
  [
    "a later failure keeps the first failure's time",
    2,
    ok(503),
    after(-5 * S),
    { delivery: { status: "FAILED", nextAttemptAt: after(5 * M) }, failingSince: after(-5 * S), disable: null, lastStatusCode: 503, lastError: "HTTP 503" },
  ],
  [
    "429 with Retry-After 600: in 10 min rather than 5 s",
    1,
    ok(429, "600"),
    null,
    { delivery: { status: "FAILED", nextAttemptAt: after(10 * M) }, failingSince: NOW, disable: null, lastStatusCode: 429, lastError: "HTTP 429" },
  ],
  [
    "a 302 is a failure",
    1,
    ok(302),
    null,
    {
      delivery: { status: "FAILED", nextAttemptAt: after(5 * S) },
      failingSince: NOW,
      disable: null,
      lastStatusCode: 302,
      lastError: "HTTP 302 (redirects are not followed)",
    },
  ],
  [
    "a timeout",
    4,
    { kind: "timeout" },
    after(-H),
    { delivery: { status: "FAILED", nextAttemptAt: after(2 * H) }, failingSince: after(-H), disable: null, lastStatusCode: null, lastError: "timeout" },
  ],
  [
    "a network error",
    1,
    { kind: "error", message: "connect ECONNREFUSED" },
    null,
    {
      delivery: { status: "FAILED", nextAttemptAt: after(5 * S) },
      failingSince: NOW,
      disable: null,
      lastStatusCode: null,
      lastError: "connect ECONNREFUSED",
    },
  ],
  [
    "the 8th failure gives up",
    8,
    ok(500),
    after(-28 * H),
    { delivery: { status: "GAVE_UP" }, failingSince: after(-28 * H), disable: null, lastStatusCode: 500, lastError: "HTTP 500" },
  ],
  [
    "410 gives up and disables the endpoint at once",
    1,
    ok(410),
    null,
    { delivery: { status: "GAVE_UP" }, failingSince: NOW, disable: "gone", lastStatusCode: 410, lastError: "HTTP 410" },
  ],
  [
    "failing for 4 days 23 h: retried",
    2,
    ok(500),
    after(-(5 * D - H)),
    {
      delivery: { status: "FAILED", nextAttemptAt: after(5 * M) },
      failingSince: after(-(5 * D - H)),
      disable: null,
      lastStatusCode: 500,
      lastError: "HTTP 500",
    },
  ],
  [
    "failing for exactly 5 days: disabled, nothing more due",
    2,
    ok(500),
    after(-5 * D),
    {
      delivery: { status: "FAILED", nextAttemptAt: null },
      failingSince: after(-5 * D),
      disable: "failing for 5 days",
      lastStatusCode: 500,
      lastError: "HTTP 500",
    },
  ],
  [
    "a success after 6 days of failure: healthy again, not disabled",
    1,
    ok(200),
    after(-6 * D),
    { delivery: { status: "SUCCEEDED" }, failingSince: null, disable: null, lastStatusCode: 200, lastError: null },
  ],
];
for (const [why, attempts, result, failingSince, expected] of outcomes) {
  test(`decideOutcome: ${why}`, () => assert.deepEqual(decideOutcome({ attempts, result, now: NOW, failingSince }), expected));
}

test("decideOutcome: the error kept is cut to 500 characters", () => {
  const got = decideOutcome({ attempts: 1, result: { kind: "error", message: "x".repeat(2000) }, now: NOW, failingSince: null });
  assert.equal(got.lastError?.length, 500);
});
