// Settings › Webhooks (admins, like the rest of Settings): where the clinic's events go (API.md "Events out
// (webhooks)"), through the same flows as /api/booking/webhook-endpoints. GET /settings/webhooks lists the
// endpoints and adds one; GET /settings/webhooks/:id is one endpoint: edit its URL, description and events,
// disable / enable, send a test event, rotate its secret, delete it (confirmed on a second screen), and its
// recent deliveries with Retry. The signing secret is shown once, on the page that answers the create or the
// rotate POST (never stored in a URL, never readable again: the flows do not hand it back).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FieldError } from "../../core/result.ts";
import { WEBHOOK_EVENT_TYPES } from "../../core/webhook-events.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  MANUAL_DISABLE_REASON,
  retryWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhookEvent,
  updateWebhookEndpoint,
  type WebhookEndpoint,
} from "../../flows/webhook-endpoints.ts";
import { MAX_WEBHOOK_URL_LENGTH } from "../../flows/webhook-url.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { when } from "./format.ts";
import { csrfField, errorSummary, fieldError, statusBadge } from "./layout.ts";
import { formOf, isId, many, one, seeOther, staffOf, statusOf, type Form, type FormErrors, type Kit } from "./kit.ts";

const BASE = "/settings/webhooks";
/** As the API's schema (Text(500)). */
const MAX_DESCRIPTION = 500;
/** Deliveries shown per page on an endpoint's page, newest first. */
const DELIVERIES_PER_PAGE = 20;

const LABELS: Record<string, string> = { "/url": "URL", "/events": "Events", "/description": "Description", "/disabled": "Enabled" };

interface EndpointValues {
  url: string;
  description: string;
  events: string[];
}

const blank: EndpointValues = { url: "", description: "", events: ["*"] };
const valuesOf = (e: WebhookEndpoint): EndpointValues => ({ url: e.url, description: e.description ?? "", events: e.events });

/** The form's fields; "All events" wins over any type ticked beside it. Bad lengths are named here, the rest by the flow. */
function parseForm(form: Form): { values: EndpointValues; errors: FieldError[] } {
  const ticked = many(form, "events");
  const values: EndpointValues = { url: one(form, "url"), description: one(form, "description"), events: ticked.includes("*") ? ["*"] : ticked };
  const errors: FieldError[] = [];
  if (values.url === "") errors.push({ path: "/url", message: "is required" });
  if (values.description.length > MAX_DESCRIPTION) errors.push({ path: "/description", message: `must be at most ${MAX_DESCRIPTION} characters` });
  return { values, errors };
}

const eventsText = (events: string[]) => (events.includes("*") ? "All events" : events.join(", "));

function statusOfEndpoint(e: WebhookEndpoint, zone: string): Html {
  if (!e.disabled) return html`<span class="badge s-enabled">enabled</span>`;
  const why = e.disabledReason === MANUAL_DISABLE_REASON ? "by staff" : e.disabledReason ? e.disabledReason : "";
  return html`<span class="badge s-disabled">disabled</span> <span class="small" data-disabled-reason>${why}${e.disabledAt ? ` · ${when(e.disabledAt, zone)}` : ""}</span>`;
}

const failingText = (e: WebhookEndpoint, zone: string): Html =>
  e.failingSince ? html`<span class="warn-text" data-failing-since>${when(e.failingSince, zone)}</span>` : html`<span class="muted">—</span>`;

/** The URL, description and events fields (add and edit share them). */
function endpointFields(v: EndpointValues, errs: FieldError[] | undefined, idPrefix: string): Html {
  const invalid = (path: string) => ((errs ?? []).some((e) => e.path === path || e.path.startsWith(`${path}/`)) ? html` aria-invalid="true"` : "");
  const all = v.events.includes("*");
  const shown = WEBHOOK_EVENT_TYPES.filter((t) => t !== "webhook.test" || v.events.includes(t));
  const groups = new Map<string, string[]>();
  for (const t of shown) {
    const group = t.slice(0, t.indexOf("."));
    groups.set(group, [...(groups.get(group) ?? []), t]);
  }
  return html`<div><label for="${idPrefix}url">URL</label><input type="url" id="${idPrefix}url" name="url" required maxlength="${MAX_WEBHOOK_URL_LENGTH}" placeholder="https://example.com/backfill-events" value="${v.url}"${invalid("/url")}>${fieldError(errs, "/url")}</div>
<div><label for="${idPrefix}description">Description <span class="muted small">(optional: what receives them)</span></label><input type="text" id="${idPrefix}description" name="description" maxlength="${MAX_DESCRIPTION}" value="${v.description}"${invalid("/description")}>${fieldError(errs, "/description")}</div>
<fieldset class="events"><legend>Events</legend>
<div class="days"><label><input type="checkbox" name="events" value="*"${all ? html` checked` : ""}> <strong>All events</strong> <span class="muted small">(types added later included; the ticks below are ignored)</span></label></div>
${[...groups].map(
  ([group, types]) =>
    html`<div class="days" data-event-group="${group}">${types.map(
      (t) => html`<label><input type="checkbox" name="events" value="${t}"${!all && v.events.includes(t) ? html` checked` : ""}> ${t}</label>`,
    )}</div>`,
)}
<p class="muted small">A test event (webhook.test) goes to the endpoint whatever is ticked.</p>${fieldError(errs, "/events")}</fieldset>`;
}

async function renderList(kit: Kit, request: FastifyRequest, reply: FastifyReply, form?: { values: EndpointValues; failed: FormErrors; status: number }) {
  const staff = staffOf(request);
  const zone = staff.timezone;
  const endpoints = await listWebhookEndpoints(kit.deps, staff.caller);
  const v = form?.values ?? blank;
  const errs = form?.failed.errors;
  const rows = endpoints.map(
    (
      e,
    ) => html`<tr data-endpoint="${e.id}"><td><a href="${BASE}/${e.id}">${e.url}</a>${e.description ? html`<div class="muted small">${e.description}</div>` : ""}</td>
<td class="small">${eventsText(e.events)}</td><td>${statusOfEndpoint(e, zone)}</td><td class="small">${failingText(e, zone)}</td>
<td><a class="button" href="${BASE}/${e.id}">Manage</a></td></tr>`,
  );
  const body = html`<p class="muted small"><a href="/settings">Settings</a> › Webhooks. Each change in the clinic (appointments, openings, offers, waitlist entries, consent, outreach tasks) is POSTed to the endpoints that take its type, signed per the Standard Webhooks specification with the endpoint's secret; failed deliveries are retried for about a day and a half. Times are the clinic's (${zone}).</p>
<h2>Endpoints <span class="muted small">(${endpoints.length})</span></h2>
${
  endpoints.length
    ? html`<div class="table-wrap"><table class="cards"><thead><tr><th>URL</th><th>Events</th><th>Status</th><th>Failing since</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">No endpoints yet: nothing is sent.</p>`
}
<h2>Add an endpoint</h2>
<form method="post" action="${BASE}" class="card">${csrfField(staff.csrf)}
${form ? errorSummary(form.failed.detail, errs, LABELS) : ""}
${endpointFields(v, errs, "new-")}
<p><button class="primary" type="submit">Add endpoint</button> <span class="muted small">Its signing secret is shown once, on the next page.</span></p></form>`;
  return kit.page(request, reply, { title: "Webhooks", active: "/settings", body, status: form?.status });
}

/** The deliveries page cursor: "<createdAt ISO>~<id>" of the last row shown. */
function olderCursor(raw: string | undefined): { key: string; id: string } | null {
  if (!raw) return null;
  const [key, id] = raw.split("~");
  return key && !Number.isNaN(Date.parse(key)) && isId(id) ? { key, id } : null;
}

interface EndpointState {
  values?: EndpointValues;
  /** The edit form's failure. */
  failed?: FormErrors;
  /** An action's failure (test, retry, enable…): shown above the actions. */
  actionFailed?: FormErrors;
  status?: number;
  older?: string;
}

async function renderEndpoint(kit: Kit, request: FastifyRequest, reply: FastifyReply, id: string, state: EndpointState = {}) {
  const staff = staffOf(request);
  const zone = staff.timezone;
  const found = await getWebhookEndpoint(kit.deps, staff.caller, id);
  if (!found.ok) return kit.notFound(request, reply);
  const e = found.value;
  const after = olderCursor(state.older);
  const deliveries = await listWebhookDeliveries(kit.deps, staff.caller, id, { limit: DELIVERIES_PER_PAGE, after });
  if (!deliveries.ok) return kit.notFound(request, reply);
  const v = state.values ?? valuesOf(e);
  const errs = state.failed?.errors;
  const action = (path: string, label: string, cls = "") =>
    html`<form method="post" action="${BASE}/${e.id}/${path}" class="inline">${csrfField(staff.csrf)}<button type="submit"${cls ? html` class="${cls}"` : ""}>${label}</button></form>`;
  const { items, next } = deliveries.value;
  const rows = items.map(
    (d) => html`<tr data-delivery="${d.id}"><td>${d.type}</td><td>${statusBadge(d.status)}</td><td>${d.attempts}</td><td>${d.lastStatusCode ?? "—"}</td>
<td class="small">${d.nextAttemptAt ? when(d.nextAttemptAt, zone) : "—"}</td><td class="small">${when(d.createdAt, zone)}</td>
<td>${e.disabled ? "" : html`<form method="post" action="${BASE}/${e.id}/deliveries/${d.id}/retry" class="inline">${csrfField(staff.csrf)}<button type="submit">Retry</button></form>`}</td></tr>`,
  );
  const body = html`<p class="muted small"><a href="/settings">Settings</a> › <a href="${BASE}">Webhooks</a> › this endpoint. Times are the clinic's (${zone}).</p>
<div class="card" data-endpoint="${e.id}">
<p><strong data-url>${e.url}</strong>${e.description ? html` <span class="muted">· ${e.description}</span>` : ""}</p>
<p class="row small"><span><strong>Status:</strong> ${statusOfEndpoint(e, zone)}</span><span><strong>Failing since:</strong> ${failingText(e, zone)}</span>
<span><strong>Events:</strong> ${eventsText(e.events)}</span><span><strong>Added:</strong> ${when(e.createdAt, zone)}</span></p>
${e.previousSecretExpiresAt && e.previousSecretExpiresAt > kit.deps.clock.now() ? html`<p class="muted small">The secret before the last rotation still signs beside the new one until ${when(e.previousSecretExpiresAt, zone)}.</p>` : ""}
${state.actionFailed ? errorSummary(state.actionFailed.detail, undefined, LABELS) : ""}
<p class="row">${e.disabled ? html`${action("enable", "Enable", "primary")} <span class="muted small">Enable it to send a test event or retry a delivery.</span>` : html`${action("test", "Send a test event")} ${action("disable", "Disable")}`}
${action("rotate-secret", "Rotate secret")} ${action("delete", "Delete…", "danger")}</p></div>
<h2>Recent deliveries</h2>
${
  items.length
    ? html`<div class="table-wrap"><table class="cards"><thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>Last status code</th><th>Next attempt</th><th>Created</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>
${next ? html`<p><a href="${BASE}/${e.id}?older=${encodeURIComponent(`${next.key}~${next.id}`)}">Older deliveries</a></p>` : ""}`
    : html`<p class="muted">${after ? "No older deliveries." : "No deliveries yet. Send a test event to see one."}</p>`
}
<h2>Edit</h2>
<form method="post" action="${BASE}/${e.id}" class="card">${csrfField(staff.csrf)}
${state.failed ? errorSummary(state.failed.detail, errs, LABELS) : ""}
${endpointFields(v, errs, "")}
<p><button class="primary" type="submit">Save endpoint</button></p></form>`;
  return kit.page(request, reply, { title: "Webhook endpoint", active: "/settings", body, status: state.status });
}

/** The answer to a create or a rotate: the secret, this once. */
function secretPage(kit: Kit, request: FastifyRequest, reply: FastifyReply, e: WebhookEndpoint, secret: string, rotated: boolean) {
  const staff = staffOf(request);
  const body = html`<div class="card" data-endpoint="${e.id}">
<p>${rotated ? html`A new signing secret for <strong>${e.url}</strong>.` : html`Events now go to <strong>${e.url}</strong> (${eventsText(e.events)}).`}</p>
<label for="secret">Signing secret</label><input type="text" id="secret" class="secret" readonly value="${secret}" data-secret>
<p class="warn-text"><strong>Copy it and store it now: it is not shown again.</strong></p>
<p class="muted small">Your system checks each request's <code>webhook-signature</code> header with it (Standard Webhooks: HMAC-SHA256 of "webhook-id.webhook-timestamp.body").${
    rotated && e.previousSecretExpiresAt
      ? ` The old secret keeps signing beside it until ${when(e.previousSecretExpiresAt, staff.timezone)}, so there is time to switch.`
      : ""
  }</p>
<p><a class="button" href="${BASE}/${e.id}">I have stored it</a></p></div>`;
  return kit.page(request, reply, { title: rotated ? "Secret rotated" : "Webhook endpoint added", active: "/settings", body, status: rotated ? 200 : 201 });
}

function confirmDelete(kit: Kit, request: FastifyRequest, reply: FastifyReply, e: WebhookEndpoint) {
  const staff = staffOf(request);
  const body = html`<div class="card" data-confirm-delete="${e.id}">
<p>Delete the endpoint <strong>${e.url}</strong>? Nothing more is sent to it, and its delivery history goes with it.</p>
<form method="post" action="${BASE}/${e.id}/delete" class="inline">${csrfField(staff.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="danger">Delete the endpoint</button></form>
<a class="button" href="${BASE}/${e.id}">Keep it</a></div>`;
  return kit.page(request, reply, { title: "Delete the webhook endpoint?", active: "/settings", body });
}

export function settingsWebhookRoutes(app: App, kit: Kit) {
  const guard = kit.guard("clinic:admin");
  const opts = { schema: { hide: true }, preHandler: guard };
  type ById = { Params: { id: string } };

  app.get(BASE, opts, (request, reply) => renderList(kit, request, reply));

  app.post(BASE, opts, async (request, reply) => {
    const { values, errors } = parseForm(formOf(request));
    if (errors.length) return renderList(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await createWebhookEndpoint(kit.deps, staffOf(request).caller, {
      url: values.url,
      events: values.events,
      description: values.description || null,
    });
    if (!result.ok) return renderList(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
    return secretPage(kit, request, reply, result.value.endpoint, result.value.secret, false);
  });

  app.get<ById & { Querystring: { older?: string } }>(`${BASE}/:id`, opts, (request, reply) => {
    if (!isId(request.params.id)) return kit.notFound(request, reply);
    return renderEndpoint(kit, request, reply, request.params.id, { older: request.query.older });
  });

  app.post<ById>(`${BASE}/:id`, opts, async (request, reply) => {
    const { id } = request.params;
    if (!isId(id)) return kit.notFound(request, reply);
    const { values, errors } = parseForm(formOf(request));
    if (errors.length) return renderEndpoint(kit, request, reply, id, { values, failed: { detail: null, errors }, status: 422 });
    const result = await updateWebhookEndpoint(kit.deps, staffOf(request).caller, id, {
      url: values.url,
      events: values.events,
      description: values.description || null,
    });
    if (result.ok) return seeOther(reply, `${BASE}/${id}`, "webhook_saved");
    if (result.code === "not_found") return kit.notFound(request, reply);
    return renderEndpoint(kit, request, reply, id, { values, failed: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
  });

  for (const [path, disabled, notice] of [
    ["disable", true, "webhook_disabled"],
    ["enable", false, "webhook_enabled"],
  ] as const) {
    app.post<ById>(`${BASE}/:id/${path}`, opts, async (request, reply) => {
      const { id } = request.params;
      if (!isId(id)) return kit.notFound(request, reply);
      const result = await updateWebhookEndpoint(kit.deps, staffOf(request).caller, id, { disabled });
      if (result.ok) return seeOther(reply, `${BASE}/${id}`, notice);
      if (result.code === "not_found") return kit.notFound(request, reply);
      return renderEndpoint(kit, request, reply, id, { actionFailed: { detail: result.detail }, status: statusOf(result) });
    });
  }

  app.post<ById>(`${BASE}/:id/rotate-secret`, opts, async (request, reply) => {
    const { id } = request.params;
    if (!isId(id)) return kit.notFound(request, reply);
    const result = await rotateWebhookSecret(kit.deps, staffOf(request).caller, id);
    if (!result.ok) return kit.notFound(request, reply);
    return secretPage(kit, request, reply, result.value.endpoint, result.value.secret, true);
  });

  app.post<ById>(`${BASE}/:id/test`, opts, async (request, reply) => {
    const { id } = request.params;
    if (!isId(id)) return kit.notFound(request, reply);
    const result = await sendTestWebhookEvent(kit.deps, staffOf(request).caller, id);
    if (result.ok) return seeOther(reply, `${BASE}/${id}`, "webhook_test_sent");
    if (result.code === "not_found") return kit.notFound(request, reply);
    return renderEndpoint(kit, request, reply, id, { actionFailed: { detail: result.detail }, status: statusOf(result) });
  });

  app.post<{ Params: { id: string; deliveryId: string } }>(`${BASE}/:id/deliveries/:deliveryId/retry`, opts, async (request, reply) => {
    const { id, deliveryId } = request.params;
    if (!isId(id) || !isId(deliveryId)) return kit.notFound(request, reply);
    const result = await retryWebhookDelivery(kit.deps, staffOf(request).caller, id, deliveryId);
    if (result.ok) return seeOther(reply, `${BASE}/${id}`, "webhook_retried");
    if (result.code === "not_found") return kit.notFound(request, reply);
    return renderEndpoint(kit, request, reply, id, { actionFailed: { detail: result.detail }, status: statusOf(result) });
  });

  app.post<ById>(`${BASE}/:id/delete`, opts, async (request, reply) => {
    const { id } = request.params;
    if (!isId(id)) return kit.notFound(request, reply);
    const caller = staffOf(request).caller;
    // Asked first: only the confirmation screen's form carries confirm=yes.
    if (one(formOf(request), "confirm") !== "yes") {
      const found = await getWebhookEndpoint(kit.deps, caller, id);
      return found.ok ? confirmDelete(kit, request, reply, found.value) : kit.notFound(request, reply);
    }
    const result = await deleteWebhookEndpoint(kit.deps, caller, id);
    if (!result.ok) return kit.notFound(request, reply);
    return seeOther(reply, BASE, "webhook_deleted");
  });
}
