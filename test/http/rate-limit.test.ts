import assert from "node:assert/strict";
import { test } from "node:test";
import { aClinic, call, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_RATE_LIMIT: "30" });

test("past the per-key limit the API answers 429 rate_limited as problem+json; other keys are unaffected", async () => {
  const a = await aClinic(ctx);
  const b = await aClinic(ctx);
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const res = await call(ctx, "GET", "/api/booking/providers", { key: a.key });
    if (res.status === 429) limited = res;
    else assert.equal(res.status, 200);
  }
  assert.ok(limited, "the 31st request in a minute is refused");
  assert.equal(limited!.body.code, "rate_limited");
  assert.equal(limited!.body.status, 429);
  assert.match(String(limited!.headers["content-type"]), /application\/problem\+json/);
  const other = await call(ctx, "GET", "/api/booking/providers", { key: b.key });
  assert.equal(other.status, 200);
});
