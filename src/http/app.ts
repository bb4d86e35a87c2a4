// buildApp(deps): the HTTP application, used by the server and by tests (app.inject) alike.
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Ajv } from "ajv";
import formatsModule from "ajv-formats";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from "fastify";
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "../flows/deps.ts";
import { bearer } from "./auth.ts";
import { errorHandler, sendProblem } from "./problem.ts";
import { finishDocument } from "./openapi.ts";
import { adminRoutes } from "./routes/admin.ts";
import { appointmentRoutes } from "./routes/appointments.ts";
import { auditLogRoutes } from "./routes/audit-log.ts";
import { chargeRoutes } from "./routes/charges.ts";
import { closureRoutes } from "./routes/closures.ts";
import { healthRoutes } from "./routes/health.ts";
import { openingRoutes } from "./routes/openings.ts";
import { patientRoutes } from "./routes/patients.ts";
import { scheduleRoutes } from "./routes/schedule.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { waitlistRoutes } from "./routes/waitlist.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { publicRoutes } from "./routes/public.ts";
import { offerPageRoutes } from "./routes/offer-page.ts";
import { paymentRoutes } from "./routes/payments.ts";
import { rescheduleRoutes } from "./routes/reschedule.ts";
import { devRoutes } from "./routes/dev.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { setupRoutes } from "./routes/setup.ts";
import { outreachRoutes } from "./routes/outreach.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { syncRoutes } from "./routes/sync.ts";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints.ts";

// Every operation carries one of these tags (test/http/openapi.test.ts); the order is the document's.
const API_TAGS = [
  { name: "running", description: "Health of the service" },
  { name: "bootstrap", description: "Clinics, API keys, staff logins and settings" },
  { name: "schedule", description: "Providers, chairs and services" },
  { name: "patients", description: "Patients and their charges" },
  { name: "appointments", description: "Booking, cancelling and checking in" },
  { name: "openings", description: "Free time that can be offered (API: slots)" },
  { name: "closures", description: "Times the clinic or a provider is closed" },
  { name: "waitlist", description: "Patients' standing requests" },
  { name: "notifications", description: "Offers of an opening to a waitlist entry, matching and analytics" },
  { name: "outreach", description: "Staff tasks when no channel reached a patient" },
  { name: "audit", description: "Who changed what, when (no patient contact details)" },
  { name: "events", description: "Webhook endpoints: the clinic's events, signed, POSTed to its own systems" },
  { name: "patient", description: "The patient's side: the token in the link is the credential" },
  { name: "webhooks", description: "Provider callbacks, verified by their signatures" },
  { name: "development", description: "Dev outbox and test clock; never registered with NODE_ENV=production" },
];

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

// ajv-formats is CommonJS: under NodeNext its default export arrives wrapped.
type FormatsPlugin = (typeof formatsModule)["default"];
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as FormatsPlugin;

function compilers() {
  // Bodies are taken as sent (no type coercion: "5" is not 5); query strings and params are strings
  // on the wire, so they are coerced. Every error is reported, not just the first.
  const body = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
  const query = new Ajv({ allErrors: true, coerceTypes: "array", useDefaults: true, removeAdditional: false, strict: false });
  for (const ajv of [body, query]) {
    addFormats(ajv);
    // RFC 3339 also admits times a JS Date cannot hold (a leap second "23:59:60", an offset "+01"):
    // an instant must parse too, or it would reach the database as an Invalid Date.
    const rfc3339 = ajv.formats["date-time"] as { validate: (s: string) => boolean; compare: (a: string, b: string) => number };
    ajv.addFormat("date-time", { ...rfc3339, validate: (s: string) => rfc3339.validate(s) && !Number.isNaN(Date.parse(s)) });
  }
  return { body, query };
}

export interface AppOptions {
  /** The process logger (pino); tests leave it out and log nothing. */
  logger?: FastifyBaseLogger;
  /** Told of every route as it is registered (the OpenAPI test compares them with the document). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<App> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Explicit limits: a slow or huge request cannot hold a worker.
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    bodyLimit: 512 * 1024,
    return503OnClosing: true,
    // An external id in a path (`…/external/:externalId`) is up to 128 code points: 256 UTF-16 units.
    routerOptions: { maxParamLength: 256 },
    // The router's own refusals are problems too: a path parameter over 256 characters or with a broken
    // %-escape is no id of ours, so 404 (as for any id that is not a UUID).
    frameworkErrors: (_err, _request, reply) => sendProblem(reply, { ok: false, code: "not_found", detail: "not found" }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (options.onRoute) app.addHook("onRoute", options.onRoute);
  const ajv = compilers();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? ajv.body : ajv.query).compile(schema));
  app.decorateRequest("caller", null);
  app.setErrorHandler(errorHandler(deps.log));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type("application/problem+json")
      .send({
        type: "urn:backfill:problem:not_found",
        title: "Not found",
        status: 404,
        detail: `no route ${request.method} ${request.url.split("?")[0]}`,
        code: "not_found",
      }),
  );

  await app.register(rateLimit, {
    global: true,
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per credential when there is one (hashed: the key never sits in memory as a map key), else per IP.
    keyGenerator: (request) => {
      const token = bearer(request);
      return token ? createHash("sha256").update(token).digest("hex") : request.ip;
    },
    errorResponseBuilder: (_request, context) => ({ statusCode: context.statusCode, message: "rate limited" }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Backfill",
        version: "1",
        description: "Fills cancelled, missed and new clinic openings from the waitlist. The contract in prose: API.md.",
        license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
      },
      // Where this instance answers: the links in patients' messages use the same base.
      servers: [{ url: deps.config.publicUrl }],
      tags: API_TAGS,
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A clinic API key, or BACKFILL_ADMIN_TOKEN where noted" } },
      },
      security: [{ bearer: [] }],
    },
    transformObject: (document) => ("openapiObject" in document ? finishDocument(document.openapiObject) : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  // The offer page's forms post without script too.
  await app.register(formbody);

  healthRoutes(app, deps);
  adminRoutes(app, deps);
  settingsRoutes(app, deps);
  scheduleRoutes(app, deps);
  patientRoutes(app, deps);
  appointmentRoutes(app, deps);
  chargeRoutes(app, deps);
  openingRoutes(app, deps);
  closureRoutes(app, deps);
  waitlistRoutes(app, deps);
  syncRoutes(app, deps);
  notificationRoutes(app, deps);
  publicRoutes(app, deps);
  offerPageRoutes(app, deps);
  paymentRoutes(app, deps);
  rescheduleRoutes(app, deps);
  outreachRoutes(app, deps);
  auditLogRoutes(app, deps);
  webhookEndpointRoutes(app, deps);
  webhookRoutes(app, deps);
  devRoutes(app, deps);
  setupRoutes(app, deps); // before the dashboard: its hook sends / and /login to /setup while no clinic exists
  dashboardRoutes(app, deps);
  return app;
}
