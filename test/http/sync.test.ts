// Sync by external id (API.md "Connecting the clinic's own systems"): PUT …/external/:externalId creates (201),
// updates (200) or leaves unchanged (200, nothing written: the row's xmin, the audit log and the events outbox
// stay as they were), with the outcome in the Backfill-Sync header; ?dryRun=true writes nothing; external ids
// are unique per clinic and kind (409), filterable (?externalId=), usable as references (unknown → 404 naming
// the field), and never cross clinics. A fast-check property: any sequence of PUTs of one external id
// converges to the last body, with one audit row and one event per PUT that changed something.
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "node:test";
import { aClinic, aPatient, aService, call, inHours, T0, testApp, type Reply } from "../harness/app.ts";

const ctx = await testApp();

type Clinic = Awaited<ReturnType<typeof aClinic>>;

const tick = (ms: number) => ctx.clock.set(new Date(ctx.clock.now().getTime() + ms));

const put = (c: { key: string }, path: string, body: unknown, query = "") => call(ctx, "PUT", `/api/booking/${path}${query}`, { key: c.key, body });

function assertSynced(res: Reply, outcome: "created" | "updated" | "unchanged", what: string) {
  assert.equal(res.status, outcome === "created" ? 201 : 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.headers["backfill-sync"], outcome, what);
}

function assertProblem(res: Reply, status: number, code: string, paths: string[], what: string) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, what);
  assert.deepEqual(
    [...new Set((res.body.errors ?? []).map((e: { path: string }) => e.path))].sort(),
    [...paths].sort(),
    `${what}: ${JSON.stringify(res.body.errors)}`,
  );
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ctx.deps.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0].n;
}

const auditRows = (entityId: string, actions?: string[]) =>
  count("audit_log WHERE entity_id = $1 AND ($2::text[] IS NULL OR action = ANY($2))", [entityId, actions ?? null]);
const events = (entityId: string, type?: string) => count("webhook_events WHERE entity_id = $1 AND ($2::text IS NULL OR type = $2)", [entityId, type ?? null]);
const clinicRows = (table: string, clinicId: string) => count(`${table} WHERE clinic_id = $1`, [clinicId]);

/** The row's version: an UPDATE (even one that changes nothing) gives it a new xmin. */
async function version(table: string, id: string): Promise<string> {
  const { rows } = await ctx.deps.db.query(`SELECT xmin::text AS v FROM ${table} WHERE id = $1`, [id]);
  return rows[0].v;
}

/** Every event of the clinic is written to the outbox (webhook_events) once it has an endpoint taking '*'. */
async function listening(clinic: Clinic) {
  await ctx.deps.db.query(
    `INSERT INTO webhook_endpoints (clinic_id, url, events, secret, created_at, updated_at)
     VALUES ($1, 'https://hooks.example.com/backfill', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=', $2, $2)`,
    [clinic.id, T0],
  );
}

async function aListeningClinic() {
  const clinic = await aClinic(ctx);
  await listening(clinic);
  return clinic;
}

// ---------------------------------------------------------------------------------------------------------
// Patients

test("patients: create 201, the same body again 200 unchanged with nothing written, a change 200 updated", async () => {
  const clinic = await aListeningClinic();
  const body = { firstName: " Ada ", lastName: "Lovelace", phone: "(617) 555-0142", email: "Ada@Example.COM", smsConsent: true };
  const made = await put(clinic, "patients/external/pms-1", body);
  assertSynced(made, "created", "first PUT");
  assert.equal(made.body.externalId, "pms-1");
  assert.equal(made.body.phone, "+16175550142");
  assert.equal(made.body.firstName, "Ada");
  assert.equal(made.body.consents.sms.source, "sync");
  const id = made.body.id;
  assert.equal(await auditRows(id, ["patient.created"]), 1);
  assert.equal(await events(id, "patient.consent_changed"), 1);

  // The same body, and the same patient written differently (already normalised): nothing at all is written.
  const v = await version("patients", id);
  const audits = await auditRows(id);
  const evs = await events(id);
  for (const again of [
    body,
    { firstName: "Ada", lastName: "Lovelace ", phone: "+16175550142", email: "ada@example.com", smsConsent: true, externalId: "pms-1" },
  ]) {
    tick(60_000);
    const same = await put(clinic, "patients/external/pms-1", again);
    assertSynced(same, "unchanged", JSON.stringify(again));
    assert.equal(same.body.id, id);
    assert.equal(same.body.updatedAt, made.body.updatedAt);
  }
  assert.equal(await version("patients", id), v, "no UPDATE ran");
  assert.equal(await auditRows(id), audits);
  assert.equal(await events(id), evs);

  // A change: audited as the native edit, consent withdrawn recorded with source "sync", one event.
  tick(60_000);
  const changed = await put(clinic, "patients/external/pms-1", { ...body, smsConsent: false, timezone: "America/Chicago" });
  assertSynced(changed, "updated", "changed body");
  assert.equal(changed.body.id, id);
  assert.equal(changed.body.smsConsent, false);
  assert.equal(changed.body.timezone, "America/Chicago");
  assert.equal(await auditRows(id, ["patient.updated"]), 1);
  assert.equal(await auditRows(id, ["consent.revoked"]), 1);
  assert.equal(await events(id, "patient.consent_changed"), 2);
  const { rows: consent } = await ctx.deps.db.query("SELECT channel, granted, source FROM consent_events WHERE patient_id = $1 ORDER BY id", [id]);
  assert.deepEqual(consent, [
    { channel: "SMS", granted: true, source: "sync" },
    { channel: "SMS", granted: false, source: "sync" },
  ]);

  // A PUT is the full representation: what it leaves out takes POST's default (email → null).
  const lean = await put(clinic, "patients/external/pms-1", { firstName: "Ada", lastName: "Lovelace", phone: "+16175550142", timezone: "America/Chicago" });
  assertSynced(lean, "updated", "email left out");
  assert.equal(lean.body.email, null);
});

test("patients: a bad body is refused with nothing written; a body externalId must be the path's", async () => {
  const clinic = await aClinic(ctx);
  const before = await clinicRows("patients", clinic.id);
  assertProblem(
    await put(clinic, "patients/external/pms-x", { firstName: "A", lastName: "B", phone: "12" }),
    422,
    "validation_failed",
    ["/phone"],
    "bad phone",
  );
  assertProblem(
    await put(clinic, "patients/external/pms-x", { firstName: "A", lastName: "B", externalId: "pms-y" }),
    422,
    "validation_failed",
    ["/externalId"],
    "mismatch",
  );
  assert.equal(await clinicRows("patients", clinic.id), before);
  // An external id over 128 characters is no record of ours (the path).
  const long = await put(clinic, `patients/external/${"x".repeat(129)}`, { firstName: "A", lastName: "B" });
  assert.equal(long.status, 404);
  const max = await put(clinic, `patients/external/${"é".repeat(128)}`, { firstName: "A", lastName: "B" });
  assertSynced(max, "created", "128 characters");
  assert.equal(max.body.externalId, "é".repeat(128));
});

// ---------------------------------------------------------------------------------------------------------
// Providers, chairs, services

test("providers and chairs: create, unchanged (trimmed name), rename audited", async () => {
  const clinic = await aClinic(ctx);
  for (const table of ["providers", "chairs"] as const) {
    const entity = table === "providers" ? "provider" : "chair";
    const made = await put(clinic, `${table}/external/r-1`, { name: "Dr Who" });
    assertSynced(made, "created", table);
    assert.equal(made.body.externalId, "r-1");
    const v = await version(table, made.body.id);
    assertSynced(await put(clinic, `${table}/external/r-1`, { name: "  Dr Who " }), "unchanged", `${table} same`);
    assert.equal(await version(table, made.body.id), v);
    assert.equal(await auditRows(made.body.id), 1);
    const renamed = await put(clinic, `${table}/external/r-1`, { name: "Dr Who II" });
    assertSynced(renamed, "updated", `${table} renamed`);
    assert.equal(renamed.body.name, "Dr Who II");
    assert.equal(renamed.body.id, made.body.id);
    assert.equal(await auditRows(made.body.id, [`${entity}.updated`]), 1);
    const listed = await call(ctx, "GET", `/api/booking/${table}?externalId=r-1`, { key: clinic.key });
    assert.deepEqual(
      listed.body.items.map((r: { id: string; name: string }) => [r.id, r.name]),
      [[made.body.id, "Dr Who II"]],
    );
  }
});

test("services: the category compares lower-cased as stored; a price change is an update", async () => {
  const clinic = await aClinic(ctx);
  const body = { name: "Cleaning", category: "Hygiene", durationMinutes: 30, priceCents: 9000 };
  const made = await put(clinic, "services/external/s-1", body);
  assertSynced(made, "created", "service");
  assert.equal(made.body.category, "hygiene");
  assertSynced(await put(clinic, "services/external/s-1", { ...body, category: "hygiene " }), "unchanged", "same, cased differently");
  const dearer = await put(clinic, "services/external/s-1", { ...body, priceCents: 9500 });
  assertSynced(dearer, "updated", "price");
  assert.equal(dearer.body.priceCents, 9500);
  assert.equal(await auditRows(made.body.id, ["service.updated"]), 1);
  assert.equal(await auditRows(made.body.id), 2);
});

// ---------------------------------------------------------------------------------------------------------
// Waitlist entries

async function aSyncedClinic() {
  const clinic = await aListeningClinic();
  const patient = (await put(clinic, "patients/external/p-1", { firstName: "Pat", lastName: "Example", phone: "+16175550100", smsConsent: true })).body;
  const other = (await put(clinic, "patients/external/p-2", { firstName: "Sam", lastName: "Other", phone: "+16175550101" })).body;
  const service = (await put(clinic, "services/external/s-1", { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000 })).body;
  const drA = (await put(clinic, "providers/external/dr-a", { name: "Dr A" })).body;
  const drB = (await put(clinic, "providers/external/dr-b", { name: "Dr B" })).body;
  const chair = (await put(clinic, "chairs/external/c-1", { name: "Chair 1" })).body;
  return { clinic, patient, other, service, drA, drB, chair };
}

test("waitlist: references by external id; create, unchanged (normalised), update with PATCH's rules; events only on change", async () => {
  const s = await aSyncedClinic();
  const body = {
    patientExternalId: "p-1",
    serviceExternalId: "s-1",
    providerExternalIds: ["dr-b", "dr-a"],
    chairExternalIds: ["c-1"],
    windows: [{ weekdays: [3, 1], start: "09:00", end: "12:00" }],
    notes: " mornings ",
  };
  const made = await put(s.clinic, "waitlist/external/w-1", body);
  assertSynced(made, "created", "entry");
  assert.equal(made.body.patientId, s.patient.id);
  assert.equal(made.body.serviceId, s.service.id);
  assert.deepEqual(made.body.providerIds, [s.drB.id, s.drA.id]);
  assert.deepEqual(made.body.chairIds, [s.chair.id]);
  assert.deepEqual(made.body.windows, [{ weekdays: [1, 3], start: "09:00", end: "12:00" }]);
  assert.equal(made.body.notes, "mornings");
  assert.equal(made.body.externalId, "w-1");
  const id = made.body.id;
  assert.equal(await events(id, "waitlist_entry.created"), 1);

  // The same entry by ids, weekdays in order, notes trimmed: unchanged, nothing written.
  const v = await version("waitlist_entries", id);
  const byIds = {
    patientId: s.patient.id,
    serviceId: s.service.id,
    providerIds: [s.drB.id, s.drA.id],
    chairIds: [s.chair.id],
    windows: [{ weekdays: [1, 3], start: "09:00", end: "12:00" }],
    notes: "mornings",
    priority: "normal",
    minNoticeMinutes: 0,
  };
  for (const again of [body, byIds]) assertSynced(await put(s.clinic, "waitlist/external/w-1", again), "unchanged", JSON.stringify(again));
  assert.equal(await version("waitlist_entries", id), v);
  assert.equal(await auditRows(id), 1);
  assert.equal(await events(id), 1);

  // The provider order is the preference: a change. Left-out windows go to [] (the full representation).
  const updated = await put(s.clinic, "waitlist/external/w-1", { ...byIds, providerIds: [s.drA.id, s.drB.id], windows: undefined, priority: "high" });
  assertSynced(updated, "updated", "entry changed");
  assert.deepEqual(updated.body.providerIds, [s.drA.id, s.drB.id]);
  assert.deepEqual(updated.body.windows, []);
  assert.equal(updated.body.priority, "high");
  assert.equal(await auditRows(id, ["waitlist_entry.updated"]), 1);
  assert.equal(await events(id, "waitlist_entry.updated"), 1);

  // The patient of an entry is fixed; a closed entry is PATCH's 409; unchanged still answers 200.
  assertProblem(
    await put(s.clinic, "waitlist/external/w-1", { ...byIds, patientExternalId: "p-2", patientId: undefined }),
    422,
    "validation_failed",
    ["/patientExternalId"],
    "other patient",
  );
  assert.equal((await call(ctx, "DELETE", `/api/booking/waitlist/${id}`, { key: s.clinic.key })).status, 200);
  const removedBody = { ...byIds, providerIds: [s.drA.id, s.drB.id], windows: undefined, priority: "high" };
  assertSynced(await put(s.clinic, "waitlist/external/w-1", removedBody), "unchanged", "removed entry, same body");
  assertProblem(await put(s.clinic, "waitlist/external/w-1", { ...removedBody, priority: "urgent" }), 409, "conflict", [], "removed entry, changed");
});

test("waitlist: unknown or doubled references are named; neither form of a required one is 422 at the id field", async () => {
  const s = await aSyncedClinic();
  const base = { patientExternalId: "p-1", serviceExternalId: "s-1" };
  assertProblem(
    await put(s.clinic, "waitlist/external/w-2", { ...base, providerExternalIds: ["dr-a", "dr-nope", "dr-b"], chairExternalIds: ["c-nope"] }),
    404,
    "not_found",
    ["/providerExternalIds/1", "/chairExternalIds/0"],
    "unknown in lists",
  );
  assertProblem(
    await put(s.clinic, "waitlist/external/w-2", { ...base, serviceExternalId: "s-nope" }),
    404,
    "not_found",
    ["/serviceExternalId"],
    "unknown service",
  );
  assertProblem(
    await put(s.clinic, "waitlist/external/w-2", { ...base, serviceId: s.service.id }),
    422,
    "validation_failed",
    ["/serviceExternalId"],
    "both forms",
  );
  assertProblem(await put(s.clinic, "waitlist/external/w-2", { serviceExternalId: "s-1" }), 422, "validation_failed", ["/patientId"], "no patient");
  // POST takes the same references.
  const posted = await call(ctx, "POST", "/api/booking/waitlist", {
    key: s.clinic.key,
    body: { ...base, providerExternalIds: ["dr-a"], externalId: "w-posted" },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  assert.deepEqual(posted.body.providerIds, [s.drA.id]);
  assertProblem(
    await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { ...base, patientExternalId: "p-nope" } }),
    404,
    "not_found",
    ["/patientExternalId"],
    "POST unknown patient",
  );
  assertProblem(
    await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { priority: 5 } }),
    422,
    "validation_failed",
    ["/patientId", "/serviceId", "/priority"],
    "POST: every bad field",
  );
  // PATCH too, and it can set or clear the entry's externalId.
  const patched = await call(ctx, "PATCH", `/api/booking/waitlist/${posted.body.id}`, {
    key: s.clinic.key,
    body: { providerExternalIds: ["dr-b"], externalId: null },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.deepEqual(patched.body.providerIds, [s.drB.id]);
  assert.equal(patched.body.externalId, null);
  assertProblem(
    await call(ctx, "PATCH", `/api/booking/waitlist/${posted.body.id}`, { key: s.clinic.key, body: { serviceExternalId: "s-nope" } }),
    404,
    "not_found",
    ["/serviceExternalId"],
    "PATCH unknown service",
  );
});

// ---------------------------------------------------------------------------------------------------------
// Dry runs, duplicates, filters, appointments' references, tenancy, permissions, races

test("dryRun: the outcome, status and header as the real run, and nothing written (no row, no audit, no event)", async () => {
  const clinic = await aListeningClinic();
  const counts = async () => [
    await clinicRows("patients", clinic.id),
    await clinicRows("audit_log", clinic.id),
    await clinicRows("webhook_events", clinic.id),
    await clinicRows("consent_events", clinic.id),
  ];
  const body = { firstName: "Dry", lastName: "Run", phone: "+16175550142", smsConsent: true };
  const before = await counts();
  const dry = await put(clinic, "patients/external/dry-1", body, "?dryRun=true");
  assertSynced(dry, "created", "dry create");
  assert.equal(dry.body.externalId, "dry-1");
  assert.deepEqual(await counts(), before);
  assert.equal((await call(ctx, "GET", "/api/booking/patients?externalId=dry-1", { key: clinic.key })).body.items.length, 0);

  const real = await put(clinic, "patients/external/dry-1", body, "?dryRun=false");
  assertSynced(real, "created", "real create");
  const after = await counts();
  const v = await version("patients", real.body.id);
  const dryUpdate = await put(clinic, "patients/external/dry-1", { ...body, smsConsent: false }, "?dryRun=true");
  assertSynced(dryUpdate, "updated", "dry update");
  assert.equal(dryUpdate.body.smsConsent, false);
  assert.deepEqual(await counts(), after);
  assert.equal(await version("patients", real.body.id), v);
  assert.equal((await call(ctx, "GET", `/api/booking/patients/${real.body.id}`, { key: clinic.key })).body.smsConsent, true);
  assertSynced(await put(clinic, "patients/external/dry-1", body, "?dryRun=true"), "unchanged", "dry unchanged");
  // A refused dry run is refused as the real one.
  assertProblem(await put(clinic, "patients/external/dry-1", { ...body, phone: "12" }, "?dryRun=true"), 422, "validation_failed", ["/phone"], "dry refusal");
  assert.equal((await put(clinic, "patients/external/dry-1", body, "?dryRun=maybe")).status, 422);
});

test("duplicates: POST or PATCH with an external id the kind already has → 409 conflict naming externalId; other kinds may share it", async () => {
  const clinic = await aClinic(ctx);
  const first = await aPatient(ctx, clinic, { externalId: "dup-1" });
  assert.equal(first.externalId, "dup-1");
  const cases: [string, string, object][] = [
    ["POST", "/api/booking/patients", { firstName: "A", lastName: "B", externalId: "dup-1" }],
    ["PATCH", `/api/booking/patients/${(await aPatient(ctx, clinic)).id}`, { externalId: "dup-1" }],
  ];
  for (const table of ["providers", "chairs"]) {
    assert.equal((await call(ctx, "POST", `/api/booking/${table}`, { key: clinic.key, body: { name: "X", externalId: "dup-1" } })).status, 201);
    cases.push(["POST", `/api/booking/${table}`, { name: "Y", externalId: "dup-1" }]);
  }
  const service = await aService(ctx, clinic, { externalId: "dup-1" });
  cases.push(["POST", "/api/booking/services", { name: "S", category: "c", durationMinutes: 30, priceCents: 0, externalId: "dup-1" }]);
  const entry = { patientId: first.id, serviceId: service.id };
  assert.equal((await call(ctx, "POST", "/api/booking/waitlist", { key: clinic.key, body: { ...entry, externalId: "dup-1" } })).status, 201);
  cases.push(["POST", "/api/booking/waitlist", { ...entry, externalId: "dup-1" }]);
  const second = await call(ctx, "POST", "/api/booking/waitlist", { key: clinic.key, body: entry });
  cases.push(["PATCH", `/api/booking/waitlist/${second.body.id}`, { externalId: "dup-1" }]);

  const rows = async () => Promise.all(["patients", "providers", "chairs", "services", "waitlist_entries", "audit_log"].map((t) => clinicRows(t, clinic.id)));
  const before = await rows();
  for (const [method, url, body] of cases) {
    assertProblem(await call(ctx, method as "POST" | "PATCH", url, { key: clinic.key, body }), 409, "conflict", ["/externalId"], `${method} ${url}`);
  }
  assert.deepEqual(await rows(), before, "nothing half-written");
  // PATCH null clears a patient's external id, and then another may take it.
  const cleared = await call(ctx, "PATCH", `/api/booking/patients/${first.id}`, { key: clinic.key, body: { externalId: null } });
  assert.equal(cleared.status, 200);
  assert.equal(cleared.body.externalId, null);
  assert.equal(
    (await call(ctx, "POST", "/api/booking/patients", { key: clinic.key, body: { firstName: "A", lastName: "B", externalId: "dup-1" } })).status,
    201,
  );
});

test("?externalId= filters every list (patients, providers, chairs, services, waitlist, appointments)", async () => {
  const s = await aSyncedClinic();
  await put(s.clinic, "waitlist/external/w-1", { patientExternalId: "p-1", serviceExternalId: "s-1" });
  await put(s.clinic, "waitlist/external/w-2", { patientExternalId: "p-2", serviceExternalId: "s-1" });
  const appt = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { patientExternalId: "p-1", providerExternalId: "dr-a", chairExternalId: "c-1", serviceExternalId: "s-1", start: inHours(48) },
  });
  assert.equal(appt.status, 201, JSON.stringify(appt.body));
  assert.equal(appt.body.patientId, s.patient.id);
  assert.equal(appt.body.providerId, s.drA.id);
  assert.equal(appt.body.chairId, s.chair.id);
  assert.equal(appt.body.externalId, null);
  await ctx.deps.db.query("UPDATE appointments SET external_id = 'a-1' WHERE id = $1", [appt.body.id]);
  await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { patientId: s.other.id, providerId: s.drB.id, serviceId: s.service.id, start: inHours(48) },
  });

  const lists: [string, string, string][] = [
    ["patients", "p-2", s.other.id],
    ["providers", "dr-b", s.drB.id],
    ["chairs", "c-1", s.chair.id],
    ["services", "s-1", s.service.id],
    ["appointments", "a-1", appt.body.id],
  ];
  for (const [list, externalId, id] of lists) {
    const all = await call(ctx, "GET", `/api/booking/${list}`, { key: s.clinic.key });
    assert.ok(all.body.items.length >= 1);
    const one = await call(ctx, "GET", `/api/booking/${list}?externalId=${externalId}`, { key: s.clinic.key });
    assert.equal(one.status, 200);
    assert.deepEqual(
      one.body.items.map((r: { id: string }) => r.id),
      [id],
      list,
    );
    assert.equal(one.body.items[0].externalId, externalId);
    const none = await call(ctx, "GET", `/api/booking/${list}?externalId=nope`, { key: s.clinic.key });
    assert.deepEqual(none.body.items, [], `${list} none`);
  }
  const entries = await call(ctx, "GET", "/api/booking/waitlist?externalId=w-2", { key: s.clinic.key });
  assert.deepEqual(
    entries.body.items.map((e: { patientId: string }) => e.patientId),
    [s.other.id],
  );
  assert.equal((await call(ctx, "GET", `/api/booking/patients?externalId=${"x".repeat(129)}`, { key: s.clinic.key })).status, 422);
});

test("appointments: POST names its references by external id; unknown → 404 naming the field, both → 422, neither → 422", async () => {
  const s = await aSyncedClinic();
  const book = (body: object) => call(ctx, "POST", "/api/booking/appointments", { key: s.clinic.key, body: { start: inHours(72), ...body } });
  const refs = { patientExternalId: "p-1", providerExternalId: "dr-a", serviceExternalId: "s-1" };
  assertProblem(
    await book({ ...refs, providerExternalId: "dr-nope", chairExternalId: "c-nope" }),
    404,
    "not_found",
    ["/providerExternalId", "/chairExternalId"],
    "unknown",
  );
  assertProblem(await book({ ...refs, patientId: s.patient.id }), 422, "validation_failed", ["/patientExternalId"], "both");
  assertProblem(await book({ serviceExternalId: "s-1" }), 422, "validation_failed", ["/patientId", "/providerId"], "neither");
  assertProblem(await book({ start: "soon" }), 422, "validation_failed", ["/patientId", "/providerId", "/serviceId", "/start"], "every bad field at once");
  const ok = await book({ ...refs, chairExternalId: null });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.chairId, null);
});

test("tenancy: another clinic's external ids are not found as references, and a PUT of the same id makes this clinic's own record", async () => {
  const a = await aSyncedClinic();
  const b = await aClinic(ctx);
  assertProblem(
    await call(ctx, "POST", "/api/booking/waitlist", { key: b.key, body: { patientExternalId: "p-1", serviceExternalId: "s-1" } }),
    404,
    "not_found",
    ["/patientExternalId", "/serviceExternalId"],
    "A's ids from B",
  );
  const mine = await put(b, "patients/external/p-1", { firstName: "Bea", lastName: "Other" });
  assertSynced(mine, "created", "B's own p-1");
  assert.notEqual(mine.body.id, a.patient.id);
  const theirs = await call(ctx, "GET", `/api/booking/patients/${a.patient.id}`, { key: a.clinic.key });
  assert.equal(theirs.body.firstName, "Pat");
  assert.deepEqual(
    (await call(ctx, "GET", "/api/booking/patients?externalId=p-1", { key: b.key })).body.items.map((p: { id: string }) => p.id),
    [mine.body.id],
  );
});

test("permissions: booking:manage_schedule for patients, providers, chairs, services; booking:manage_waitlist for the waitlist", async () => {
  const s = await aSyncedClinic();
  const keyWith = async (permission: string) =>
    (await call(ctx, "POST", "/api/booking/api-keys", { key: s.clinic.key, body: { name: permission, permissions: [permission] } })).body.apiKey as string;
  const waitlistOnly = { key: await keyWith("booking:manage_waitlist") };
  const scheduleOnly = { key: await keyWith("booking:manage_schedule") };
  const entry = { patientExternalId: "p-1", serviceExternalId: "s-1" };
  assert.equal((await put(waitlistOnly, "patients/external/p-9", { firstName: "A", lastName: "B" })).status, 403);
  assert.equal((await put(waitlistOnly, "services/external/s-9", { name: "X", category: "x", durationMinutes: 30, priceCents: 0 })).status, 403);
  assert.equal((await put(scheduleOnly, "waitlist/external/w-9", entry)).status, 403);
  assertSynced(await put(waitlistOnly, "waitlist/external/w-9", entry), "created", "waitlist key");
  assertSynced(await put(scheduleOnly, "chairs/external/c-9", { name: "Chair 9" }), "created", "schedule key");
  assert.equal((await call(ctx, "PUT", "/api/booking/providers/external/dr-a", { body: { name: "X" } })).status, 401);
});

test("races: 12 PUTs of one new external id at once never 5xx; one creates, the rest update or find it unchanged", async () => {
  const clinic = await aClinic(ctx);
  for (const [path, bodyOf] of [
    ["patients/external/race-1", (i: number) => ({ firstName: `Racer${i % 2}`, lastName: "R" })],
    ["providers/external/race-1", (i: number) => ({ name: `Dr ${i % 3}` })],
  ] as const) {
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => put(clinic, path, bodyOf(i))));
    for (const r of replies) assert.ok(r.status === 200 || r.status === 201 || r.status === 409, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(replies.filter((r) => r.status === 201).length, 1, path);
    const list = path.split("/")[0];
    const found = await call(ctx, "GET", `/api/booking/${list}?externalId=race-1`, { key: clinic.key });
    assert.equal(found.body.items.length, 1, path);
  }
});

// ---------------------------------------------------------------------------------------------------------
// The property: any sequence of PUTs of one external id converges to the last body, and writes one audit
// row and one event per PUT that changed the record (none for one that did not).

test("property: waitlist PUT sequences converge to the last body; audit rows and events = PUTs that changed something", async () => {
  const s = await aSyncedClinic();
  // [normal form, body]: bodies with the same normal form are the same entry written differently.
  const pool: [string, object][] = [
    ["plain", { patientExternalId: "p-1", serviceExternalId: "s-1" }],
    ["plain", { patientId: s.patient.id, serviceExternalId: "s-1", windows: [], priority: "normal", notes: "  " }],
    ["high", { patientExternalId: "p-1", serviceExternalId: "s-1", priority: "high" }],
    ["window", { patientExternalId: "p-1", serviceExternalId: "s-1", windows: [{ weekdays: [5, 2], start: "08:00", end: "10:00" }] }],
    ["window", { patientExternalId: "p-1", serviceId: s.service.id, windows: [{ weekdays: [2, 5], start: "08:00", end: "10:00" }] }],
    ["drs", { patientExternalId: "p-1", serviceExternalId: "s-1", providerExternalIds: ["dr-a", "dr-b"], notes: "call first" }],
    ["drs", { patientExternalId: "p-1", serviceExternalId: "s-1", providerIds: [s.drA.id, s.drB.id], notes: " call first " }],
    ["drs-swapped", { patientExternalId: "p-1", serviceExternalId: "s-1", providerExternalIds: ["dr-b", "dr-a"], notes: "call first" }],
  ];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 8 }), async (picks) => {
      const externalId = `prop-${++run}`;
      let state: string | null = null;
      let changes = 0;
      let last: Reply | null = null;
      for (const i of picks) {
        const [form, body] = pool[i]!;
        tick(1000);
        last = await put(s.clinic, `waitlist/external/${externalId}`, body);
        const expected = state === null ? "created" : state === form ? "unchanged" : "updated";
        assertSynced(last, expected, `${externalId} ${form}`);
        if (expected !== "unchanged") changes++;
        state = form;
      }
      const id = last!.body.id;
      // Converged: the stored entry is what the last body says (read back, normalised).
      const stored = (await call(ctx, "GET", `/api/booking/waitlist/${id}`, { key: s.clinic.key })).body;
      const lastBody = pool[picks.at(-1)!]!;
      const fresh = await put(s.clinic, `waitlist/external/${externalId}`, lastBody[1], "?dryRun=true");
      assertSynced(fresh, "unchanged", "the last body is the stored state");
      assert.deepEqual(fresh.body, stored);
      assert.equal(await auditRows(id), changes, `audit rows for ${JSON.stringify(picks)}`);
      assert.equal(await events(id), changes, `events for ${JSON.stringify(picks)}`);
      assert.equal(await events(id, "waitlist_entry.created"), 1);
    }),
    { numRuns: 25 },
  );
});

test("property: patient PUT sequences converge; one patient.* audit row per change, consent events and outbox rows only for consent changes", async () => {
  const clinic = await aListeningClinic();
  // [normal form, sms consent, body]
  const pool: [string, boolean, object][] = [
    ["ada", false, { firstName: "Ada", lastName: "Lovelace", phone: "+16175550142" }],
    ["ada", false, { firstName: " Ada", lastName: "Lovelace ", phone: "(617) 555-0142", smsConsent: false }],
    ["ada-sms", true, { firstName: "Ada", lastName: "Lovelace", phone: "617-555-0142", smsConsent: true }],
    ["ada-sms", true, { firstName: "Ada", lastName: "Lovelace", phone: "+1 617 555 0142", smsConsent: true }],
    ["ada-mail", false, { firstName: "Ada", lastName: "Lovelace", phone: "+16175550142", email: "ADA@example.com" }],
    ["ada-mail", false, { firstName: "Ada", lastName: "Lovelace", phone: "+16175550142", email: "ada@example.com" }],
    ["byron", false, { firstName: "Ada", lastName: "Byron", phone: "+16175550142" }],
  ];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 8 }), async (picks) => {
      const externalId = `prop-patient-${++run}`;
      let state: string | null = null;
      let sms = false;
      let changes = 0;
      let consentChanges = 0;
      let last: Reply | null = null;
      for (const i of picks) {
        const [form, consent, body] = pool[i]!;
        tick(1000);
        last = await put(clinic, `patients/external/${externalId}`, body);
        const expected = state === null ? "created" : state === form ? "unchanged" : "updated";
        assertSynced(last, expected, `${externalId} ${form}`);
        if (expected !== "unchanged") changes++;
        if (consent !== sms) consentChanges++;
        state = form;
        sms = consent;
      }
      const id = last!.body.id;
      const fresh = await put(clinic, `patients/external/${externalId}`, pool[picks.at(-1)!]![2], "?dryRun=true");
      assertSynced(fresh, "unchanged", "the last body is the stored state");
      assert.equal(await auditRows(id, ["patient.created", "patient.updated"]), changes);
      assert.equal(await auditRows(id, ["consent.granted", "consent.revoked"]), consentChanges);
      assert.equal(await count("consent_events WHERE patient_id = $1 AND source = 'sync'", [id]), consentChanges);
      assert.equal(await events(id, "patient.consent_changed"), consentChanges);
    }),
    { numRuns: 25 },
  );
});
