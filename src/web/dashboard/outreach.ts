// Outreach tasks (GET /outreach): when every channel failed for an offer, staff call the patient and
// close the task here (POST /outreach/:id/complete → the same flow as the API: BOOKED books the offer,
// DECLINED declines it, NO_ANSWER marks the entry unreachable).
import type { FastifyReply, FastifyRequest } from "fastify";
import { completeOutreach, staffNotices, type Outcome } from "../../flows/complete-outreach.ts";
import { viewOutreach } from "../../flows/view-outreach.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { countdown, when } from "./format.ts";
import { csrfField, errorSummary, statusBadge } from "./layout.ts";
import { formOf, isId, one, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";

const OUTCOMES: { id: Outcome; name: string }[] = [
  { id: "BOOKED", name: "Booked (they said yes)" },
  { id: "DECLINED", name: "Declined" },
  { id: "NO_ANSWER", name: "No answer" },
];

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, failed?: { id: string; errors: FormErrors; status: number }) {
  const staff = staffOf(request);
  const { deps } = kit;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const showDone = (request.query as { show?: string }).show === "done";
  const board = await viewOutreach(deps, staff.caller, showDone ? "DONE" : "OPEN", { limit: 200, after: null });
  const rows = [];
  for (const t of board.tasks) {
    // Staff need the number to call: the patient's contact is shown here, and only here.
    const p = board.contacts.get(t.patientId);
    rows.push(html`<article class="card task" data-task="${t.id}"><div class="row"><strong>${p ? `${p.firstName} ${p.lastName}` : "Patient"}</strong>
${statusBadge(t.status)} <span class="badge">${t.priority}</span>
${t.status === "OPEN" ? html`<span class="small">due ${when(t.deadline, zone)} ${countdown(t.deadline, now)}</span>` : html`<span class="small muted">${t.outcome ?? ""} ${t.completedAt ? when(t.completedAt, zone) : ""}</span>`}</div>
<p class="small">${p?.phone ? html`Call <a href="tel:${p.phone}">${p.phone}</a>` : "No phone on file"}${p?.email ? html` · <a href="mailto:${p.email}">${p.email}</a>` : ""}</p>
${t.notes ? html`<p class="muted small">${t.notes}</p>` : ""}
${t.notificationId ? html`<p class="small"><a href="/notifications">See the offer's delivery trail</a></p>` : ""}
${failed?.id === t.id ? errorSummary(failed.errors.detail, failed.errors.errors, { "/outcome": "Outcome", "/note": "Note" }) : ""}
${
  t.status === "OPEN"
    ? html`<form method="post" action="/outreach/${t.id}/complete" class="row">${csrfField(staff.csrf)}
<div><label for="outcome-${t.id}">Outcome</label><select id="outcome-${t.id}" name="outcome">${OUTCOMES.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</select></div>
<div><label for="note-${t.id}">Note</label><input type="text" id="note-${t.id}" name="note" maxlength="2000"></div>
<div><label>&nbsp;</label><button type="submit" class="primary">Close task</button></div></form>`
    : ""
}</article>`);
  }
  const notices = await staffNotices(deps, staff.caller);
  const body = html`<p class="small">${showDone ? html`<a href="/outreach">Show open tasks</a>` : html`<a href="/outreach?show=done">Show closed tasks</a>`}</p>
${rows.length ? rows : html`<p class="muted">${showDone ? "No closed tasks." : "No open tasks: every offer reached its patient."}</p>`}
<h2>Texts that need a person</h2>
${notices.unclearTexts.length ? html`<ul class="texts">${notices.unclearTexts.map((m) => html`<li><span class="small muted">${when(m.receivedAt, zone)}</span> ${m.from}: “${m.body}”</li>`)}</ul>` : html`<p class="muted">None.</p>`}
<h2>Alerts</h2>
${notices.alerts.length ? html`<ul class="alerts">${notices.alerts.map((a) => html`<li><span class="small muted">${when(a.createdAt, zone)}</span> ${a.message}</li>`)}</ul>` : html`<p class="muted">None.</p>`}`;
  return kit.page(request, reply, { title: showDone ? "Outreach tasks (closed)" : "Outreach tasks", active: "/outreach", body, status: failed?.status });
}

export function outreachRoutes(app: App, kit: Kit) {
  const guard = kit.guard("booking:manage_waitlist");
  app.get("/outreach", { schema: { hide: true }, preHandler: guard }, (request, reply) => render(kit, request, reply));

  app.post<{ Params: { id: string } }>("/outreach/:id/complete", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const id = request.params.id;
    if (!isId(id)) return kit.notFound(request, reply);
    const form = formOf(request);
    const outcome = one(form, "outcome");
    if (!OUTCOMES.some((o) => o.id === outcome)) {
      return render(kit, request, reply, { id, errors: { detail: null, errors: [{ path: "/outcome", message: "choose an outcome" }] }, status: 422 });
    }
    const note = one(form, "note").slice(0, 2000) || undefined;
    const result = await completeOutreach(kit.deps, staffOf(request).caller, id, { outcome: outcome as Outcome, note });
    if (result.ok) return seeOther(reply, "/outreach", "task_done");
    if (result.code === "not_found") return kit.notFound(request, reply);
    return render(kit, request, reply, { id, errors: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
  });
}
