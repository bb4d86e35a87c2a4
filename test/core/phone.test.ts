import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { getCountries, getExampleNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { isCountryCode, normalisePhone } from "../../src/core/phone.ts";

const E164 = /^\+[1-9]\d{6,14}$/;

// [raw, default country, E.164]
const valid: [string, string, string][] = [
  ["(212) 555-0123", "US", "+12125550123"],
  ["212-555-1234", "US", "+12125551234"],
  ["212.555.1234", "US", "+12125551234"],
  ["2125551234", "US", "+12125551234"],
  ["1 212 555 1234", "US", "+12125551234"],
  ["1-800-555-0199", "US", "+18005550199"],
  ["  +1 415 555 2671  ", "US", "+14155552671"],
  ["+1 (415) 555-2671", "US", "+14155552671"],
  ["+12125551234", "US", "+12125551234"],
  ["020 7946 0018", "GB", "+442079460018"],
  ["07911 123456", "GB", "+447911123456"],
  ["0412 345 678", "AU", "+61412345678"],
  ["030 123456", "DE", "+4930123456"],
  // An international number ignores the default country, even an unknown one.
  ["+1 212 555 1234", "GB", "+12125551234"],
  ["+49 30 1234567", "US", "+49301234567"],
  ["+33 6 12 34 56 78", "US", "+33612345678"],
  ["+442079460018", "XX", "+442079460018"],
  ["+442079460018", "", "+442079460018"],
  // International dialling prefixes of the default country.
  ["00442079460018", "DE", "+442079460018"],
  ["011 44 20 7946 0018", "US", "+442079460018"],
  // An extension is not part of an E.164 number.
  ["212-555-1234 ext. 5", "US", "+12125551234"],
];
for (const [raw, country, expected] of valid) {
  test(`normalisePhone(${JSON.stringify(raw)}, ${JSON.stringify(country)}) is ${expected}`, () => {
    assert.deepEqual(normalisePhone(raw, country), { ok: true, value: expected });
  });
}

// [raw, default country, why]
const invalid: [string, string, string][] = [
  ["", "US", "empty"],
  ["   ", "US", "blank"],
  ["not a number", "US", "no digits"],
  ["212555123", "US", "nine digits"],
  ["212 555 12345", "US", "eleven digits, not a trunk prefix"],
  ["+1 212 555 1234 5678", "US", "too long"],
  ["+0 123 456 789", "US", "no country code 0"],
  ["++12125551234", "US", "doubled plus"],
  ["2125551234", "XX", "national number, unknown default country"],
  ["2125551234", "", "national number, no default country"],
  ["2125551234", "us", "country codes are upper case"],
  ["020 7946 0018", "US", "a London number read as American"],
  // The whole field must be the number: no digging a number out of text.
  ["call 2125551234 now", "US", "a number inside a sentence"],
  ["2125551234abc", "US", "trailing letters"],
  ["212-555-1234 / 917-555-0000", "US", "two numbers"],
];
for (const [raw, country, why] of invalid) {
  test(`normalisePhone rejects ${JSON.stringify(raw)} in ${JSON.stringify(country)} (${why})`, () => {
    assert.deepEqual(normalisePhone(raw, country), {
      ok: false,
      code: "validation_failed",
      detail: "phone is not a valid phone number",
      errors: [{ path: "/phone", message: "is not a valid phone number" }],
    });
  });
}

test("normalisePhone reports the path it is given", () => {
  assert.deepEqual(normalisePhone("12", "US", "/contacts/0/phone"), {
    ok: false,
    code: "validation_failed",
    detail: "contacts/0/phone is not a valid phone number",
    errors: [{ path: "/contacts/0/phone", message: "is not a valid phone number" }],
  });
});

const countries: [string, boolean][] = [
  ["US", true],
  ["GB", true],
  ["AU", true],
  ["DE", true],
  ["CA", true],
  ["us", false],
  ["UK", false],
  ["USA", false],
  ["XX", false],
  ["", false],
  [" US", false],
];
for (const [code, expected] of countries) {
  test(`isCountryCode(${JSON.stringify(code)}) is ${expected}`, () => {
    assert.equal(isCountryCode(code), expected);
  });
}

test("every supported country: its example mobile number, written nationally, normalises to its E.164", () => {
  let checked = 0;
  for (const country of getCountries()) {
    const example = getExampleNumber(country, examples);
    if (!example) continue;
    assert.equal(isCountryCode(country), true, country);
    assert.deepEqual(normalisePhone(example.formatNational(), country), { ok: true, value: example.number }, country);
    assert.deepEqual(normalisePhone(example.formatInternational(), "US"), { ok: true, value: example.number }, country);
    assert.match(example.number, E164, country);
    checked++;
  }
  assert.ok(checked > 200, `checked ${checked} countries`);
});

const phoneChars = fc.constantFrom(..."0123456789", "+", " ", "-", "(", ")", ".", "x", "a");
const phoneish = fc.oneof(
  fc.string({ unit: phoneChars, maxLength: 22 }),
  fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
  fc.stringMatching(/^\(?[2-9][0-9]{2}\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}$/),
  fc.string({ maxLength: 30 }),
);
const defaultCountries = fc.constantFrom("US", "GB", "AU", "DE", "FR", "IN", "BR", "JP", "NZ", "XX", "");

test("property: whatever it accepts is E.164, and normalising that again gives it back in any country", () => {
  fc.assert(
    fc.property(phoneish, defaultCountries, defaultCountries, (raw, country, other) => {
      const r = normalisePhone(raw, country);
      if (!r.ok) {
        assert.equal(r.code, "validation_failed");
        assert.deepEqual(r.errors, [{ path: "/phone", message: "is not a valid phone number" }]);
        return;
      }
      assert.match(r.value, E164);
      assert.deepEqual(normalisePhone(r.value, other), { ok: true, value: r.value });
    }),
    { numRuns: 3000 },
  );
});

test("property: surrounding whitespace never changes the answer", () => {
  fc.assert(
    fc.property(phoneish, defaultCountries, fc.constantFrom("", " ", "  ", "\t", "\n"), (raw, country, pad) => {
      assert.deepEqual(normalisePhone(`${pad}${raw}${pad}`, country), normalisePhone(raw, country));
    }),
  );
});

test("a number the library calls valid but shorter than E.164's 7 digits is refused (found by the property above)", () => {
  assert.deepEqual(normalisePhone("1680", "DE"), {
    ok: false,
    code: "validation_failed",
    detail: "phone is not a valid phone number",
    errors: [{ path: "/phone", message: "is not a valid phone number" }],
  });
});
