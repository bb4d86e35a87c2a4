// Patients: contact data in canonical form (E.164 phones, lower-case emails), consent recorded with
// when and how (and revoked when the number it was given for changes), pagination, audit, and no
// patient data in the log.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listAudit } from "../../src/store/audit.ts";
import { aClinic, anAppointment, aPatient, aProvider, aService, call, inHours, T0, testApp, type TestContext } from "../harness/app.ts";

const ctx = await testApp();

const post = (key: string, body: unknown) => call(ctx, "POST", "/api/booking/patients", { key, body });
const patchPatient = (key: string, id: string, body: unknown) => call(ctx, "PATCH", `/api/booking/patients/${id}`, { key, body });

async function keyActor(c: TestContext, key: string): Promise<string> {
  const keys = await call(c, "GET", "/api/booking/api-keys", { key });
  return `api_key:${keys.body.items[0].id}`;
}

async function consentEvents(patientId: string) {
  const { rows } = await ctx.deps.db.query("SELECT channel, granted, source, at FROM consent_events WHERE patient_id = $1 ORDER BY id", [patientId]);
  return rows.map((r) => ({ channel: r.channel, granted: r.granted, source: r.source, at: (r.at as Date).toISOString() }));
}

test("create: a national phone is normalised to E.164 in the clinic's country (US), the email lower-cased", async () => {
  const clinic = await aClinic(ctx);
  const res = await post(clinic.key, {
    firstName: " Ada ",
    lastName: "Lovelace",
    phone: "(617) 555-0142",
    email: "Ada.Lovelace@Example.COM",
    timezone: "America/Los_Angeles",
    preferredChannel: "EMAIL",
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.phone, "+16175550142");
  assert.equal(res.body.email, "ada.lovelace@example.com");
  assert.equal(res.body.firstName, "Ada");
  assert.equal(res.body.timezone, "America/Los_Angeles");
  assert.equal(res.body.preferredChannel, "EMAIL");
  assert.equal(res.body.createdAt, T0.toISOString());
  assert.equal(res.body.depositRequiredCents, 0);
  assert.equal(res.body.prepaymentRequired, false);
  assert.deepEqual(res.body.flags, []);

  const got = await call(ctx, "GET", `/api/booking/patients/${res.body.id}`, { key: clinic.key });
  assert.equal(got.status, 200);
  assert.equal(got.body.phone, "+16175550142");
  assert.equal(got.body.noShowCount, 0);

  // Already-E.164 and foreign numbers are kept in E.164 too.
  const intl = await post(clinic.key, { firstName: "Bo", lastName: "Ng", phone: "+44 20 7946 0958" });
  assert.equal(intl.status, 201);
  assert.equal(intl.body.phone, "+442079460958");
});

test("create: an invalid phone is 422 validation_failed at /phone; every bad field is listed", async () => {
  const clinic = await aClinic(ctx);
  for (const phone of ["12345", "555-0142", "call me", "+1 617 555 01"]) {
    const res = await post(clinic.key, { firstName: "A", lastName: "B", phone });
    assert.equal(res.status, 422, `${phone}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
    assert.deepEqual(
      res.body.errors.map((e: any) => e.path),
      ["/phone"],
    );
  }
  const many = await post(clinic.key, { firstName: "A", lastName: "B", phone: "nope", timezone: "Moon/Base", smsConsent: "yes" });
  assert.equal(many.status, 422);
  assert.ok(
    many.body.errors.some((e: any) => e.path === "/smsConsent"),
    JSON.stringify(many.body),
  );
  const rules = await post(clinic.key, { firstName: "A", lastName: "B", phone: "nope", timezone: "Moon/Base" });
  assert.deepEqual(rules.body.errors.map((e: any) => e.path).sort(), ["/phone", "/timezone"]);
  const badEmail = await post(clinic.key, { firstName: "A", lastName: "B", email: "not-an-email" });
  assert.equal(badEmail.status, 422);
  assert.deepEqual([...new Set(badEmail.body.errors.map((e: any) => e.path))], ["/email"]);
  const consentWithoutPhone = await post(clinic.key, { firstName: "A", lastName: "B", smsConsent: true });
  assert.equal(consentWithoutPhone.status, 422);
  assert.deepEqual(
    consentWithoutPhone.body.errors.map((e: any) => e.path),
    ["/smsConsent"],
  );
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM patients WHERE clinic_id = $1", [clinic.id]);
  assert.equal(rows[0].n, 0, "nothing is written for a refused request");
});

test("consent is recorded with when (the clock) and how (the source), in the patient and in consent_events", async () => {
  const clinic = await aClinic(ctx);
  const actor = await keyActor(ctx, clinic.key);
  ctx.clock.set(new Date(T0.getTime() + 7 * 60_000));
  const at = ctx.clock.now().toISOString();
  const res = await post(clinic.key, {
    firstName: "Grace",
    lastName: "Hopper",
    phone: "617-555-0143",
    email: "grace@example.com",
    smsConsent: true,
    emailConsent: true,
  });
  ctx.clock.set(T0);
  assert.equal(res.status, 201);
  assert.equal(res.body.smsConsent, true);
  assert.equal(res.body.emailConsent, true);
  assert.equal(res.body.voiceConsent, false);
  assert.deepEqual(res.body.consents, {
    sms: { granted: true, at, source: actor },
    voice: { granted: false, at: null, source: null },
    email: { granted: true, at, source: actor },
  });
  assert.deepEqual(await consentEvents(res.body.id), [
    { channel: "SMS", granted: true, source: actor, at },
    { channel: "EMAIL", granted: true, source: actor, at },
  ]);

  // Without any consent, nothing is recorded.
  const none = await post(clinic.key, { firstName: "No", lastName: "Consent", phone: "617-555-0144" });
  assert.equal(none.body.smsConsent, false);
  assert.deepEqual(await consentEvents(none.body.id), []);
});

test("PATCH: changing the phone without restating smsConsent revokes SMS and voice consent, with consent_events", async () => {
  const clinic = await aClinic(ctx);
  const patient = await aPatient(ctx, clinic, { phone: "617-555-0150", email: "kay@example.com", voiceConsent: true, emailConsent: true });
  assert.equal(patient.smsConsent, true);
  assert.equal(patient.voiceConsent, true);

  // The same number written differently is no change.
  const same = await patchPatient(clinic.key, patient.id, { phone: "+1 (617) 555-0150" });
  assert.equal(same.status, 200);
  assert.equal(same.body.smsConsent, true);
  assert.equal((await consentEvents(patient.id)).length, 3);

  ctx.clock.set(new Date(T0.getTime() + 30 * 60_000));
  const later = ctx.clock.now().toISOString();
  const res = await patchPatient(clinic.key, patient.id, { phone: "(617) 555-0151" });
  ctx.clock.set(T0);
  assert.equal(res.status, 200);
  assert.equal(res.body.phone, "+16175550151");
  assert.equal(res.body.smsConsent, false);
  assert.equal(res.body.voiceConsent, false);
  assert.equal(res.body.emailConsent, true, "email consent belongs to the address, which did not change");
  assert.deepEqual(res.body.consents.sms, { granted: false, at: later, source: "phone_changed" });
  assert.deepEqual(res.body.consents.voice, { granted: false, at: later, source: "phone_changed" });
  assert.equal(res.body.consents.email.at, T0.toISOString());

  const events = await consentEvents(patient.id);
  assert.deepEqual(events.slice(3), [
    { channel: "SMS", granted: false, source: "phone_changed", at: later },
    { channel: "VOICE", granted: false, source: "phone_changed", at: later },
  ]);
  const { rows } = await ctx.deps.db.query("SELECT sms_consent, voice_consent, email_consent FROM patients WHERE id = $1", [patient.id]);
  assert.deepEqual(rows[0], { sms_consent: false, voice_consent: false, email_consent: true });

  // Restating consent with a new number keeps SMS (recorded anew for that number); voice, not restated, goes.
  const again = await aPatient(ctx, clinic, { phone: "617-555-0160", voiceConsent: true });
  const restated = await patchPatient(clinic.key, again.id, { phone: "617-555-0161", smsConsent: true });
  assert.equal(restated.body.smsConsent, true);
  assert.equal(restated.body.voiceConsent, false);
  assert.deepEqual(
    (await consentEvents(again.id)).slice(2).map((e) => [e.channel, e.granted, e.source]),
    [
      ["SMS", true, await keyActor(ctx, clinic.key)],
      ["VOICE", false, "phone_changed"],
    ],
  );

  // Changing the email revokes email consent; removing the phone revokes SMS.
  const emailChanged = await patchPatient(clinic.key, patient.id, { email: "KAY@new.example.com", smsConsent: true });
  assert.equal(emailChanged.body.email, "kay@new.example.com");
  assert.equal(emailChanged.body.emailConsent, false);
  assert.equal(emailChanged.body.consents.email.source, "email_changed");
  assert.equal(emailChanged.body.smsConsent, true);
  const phoneRemoved = await patchPatient(clinic.key, patient.id, { phone: null });
  assert.equal(phoneRemoved.status, 200);
  assert.equal(phoneRemoved.body.phone, null);
  assert.equal(phoneRemoved.body.smsConsent, false);
  // Fields a patient does not have are refused, not ignored.
  for (const body of [{ clinicId: clinic.id }, { id: again.id }, { smsconsent: true }]) {
    const unknown = await patchPatient(clinic.key, patient.id, body);
    assert.equal(unknown.status, 422, JSON.stringify(body));
    assert.deepEqual(
      unknown.body.errors.map((e: any) => e.path),
      [`/${Object.keys(body)[0]}`],
    );
  }
  // A bad phone in a PATCH changes nothing.
  const bad = await patchPatient(clinic.key, patient.id, { phone: "0000", firstName: "Changed" });
  assert.equal(bad.status, 422);
  assert.deepEqual(
    bad.body.errors.map((e: any) => e.path),
    ["/phone"],
  );
  assert.equal((await call(ctx, "GET", `/api/booking/patients/${patient.id}`, { key: clinic.key })).body.firstName, "Pat");
});

test("GET /api/booking/patients pages with limit and cursor, oldest first, this clinic only", async () => {
  const clinic = await aClinic(ctx);
  const other = await aClinic(ctx, { name: "Other" });
  await aPatient(ctx, other, { firstName: "Elsewhere" });
  const made: string[] = [];
  for (let i = 0; i < 5; i++) {
    // Two share a creation instant: the id breaks the tie, so nothing is skipped or repeated.
    if (i !== 2) ctx.clock.advanceMinutes(1);
    made.push((await aPatient(ctx, clinic, { firstName: `P${i}`, phone: `+1617555${String(170 + i).padStart(4, "0")}` })).id);
  }
  ctx.clock.set(T0);

  const seen: string[] = [];
  let cursor: string | null = null;
  const sizes: number[] = [];
  for (let page = 0; page < 10; page++) {
    const url: string = `/api/booking/patients?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await call(ctx, "GET", url, { key: clinic.key });
    assert.equal(res.status, 200);
    sizes.push(res.body.items.length);
    seen.push(...res.body.items.map((p: any) => p.id));
    cursor = res.body.nextCursor;
    if (cursor === null) break;
  }
  assert.deepEqual(sizes, [2, 2, 1]);
  assert.equal(new Set(seen).size, 5);
  assert.deepEqual(new Set(seen), new Set(made));
  // Oldest first (the two sharing an instant in id order).
  const expected = [made[0], ...[made[1]!, made[2]!].sort(), made[3], made[4]];
  assert.deepEqual(seen, expected);

  const all = await call(ctx, "GET", "/api/booking/patients?limit=200", { key: clinic.key });
  assert.equal(all.body.items.length, 5);
  assert.equal(all.body.nextCursor, null);
  assert.equal((await call(ctx, "GET", "/api/booking/patients?limit=201", { key: clinic.key })).status, 422);
  assert.equal((await call(ctx, "GET", "/api/booking/patients?limit=0", { key: clinic.key })).status, 422);
  const badCursor = await call(ctx, "GET", "/api/booking/patients?cursor=garbage", { key: clinic.key });
  assert.equal(badCursor.status, 422);
  assert.equal(badCursor.body.code, "validation_failed");
});

test("audit: patient.created / patient.updated with before and after, consent.granted / consent.revoked", async () => {
  const clinic = await aClinic(ctx);
  const actor = await keyActor(ctx, clinic.key);
  const patient = await aPatient(ctx, clinic, { phone: "617-555-0180", firstName: "Audie" });
  await patchPatient(clinic.key, patient.id, { phone: "617-555-0181", lastName: "Murphy" });

  const rows = await listAudit(ctx.deps.db, clinic.id, "patient", patient.id);
  assert.deepEqual(
    rows.map((r) => r.action),
    ["consent.granted", "patient.created", "consent.revoked", "patient.updated"],
  );
  for (const r of rows) assert.equal(r.actor, actor);
  const [granted, created, revoked, updated] = rows as [any, any, any, any];
  assert.deepEqual(granted.after, { channel: "SMS", granted: true, source: actor });
  assert.equal(created.before, null);
  assert.equal(created.after.phone, "+16175550180");
  assert.deepEqual(revoked.after, { channel: "SMS", granted: false, source: "phone_changed" });
  assert.equal(updated.before.phone, "+16175550180");
  assert.equal(updated.before.lastName, "Example");
  assert.equal(updated.after.phone, "+16175550181");
  assert.equal(updated.after.lastName, "Murphy");
  assert.equal(updated.after.consent.SMS.granted, false);

  // A refused change writes no audit row.
  await patchPatient(clinic.key, patient.id, { phone: "1" });
  assert.equal((await listAudit(ctx.deps.db, clinic.id, "patient", patient.id)).length, 4);
});

test("log privacy: names, phones and emails of patients never reach the log, on success or error paths", async () => {
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const secrets = {
    firstName: "Zebulon",
    lastName: "Quixotic-Farnsworth",
    phone: "(617) 555-0191",
    e164: "+16175550191",
    national: "6175550191",
    email: "zebulon.farnsworth@example.org",
  };
  const statuses: number[] = [];
  const track = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    statuses.push(r.status);
    return r;
  };
  const made = await track(
    post(clinic.key, {
      firstName: secrets.firstName,
      lastName: secrets.lastName,
      phone: secrets.phone,
      email: secrets.email,
      smsConsent: true,
    }),
  );
  const id = made.body.id;
  const second = await track(post(clinic.key, { firstName: "Wilhelmina", lastName: "Oyelaran", phone: "617-555-0192", email: "w.oyelaran@example.net" }));
  await track(call(ctx, "GET", `/api/booking/patients/${id}`, { key: clinic.key }));
  await track(call(ctx, "GET", "/api/booking/patients?limit=10", { key: clinic.key }));
  await track(patchPatient(clinic.key, id, { email: "Zebulon.Farnsworth@Example.ORG", lastName: secrets.lastName }));
  // Error paths: bad input that echoes patient data, unknown ids, duplicates, bad credentials.
  await track(post(clinic.key, { firstName: secrets.firstName, lastName: secrets.lastName, phone: "617-555-01", email: secrets.email }));
  await track(post(clinic.key, { firstName: secrets.firstName, lastName: secrets.lastName, email: `${secrets.email} <x>` }));
  await track(patchPatient(clinic.key, id, { phone: `${secrets.e164}999` }));
  await track(patchPatient(clinic.key, "00000000-0000-4000-8000-000000000000", { firstName: secrets.firstName }));
  await track(call(ctx, "GET", `/api/booking/patients?cursor=${encodeURIComponent(secrets.email)}`, { key: clinic.key }));
  await track(call(ctx, "GET", `/api/booking/patients/${secrets.e164}`, { key: clinic.key }));
  await track(post("bf_wrong_key", { firstName: secrets.firstName, lastName: secrets.lastName, phone: secrets.phone }));
  await track(call(ctx, "POST", "/api/booking/patients", { key: clinic.key, raw: `{"firstName":"${secrets.firstName}",`, contentType: "application/json" }));
  const appt = await anAppointment(ctx, clinic, { patientId: id, providerId: provider.id, serviceId: service.id, start: inHours(3) });
  await track(
    call(ctx, "POST", "/api/booking/appointments", {
      key: clinic.key,
      body: { patientId: second.body.id, providerId: provider.id, serviceId: service.id, start: appt.start },
    }),
  );

  assert.ok(
    statuses.every((s) => s < 500),
    `no 5xx: ${statuses.join(",")}`,
  );
  assert.ok(statuses.filter((s) => s >= 400).length >= 7, `error paths were exercised: ${statuses.join(",")}`);
  const log = ctx.logged.join("\n").toLowerCase();
  for (const value of [...Object.values(secrets), "Wilhelmina", "Oyelaran", "+16175550192", "w.oyelaran@example.net"]) {
    assert.ok(!log.includes(value.toLowerCase()), `the log mentions ${value}`);
  }
});
