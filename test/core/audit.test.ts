// Reading the audit log (src/core/audit.ts): the stored actor strings as { type, id }, and before/after
// without names or contact details. Table-driven.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseActor, REDACTED, REDACTED_CHANGED, redactChange } from "../../src/core/audit.ts";

const U = "0b5c2f3e-1d2a-4b6c-8d9e-0f1a2b3c4d5e";

test("parseActor: every actor the flows write today", () => {
  const cases: [string, ReturnType<typeof parseActor>][] = [
    [`staff_user:${U}`, { type: "staff", id: U, via: null, lookup: null }],
    [`api_key:${U}`, { type: "api_key", id: U, via: null, lookup: null }],
    [`patient:${U}`, { type: "patient", id: U, via: null, lookup: null }],
    [`patient:sms:${U}`, { type: "patient", id: null, via: "sms", lookup: { table: "offer_or_patient", id: U } }],
    [`patient:voice:${U}`, { type: "patient", id: null, via: "voice", lookup: { table: "offers", id: U } }],
    [`patient:offer:${U}`, { type: "patient", id: null, via: "link", lookup: { table: "offers", id: U } }],
    [`patient:claim:${U}`, { type: "patient", id: null, via: "payment", lookup: { table: "payment_holds", id: U } }],
    [`patient:link:${U}`, { type: "patient", id: null, via: "reschedule_link", lookup: { table: "appointment_links", id: U } }],
    ["patient:sms:not-a-uuid", { type: "patient", id: null, via: null, lookup: null }],
    ["provider", { type: "provider", id: null, via: null, lookup: null }],
    ["system", { type: "system", id: null, via: null, lookup: null }],
    ["admin", { type: "system", id: "admin", via: null, lookup: null }],
    ["setup", { type: "system", id: "setup", via: null, lookup: null }],
    ["demo", { type: "system", id: "demo", via: null, lookup: null }],
  ];
  for (const [stored, expected] of cases) assert.deepEqual(parseActor(stored), expected, stored);
});

test("redactChange: contact fields at any depth, changed ones marked, phones and emails inside text, the rest untouched", () => {
  const before = { id: U, firstName: "Ana", phone: "+16175550100", email: "a@example.com", timezone: null, nested: { to: "+16175550100" } };
  const after = { ...before, phone: "+16175550101", timezone: "America/Chicago", notes: "call +1 617 555 0102 or mail ana@example.com", list: ["x@y.io"] };
  const r = redactChange(before, after);
  assert.deepEqual(r.before, { id: U, firstName: REDACTED, phone: REDACTED_CHANGED, email: REDACTED, timezone: null, nested: { to: REDACTED } });
  assert.deepEqual(r.after, {
    id: U,
    firstName: REDACTED,
    phone: REDACTED_CHANGED,
    email: REDACTED,
    timezone: "America/Chicago",
    nested: { to: REDACTED },
    notes: "call [phone] or mail [email]",
    list: ["[email]"],
  });
  assert.deepEqual(redactChange(null, { at: "2026-03-02T14:00:00.000Z", phone: null }), {
    before: null,
    after: { at: "2026-03-02T14:00:00.000Z", phone: null },
  });
});
