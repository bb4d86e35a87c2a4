// What every dashboard page uses: the session guard (cookie → staff caller, CSRF on every POST, the
// role's permission), page rendering with the right headers, and form reading.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Permission } from "../../core/permissions.ts";
import type { Failure, FieldError } from "../../core/result.ts";
import type { Deps } from "../../flows/deps.ts";
import { authenticateSession, csrfToken, csrfTokenMatches, type StaffCaller } from "../../flows/staff-login.ts";
import { viewClinic } from "../../flows/view-clinic.ts";
import { STATUS_OF } from "../../http/problem.ts";
import { html, type Html } from "../html.ts";
import { barePage, layout } from "./layout.ts";

export const SESSION_COOKIE = "bf_session";

export interface Staff {
  caller: StaffCaller;
  clinicName: string;
  timezone: string;
  csrf: string;
}

declare module "fastify" {
  interface FastifyRequest {
    staff: Staff | null;
  }
}

export function staffOf(request: FastifyRequest): Staff {
  if (!request.staff) throw new Error("dashboard route is missing its guard");
  return request.staff;
}

export function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** HttpOnly, SameSite=Lax, Path=/, and Secure when the public URL is https. */
export function setCookie(reply: FastifyReply, deps: Deps, name: string, value: string, maxAgeSeconds?: number): void {
  const secure = deps.config.publicUrl.startsWith("https:") ? "; Secure" : "";
  const age = maxAgeSeconds === undefined ? "" : `; Max-Age=${maxAgeSeconds}`;
  reply.header("set-cookie", `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax${secure}${age}`);
}

// Scripts and styles only from our own /assets: no inline script can run, even if escaping failed.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("content-security-policy", CSP)
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .send(body);
}

// Notices after a redirect (PRG) come as a code in the query string, never as free text.
const NOTICES: Record<string, string> = {
  entry_added: "Added to the waitlist.",
  entry_saved: "Waitlist entry saved.",
  entry_removed: "Removed from the waitlist.",
  cancelled: "Appointment cancelled. Its time is now an opening and the waitlist flow has started.",
  opening_created: "Opening created. The waitlist flow starts on its own.",
  notified: "Offer sent.",
  notified_matches: "Offers sent to the best matches.",
  nothing_sent: "No offer was sent: nobody else fits, everyone who fits has a live offer, or it is too late to offer.",
  booked: "Booked from the waitlist.",
  task_done: "Task closed.",
  settings_saved: "Settings saved.",
  staff_added: "Staff login created.",
  status_recorded: "Delivery status recorded.",
  closure_added: "Closure added. Openings inside it will not be offered; appointments inside it are listed below it.",
  closure_removed: "Closure removed.",
  webhook_saved: "Webhook endpoint saved.",
  webhook_disabled: "Webhook endpoint disabled: nothing is sent to it until it is enabled again.",
  webhook_enabled: "Webhook endpoint enabled.",
  webhook_deleted: "Webhook endpoint deleted.",
  webhook_test_sent: "Test event queued: it is listed under Recent deliveries.",
  webhook_retried: "Delivery queued to be sent again.",
  api_key_revoked: "API key revoked: requests with it are refused from now on.",
};

export interface View {
  title: string;
  active: string;
  body: Html;
  status?: number;
}

export interface Kit {
  deps: Deps;
  /** preHandler: a live session, a valid CSRF token on anything but GET, and `permission` when given. */
  guard(permission?: Permission, opts?: { fragment?: boolean }): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  page(request: FastifyRequest, reply: FastifyReply, view: View): FastifyReply;
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

export function makeKit(deps: Deps): Kit {
  const devInbox = !deps.config.production;
  const page = (request: FastifyRequest, reply: FastifyReply, view: View) => {
    const s = staffOf(request);
    const code = (request.query as { notice?: string } | undefined)?.notice;
    return sendHtml(
      reply,
      view.status ?? 200,
      layout({
        ...view,
        clinicName: s.clinicName,
        userName: s.caller.user.name,
        role: s.caller.user.role,
        permissions: s.caller.permissions,
        csrf: s.csrf,
        devInbox,
        notice: request.method === "GET" && code ? (NOTICES[code] ?? null) : null,
      }),
    );
  };
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, text: string) =>
    request.staff
      ? page(request, reply, { title, active: "", status, body: html`<p>${text}</p>` })
      : sendHtml(reply, status, barePage(title, html`<h1>${title}</h1><p>${text}</p><p><a href="/login">Log in</a></p>`));

  return {
    deps,
    page,
    notFound: (request, reply) => refuse(request, reply, 404, "Not found", "There is nothing here, or it belongs to another clinic."),
    guard(permission, opts = {}) {
      return async (request, reply) => {
        const token = cookies(request)[SESSION_COOKIE];
        const caller = token ? await authenticateSession(deps, token) : null;
        if (!caller) {
          // Pages send the browser to the login form; fragments and streams just say 401.
          if (request.method === "GET" && !opts.fragment) {
            return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
          }
          return refuse(request, reply, 401, "Please log in", "Your session has ended.");
        }
        if (request.method !== "GET" && request.method !== "HEAD") {
          const form = (request.body ?? {}) as Record<string, unknown>;
          if (!csrfTokenMatches(caller.session, form._csrf)) {
            return refuse(request, reply, 403, "Forbidden", "This form has expired or did not come from this dashboard. Go back, reload and try again.");
          }
        }
        const clinic = await viewClinic(deps, caller.clinicId);
        if (!clinic) return refuse(request, reply, 401, "Please log in", "Your clinic no longer exists.");
        request.staff = { caller, clinicName: clinic.name, timezone: clinic.timezone, csrf: csrfToken(caller.session) };
        if (permission && !caller.permissions.includes(permission)) {
          return refuse(request, reply, 403, "Forbidden", `Your role (${caller.user.role.replace("_", " ")}) cannot do this.`);
        }
        return undefined;
      };
    },
  };
}

export type Form = Record<string, string | string[] | undefined>;

export function formOf(request: FastifyRequest): Form {
  const body = request.body;
  return typeof body === "object" && body !== null ? (body as Form) : {};
}

/** The field's (first) value, trimmed; "" when absent. */
export function one(form: Form, name: string): string {
  const v = form[name];
  return (Array.isArray(v) ? (v[0] ?? "") : (v ?? "")).trim();
}

export function many(form: Form, name: string): string[] {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((s) => s.trim()).filter((s) => s !== "");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isId = (s: string | undefined): s is string => typeof s === "string" && UUID.test(s);

/** The HTTP status a flow's failure is shown with (the API's one table). */
export const statusOf = (f: Failure) => STATUS_OF[f.code];

/** A failed form: what to show next to the fields. */
export interface FormErrors {
  detail: string | null;
  errors?: FieldError[];
}

export const formErrors = (f: Failure): FormErrors => ({ detail: f.detail, errors: f.errors });

/** 303 See Other to `path` with a notice code (the PRG pattern). */
export function seeOther(reply: FastifyReply, path: string, notice?: string): FastifyReply {
  const sep = path.includes("?") ? "&" : "?";
  return reply.redirect(notice ? `${path}${sep}notice=${notice}` : path, 303);
}
