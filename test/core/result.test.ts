import assert from "node:assert/strict";
import { test } from "node:test";
import { fail, invalid, notFound, ok } from "../../src/core/result.ts";

test("ok wraps a value and nothing else", () => {
  assert.deepEqual(ok(42), { ok: true, value: 42 });
  assert.deepEqual(ok(null), { ok: true, value: null });
  assert.deepEqual(ok({ a: [1] }), { ok: true, value: { a: [1] } });
  assert.deepEqual(Object.keys(ok("x")), ["ok", "value"]);
});

test("fail carries code and detail, and only the extra members it is given", () => {
  assert.deepEqual(fail("conflict", "taken"), { ok: false, code: "conflict", detail: "taken" });
  assert.deepEqual(Object.keys(fail("conflict", "taken")), ["ok", "code", "detail"]);
  assert.deepEqual(fail("slot_filled", "gone", { extra: { alternatives: [1, 2] } }), {
    ok: false,
    code: "slot_filled",
    detail: "gone",
    extra: { alternatives: [1, 2] },
  });
  assert.deepEqual(fail("validation_failed", "bad", { errors: [{ path: "/a", message: "m" }] }), {
    ok: false,
    code: "validation_failed",
    detail: "bad",
    errors: [{ path: "/a", message: "m" }],
  });
});

const invalidCases: { name: string; errors: { path: string; message: string }[]; detail?: string; expected: string }[] = [
  { name: "one error", errors: [{ path: "/phone", message: "is not a valid phone number" }], expected: "/phone: is not a valid phone number" },
  {
    name: "errors joined with '; ' in order",
    errors: [
      { path: "/windows/0/start", message: "must be HH:MM" },
      { path: "/latestDate", message: "must not be before earliestDate" },
    ],
    expected: "/windows/0/start: must be HH:MM; /latestDate: must not be before earliestDate",
  },
  { name: "explicit detail wins", errors: [{ path: "/a", message: "x" }], detail: "custom", expected: "custom" },
  { name: "no errors", errors: [], expected: "" },
];
for (const c of invalidCases) {
  test(`invalid: ${c.name}`, () => {
    assert.deepEqual(invalid(c.errors, c.detail), { ok: false, code: "validation_failed", detail: c.expected, errors: c.errors });
  });
}

test("notFound: without a path there are no field errors", () => {
  const r = notFound("patient");
  assert.deepEqual(r, { ok: false, code: "not_found", detail: "patient not found" });
  assert.equal("errors" in r, false);
});

test("notFound: with a path it points at the field", () => {
  assert.deepEqual(notFound("provider", "/providerIds/1"), {
    ok: false,
    code: "not_found",
    detail: "provider not found",
    errors: [{ path: "/providerIds/1", message: "no such provider" }],
  });
});

test("notFound: an empty path counts as no path", () => {
  assert.deepEqual(notFound("chair", ""), { ok: false, code: "not_found", detail: "chair not found" });
});
