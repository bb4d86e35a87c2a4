// Settings › API keys (admins, like the rest of Settings): the clinic's keys for machines — its
// practice-management system, the import tool — through the same flows as /api/booking/api-keys. GET
// /settings/api-keys lists the keys (name, permissions, created, active or revoked; never the key itself)
// and makes one; the key is shown once, on the page that answers the create POST (it is stored hashed: the
// flows cannot hand it back). Revoke asks first on a second screen; the flow audits it (api_key.revoked).
// The store keeps no "last used" time, so the list has no such column.
import type { FastifyReply, FastifyRequest } from "fastify";
import { PERMISSIONS, type Permission } from "../../core/permissions.ts";
import type { FieldError } from "../../core/result.ts";
import { type ApiKey, issueApiKey, listKeys, revokeKey } from "../../flows/issue-api-key.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { when } from "./format.ts";
import { csrfField, errorSummary, fieldError } from "./layout.ts";
import { formOf, isId, many, one, seeOther, staffOf, statusOf, type Form, type FormErrors, type Kit } from "./kit.ts";

const BASE = "/settings/api-keys";
/** As the API's schema (Name: 1–200 characters, not blank). */
const MAX_NAME = 200;

const LABELS: Record<string, string> = { "/name": "Name", "/permissions": "Permissions" };

/** What each permission lets a key do, in the words of the API's route groups. */
const PERMISSION_TEXT: Record<Permission, { label: string; hint: string }> = {
  "booking:manage_schedule": {
    label: "Schedule",
    hint: "patients, providers, chairs, services, appointments, openings and closures, and their sync by external id",
  },
  "booking:manage_waitlist": { label: "Waitlist", hint: "waitlist entries (and their sync), offers, matches and outreach tasks" },
  "booking:view_analytics": { label: "Analytics", hint: "read the conversion and fill-rate figures" },
  "clinic:admin": { label: "Admin", hint: "settings, API keys, webhook endpoints, staff logins and the audit log" },
};

/** The order the form and the list name them in: what an integration needs first. */
const SHOWN = Object.keys(PERMISSION_TEXT) as Permission[];

interface KeyValues {
  name: string;
  permissions: string[];
}

const blank: KeyValues = { name: "", permissions: [] };

/** The form's fields, checked as the API's schema checks them (the flow takes them as given). */
function parseForm(form: Form): { values: KeyValues; errors: FieldError[] } {
  const values: KeyValues = { name: one(form, "name"), permissions: [...new Set(many(form, "permissions"))] };
  const errors: FieldError[] = [];
  if (values.name === "") errors.push({ path: "/name", message: "is required" });
  else if (values.name.length > MAX_NAME) errors.push({ path: "/name", message: `must be at most ${MAX_NAME} characters` });
  else if (values.name.includes("\u0000")) errors.push({ path: "/name", message: "must not contain a NUL character" });
  if (values.permissions.length === 0) errors.push({ path: "/permissions", message: "tick at least one permission" });
  values.permissions.forEach((p, i) => {
    if (!(PERMISSIONS as readonly string[]).includes(p)) errors.push({ path: `/permissions/${i}`, message: `${JSON.stringify(p)} is not a permission` });
  });
  return { values, errors };
}

const permissionsText = (permissions: readonly string[]) =>
  SHOWN.filter((p) => permissions.includes(p))
    .map((p) => PERMISSION_TEXT[p].label)
    .join(", ") || "none";

function statusOfKey(k: ApiKey, zone: string): Html {
  return k.revokedAt
    ? html`<span class="badge s-disabled">revoked</span> <span class="small" data-revoked-at>${when(k.revokedAt, zone)}</span>`
    : html`<span class="badge s-enabled">active</span>`;
}

function keyFields(v: KeyValues, errs: FieldError[] | undefined): Html {
  const invalid = (path: string) => ((errs ?? []).some((e) => e.path === path || e.path.startsWith(`${path}/`)) ? html` aria-invalid="true"` : "");
  return html`<div><label for="key-name">Name <span class="muted small">(what uses it, e.g. "Practice system")</span></label><input type="text" id="key-name" name="name" required maxlength="${MAX_NAME}" value="${v.name}"${invalid("/name")}>${fieldError(errs, "/name")}</div>
<fieldset class="permissions"><legend>Permissions</legend>
${SHOWN.map(
  (p) =>
    html`<div class="days"><label><input type="checkbox" name="permissions" value="${p}"${v.permissions.includes(p) ? html` checked` : ""}> <strong>${PERMISSION_TEXT[p].label}</strong> <span class="muted small">(${p}): ${PERMISSION_TEXT[p].hint}</span></label></div>`,
)}
<p class="muted small">A practice-management system that syncs the calendar and the waitlist needs Schedule and Waitlist.</p>${fieldError(errs, "/permissions")}</fieldset>`;
}

async function renderList(kit: Kit, request: FastifyRequest, reply: FastifyReply, form?: { values: KeyValues; failed: FormErrors; status: number }) {
  const staff = staffOf(request);
  const zone = staff.timezone;
  const keys = await listKeys(kit.deps, staff.caller);
  const v = form?.values ?? blank;
  const errs = form?.failed.errors;
  const active = keys.filter((k) => !k.revokedAt).length;
  const rows = keys.map(
    (k) => html`<tr data-api-key="${k.id}"><td>${k.name}</td><td class="small" data-permissions>${permissionsText(k.permissions)}</td>
<td class="small">${when(k.createdAt, zone)}</td><td>${statusOfKey(k, zone)}</td>
<td>${k.revokedAt ? "" : html`<form method="post" action="${BASE}/${k.id}/revoke" class="inline">${csrfField(staff.csrf)}<button type="submit" class="danger">Revoke…</button></form>`}</td></tr>`,
  );
  const body = html`<p class="muted small"><a href="/settings">Settings</a> › API keys. A key lets a machine — the clinic's practice-management system, <code>backfill import</code> — use the API as <code>Authorization: Bearer &lt;key&gt;</code>, with the permissions it was given. Keys are stored hashed: each is shown once, when it is made. Times are the clinic's (${zone}).</p>
<h2>Keys <span class="muted small">(${active} active)</span></h2>
${
  keys.length
    ? html`<div class="table-wrap"><table class="cards"><thead><tr><th>Name</th><th>Permissions</th><th>Created</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">No API keys yet: no system can use the API.</p>`
}
<h2>Make a key</h2>
<form method="post" action="${BASE}" class="card">${csrfField(staff.csrf)}
${form ? errorSummary(form.failed.detail, errs, LABELS) : ""}
${keyFields(v, errs)}
<p><button class="primary" type="submit">Make key</button> <span class="muted small">The key is shown once, on the next page.</span></p></form>`;
  return kit.page(request, reply, { title: "API keys", active: "/settings", body, status: form?.status });
}

/** The answer to the create: the key, this once. */
function keyPage(kit: Kit, request: FastifyRequest, reply: FastifyReply, k: ApiKey, apiKey: string) {
  const body = html`<div class="card" data-api-key="${k.id}">
<p>A new API key <strong>${k.name}</strong> (${permissionsText(k.permissions)}).</p>
<label for="api-key">API key</label><input type="text" id="api-key" class="secret" readonly value="${apiKey}" data-secret>
<p class="warn-text"><strong>Copy it and store it now: it is not shown again.</strong></p>
<p class="muted small">Your system sends it with every request as <code>Authorization: Bearer &lt;key&gt;</code> (see "Connecting your practice system" in the README). Lost it? Revoke it and make another.</p>
<p><a class="button" href="${BASE}">I have stored it</a></p></div>`;
  return kit.page(request, reply, { title: "API key made", active: "/settings", body, status: 201 });
}

function confirmRevoke(kit: Kit, request: FastifyRequest, reply: FastifyReply, k: ApiKey) {
  const staff = staffOf(request);
  const body = html`<div class="card" data-confirm-revoke="${k.id}">
<p>Revoke the API key <strong>${k.name}</strong> (${permissionsText(k.permissions)})? Any system using it is refused (401) from then on. This cannot be undone: make a new key to connect it again.</p>
<form method="post" action="${BASE}/${k.id}/revoke" class="inline">${csrfField(staff.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="danger">Revoke the key</button></form>
<a class="button" href="${BASE}">Keep it</a></div>`;
  return kit.page(request, reply, { title: "Revoke the API key?", active: "/settings", body });
}

export function settingsApiKeyRoutes(app: App, kit: Kit) {
  const guard = kit.guard("clinic:admin");
  const opts = { schema: { hide: true }, preHandler: guard };

  app.get(BASE, opts, (request, reply) => renderList(kit, request, reply));

  app.post(BASE, opts, async (request, reply) => {
    const { values, errors } = parseForm(formOf(request));
    if (errors.length) return renderList(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await issueApiKey(kit.deps, staffOf(request).caller, { name: values.name, permissions: values.permissions as Permission[] });
    if (!result.ok) return renderList(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
    return keyPage(kit, request, reply, result.value.key, result.value.apiKey);
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id/revoke`, opts, async (request, reply) => {
    const { id } = request.params;
    if (!isId(id)) return kit.notFound(request, reply);
    const caller = staffOf(request).caller;
    const found = (await listKeys(kit.deps, caller)).find((k) => k.id === id);
    if (!found) return kit.notFound(request, reply);
    // Already revoked (a second click, an old tab): nothing to do.
    if (found.revokedAt) return seeOther(reply, BASE, "api_key_revoked");
    // Asked first: only the confirmation screen's form carries confirm=yes.
    if (one(formOf(request), "confirm") !== "yes") return confirmRevoke(kit, request, reply, found);
    // Its one failure, not_found, means another admin revoked it just now: revoked either way.
    await revokeKey(kit.deps, caller, id);
    return seeOther(reply, BASE, "api_key_revoked");
  });
}
