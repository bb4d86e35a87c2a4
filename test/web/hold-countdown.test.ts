// The hold countdown on Today: hours and minutes from an hour up, m:ss under it — the same text from the
// server (holdLeft) and from the dashboard's script (HOLD_LEFT_JS), which ticks it once the page is open.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DASHBOARD_JS } from "../../src/web/dashboard/assets.ts";
import { countdown, HOLD_LEFT_JS, holdLeft } from "../../src/web/dashboard/format.ts";

const TABLE: [number, string][] = [
  [7200, "2 h left"], // a fresh two-hour hold
  [7153, "1 h 59 min left"], // read "119:13 left" before
  [3660, "1 h 1 min left"],
  [3600, "1 h left"],
  [3599, "59:59 left"],
  [65, "1:05 left"],
  [1, "0:01 left"],
  [0, "expired"],
  [-30, "expired"],
  [90_000, "25 h left"],
];

test("holdLeft: hours and minutes from an hour up, minutes:seconds under an hour, never more than is left", () => {
  for (const [seconds, text] of TABLE) assert.equal(holdLeft(seconds), text, `${seconds} s`);
});

test("the dashboard script ticks with the same rule as the server, second by second over three hours", () => {
  const script = new Function(`return (${HOLD_LEFT_JS});`)() as (s: number) => string;
  for (const [seconds, text] of TABLE) assert.equal(script(seconds), text, `${seconds} s`);
  for (let s = -5; s <= 3 * 3600; s++) assert.equal(script(s), holdLeft(s), `${s} s`);
  assert.ok(DASHBOARD_JS.includes(HOLD_LEFT_JS), "the served script carries the rule");
  assert.match(DASHBOARD_JS, /el\.textContent=holdLeft\(left\)/, "and uses it for every countdown");
});

test("the server-rendered countdown of a two-hour hold says 1 h 59 min, not 119:13", () => {
  const now = new Date("2026-03-02T14:00:47Z");
  const until = new Date("2026-03-02T16:00:00Z");
  assert.match(countdown(until, now).toString(), />1 h 59 min left<\/span>$/);
});
