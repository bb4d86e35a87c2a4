// Closures (GET /closures): the closure calendar — the whole clinic or one provider closed for a time
// (holidays, training, a broken chair). Openings inside a closure are never offered; the page lists the
// active appointments that fall inside each upcoming closure so staff can move them.
import { DateTime } from "luxon";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FieldError } from "../../core/result.ts";
import { addClosure, removeClosure, upcomingClosures } from "../../flows/closures.ts";
import { viewDirectory, viewPatientNames } from "../../flows/view-directory.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { localDay, localInstant, nameOf, span } from "./format.ts";
import { csrfField, errorSummary, fieldError, options, statusBadge } from "./layout.ts";
import { formOf, isId, one, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";

interface ClosureValues {
  providerId: string;
  startDate: string;
  startTime: string;
  endDate: string;
  endTime: string;
  reason: string;
}

const LABELS = { "/providerId": "Who", "/start": "From", "/end": "Until", "/reason": "Reason" };

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, form?: { values: ClosureValues; failed: FormErrors; status: number }) {
  const staff = staffOf(request);
  const { deps } = kit;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const [closures, dir] = await Promise.all([upcomingClosures(deps, staff.caller, now), viewDirectory(deps, staff.caller.clinicId)]);
  const names = await viewPatientNames(
    deps,
    staff.caller.clinicId,
    closures.flatMap((c) => c.affected.map((a) => a.patientId)),
  );
  const today = localDay(now, zone);
  const v = form?.values ?? { providerId: "", startDate: today, startTime: "", endDate: today, endTime: "", reason: "" };
  const errs = form?.failed.errors;
  const list = closures.map(
    ({ closure: c, affected }) => html`<div class="card" data-closure="${c.id}">
<p><strong>${span(c.start, c.end, zone)}</strong> · ${c.providerId ? nameOf(dir.providers, c.providerId) : "whole clinic"}${c.reason ? html` · ${c.reason}` : ""}</p>
${
  affected.length
    ? html`<p class="small"><strong>${affected.length} appointment${affected.length === 1 ? "" : "s"} to move:</strong></p><ul class="small">
${affected.map((a) => html`<li data-affected="${a.id}">${span(a.start, a.end, zone)} — ${names.get(a.patientId) ?? "—"} with ${nameOf(dir.providers, a.providerId)} ${statusBadge(a.status)}</li>`)}</ul>`
    : html`<p class="muted small">No appointments inside it.</p>`
}
<form method="post" action="/closures/${c.id}/remove" class="inline">${csrfField(staff.csrf)}<button type="submit">Remove closure</button></form></div>`,
  );
  const body = html`<p class="muted small">Openings inside a closure are never offered. Times are the clinic's (${zone}).</p>
<details class="add"${form ? html` open` : ""}><summary><strong>Add a closure</strong></summary>
<form method="post" action="/closures" class="card">${csrfField(staff.csrf)}
${form ? errorSummary(form.failed.detail, errs, LABELS) : ""}
<div><label for="providerId">Who</label><select id="providerId" name="providerId">${options(dir.providers, v.providerId, "The whole clinic")}</select>${fieldError(errs, "/providerId")}</div>
<div class="pair"><div><label for="startDate">From date</label><input type="date" id="startDate" name="startDate" required value="${v.startDate}"></div>
<div><label for="startTime">time <span class="muted small">(blank: start of day)</span></label><input type="time" id="startTime" name="startTime" value="${v.startTime}">${fieldError(errs, "/start")}</div></div>
<div class="pair"><div><label for="endDate">Until date</label><input type="date" id="endDate" name="endDate" required value="${v.endDate}"></div>
<div><label for="endTime">time <span class="muted small">(blank: end of day)</span></label><input type="time" id="endTime" name="endTime" value="${v.endTime}">${fieldError(errs, "/end")}</div></div>
<div><label for="reason">Reason <span class="muted small">(staff only)</span></label><input id="reason" name="reason" maxlength="200" value="${v.reason}">${fieldError(errs, "/reason")}</div>
<p><button class="primary" type="submit">Add closure</button></p></form></details>
<h2>Upcoming closures <span class="muted small">(${closures.length})</span></h2>
${closures.length ? list : html`<p class="muted">No closures ahead.</p>`}`;
  return kit.page(request, reply, { title: "Closures", active: "/closures", body, status: form?.status });
}

/** The instant a form's local date and time name; a blank time is the day's start (or, for `end`, the next day's start). */
function boundary(date: string, time: string, zone: string, end: boolean): Date | null {
  if (time) return localInstant(date, time, zone);
  const day = localInstant(date, "00:00", zone);
  if (!day) return null;
  return end ? DateTime.fromJSDate(day, { zone }).plus({ days: 1 }).toJSDate() : day;
}

export function closureRoutes(app: App, kit: Kit) {
  const guard = kit.guard("booking:manage_schedule");
  app.get("/closures", { schema: { hide: true }, preHandler: guard }, (request, reply) => render(kit, request, reply));

  app.post("/closures", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const staff = staffOf(request);
    const f = formOf(request);
    const values: ClosureValues = {
      providerId: one(f, "providerId"),
      startDate: one(f, "startDate"),
      startTime: one(f, "startTime"),
      endDate: one(f, "endDate"),
      endTime: one(f, "endTime"),
      reason: one(f, "reason").slice(0, 200),
    };
    const errors: FieldError[] = [];
    if (values.providerId && !isId(values.providerId)) errors.push({ path: "/providerId", message: "choose a provider from the list" });
    const start = boundary(values.startDate, values.startTime, staff.timezone, false);
    const end = boundary(values.endDate, values.endTime, staff.timezone, true);
    if (!start) errors.push({ path: "/start", message: "needs a date (and a time HH:MM, or blank)" });
    if (!end) errors.push({ path: "/end", message: "needs a date (and a time HH:MM, or blank)" });
    if (errors.length || !start || !end) return render(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await addClosure(kit.deps, staff.caller, { providerId: values.providerId || null, start, end, reason: values.reason });
    if (result.ok) return seeOther(reply, "/closures", "closure_added");
    const status = result.code === "not_found" ? 422 : statusOf(result);
    return render(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status });
  });

  app.post<{ Params: { id: string } }>("/closures/:id/remove", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    if (!isId(request.params.id)) return kit.notFound(request, reply);
    const result = await removeClosure(kit.deps, staffOf(request).caller, request.params.id);
    if (!result.ok) return kit.notFound(request, reply);
    return seeOther(reply, "/closures", "closure_removed");
  });
}
