// Tenancy: a clinic's key never reaches another clinic's rows. Every id of another clinic answers 404
// not_found (never 403: existence is not leaked) and changes nothing, whether it is in the path or the body,
// and no list shows another clinic's rows. The matrices are tables: adding a route is one line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aChair, aPatient, aProvider, aService, call, inHours, testApp, type Reply, type TestContext } from "../harness/app.ts";
import { aWorld, request, type World } from "../harness/world.ts";

const ctx = await testApp();

/** Everything clinic A can see of its own rows, to compare before and after clinic B's attempts. */
async function snapshot(ctx: TestContext, w: World) {
  const k = { key: w.clinic.key };
  const get = async (url: string) => {
    const r = await call(ctx, "GET", url, k);
    assert.equal(r.status, 200, `GET ${url} as the owner: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE clinic_id = $1", [w.clinic.id]);
  return {
    patient: await get(`/api/booking/patients/${w.patient.id}`),
    appointment: await get(`/api/booking/appointments/${w.appointment.id}`),
    opening: await get(`/api/booking/openings/${w.opening.id}`),
    entry: await get(`/api/booking/waitlist/${w.entry.id}`),
    entry2: await get(`/api/booking/waitlist/${w.entry2.id}`),
    opening2: await get(`/api/booking/openings/${w.opening2.id}`),
    notifications: await get("/api/booking/waitlist/notifications?limit=200"),
    match: await get(`/api/booking/waitlist/match/${w.opening.id}`),
    appointments: await get("/api/booking/appointments?limit=200"),
    openings: await get("/api/booking/openings?limit=200"),
    closures: await get("/api/booking/closures?limit=200"),
    waitlist: await get("/api/booking/waitlist?limit=200"),
    apiKeys: await get("/api/booking/api-keys"),
    auditRows: rows[0].n as number,
    secondKeyWorks: (await call(ctx, "GET", "/api/booking/waitlist", { key: w.apiKey.key })).status,
  };
}

function assertNotFound(res: Reply, what: string) {
  assert.equal(res.status, 404, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, "not_found", what);
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, what);
  // The route exists: this is the row's 404, not the router's.
  assert.doesNotMatch(String(res.body.detail), /^no route/, `${what}: the route itself is missing`);
}

// ---------------------------------------------------------------------------------------------------------
// Ids in the path

interface IdRoute {
  /** "METHOD /path/:id" */
  route: string;
  /** The row of clinic `w` that `:id` names. */
  id: (w: World) => string;
  body?: (w: World) => object;
}

const ID_ROUTES: IdRoute[] = [
  { route: "GET /api/booking/patients/:id", id: (w) => w.patient.id },
  { route: "PATCH /api/booking/patients/:id", id: (w) => w.patient.id, body: () => ({ firstName: "Mallory", phone: null }) },
  { route: "GET /api/booking/patients/:id/charges", id: (w) => w.patient.id },
  { route: "GET /api/booking/appointments/:id", id: (w) => w.appointment.id },
  { route: "POST /api/booking/appointments/:id/cancel", id: (w) => w.appointment.id, body: () => ({ by: "staff", reason: "x" }) },
  { route: "POST /api/booking/appointments/:id/check-in", id: (w) => w.appointment.id },
  { route: "GET /api/booking/openings/:id", id: (w) => w.opening.id },
  { route: "DELETE /api/booking/closures/:id", id: (w) => w.closure.id },
  { route: "GET /api/booking/waitlist/:id", id: (w) => w.entry.id },
  { route: "PATCH /api/booking/waitlist/:id", id: (w) => w.entry.id, body: () => ({ notes: "moved", priority: "urgent" }) },
  { route: "DELETE /api/booking/waitlist/:id", id: (w) => w.entry.id },
  { route: "DELETE /api/booking/api-keys/:id", id: (w) => w.apiKey.id },
  { route: "POST /api/booking/waitlist/:id/notify", id: (w) => w.entry.id, body: (w) => ({ slotId: w.opening.id }) },
  { route: "POST /api/booking/waitlist/:id/book", id: (w) => w.entry.id, body: (w) => ({ slotId: w.opening.id }) },
  { route: "GET /api/booking/waitlist/match/:slotId", id: (w) => w.opening.id },
  { route: "PUT /api/booking/waitlist/notifications/:id/response", id: (w) => w.offer.id, body: () => ({ response: "DECLINED" }) },
  { route: "POST /api/booking/outreach-tasks/:id/complete", id: (w) => w.outreach.id, body: () => ({ outcome: "NO_ANSWER" }) },
];

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

for (const r of ID_ROUTES) {
  test(`tenancy: ${r.route} with another clinic's id is 404 not_found and changes nothing`, async () => {
    const a = await aWorld(ctx);
    const b = await aWorld(ctx);
    const before = await snapshot(ctx, a);

    const res = await call(ctx, ...request(r.route, r.id(a)), { key: b.clinic.key, body: r.body?.(b) });
    assertNotFound(res, `${r.route} as clinic B`);
    // An id that exists nowhere answers the same: nothing tells the two apart.
    const unknown = await call(ctx, ...request(r.route, UNKNOWN_ID), { key: b.clinic.key, body: r.body?.(b) });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, res.body);

    assert.deepEqual(await snapshot(ctx, a), before, "clinic A's rows changed");

    // Control: the owner's same request works, so the 404 above was about the clinic alone.
    const own = await call(ctx, ...request(r.route, r.id(a)), { key: a.clinic.key, body: r.body?.(a) });
    assert.ok(own.status === 200 || own.status === 201, `the owner's control request: ${own.status} ${JSON.stringify(own.body)}`);
  });
}

test("tenancy: clinic B can revoke none of clinic A's keys (the bootstrap key included); A's keys keep working", async () => {
  const a = await aWorld(ctx);
  const b = await aWorld(ctx);
  const keys = (await call(ctx, "GET", "/api/booking/api-keys", { key: a.clinic.key })).body.items as { id: string }[];
  assert.ok(keys.length >= 2);
  for (const key of keys) {
    assertNotFound(await call(ctx, "DELETE", `/api/booking/api-keys/${key.id}`, { key: b.clinic.key }), "revoke A's key as B");
  }
  assert.equal((await call(ctx, "GET", "/api/booking/providers", { key: a.clinic.key })).status, 200);
  assert.equal((await call(ctx, "GET", "/api/booking/waitlist", { key: a.apiKey.key })).status, 200);
});

// ---------------------------------------------------------------------------------------------------------
// Ids in the body

interface RefRoute {
  /** "METHOD /path" (":id" is clinic B's waitlist entry). */
  route: string;
  /** A body that the clinic `w` may send (all its ids are its own). */
  body: (w: World) => Record<string, unknown>;
  /** The table a success would write to, compared for both clinics before and after. */
  table: string;
  /** Body members that name a row: how to name clinic A's row there, and the path the 404 must name. */
  fields: Record<string, (a: World, b: World) => { value: unknown; path: string }>;
}

const one = (path: string, pick: (w: World) => string) => (a: World) => ({ value: pick(a), path });

const REF_ROUTES: RefRoute[] = [
  {
    route: "POST /api/booking/appointments",
    body: (w) => ({ patientId: w.patient.id, providerId: w.provider.id, chairId: w.chair.id, serviceId: w.service.id, start: inHours(100) }),
    table: "appointments",
    fields: {
      patientId: one("/patientId", (w) => w.patient.id),
      providerId: one("/providerId", (w) => w.provider.id),
      chairId: one("/chairId", (w) => w.chair.id),
      serviceId: one("/serviceId", (w) => w.service.id),
    },
  },
  {
    route: "POST /api/booking/openings",
    body: (w) => ({ providerId: w.provider.id, chairId: w.chair.id, start: inHours(100), end: inHours(101) }),
    table: "openings",
    fields: {
      providerId: one("/providerId", (w) => w.provider.id),
      chairId: one("/chairId", (w) => w.chair.id),
    },
  },
  {
    route: "POST /api/booking/closures",
    body: (w) => ({ providerId: w.provider.id, start: inHours(200), end: inHours(201), reason: "leave" }),
    table: "closures",
    fields: { providerId: one("/providerId", (w) => w.provider.id) },
  },
  {
    route: "POST /api/booking/waitlist",
    body: (w) => ({ patientId: w.patient.id, serviceId: w.service.id, providerIds: [w.provider.id], chairIds: [w.chair.id] }),
    table: "waitlist_entries",
    fields: {
      patientId: one("/patientId", (w) => w.patient.id),
      serviceId: one("/serviceId", (w) => w.service.id),
      providerIds: (a) => ({ value: [a.provider.id], path: "/providerIds/0" }),
      chairIds: (a, b) => ({ value: [b.chair.id, a.chair.id], path: "/chairIds/1" }),
    },
  },
  {
    route: "PATCH /api/booking/waitlist/:id",
    body: (w) => ({ serviceId: w.service.id, providerIds: [w.provider.id], chairIds: [w.chair.id] }),
    table: "waitlist_entries",
    fields: {
      serviceId: one("/serviceId", (w) => w.service.id),
      providerIds: (a, b) => ({ value: [b.provider.id, a.provider.id], path: "/providerIds/1" }),
      chairIds: (a) => ({ value: [a.chair.id], path: "/chairIds/0" }),
    },
  },
  {
    route: "POST /api/booking/waitlist/:id/notify",
    body: (w) => ({ slotId: w.opening.id }),
    table: "offers",
    fields: { slotId: one("/slotId", (w) => w.opening.id) },
  },
  {
    route: "POST /api/booking/waitlist/notify-matches",
    body: (w) => ({ slotIds: [w.opening.id] }),
    table: "offers",
    fields: { slotIds: (a, b) => ({ value: [b.opening.id, a.opening.id], path: "/slotIds/1" }) },
  },
  {
    route: "POST /api/booking/waitlist/:id/book",
    body: (w) => ({ slotId: w.opening.id }),
    table: "appointments",
    fields: { slotId: one("/slotId", (w) => w.opening.id) },
  },
];

/** Clinic `w`'s rows of `table`, as stored: compared before and after to prove nothing was written. */
async function rowsOf(ctx: TestContext, table: string, w: World) {
  const { rows } = await ctx.deps.db.query(`SELECT row_to_json(t)::text AS j FROM ${table} t WHERE clinic_id = $1 ORDER BY id`, [w.clinic.id]);
  const audit = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE clinic_id = $1", [w.clinic.id]);
  return { rows: rows.map((r) => r.j as string), audit: audit.rows[0].n as number };
}

for (const r of REF_ROUTES) {
  const send = (w: World, body: object) => call(ctx, ...request(r.route, r.route.includes(":") ? w.entry.id : undefined), { key: w.clinic.key, body });
  for (const [field, foreign] of Object.entries(r.fields)) {
    test(`tenancy: ${r.route} naming another clinic's ${field} is 404 naming the field and writes nothing`, async () => {
      const a = await aWorld(ctx);
      const b = await aWorld(ctx);
      const { value, path } = foreign(a, b);
      const beforeB = await rowsOf(ctx, r.table, b);
      const beforeA = await rowsOf(ctx, r.table, a);

      const res = await send(b, { ...r.body(b), [field]: value });
      assertNotFound(res, `${field} of clinic A`);
      assert.deepEqual(
        res.body.errors?.map((e: { path: string }) => e.path),
        [path],
      );

      assert.deepEqual(await rowsOf(ctx, r.table, b), beforeB, "clinic B wrote something");
      assert.deepEqual(await rowsOf(ctx, r.table, a), beforeA, "clinic A's rows changed");

      // Control: the same body with B's own ids succeeds.
      const own = await send(b, r.body(b));
      assert.ok(own.status === 200 || own.status === 201, `control: ${own.status} ${JSON.stringify(own.body)}`);
    });
  }

  test(`tenancy: ${r.route} naming several foreign ids names every one`, async () => {
    const a = await aWorld(ctx);
    const b = await aWorld(ctx);
    const body: Record<string, unknown> = r.body(b);
    const paths: string[] = [];
    for (const [field, foreign] of Object.entries(r.fields)) {
      const { value, path } = foreign(a, b);
      body[field] = value;
      paths.push(path);
    }
    const before = await rowsOf(ctx, r.table, b);
    const res = await send(b, body);
    assertNotFound(res, "several foreign ids");
    assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path).sort(), paths.sort());
    assert.deepEqual(await rowsOf(ctx, r.table, b), before);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Lists

interface ListRoute {
  path: string;
  /** The ids of clinic w's rows that this list shows. */
  ids: (w: World) => string[];
}

const LIST_ROUTES: ListRoute[] = [
  { path: "/api/booking/providers", ids: (w) => [w.provider.id] },
  { path: "/api/booking/chairs", ids: (w) => [w.chair.id] },
  { path: "/api/booking/services", ids: (w) => [w.service.id] },
  { path: "/api/booking/patients", ids: (w) => [w.patient.id] },
  { path: "/api/booking/appointments", ids: (w) => [w.appointment.id] },
  { path: "/api/booking/openings", ids: (w) => [w.opening.id] },
  { path: "/api/booking/closures", ids: (w) => [w.closure.id] },
  { path: "/api/booking/waitlist", ids: (w) => [w.entry.id] },
  { path: "/api/booking/api-keys", ids: (w) => [w.apiKey.id] },
  { path: "/api/booking/waitlist/notifications", ids: (w) => [w.offer.id] },
  { path: "/api/booking/outreach-tasks", ids: (w) => [w.outreach.id] },
  // Filters naming another clinic's rows find nothing either.
  { path: "/api/booking/appointments?patientId=:patient", ids: (w) => [w.appointment.id] },
  { path: "/api/booking/waitlist?patientId=:patient", ids: (w) => [w.entry.id] },
  { path: "/api/booking/waitlist?serviceId=:service", ids: (w) => [w.entry.id] },
  { path: "/api/booking/waitlist/notifications?entryId=:entry2", ids: (w) => [w.offer.id] },
  { path: "/api/booking/waitlist/notifications?slotId=:opening2", ids: (w) => [w.offer.id] },
];

/** Every item of a list, following nextCursor. */
async function listAll(ctx: TestContext, key: string, path: string): Promise<{ id: string }[]> {
  const items: { id: string }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const res: Reply = await call(ctx, "GET", cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path, { key });
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor ?? null;
    if (!cursor) return items;
  }
  throw new Error("pagination never ended");
}

test("tenancy: no list shows another clinic's rows, even when filtered by another clinic's ids", async () => {
  const a = await aWorld(ctx);
  const b = await aWorld(ctx);
  // More of A's rows, so that a leak is not hidden by a small page.
  await aProvider(ctx, a.clinic, "Dr. Second");
  await aChair(ctx, a.clinic, "Chair 2");
  await aService(ctx, a.clinic, { name: "Whitening" });
  await aPatient(ctx, a.clinic, { firstName: "Second", phone: "+16175550199" });
  const fill = (path: string, w: World) =>
    path.replace(":patient", w.patient.id).replace(":service", w.service.id).replace(":entry2", w.entry2.id).replace(":opening2", w.opening2.id);

  for (const route of LIST_ROUTES) {
    const asB = await listAll(ctx, b.clinic.key, fill(route.path, a));
    const asA = await listAll(ctx, a.clinic.key, fill(route.path, a));
    const aIds = new Set(asA.map((x) => x.id));
    for (const id of route.ids(a)) assert.ok(aIds.has(id), `${route.path}: the owner does not see its own row (control)`);
    const leaked = asB.filter((x) => aIds.has(x.id));
    assert.deepEqual(leaked, [], `${route.path} as clinic B shows clinic A's rows`);
    if (route.path.includes(":")) assert.deepEqual(asB, [], `${route.path} filtered by A's id as B`);
    else
      for (const id of route.ids(b))
        assert.ok(
          asB.some((x) => x.id === id),
          `${route.path}: B does not see its own row`,
        );
  }
});

test("tenancy: two clinics booking the same times: each booking fills only its own clinic's opening", async () => {
  // Both worlds have an opening at the same time: B booking it is no conflict with A and fills B's alone.
  const a = await aWorld(ctx);
  const b = await aWorld(ctx);
  const res = await call(ctx, "POST", "/api/booking/appointments", {
    key: b.clinic.key,
    body: { patientId: b.patient.id, providerId: b.provider.id, chairId: b.chair.id, serviceId: b.service.id, start: a.opening.start },
  });
  assert.equal(res.status, 201);
  const opening = await call(ctx, "GET", `/api/booking/openings/${a.opening.id}`, { key: a.clinic.key });
  assert.equal(opening.body.status, "OPEN", "B's booking filled A's opening");
  const bOpening = await call(ctx, "GET", `/api/booking/openings/${b.opening.id}`, { key: b.clinic.key });
  assert.equal(bOpening.body.status, "FILLED");
});
