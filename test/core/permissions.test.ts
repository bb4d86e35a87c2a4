import assert from "node:assert/strict";
import { test } from "node:test";
import { isPermission, PERMISSIONS } from "../../src/core/permissions.ts";

test("the permissions an API key can carry", () => {
  assert.deepEqual(PERMISSIONS, ["booking:manage_waitlist", "booking:view_analytics", "booking:manage_schedule", "clinic:admin"]);
});

const cases: [string, boolean][] = [
  ["booking:manage_waitlist", true],
  ["booking:view_analytics", true],
  ["booking:manage_schedule", true],
  ["clinic:admin", true],
  ["", false],
  ["clinic:Admin", false],
  ["CLINIC:ADMIN", false],
  [" clinic:admin", false],
  ["clinic:admin ", false],
  ["booking:*", false],
  ["booking", false],
  ["booking:manage_waitlist,clinic:admin", false],
  ["admin", false],
  ["toString", false],
  ["constructor", false],
];
for (const [value, expected] of cases) {
  test(`isPermission(${JSON.stringify(value)}) is ${expected}`, () => {
    assert.equal(isPermission(value), expected);
  });
}
