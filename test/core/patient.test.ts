import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { applyPatientInput, type PatientFields, type PatientInput } from "../../src/core/patient.ts";
import type { Consent, ConsentChannel, Patient } from "../../src/core/types.ts";

const T0 = new Date("2026-01-05T15:00:00Z");
const AT = new Date("2026-03-08T07:30:00Z");
const ctx = { phoneCountry: "US", at: AT, source: "api_key:front-desk" };
const NONE: Consent = { granted: false, at: null, source: null };
const GIVEN: Consent = { granted: true, at: T0, source: "intake_form" };
const now = (granted: boolean, source = ctx.source): Consent => ({ granted, at: AT, source });

function aPatient(over: Partial<Patient> = {}): Patient {
  return {
    id: "p1",
    clinicId: "c1",
    firstName: "Ada",
    lastName: "Lovelace",
    phone: "+12125550123",
    email: "ada@example.com",
    timezone: "America/New_York",
    preferredChannel: "SMS",
    consent: { SMS: GIVEN, VOICE: GIVEN, EMAIL: GIVEN },
    depositRequiredCents: 0,
    prepaymentRequired: false,
    flags: [],
    externalId: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

/** The patient's fields as they are stored now. */
function fieldsOf(p: Patient): PatientFields {
  const { firstName, lastName, phone, email, timezone, preferredChannel, consent } = p;
  return { firstName, lastName, phone, email, timezone, preferredChannel, consent };
}

const NEW: PatientFields = {
  firstName: "Ada",
  lastName: "Lovelace",
  phone: null,
  email: null,
  timezone: null,
  preferredChannel: null,
  consent: { SMS: NONE, VOICE: NONE, EMAIL: NONE },
};

type Changes = { channel: ConsentChannel; granted: boolean; source: string }[];
type Errors = { path: string; message: string }[];
type Case = {
  name: string;
  current: Patient | null;
  input: PatientInput;
  phoneCountry?: string;
  /** Either the fields expected (as a change to the starting fields) and the consent changes, or the field errors. */
  then: { fields: Partial<PatientFields>; changes: Changes } | { errors: Errors };
};

const registering: Case[] = [
  { name: "names only", current: null, input: { firstName: "Ada", lastName: "Lovelace" }, then: { fields: {}, changes: [] } },
  { name: "names are trimmed", current: null, input: { firstName: "  Ada ", lastName: "\tLovelace\n" }, then: { fields: {}, changes: [] } },
  {
    name: "a national phone is stored in E.164",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "(212) 555-0123" },
    then: { fields: { phone: "+12125550123" }, changes: [] },
  },
  {
    name: "a national phone is read in the clinic's country",
    current: null,
    phoneCountry: "GB",
    input: { firstName: "Ada", lastName: "Lovelace", phone: "020 7946 0018" },
    then: { fields: { phone: "+442079460018" }, changes: [] },
  },
  {
    name: "an international phone ignores the clinic's country",
    current: null,
    phoneCountry: "AU",
    input: { firstName: "Ada", lastName: "Lovelace", phone: "+1 212 555 0123" },
    then: { fields: { phone: "+12125550123" }, changes: [] },
  },
  { name: "a blank phone is no phone", current: null, input: { firstName: "Ada", lastName: "Lovelace", phone: "   " }, then: { fields: {}, changes: [] } },
  { name: "a null phone is no phone", current: null, input: { firstName: "Ada", lastName: "Lovelace", phone: null }, then: { fields: {}, changes: [] } },
  {
    name: "email is trimmed and lower-cased",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", email: "  Ada.Lovelace@Example.COM " },
    then: { fields: { email: "ada.lovelace@example.com" }, changes: [] },
  },
  { name: "a blank email is no email", current: null, input: { firstName: "Ada", lastName: "Lovelace", email: "  " }, then: { fields: {}, changes: [] } },
  {
    name: "a time zone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", timezone: "Australia/Sydney" },
    then: { fields: { timezone: "Australia/Sydney" }, changes: [] },
  },
  {
    name: "consent for every channel with both contacts, recorded in order SMS, VOICE, EMAIL",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "2125550123", email: "ada@example.com", smsConsent: true, voiceConsent: true, emailConsent: true },
    then: {
      fields: { phone: "+12125550123", email: "ada@example.com", consent: { SMS: now(true), VOICE: now(true), EMAIL: now(true) } },
      changes: [
        { channel: "SMS", granted: true, source: ctx.source },
        { channel: "VOICE", granted: true, source: ctx.source },
        { channel: "EMAIL", granted: true, source: ctx.source },
      ],
    },
  },
  {
    name: "consent refused at registration records nothing",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "2125550123", smsConsent: false, voiceConsent: false, emailConsent: false },
    then: { fields: { phone: "+12125550123" }, changes: [] },
  },
  {
    name: "SMS consent needs a phone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", smsConsent: true },
    then: { errors: [{ path: "/smsConsent", message: "needs a phone" }] },
  },
  {
    name: "voice consent needs a phone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "", voiceConsent: true },
    then: { errors: [{ path: "/voiceConsent", message: "needs a phone" }] },
  },
  {
    name: "email consent needs an email",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "2125550123", emailConsent: true },
    then: { errors: [{ path: "/emailConsent", message: "needs an email" }] },
  },
  {
    name: "an invalid phone leaves no phone, so consent to it is refused as well",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "555-01", smsConsent: true },
    then: {
      errors: [
        { path: "/phone", message: "is not a valid phone number" },
        { path: "/smsConsent", message: "needs a phone" },
      ],
    },
  },
  {
    name: "preferred SMS needs a phone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", preferredChannel: "SMS" },
    then: { errors: [{ path: "/preferredChannel", message: "needs a phone" }] },
  },
  {
    name: "preferred VOICE needs a phone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", email: "a@b.test", preferredChannel: "VOICE" },
    then: { errors: [{ path: "/preferredChannel", message: "needs a phone" }] },
  },
  {
    name: "preferred EMAIL needs an email",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "2125550123", preferredChannel: "EMAIL" },
    then: { errors: [{ path: "/preferredChannel", message: "needs an email" }] },
  },
  {
    name: "preferred SMS with a phone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", phone: "2125550123", preferredChannel: "SMS" },
    then: { fields: { phone: "+12125550123", preferredChannel: "SMS" }, changes: [] },
  },
  {
    name: "preferred PUSH needs no contact here",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", preferredChannel: "PUSH" },
    then: { fields: { preferredChannel: "PUSH" }, changes: [] },
  },
  {
    name: "preferred MANUAL needs no contact here",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", preferredChannel: "MANUAL" },
    then: { fields: { preferredChannel: "MANUAL" }, changes: [] },
  },
  {
    name: "an unknown zone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", timezone: "Mars/Base" },
    then: { errors: [{ path: "/timezone", message: "must be an IANA time zone name" }] },
  },
  {
    name: "an offset is not a zone",
    current: null,
    input: { firstName: "Ada", lastName: "Lovelace", timezone: "-05:00" },
    then: { errors: [{ path: "/timezone", message: "must be an IANA time zone name" }] },
  },
  {
    name: "names missing",
    current: null,
    input: {},
    then: {
      errors: [
        { path: "/firstName", message: "must not be blank" },
        { path: "/lastName", message: "must not be blank" },
      ],
    },
  },
  {
    name: "names blank",
    current: null,
    input: { firstName: " ", lastName: "\t" },
    then: {
      errors: [
        { path: "/firstName", message: "must not be blank" },
        { path: "/lastName", message: "must not be blank" },
      ],
    },
  },
  {
    name: "every bad field is reported, each at its path, in field order",
    current: null,
    input: { firstName: "", lastName: "  ", phone: "12", timezone: "Nowhere", emailConsent: true, preferredChannel: "EMAIL" },
    then: {
      errors: [
        { path: "/phone", message: "is not a valid phone number" },
        { path: "/timezone", message: "must be an IANA time zone name" },
        { path: "/emailConsent", message: "needs an email" },
        { path: "/preferredChannel", message: "needs an email" },
        { path: "/firstName", message: "must not be blank" },
        { path: "/lastName", message: "must not be blank" },
      ],
    },
  },
];

const editing: Case[] = [
  { name: "an empty edit changes nothing, not even consent times", current: aPatient(), input: {}, then: { fields: {}, changes: [] } },
  { name: "a new name only", current: aPatient(), input: { firstName: "Augusta" }, then: { fields: { firstName: "Augusta" }, changes: [] } },
  {
    name: "a new phone without restating consent revokes SMS and voice consent",
    current: aPatient(),
    input: { phone: "917-555-0142" },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: now(false, "phone_changed"), VOICE: now(false, "phone_changed"), EMAIL: GIVEN } },
      changes: [
        { channel: "SMS", granted: false, source: "phone_changed" },
        { channel: "VOICE", granted: false, source: "phone_changed" },
      ],
    },
  },
  {
    name: "the same phone written differently is no change",
    current: aPatient(),
    input: { phone: " (212) 555-0123 " },
    then: { fields: {}, changes: [] },
  },
  {
    name: "the same phone in international form is no change",
    current: aPatient(),
    input: { phone: "+1 212 555 0123" },
    then: { fields: {}, changes: [] },
  },
  {
    name: "a new phone with SMS consent restated: SMS consent is recorded again for the new number, voice is revoked",
    current: aPatient(),
    input: { phone: "917-555-0142", smsConsent: true },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: now(true), VOICE: now(false, "phone_changed"), EMAIL: GIVEN } },
      changes: [
        { channel: "SMS", granted: true, source: ctx.source },
        { channel: "VOICE", granted: false, source: "phone_changed" },
      ],
    },
  },
  {
    name: "a new phone with both consents restated",
    current: aPatient(),
    input: { phone: "917-555-0142", smsConsent: true, voiceConsent: true },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: now(true), VOICE: now(true), EMAIL: GIVEN } },
      changes: [
        { channel: "SMS", granted: true, source: ctx.source },
        { channel: "VOICE", granted: true, source: ctx.source },
      ],
    },
  },
  {
    name: "a new phone with consent explicitly refused: revoked by the caller, not by the change",
    current: aPatient(),
    input: { phone: "917-555-0142", smsConsent: false, voiceConsent: false },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: now(false), VOICE: now(false), EMAIL: GIVEN } },
      changes: [
        { channel: "SMS", granted: false, source: ctx.source },
        { channel: "VOICE", granted: false, source: ctx.source },
      ],
    },
  },
  {
    name: "a new phone when only voice was consented revokes only voice",
    current: aPatient({ consent: { SMS: NONE, VOICE: GIVEN, EMAIL: GIVEN } }),
    input: { phone: "917-555-0142" },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: NONE, VOICE: now(false, "phone_changed"), EMAIL: GIVEN } },
      changes: [{ channel: "VOICE", granted: false, source: "phone_changed" }],
    },
  },
  {
    name: "a first phone for a patient who had none",
    current: aPatient({ phone: null, preferredChannel: "EMAIL", consent: { SMS: NONE, VOICE: NONE, EMAIL: GIVEN } }),
    input: { phone: "917-555-0142", smsConsent: true },
    then: {
      fields: { phone: "+19175550142", consent: { SMS: now(true), VOICE: NONE, EMAIL: GIVEN } },
      changes: [{ channel: "SMS", granted: true, source: ctx.source }],
    },
  },
  {
    name: "removing the phone revokes SMS and voice consent",
    current: aPatient({ preferredChannel: "EMAIL" }),
    input: { phone: null },
    then: {
      fields: { phone: null, consent: { SMS: now(false, "phone_removed"), VOICE: now(false, "phone_removed"), EMAIL: GIVEN } },
      changes: [
        { channel: "SMS", granted: false, source: "phone_removed" },
        { channel: "VOICE", granted: false, source: "phone_removed" },
      ],
    },
  },
  {
    name: "a blank phone removes it too",
    current: aPatient({ preferredChannel: null, consent: { SMS: GIVEN, VOICE: NONE, EMAIL: NONE } }),
    input: { phone: "" },
    then: {
      fields: { phone: null, preferredChannel: null, consent: { SMS: now(false, "phone_removed"), VOICE: NONE, EMAIL: NONE } },
      changes: [{ channel: "SMS", granted: false, source: "phone_removed" }],
    },
  },
  {
    name: "removing the phone while SMS is preferred",
    current: aPatient(),
    input: { phone: null },
    then: { errors: [{ path: "/preferredChannel", message: "needs a phone" }] },
  },
  {
    name: "removing the phone and the preference together",
    current: aPatient({ consent: { SMS: NONE, VOICE: NONE, EMAIL: GIVEN } }),
    input: { phone: null, preferredChannel: null },
    then: { fields: { phone: null, preferredChannel: null }, changes: [] },
  },
  {
    name: "removing the phone while consenting to SMS",
    current: aPatient({ preferredChannel: null }),
    input: { phone: null, smsConsent: true },
    then: { errors: [{ path: "/smsConsent", message: "needs a phone" }] },
  },
  {
    name: "a new email without restating consent revokes email consent",
    current: aPatient(),
    input: { email: "ada@lovelace.test" },
    then: {
      fields: { email: "ada@lovelace.test", consent: { SMS: GIVEN, VOICE: GIVEN, EMAIL: now(false, "email_changed") } },
      changes: [{ channel: "EMAIL", granted: false, source: "email_changed" }],
    },
  },
  {
    name: "the same email in other case and spacing is no change",
    current: aPatient(),
    input: { email: "  ADA@Example.com " },
    then: { fields: {}, changes: [] },
  },
  {
    name: "a new email with consent restated",
    current: aPatient(),
    input: { email: "ada@lovelace.test", emailConsent: true },
    then: {
      fields: { email: "ada@lovelace.test", consent: { SMS: GIVEN, VOICE: GIVEN, EMAIL: now(true) } },
      changes: [{ channel: "EMAIL", granted: true, source: ctx.source }],
    },
  },
  {
    name: "removing the email revokes email consent",
    current: aPatient(),
    input: { email: null },
    then: {
      fields: { email: null, consent: { SMS: GIVEN, VOICE: GIVEN, EMAIL: now(false, "email_removed") } },
      changes: [{ channel: "EMAIL", granted: false, source: "email_removed" }],
    },
  },
  {
    name: "removing the email while EMAIL is preferred",
    current: aPatient({ preferredChannel: "EMAIL" }),
    input: { email: "" },
    then: { errors: [{ path: "/preferredChannel", message: "needs an email" }] },
  },
  {
    name: "a new email does not touch phone consent, a new phone does not touch email consent",
    current: aPatient(),
    input: { email: "new@example.com", phone: "+1 917 555 0142", smsConsent: true, voiceConsent: true, emailConsent: true },
    then: {
      fields: { phone: "+19175550142", email: "new@example.com", consent: { SMS: now(true), VOICE: now(true), EMAIL: now(true) } },
      changes: [
        { channel: "SMS", granted: true, source: ctx.source },
        { channel: "VOICE", granted: true, source: ctx.source },
        { channel: "EMAIL", granted: true, source: ctx.source },
      ],
    },
  },
  {
    name: "granting consent that was missing",
    current: aPatient({ consent: { SMS: NONE, VOICE: NONE, EMAIL: NONE } }),
    input: { smsConsent: true },
    then: { fields: { consent: { SMS: now(true), VOICE: NONE, EMAIL: NONE } }, changes: [{ channel: "SMS", granted: true, source: ctx.source }] },
  },
  {
    name: "restating consent already given records nothing and keeps its time",
    current: aPatient(),
    input: { smsConsent: true, voiceConsent: true, emailConsent: true },
    then: { fields: {}, changes: [] },
  },
  {
    name: "withdrawing consent",
    current: aPatient(),
    input: { voiceConsent: false, emailConsent: false },
    then: {
      fields: { consent: { SMS: GIVEN, VOICE: now(false), EMAIL: now(false) } },
      changes: [
        { channel: "VOICE", granted: false, source: ctx.source },
        { channel: "EMAIL", granted: false, source: ctx.source },
      ],
    },
  },
  {
    name: "an invalid new phone is an error and revokes nothing",
    current: aPatient(),
    input: { phone: "212-555" },
    then: { errors: [{ path: "/phone", message: "is not a valid phone number" }] },
  },
  { name: "clearing the time zone", current: aPatient(), input: { timezone: null }, then: { fields: { timezone: null }, changes: [] } },
  { name: "a new time zone", current: aPatient(), input: { timezone: "Europe/London" }, then: { fields: { timezone: "Europe/London" }, changes: [] } },
  {
    name: "a bad new time zone",
    current: aPatient(),
    input: { timezone: "Europe/Londn" },
    then: { errors: [{ path: "/timezone", message: "must be an IANA time zone name" }] },
  },
  {
    name: "a blank new first name",
    current: aPatient(),
    input: { firstName: "   " },
    then: { errors: [{ path: "/firstName", message: "must not be blank" }] },
  },
  { name: "a blank new last name", current: aPatient(), input: { lastName: "" }, then: { errors: [{ path: "/lastName", message: "must not be blank" }] } },
  {
    name: "a new preference for VOICE with the phone on file",
    current: aPatient(),
    input: { preferredChannel: "VOICE" },
    then: { fields: { preferredChannel: "VOICE" }, changes: [] },
  },
  {
    name: "a new preference for EMAIL when there is no email on file",
    current: aPatient({ email: null, consent: { SMS: GIVEN, VOICE: GIVEN, EMAIL: NONE } }),
    input: { preferredChannel: "EMAIL" },
    then: { errors: [{ path: "/preferredChannel", message: "needs an email" }] },
  },
];

for (const c of [...registering.map((c) => ({ ...c, name: `register: ${c.name}` })), ...editing.map((c) => ({ ...c, name: `edit: ${c.name}` }))]) {
  test(c.name, () => {
    const before = structuredClone(c.current);
    const r = applyPatientInput(c.current, c.input, { ...ctx, phoneCountry: c.phoneCountry ?? ctx.phoneCountry });
    if ("errors" in c.then) {
      assert.deepEqual(r, {
        ok: false,
        code: "validation_failed",
        detail: c.then.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
        errors: c.then.errors,
      });
    } else {
      const start = c.current ? fieldsOf(c.current) : NEW;
      assert.deepEqual(r, { ok: true, value: { fields: { ...start, ...c.then.fields }, changes: c.then.changes } });
    }
    assert.deepEqual(c.current, before, "the current patient is not mutated");
  });
}

// Properties over random edits of random patients.
const phones = ["+12125550123", "+19175550142", "+442079460018"];
const emails = ["ada@example.com", "grace@example.com"];
const consentArb = fc.record({ granted: fc.boolean(), at: fc.constant(T0), source: fc.constant("intake_form") });
const patientArb = fc
  .record({
    phone: fc.option(fc.constantFrom(...phones)),
    email: fc.option(fc.constantFrom(...emails)),
    sms: consentArb,
    voice: consentArb,
    email_: consentArb,
  })
  .map(({ phone, email, sms, voice, email_ }) =>
    aPatient({
      phone,
      email,
      preferredChannel: null,
      // A stored patient only holds consent for a contact it has.
      consent: { SMS: phone ? sms : NONE, VOICE: phone ? voice : NONE, EMAIL: email ? email_ : NONE },
    }),
  );
const inputArb: fc.Arbitrary<PatientInput> = fc.record(
  {
    firstName: fc.constantFrom("Grace", "  Grace ", "", " "),
    phone: fc.option(fc.constantFrom("(212) 555-0123", "212 555 0123", "+1 917 555 0142", "+44 20 7946 0018", "", "12", "not a phone")),
    email: fc.option(fc.constantFrom("ADA@example.com", " grace@example.com", "new@Example.org", "", "  ")),
    timezone: fc.option(fc.constantFrom("Europe/London", "Australia/Sydney", "Nowhere")),
    smsConsent: fc.boolean(),
    voiceConsent: fc.boolean(),
    emailConsent: fc.boolean(),
    preferredChannel: fc.option(fc.constantFrom("SMS", "EMAIL", "VOICE", "PUSH", "MANUAL") as fc.Arbitrary<"SMS" | "EMAIL" | "VOICE" | "PUSH" | "MANUAL">),
  },
  { requiredKeys: [] },
);
const CONSENT_FIELD = { SMS: "smsConsent", VOICE: "voiceConsent", EMAIL: "emailConsent" } as const;

test("property: an accepted edit never leaves consent without its contact, and records exactly the consent it changed", () => {
  let accepted = 0;
  fc.assert(
    fc.property(patientArb, inputArb, (current, input) => {
      const r = applyPatientInput(current, input, ctx);
      if (!r.ok) {
        assert.equal(r.code, "validation_failed");
        assert.ok(r.errors!.length > 0);
        for (const e of r.errors!) assert.match(e.path, /^\/(phone|timezone|smsConsent|voiceConsent|emailConsent|preferredChannel|firstName|lastName)$/);
        return;
      }
      accepted++;
      const { fields, changes } = r.value;
      if (fields.phone !== null) assert.match(fields.phone, /^\+[1-9]\d{6,14}$/);
      if (fields.email !== null) assert.equal(fields.email, fields.email.trim().toLowerCase());
      if (fields.consent.SMS.granted || fields.consent.VOICE.granted) assert.notEqual(fields.phone, null);
      if (fields.consent.EMAIL.granted) assert.notEqual(fields.email, null);
      for (const channel of ["SMS", "VOICE", "EMAIL"] as const) {
        const change = changes.find((c) => c.channel === channel);
        if (change) {
          assert.deepEqual(fields.consent[channel], { granted: change.granted, at: AT, source: change.source });
        } else {
          assert.deepEqual(fields.consent[channel], current.consent[channel]);
        }
        // A new contact keeps consent only when the caller restated it.
        const contact = channel === "EMAIL" ? "email" : "phone";
        if (fields[contact] !== current[contact] && input[CONSENT_FIELD[channel]] === undefined) {
          assert.equal(fields.consent[channel].granted, false);
        }
        // Consent the caller stated is what the patient has.
        if (input[CONSENT_FIELD[channel]] !== undefined) assert.equal(fields.consent[channel].granted, input[CONSENT_FIELD[channel]]);
      }
      assert.equal(changes.length, new Set(changes.map((c) => c.channel)).size);
    }),
    { numRuns: 3000 },
  );
  assert.ok(accepted > 300, `accepted ${accepted}`);
});
