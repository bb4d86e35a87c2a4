// A clinic with one row of every kind an HTTP route can name: for tests that walk every route
// (tenancy, permissions, validation).
import assert from "node:assert/strict";
import { anAppointment, anEntry, anOpening, aPatient, aStaffedClinic, call, inHours, type TestContext } from "./app.ts";

/**
 * A staffed clinic with: a BOOKED appointment (tomorrow); an OPEN opening with an ACTIVE entry that
 * fits it; a second patient whose entry holds a live offer (a notification) of a second opening;
 * and a second API key (booking:manage_waitlist).
 */
export async function aWorld(ctx: TestContext, over: { timezone?: string } = {}) {
  const s = await aStaffedClinic(ctx, over);
  const appointment = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    chairId: s.chair.id,
    serviceId: s.service.id,
    start: inHours(24),
  });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, chairId: s.chair.id, start: inHours(48), end: inHours(49) });
  const entry = await anEntry(ctx, s.clinic, {
    patientId: s.patient.id,
    serviceId: s.service.id,
    providerIds: [s.provider.id],
    chairIds: [s.chair.id],
    earliestDate: "2026-03-01",
    notes: "mornings",
  });

  const patient2 = await aPatient(ctx, s.clinic, { firstName: "Second", phone: "+16175550111" });
  const opening2 = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(72), end: inHours(73) });
  const entry2 = await anEntry(ctx, s.clinic, { patientId: patient2.id, serviceId: s.service.id });
  const notified = await call(ctx, "POST", `/api/booking/waitlist/${entry2.id}/notify`, { key: s.clinic.key, body: { slotId: opening2.id } });
  assert.equal(notified.status, 201, `aWorld: notify: ${JSON.stringify(notified.body)}`);

  const issued = await call(ctx, "POST", "/api/booking/api-keys", {
    key: s.clinic.key,
    body: { name: "front desk", permissions: ["booking:manage_waitlist"] },
  });
  assert.equal(issued.status, 201, `aWorld: api key: ${JSON.stringify(issued.body)}`);

  // A clinic closure far ahead (nothing else falls inside it).
  const closed = await call(ctx, "POST", "/api/booking/closures", { key: s.clinic.key, body: { start: inHours(500), end: inHours(502), reason: "training" } });
  assert.equal(closed.status, 201, `aWorld: closure: ${JSON.stringify(closed.body)}`);

  // An open outreach task (as when every channel failed for the live offer).
  const { rows } = await ctx.deps.db.query(
    `INSERT INTO outreach_tasks (clinic_id, offer_id, patient_id, deadline, priority, status, notes, created_at)
     VALUES ($1, $2, $3, $4, 'high', 'OPEN', 'test', $4) RETURNING id`,
    [s.clinic.id, notified.body.id, patient2.id, ctx.clock.now()],
  );

  return {
    ...s,
    outreach: { id: rows[0].id as string },
    closure: { id: closed.body.closure.id as string },
    appointment,
    opening,
    entry,
    patient2,
    opening2,
    entry2,
    offer: notified.body as { id: string },
    apiKey: { id: issued.body.id as string, key: issued.body.apiKey as string },
  };
}
export type World = Awaited<ReturnType<typeof aWorld>>;

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** [method, url] of a "METHOD /path/:param" route, its path parameters set to `id` (several: in order). */
export function request(route: string, id?: string | string[]): [Method, string] {
  const [method, path] = route.split(" ") as [Method, string];
  const ids = id === undefined ? [] : [id].flat();
  let i = 0;
  return [method, path.replace(/:\w+/g, (param) => ids[i++] ?? param)];
}

/** The routes of the OpenAPI document under `prefixes`, as "METHOD /path/:param", sorted. */
export async function documentedRoutes(ctx: TestContext, prefixes: string[], which: (op: Record<string, any>) => boolean = () => true): Promise<string[]> {
  const docs = await call(ctx, "GET", "/docs/json");
  assert.equal(docs.status, 200);
  return Object.entries(docs.body.paths as Record<string, Record<string, Record<string, any>>>)
    .filter(([path]) => prefixes.some((p) => path.startsWith(p)))
    .flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => which(op))
        .map(([m]) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    )
    .sort();
}
