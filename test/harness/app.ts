// The HTTP app on a real database with a manual clock, plus small builders for the rows a test needs.
import type { LightMyRequestResponse } from "fastify";
import { after } from "node:test";
import { outboxChannels } from "../../src/channels/outbox.ts";
import { ManualClock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import type { Deps, Logger } from "../../src/flows/deps.ts";
import { buildApp, type App } from "../../src/http/app.ts";
import { DevGateway } from "../../src/payments/dev-gateway.ts";
import { testDatabase } from "./db.ts";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const T0 = new Date("2026-03-02T14:00:00Z"); // a Monday, 09:00 in New York

export interface TestContext {
  app: App;
  deps: Deps;
  clock: ManualClock;
  /** The dev payment gateway the app uses (tests make it decline with declineNext). */
  payments: DevGateway;
  /** Lines the app logged, to check that no patient data reaches the log. */
  logged: string[];
}

export async function testApp(env: Record<string, string> = {}): Promise<TestContext> {
  const { pool, url } = await testDatabase();
  const clock = new ManualClock(T0);
  const logged: string[] = [];
  const log: Logger = {
    info: (o, m) => logged.push(JSON.stringify([o, m])),
    warn: (o, m) => logged.push(JSON.stringify([o, m])),
    error: (o, m) => logged.push(JSON.stringify([o, m])),
  };
  const config = parseConfig({ DATABASE_URL: url, BACKFILL_ADMIN_TOKEN: ADMIN_TOKEN, BACKFILL_RATE_LIMIT: "100000", ...env });
  const payments = new DevGateway(pool);
  const deps: Deps = { db: pool, clock, config, log, channels: outboxChannels(pool), payments };
  const app = await buildApp(deps);
  after(() => app.close());
  return { app, deps, clock, payments, logged };
}

export interface Reply {
  status: number;
  body: any;
  headers: LightMyRequestResponse["headers"];
}

export async function call(
  ctx: TestContext,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  opts: { key?: string | null; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.contentType) headers["content-type"] = opts.contentType;
  const res = await ctx.app.inject({
    method,
    url,
    headers,
    ...(opts.raw !== undefined ? { payload: opts.raw } : opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
  let body: unknown = res.body;
  try {
    body = res.json();
  } catch {
    // not JSON (HTML docs)
  }
  return { status: res.statusCode, body, headers: res.headers };
}

/** A clinic with an all-permission key, made through the admin API. */
export async function aClinic(ctx: TestContext, over: { name?: string; timezone?: string } = {}) {
  const res = await call(ctx, "POST", "/api/admin/clinics", {
    key: ADMIN_TOKEN,
    body: { name: over.name ?? "Test Clinic", timezone: over.timezone ?? "America/New_York" },
  });
  if (res.status !== 201) throw new Error(`aClinic: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.clinic.id as string, key: res.body.apiKey as string, timezone: res.body.clinic.timezone as string };
}

type Clinic = { key: string };

async function make(ctx: TestContext, clinic: Clinic, url: string, body: object) {
  const res = await call(ctx, "POST", url, { key: clinic.key, body });
  if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const aProvider = (ctx: TestContext, c: Clinic, name = "Dr. Test") => make(ctx, c, "/api/booking/providers", { name });
export const aChair = (ctx: TestContext, c: Clinic, name = "Chair 1") => make(ctx, c, "/api/booking/chairs", { name });
export const aService = (ctx: TestContext, c: Clinic, over: object = {}) =>
  make(ctx, c, "/api/booking/services", { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000, ...over });
export const aPatient = (ctx: TestContext, c: Clinic, over: object = {}) =>
  make(ctx, c, "/api/booking/patients", { firstName: "Pat", lastName: "Example", phone: "+16175550100", smsConsent: true, ...over });
export const anEntry = (ctx: TestContext, c: Clinic, over: { patientId: string; serviceId: string } & Record<string, unknown>) =>
  make(ctx, c, "/api/booking/waitlist", over);
export const anAppointment = (
  ctx: TestContext,
  c: Clinic,
  over: { patientId: string; providerId: string; serviceId: string; start: string } & Record<string, unknown>,
) => make(ctx, c, "/api/booking/appointments", over);
export const anOpening = (ctx: TestContext, c: Clinic, over: { providerId: string; start: string; end: string } & Record<string, unknown>) =>
  make(ctx, c, "/api/booking/openings", over);

/** A clinic with one provider, chair, service and patient: the usual starting point. */
export async function aStaffedClinic(ctx: TestContext, over: { timezone?: string } = {}) {
  const clinic = await aClinic(ctx, over);
  const provider = await aProvider(ctx, clinic);
  const chair = await aChair(ctx, clinic);
  const service = await aService(ctx, clinic);
  const patient = await aPatient(ctx, clinic);
  return { clinic, provider, chair, service, patient };
}

/** An ISO instant `hours` after the test clock's start. */
export const inHours = (hours: number) => new Date(T0.getTime() + hours * 3_600_000).toISOString();
