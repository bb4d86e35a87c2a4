// Activity: one record's audit rows on its page (opening, waitlist entry, appointment) — who, when,
// what changed — read through flows/view-audit-log.ts, so names and contact details are already
// redacted. Staff who may open the page see its Activity: it says no more than the page itself.
// GET /appointments/:id is the appointment's own page (the list has no room for a history).
import type { AuditEntityType } from "../../core/audit.ts";
import { findAppointment } from "../../flows/look-up.ts";
import { type AuditItem, activityOf } from "../../flows/view-audit-log.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { span, when } from "./format.ts";
import { statusBadge } from "./layout.ts";
import { isId, staffOf, type Kit, type Staff } from "./kit.ts";

const SHOWN_FIELDS = 6; // a row lists at most this many changed fields; the API has them all
const VALUE_CHARS = 60;

function who(a: AuditItem["actor"]): string {
  const short = a.id && /^[0-9a-f-]{36}$/i.test(a.id) ? a.id.slice(0, 8) : a.id;
  switch (a.type) {
    case "staff":
      return `staff ${short ?? ""}`.trim();
    case "api_key":
      return `API key ${short ?? ""}`.trim();
    case "patient":
      return a.via ? `patient, by ${a.via.replace("_", " ")}` : "patient";
    case "provider":
      return "message provider";
    case "system":
      return a.id ? `system (${a.id})` : "system";
  }
}

function shown(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > VALUE_CHARS ? `${s.slice(0, VALUE_CHARS - 1)}…` : s;
}

/** The top-level fields that differ between before and after (all of after's for a creation). */
export function changes(before: unknown, after: unknown): { field: string; from: string | null; to: string }[] {
  const b = before && typeof before === "object" && !Array.isArray(before) ? (before as Record<string, unknown>) : null;
  const a = after && typeof after === "object" && !Array.isArray(after) ? (after as Record<string, unknown>) : null;
  if (!a) return [];
  return Object.entries(a)
    .filter(([k, v]) => v !== undefined && !["updatedAt", "createdAt", "clinicId", "id"].includes(k) && (!b || JSON.stringify(b[k]) !== JSON.stringify(v)))
    .map(([k, v]) => ({ field: k, from: b && b[k] !== undefined ? shown(b[k]) : null, to: shown(v) }));
}

function row(item: AuditItem, zone: string): Html {
  const changed = changes(item.before, item.after);
  const listed = changed.slice(0, SHOWN_FIELDS);
  return html`<li data-audit="${item.id}"><span class="small">${when(item.at, zone)}</span> · <strong>${item.action}</strong> · <span class="muted">${who(item.actor)}</span>
${listed.length ? html`<ul class="small">${listed.map((c) => html`<li><code>${c.field}</code>: ${c.from === null ? "" : html`${c.from} → `}${c.to}</li>`)}${changed.length > listed.length ? html`<li class="muted">and ${changed.length - listed.length} more</li>` : ""}</ul>` : ""}</li>`;
}

/** The Activity section of a record's page: newest first. */
export async function activitySection(kit: Kit, staff: Staff, entityType: AuditEntityType, entityId: string): Promise<Html> {
  const items = await activityOf(kit.deps, staff.caller, entityType, entityId);
  return html`<section class="activity" aria-labelledby="activity-h"><h2 id="activity-h">Activity <span class="muted small">(${items.length}, newest first)</span></h2>
${items.length ? html`<ul class="activity-log">${items.map((i) => row(i, staff.timezone))}</ul>` : html`<p class="muted">Nothing recorded yet.</p>`}</section>`;
}

export function appointmentActivityRoutes(app: App, kit: Kit) {
  app.get<{ Params: { id: string } }>(
    "/appointments/:id",
    { schema: { hide: true }, preHandler: kit.guard("booking:manage_schedule") },
    async (request, reply) => {
      const staff = staffOf(request);
      const found = isId(request.params.id) ? await findAppointment(kit.deps, staff.caller, request.params.id) : null;
      if (!found?.ok) return kit.notFound(request, reply);
      const a = found.value;
      const body = html`<p><a href="/appointments">← Appointments</a></p>
<div class="card"><p><strong>${span(a.start, a.end, staff.timezone)}</strong> ${statusBadge(a.status)}</p>
<p class="muted small">${a.source.toLowerCase()}${a.fromWaitlistEntryId ? html` · from <a href="/waitlist/${a.fromWaitlistEntryId}">a waitlist entry</a>` : ""}</p></div>
${await activitySection(kit, staff, "appointment", a.id)}`;
      return kit.page(request, reply, { title: "Appointment", active: "/appointments", body });
    },
  );
}
