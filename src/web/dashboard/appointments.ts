// Appointments (GET /appointments): the next two weeks' active appointments, by day, each with a
// Cancel form. Cancelling frees the time: it becomes an opening and the waitlist flow starts. A patient's
// cancellation that costs a fee is quoted first (as in the API): staff confirm it on a second screen.
import { DateTime } from "luxon";
import type { FastifyReply, FastifyRequest } from "fastify";
import { cancelAppointment } from "../../flows/cancel-appointment.ts";
import { findAppointment } from "../../flows/look-up.ts";
import { viewAppointments } from "../../flows/view-appointments.ts";
import { viewPatientNames } from "../../flows/view-directory.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { money, nameOf, standingBadges, timeOnly, when } from "./format.ts";
import { csrfField, errorSummary, statusBadge } from "./layout.ts";
import { formErrors, formOf, isId, one, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";

const DAYS = 14;

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, failed?: { id: string; errors: FormErrors; status: number }) {
  const staff = staffOf(request);
  const { deps } = kit;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const to = DateTime.fromJSDate(now, { zone }).plus({ days: DAYS }).endOf("day").toJSDate();
  const { appointments, dir, names, standing } = await viewAppointments(deps, staff.caller.clinicId, now, to);
  const byDay = new Map<string, Html[]>();
  for (const a of appointments) {
    const day = DateTime.fromJSDate(a.start, { zone }).setLocale("en-US").toFormat("cccc d LLLL");
    const rows = byDay.get(day) ?? [];
    rows.push(html`<tr data-appointment="${a.id}"><td><a href="/appointments/${a.id}">${timeOnly(a.start, zone)}–${timeOnly(a.end, zone)}</a></td>
<td>${names.get(a.patientId) ?? "—"}${standingBadges(standing.get(a.patientId))}</td><td>${nameOf(dir.services, a.serviceId)}</td>
<td>${nameOf(dir.providers, a.providerId)}${a.chairId ? html`<br><span class="muted small">${nameOf(dir.chairs, a.chairId)}</span>` : ""}</td>
<td>${statusBadge(a.status)}${a.source === "WAITLIST" ? html` <span class="muted small">from waitlist</span>` : ""}</td>
<td>${failed?.id === a.id ? errorSummary(failed.errors.detail, failed.errors.errors, {}) : ""}
<form method="post" action="/appointments/${a.id}/cancel" class="inline">${csrfField(staff.csrf)}
<select name="by" aria-label="Cancelled by"><option value="patient">by patient</option><option value="staff">by staff</option></select>
<button type="submit" class="danger">Cancel</button></form></td></tr>`);
    byDay.set(day, rows);
  }
  const body = byDay.size
    ? [...byDay].map(
        ([day, rows]) => html`<h2>${day}</h2><div class="table-wrap"><table class="cards">
<thead><tr><th>Time</th><th>Patient</th><th>Service</th><th>Provider</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`,
      )
    : html`<p class="muted">No appointments in the next ${DAYS} days.</p>`;
  return kit.page(request, reply, {
    title: "Appointments",
    active: "/appointments",
    status: failed?.status,
    body: html`<p class="muted small">The next ${DAYS} days. Cancelling turns the time into an opening; the waitlist flow offers it on its own (see <a href="/">Today</a>).</p>${body}`,
  });
}

export function appointmentRoutes(app: App, kit: Kit) {
  app.get("/appointments", { schema: { hide: true }, preHandler: kit.guard("booking:manage_schedule") }, (request, reply) => render(kit, request, reply));

  app.post<{ Params: { id: string } }>(
    "/appointments/:id/cancel",
    { schema: { hide: true }, preHandler: kit.guard("booking:manage_schedule") },
    async (request, reply) => {
      const { id } = request.params;
      if (!isId(id)) return kit.notFound(request, reply);
      const form = formOf(request);
      const by = one(form, "by") === "staff" ? "staff" : "patient";
      const reason = one(form, "reason").slice(0, 500) || undefined;
      // A fee is quoted first: only the confirmation screen's form carries confirm=yes.
      const confirm = one(form, "confirm") === "yes";
      const result = await cancelAppointment(kit.deps, staffOf(request).caller, id, { by, reason, confirm });
      if (result.ok) {
        const outcome = result.value;
        if (outcome.cancelled) return seeOther(reply, "/appointments", "cancelled");
        return quote(kit, request, reply, id, { feeCents: outcome.cancellationFeeCents, feeReason: outcome.feeReason, reason });
      }
      if (result.code === "not_found") return kit.notFound(request, reply);
      return render(kit, request, reply, { id, errors: formErrors(result), status: statusOf(result) });
    },
  );
}

const FEE_REASONS: Record<string, string> = {
  late_notice: "cancelled inside the notice period: part of the price",
  full_charge: "cancelled too close to the start: the full price",
};

/** The quote: what cancelling on the patient's word costs, with Confirm and Keep. Nothing changed yet. */
async function quote(kit: Kit, request: FastifyRequest, reply: FastifyReply, id: string, q: { feeCents: number; feeReason: string; reason?: string }) {
  const staff = staffOf(request);
  const found = await findAppointment(kit.deps, staff.caller, id);
  const appointment = found.ok ? found.value : null;
  const names = appointment ? await viewPatientNames(kit.deps, staff.caller.clinicId, [appointment.patientId]) : new Map<string, string>();
  return kit.page(request, reply, {
    title: "Confirm the cancellation fee",
    active: "/appointments",
    body: html`<div class="card" data-quote="${id}">
<p>Cancelling ${appointment ? html`<strong>${names.get(appointment.patientId) ?? "this patient"}</strong>'s appointment on ${when(appointment.start, staff.timezone)}` : "this appointment"}
on the patient's word costs a <strong data-fee>${money(q.feeCents)}</strong> cancellation fee (${FEE_REASONS[q.feeReason] ?? q.feeReason}).</p>
<p class="muted small">The fee stays pending until the appointment's start and is waived automatically if the time is refilled from the waitlist first. A cancellation by staff is free.</p>
<form method="post" action="/appointments/${id}/cancel" class="inline">${csrfField(staff.csrf)}
<input type="hidden" name="by" value="patient"><input type="hidden" name="confirm" value="yes">
${q.reason ? html`<input type="hidden" name="reason" value="${q.reason}">` : ""}
<button type="submit" class="danger">Cancel and record the fee</button></form>
<a class="button" href="/appointments">Keep the appointment</a></div>`,
  });
}
