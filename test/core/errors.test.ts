import assert from "node:assert/strict";
import { test } from "node:test";
import { ERROR_CODES, type ErrorCode } from "../../src/core/errors.ts";

test("the public error codes are exactly the contract's list, in order", () => {
  assert.deepEqual(ERROR_CODES, [
    "unauthorized",
    "forbidden",
    "not_found",
    "validation_failed",
    "conflict",
    "slot_filled",
    "offer_expired",
    "offer_closed",
    "max_notifications_reached",
    "no_reachable_channel",
    "quiet_hours",
    "rate_limited",
  ]);
});

test("error codes are unique snake_case words", () => {
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  for (const code of ERROR_CODES) assert.match(code, /^[a-z]+(_[a-z]+)*$/, code);
});

test("ErrorCode is the union of the list (compile-time check)", () => {
  const codes: ErrorCode[] = ["conflict", "slot_filled"];
  // @ts-expect-error — not a code of the contract
  const bad: ErrorCode = "teapot";
  assert.deepEqual(codes, ["conflict", "slot_filled"]);
  assert.equal(bad, "teapot");
});
