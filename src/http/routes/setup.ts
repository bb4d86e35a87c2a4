// First run (API.md "First run"): while no clinic exists, GET / and GET /login lead to /setup; the
// setup form (behind the admin token) creates the clinic and its first admin, signs them in and goes to
// the dashboard. Once a clinic exists, /setup is 404. HTML pages: hidden from the OpenAPI document like
// the dashboard's.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../flows/deps.ts";
import { needsSetup, setUpClinic, setupTokenValid } from "../../flows/set-up-clinic.ts";
import { cookies, formOf, one, SESSION_COOKIE, sendHtml, setCookie } from "../../web/dashboard/kit.ts";
import { blankSetup, setupForbiddenPage, setupGonePage, setupPage, type SetupValues } from "../../web/setup-page.ts";
import type { App } from "../app.ts";

// The form's CSRF guard before anyone is signed in: a double-submit token, as the login form has.
const SETUP_COOKIE = "bf_setup";

function sameToken(a: string | undefined, b: unknown): boolean {
  if (!a || typeof b !== "string" || b.length !== a.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

const pathOf = (url: string) => url.split("?")[0];

export function setupRoutes(app: App, deps: Deps) {
  // Registered before the dashboard's routes so it runs ahead of them; one string test on every other
  // request, and no query at all once a clinic exists (needsSetup remembers).
  app.addHook("onRequest", async (request, reply) => {
    if (request.method !== "GET" && request.method !== "HEAD") return;
    const path = pathOf(request.url);
    if (path !== "/" && path !== "/login") return;
    if (await needsSetup(deps)) return reply.redirect("/setup", 303);
  });

  const csrfFor = (request: FastifyRequest, reply: FastifyReply) => {
    const existing = cookies(request)[SETUP_COOKIE];
    if (existing) return existing;
    const token = randomBytes(24).toString("base64url");
    setCookie(reply, deps, SETUP_COOKIE, token, 3600);
    return token;
  };
  const forbidden = (reply: FastifyReply) => sendHtml(reply, 403, setupForbiddenPage(deps.config.adminToken !== null));
  const gone = (reply: FastifyReply) => sendHtml(reply, 404, setupGonePage());

  app.get(
    "/setup",
    { schema: { hide: true, operationId: "showSetupPage", summary: "First-run setup form (HTML)", tags: ["bootstrap"] } },
    async (request, reply) => {
      if (!(await needsSetup(deps))) return gone(reply);
      const token = (request.query as { token?: unknown }).token;
      if (typeof token !== "string" || !(await setupTokenValid(deps, token))) return forbidden(reply);
      return sendHtml(reply, 200, setupPage({ token, csrf: csrfFor(request, reply), values: blankSetup(), errors: [] }));
    },
  );

  // Like /login: a few tries a minute per IP is all a person needs.
  const perMinute = Math.max(20, Math.floor(deps.config.rateLimitPerMinute / 60));
  app.post(
    "/setup",
    {
      schema: { hide: true, operationId: "setUpClinic", summary: "Create the first clinic and its admin login (HTML form)", tags: ["bootstrap"] },
      config: { rateLimit: { max: perMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      if (!(await needsSetup(deps))) return gone(reply);
      const form = formOf(request);
      const token = one(form, "token");
      const values: SetupValues = {
        clinicName: one(form, "clinicName"),
        timezone: one(form, "timezone"),
        email: one(form, "email"),
        name: one(form, "name"),
        sampleData: one(form, "sampleData") !== "",
      };
      if (!(await setupTokenValid(deps, token))) return forbidden(reply);
      if (!sameToken(cookies(request)[SETUP_COOKIE], form._csrf)) {
        const csrf = randomBytes(24).toString("base64url");
        setCookie(reply, deps, SETUP_COOKIE, csrf, 3600);
        return sendHtml(reply, 403, setupPage({ token, csrf, values, errors: [], detail: "This form has expired. Please check it and send it again." }));
      }
      const password = typeof form.password === "string" ? form.password : "";
      const result = await setUpClinic(deps, { ...values, token, password });
      if (!result.ok) {
        if (result.code === "not_found") return gone(reply);
        if (result.code === "forbidden") return forbidden(reply);
        return sendHtml(reply, 422, setupPage({ token, csrf: csrfFor(request, reply), values, errors: result.errors ?? [], detail: result.detail }));
      }
      setCookie(reply, deps, SESSION_COOKIE, result.value.sessionToken);
      setCookie(reply, deps, SETUP_COOKIE, "", 0);
      return reply.redirect("/", 303);
    },
  );
}
