// The staff dashboard: server-rendered pages behind a session cookie (src/web/dashboard, one file per
// page). Every form posts to a route here that calls a flow — never the JSON API — with a CSRF token.
import type { Deps } from "../../flows/deps.ts";
import { analyticsRoutes } from "../../web/dashboard/analytics.ts";
import { appointmentActivityRoutes } from "../../web/dashboard/activity.ts";
import { appointmentRoutes } from "../../web/dashboard/appointments.ts";
import { closureRoutes } from "../../web/dashboard/closures.ts";
import { DASHBOARD_CSS, DASHBOARD_JS } from "../../web/dashboard/assets.ts";
import { devInboxRoutes } from "../../web/dashboard/dev-inbox.ts";
import { eventRoutes } from "../../web/dashboard/events.ts";
import { makeKit } from "../../web/dashboard/kit.ts";
import { loginRoutes } from "../../web/dashboard/login.ts";
import { notificationRoutes } from "../../web/dashboard/notifications.ts";
import { openingDetailRoutes } from "../../web/dashboard/opening.ts";
import { openingRoutes } from "../../web/dashboard/openings.ts";
import { outreachRoutes } from "../../web/dashboard/outreach.ts";
import { settingsRoutes } from "../../web/dashboard/settings.ts";
import { settingsApiKeyRoutes } from "../../web/dashboard/settings-api-keys.ts";
import { settingsWebhookRoutes } from "../../web/dashboard/settings-webhooks.ts";
import { todayRoutes } from "../../web/dashboard/today.ts";
import { waitlistEntryRoutes } from "../../web/dashboard/waitlist-entry.ts";
import { waitlistRoutes } from "../../web/dashboard/waitlist.ts";
import type { App } from "../app.ts";

export function dashboardRoutes(app: App, deps: Deps) {
  app.decorateRequest("staff", null);
  const kit = makeKit(deps);

  const asset = (type: string, body: string) => async (_request: unknown, reply: import("fastify").FastifyReply) =>
    reply.type(type).header("cache-control", "public, max-age=300").send(body);
  app.get("/assets/dashboard.css", { schema: { hide: true }, config: { rateLimit: false } }, asset("text/css; charset=utf-8", DASHBOARD_CSS));
  app.get("/assets/dashboard.js", { schema: { hide: true }, config: { rateLimit: false } }, asset("text/javascript; charset=utf-8", DASHBOARD_JS));

  loginRoutes(app, kit);
  eventRoutes(app, kit);
  todayRoutes(app, kit);
  appointmentRoutes(app, kit);
  appointmentActivityRoutes(app, kit);
  waitlistRoutes(app, kit);
  waitlistEntryRoutes(app, kit);
  openingRoutes(app, kit);
  openingDetailRoutes(app, kit);
  closureRoutes(app, kit);
  notificationRoutes(app, kit);
  outreachRoutes(app, kit);
  analyticsRoutes(app, kit);
  settingsRoutes(app, kit);
  settingsApiKeyRoutes(app, kit);
  settingsWebhookRoutes(app, kit);
  if (!deps.config.production) devInboxRoutes(app, kit);
}
