// Openings (GET /openings): what is open now and what happened to the last week's openings, and the
// form to open a new slot (POST /openings → the open-slot flow; the waitlist flow starts on its own).
import { DateTime } from "luxon";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FieldError } from "../../core/result.ts";
import { listOpeningsOf } from "../../flows/look-up.ts";
import { openSlot } from "../../flows/open-slot.ts";
import { viewDirectory } from "../../flows/view-directory.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { localDay, localInstant, nameOf, span } from "./format.ts";
import { csrfField, errorSummary, fieldError, options, statusBadge } from "./layout.ts";
import { formOf, isId, one, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";

interface SlotValues {
  providerId: string;
  chairId: string;
  date: string;
  start: string;
  end: string;
}

const LABELS = { "/providerId": "Provider", "/chairId": "Chair", "/start": "Start", "/end": "End", "/date": "Date" };

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, form?: { values: SlotValues; failed: FormErrors; status: number }) {
  const staff = staffOf(request);
  const { deps } = kit;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const weekAgo = DateTime.fromJSDate(now, { zone }).minus({ days: 7 }).startOf("day").toJSDate();
  const [page, dir] = await Promise.all([
    listOpeningsOf(deps, staff.caller, { from: weekAgo }, { limit: 200, after: null }),
    viewDirectory(deps, staff.caller.clinicId),
  ]);
  const open = page.items.filter((o) => o.status === "OPEN" && o.end > now);
  const past = page.items.filter((o) => !(o.status === "OPEN" && o.end > now)).reverse();
  const v = form?.values ?? { providerId: "", chairId: "", date: localDay(now, zone), start: "", end: "" };
  const errs = form?.failed.errors;
  const table = (rows: typeof open) =>
    html`<div class="table-wrap"><table class="cards"><thead><tr><th>When</th><th>Provider</th><th>Source</th><th>Status</th><th>Waves</th></tr></thead><tbody>
${rows.map(
  (o) => html`<tr data-opening="${o.id}"><td><a href="/openings/${o.id}">${span(o.start, o.end, zone)}</a></td>
<td>${nameOf(dir.providers, o.providerId)}${o.chairId ? html`<br><span class="muted small">${nameOf(dir.chairs, o.chairId)}</span>` : ""}</td>
<td>${o.source.toLowerCase().replace("_", " ")}</td><td>${statusBadge(o.status)}</td><td>${o.waveCount}</td></tr>`,
)}</tbody></table></div>`;
  const body = html`<details class="add"${form ? html` open` : ""}><summary><strong>Create a slot</strong></summary>
<form method="post" action="/openings" class="card">${csrfField(staff.csrf)}
${form ? errorSummary(form.failed.detail, errs, LABELS) : ""}
<div class="pair"><div><label for="providerId">Provider</label><select id="providerId" name="providerId" required>${options(dir.providers, v.providerId, "Choose…")}</select>${fieldError(errs, "/providerId")}</div>
<div><label for="chairId">Chair <span class="muted small">(optional)</span></label><select id="chairId" name="chairId">${options(dir.chairs, v.chairId, "Any / none")}</select>${fieldError(errs, "/chairId")}</div></div>
<div class="pair"><div><label for="date">Date</label><input type="date" id="date" name="date" required value="${v.date}">${fieldError(errs, "/date")}</div>
<div><label for="start">From <span class="muted small">(clinic time)</span></label><input type="time" id="start" name="start" required value="${v.start}">${fieldError(errs, "/start")}</div>
<div><label for="end">Until</label><input type="time" id="end" name="end" required value="${v.end}">${fieldError(errs, "/end")}</div></div>
<p><button class="primary" type="submit">Create slot</button></p></form></details>
<h2>Open now <span class="muted small">(${open.length})</span></h2>
${open.length ? table(open) : html`<p class="muted">No open openings.</p>`}
<h2>Last 7 days</h2>${past.length ? table(past) : html`<p class="muted">Nothing yet.</p>`}`;
  return kit.page(request, reply, { title: "Openings", active: "/openings", body, status: form?.status });
}

export function openingRoutes(app: App, kit: Kit) {
  const guard = kit.guard("booking:manage_schedule");
  app.get("/openings", { schema: { hide: true }, preHandler: guard }, (request, reply) => render(kit, request, reply));

  app.post("/openings", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const staff = staffOf(request);
    const f = formOf(request);
    const values: SlotValues = {
      providerId: one(f, "providerId"),
      chairId: one(f, "chairId"),
      date: one(f, "date"),
      start: one(f, "start"),
      end: one(f, "end"),
    };
    const errors: FieldError[] = [];
    if (!isId(values.providerId)) errors.push({ path: "/providerId", message: "choose a provider" });
    if (values.chairId && !isId(values.chairId)) errors.push({ path: "/chairId", message: "choose a chair from the list" });
    const start = localInstant(values.date, values.start, staff.timezone);
    const end = localInstant(values.date, values.end, staff.timezone);
    if (!start) errors.push({ path: "/start", message: "needs a date and a time HH:MM" });
    if (!end) errors.push({ path: "/end", message: "needs a date and a time HH:MM" });
    if (errors.length || !start || !end) return render(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await openSlot(kit.deps, staff.caller, { providerId: values.providerId, chairId: values.chairId || null, start, end });
    if (result.ok) return seeOther(reply, `/openings/${result.value.id}`, "opening_created");
    const status = result.code === "not_found" ? 422 : statusOf(result);
    return render(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status });
  });
}
