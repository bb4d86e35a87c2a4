// Waitlist (GET /waitlist): entries with filters (status, service) and a search over the patient's
// name, phone and email; the add form (POST /waitlist) and removing (POST /waitlist/:id/remove).
import type { FastifyReply, FastifyRequest } from "fastify";
import { ENTRY_STATUSES, type EntryStatus } from "../../core/types.ts";
import { addToWaitlist, removeFromWaitlist } from "../../flows/add-to-waitlist.ts";
import { viewWaitlist } from "../../flows/view-waitlist.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { nameOf, standingBadges, windowText } from "./format.ts";
import { csrfField, options, statusBadge } from "./layout.ts";
import { formOf, isId, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";
import { emptyValues, entryForm, parseEntryForm, type EntryValues } from "./waitlist-entry.ts";

interface Filters {
  status: string;
  serviceId: string;
  q: string;
}

function filtersOf(request: FastifyRequest): Filters {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v.trim().slice(0, 100) : "");
  return { status: str(q.status) || "open", serviceId: str(q.serviceId), q: str(q.q) };
}

async function render(
  kit: Kit,
  request: FastifyRequest,
  reply: FastifyReply,
  add: { values: EntryValues; failed?: FormErrors; status?: number } = { values: emptyValues() },
) {
  const staff = staffOf(request);
  const clinicId = staff.caller.clinicId;
  const f = filtersOf(request);
  const status = f.status === "open" || (ENTRY_STATUSES as readonly string[]).includes(f.status) ? (f.status as EntryStatus | "open") : undefined;
  const { rows, dir, patients, standing } = await viewWaitlist(kit.deps, clinicId, {
    status,
    serviceId: isId(f.serviceId) ? f.serviceId : undefined,
    search: f.q || undefined,
  });
  const statusChoices = [{ id: "open", name: "Open (not booked or removed)" }, { id: "all", name: "All" }, ...ENTRY_STATUSES.map((s) => ({ id: s, name: s }))];
  const body = html`<form method="get" action="/waitlist" class="card row filters" role="search">
<div><label for="q">Search</label><input type="search" id="q" name="q" value="${f.q}" placeholder="Name, phone or email"></div>
<div><label for="status">Status</label><select id="status" name="status">${options(statusChoices, f.status)}</select></div>
<div><label for="serviceId-filter">Service</label><select id="serviceId-filter" name="serviceId">${options(dir.services, f.serviceId, "Any service")}</select></div>
<div><label>&nbsp;</label><button type="submit">Filter</button></div></form>
<details class="add"${add.failed ? html` open` : ""}><summary><strong>Add to the waitlist</strong></summary>
${entryForm({ action: "/waitlist", submit: "Add to waitlist", csrf: staff.csrf, values: add.values, failed: add.failed, dir, patients })}</details>
<h2>Entries <span class="muted small">(${rows.length}${rows.length === 200 ? "+, refine the search" : ""})</span></h2>
${
  rows.length === 0
    ? html`<p class="muted">No entries match.</p>`
    : html`<div class="table-wrap"><table class="cards"><thead><tr>
<th>Patient</th><th>Service</th><th>Providers</th><th>Windows</th><th>Dates</th><th>Priority</th><th>Status</th><th></th></tr></thead><tbody>
${rows.map(
  ({
    entry: e,
    patientName,
  }) => html`<tr data-entry="${e.id}"><td><a href="/waitlist/${e.id}">${patientName}</a>${standingBadges(standing.get(e.patientId))}</td>
<td>${nameOf(dir.services, e.serviceId)}</td>
<td>${e.providerIds.length ? e.providerIds.map((p) => nameOf(dir.providers, p)).join(", ") : html`<span class="muted">any</span>`}</td>
<td>${e.windows.length ? e.windows.map((w) => html`<div>${windowText(w)}</div>`) : html`<span class="muted">any time</span>`}
${e.preferredTime ? html`<div class="muted small">prefers ${e.preferredTime}</div>` : ""}</td>
<td class="small">${e.earliestDate || e.latestDate ? `${e.earliestDate ?? "…"} – ${e.latestDate ?? "…"}` : html`<span class="muted">any dates</span>`}${e.minNoticeMinutes ? html`<div class="muted">${e.minNoticeMinutes / 60} h notice</div>` : ""}</td>
<td>${e.priority}</td><td>${statusBadge(e.status)}<div class="muted small">${e.notificationCount} sent</div></td>
<td>${
    e.status === "BOOKED" || e.status === "REMOVED"
      ? ""
      : html`<a class="button" href="/waitlist/${e.id}">Edit</a>
<form method="post" action="/waitlist/${e.id}/remove" class="inline">${csrfField(staff.csrf)}<button type="submit" class="danger">Remove</button></form>`
  }</td></tr>`,
)}
</tbody></table></div>`
}`;
  return kit.page(request, reply, { title: "Waitlist", active: "/waitlist", body, status: add.status });
}

export function waitlistRoutes(app: App, kit: Kit) {
  const guard = kit.guard("booking:manage_waitlist");
  app.get("/waitlist", { schema: { hide: true }, preHandler: guard }, (request, reply) => render(kit, request, reply));

  app.post("/waitlist", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const { values, input, errors } = parseEntryForm(formOf(request));
    if (!isId(values.patientId)) errors.unshift({ path: "/patientId", message: "choose a patient" });
    if (errors.length) return render(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await addToWaitlist(kit.deps, staffOf(request).caller, input);
    if (result.ok) return seeOther(reply, "/waitlist", "entry_added");
    // An id that is not this clinic's is a bad field of the form here, not a missing page.
    const status = result.code === "not_found" ? 422 : statusOf(result);
    return render(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status });
  });

  app.post<{ Params: { id: string } }>("/waitlist/:id/remove", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    if (!isId(request.params.id)) return kit.notFound(request, reply);
    const result = await removeFromWaitlist(kit.deps, staffOf(request).caller, request.params.id);
    if (result.ok) return seeOther(reply, "/waitlist", "entry_removed");
    if (result.code === "not_found") return kit.notFound(request, reply);
    return render(kit, request, reply, { values: emptyValues(), failed: { detail: result.detail }, status: statusOf(result) });
  });
}
