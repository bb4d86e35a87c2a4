// Dev inbox (GET /dev/inbox, never in production): the messages patients would have received on the
// channels that are not configured, newest first, with their booking links; it updates live. Staff can
// play the provider too (POST /dev/inbox/:id/status: delivered, or failed → the next channel).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { DeliveryStatus } from "../../core/types.ts";
import { recordDeliveryStatus } from "../../flows/delivery-status.ts";
import { findOutboxMessage, viewOutbox } from "../../flows/view-outbox.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { when } from "./format.ts";
import { csrfField, errorSummary } from "./layout.ts";
import { formOf, isId, one, seeOther, sendHtml, staffOf, statusOf, type Kit, type Staff } from "./kit.ts";

const SHOWN = 100;
const STATUSES: DeliveryStatus[] = ["DELIVERED", "FAILED"];

async function list(kit: Kit, staff: Staff): Promise<Html> {
  const messages = (await viewOutbox(kit.deps, staff.caller.clinicId)).reverse().slice(0, SHOWN);
  if (messages.length === 0) return html`<p class="muted">No messages yet. Cancel an appointment or notify a waitlist entry to send one.</p>`;
  return html`${messages.map(
    (m) => html`<article class="card message-card" data-outbox="${m.id}" data-channel="${m.channel}">
<div class="row"><span class="badge">${m.channel}</span><strong>${m.to}</strong><span class="muted small">${when(m.sentAt, staff.timezone)}</span></div>
${m.subject ? html`<p><strong>${m.subject}</strong></p>` : ""}<div class="message">${m.body}</div>
${m.links.length ? html`<p class="small">${m.links.map((l) => (/^https?:\/\//.test(l) ? html`<a class="offer-link" href="${l}" target="_blank" rel="noopener">${l}</a> ` : l))}</p>` : ""}
<form method="post" action="/dev/inbox/${m.id}/status" class="inline">${csrfField(staff.csrf)}
${STATUSES.map((s) => html`<button type="submit" name="status" value="${s}">Mark ${s.toLowerCase()}</button>`)}</form></article>`,
  )}`;
}

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, failed?: { detail: string; status: number }) {
  const staff = staffOf(request);
  const body = html`<p class="muted small"><span class="live-dot"></span>Channels without settings deliver here. Open a link as the patient would.
Showing the newest ${SHOWN}.</p>${failed ? errorSummary(failed.detail, undefined, {}) : ""}
<div id="inbox-panel" data-live="/dev/inbox/panel">${await list(kit, staff)}</div>`;
  return kit.page(request, reply, { title: "Dev inbox", active: "/dev/inbox", body, status: failed?.status });
}

export function devInboxRoutes(app: App, kit: Kit) {
  app.get("/dev/inbox", { schema: { hide: true }, preHandler: kit.guard() }, (request, reply) => render(kit, request, reply));
  app.get("/dev/inbox/panel", { schema: { hide: true }, preHandler: kit.guard(undefined, { fragment: true }) }, async (request, reply) =>
    sendHtml(reply, 200, (await list(kit, staffOf(request))).value),
  );

  app.post<{ Params: { id: string } }>("/dev/inbox/:id/status", { schema: { hide: true }, preHandler: kit.guard() }, async (request, reply) => {
    const staff = staffOf(request);
    const message = isId(request.params.id) ? await findOutboxMessage(kit.deps, staff.caller.clinicId, request.params.id) : null;
    if (!message) return kit.notFound(request, reply);
    const status = one(formOf(request), "status") as DeliveryStatus;
    if (!STATUSES.includes(status)) return render(kit, request, reply, { detail: "Choose delivered or failed.", status: 422 });
    const result = await recordDeliveryStatus(
      kit.deps,
      message.clinicId,
      message.deliveryId,
      status,
      status === "FAILED" ? "marked failed in the dev inbox" : null,
    );
    if (result.ok) return seeOther(reply, "/dev/inbox", "status_recorded");
    return render(kit, request, reply, { detail: result.detail, status: statusOf(result) });
  });
}
