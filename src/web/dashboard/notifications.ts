// Notifications (GET /notifications): the newest offers, each with its delivery trail per channel
// (what was tried, in order, and what the provider said).
import { OFFER_STATUSES, type OfferStatus } from "../../core/types.ts";
import { viewRecentOffers } from "../../flows/view-recent-offers.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { countdown, nameOf, span, when } from "./format.ts";
import { options, statusBadge } from "./layout.ts";
import { staffOf, type Kit } from "./kit.ts";

const LIMIT = 100;

export function notificationRoutes(app: App, kit: Kit) {
  app.get("/notifications", { schema: { hide: true }, preHandler: kit.guard("booking:manage_waitlist") }, async (request, reply) => {
    const staff = staffOf(request);
    const clinicId = staff.caller.clinicId;
    const zone = staff.timezone;
    const now = kit.deps.clock.now();
    const asked = (request.query as { status?: string }).status ?? "";
    const status = (OFFER_STATUSES as readonly string[]).includes(asked) ? (asked as OfferStatus) : undefined;
    const { views, dir, names } = await viewRecentOffers(kit.deps, clinicId, status, LIMIT);
    const body = html`<form method="get" action="/notifications" class="card row"><div><label for="status">Status</label>
<select id="status" name="status">${options(
      OFFER_STATUSES.map((s) => ({ id: s, name: s })),
      status ?? "",
      "Any status",
    )}</select></div>
<div><label>&nbsp;</label><button type="submit">Filter</button></div></form>
<p class="muted small">The newest ${LIMIT}, newest first.</p>
${
  views.length === 0
    ? html`<p class="muted">No notifications.</p>`
    : html`<div class="table-wrap"><table class="cards"><thead><tr>
<th>Sent</th><th>Patient</th><th>Opening</th><th>Status</th><th>Delivery trail</th></tr></thead><tbody>
${views.map(
  ({ offer: o, opening, deliveries }) => html`<tr data-offer="${o.id}">
<td class="small">${o.sentAt ? when(o.sentAt, zone) : o.scheduledFor ? html`scheduled ${when(o.scheduledFor, zone)}` : "—"}</td>
<td>${names.get(o.patientId) ?? "—"}<div class="muted small">wave ${o.wave}</div></td>
<td class="small"><a href="/openings/${opening.id}">${span(opening.start, opening.end, zone)}</a><div class="muted">${nameOf(dir.providers, opening.providerId)}</div></td>
<td>${statusBadge(o.status)} ${o.status === "PENDING" ? countdown(o.holdExpiresAt, now) : ""}
${o.response ? html`<div class="muted small">${o.response.toLowerCase().replace("_", " ")}${o.respondedAt ? ` ${when(o.respondedAt, zone)}` : ""}</div>` : ""}
${o.withdrawReason ? html`<div class="muted small">withdrawn: ${o.withdrawReason}</div>` : ""}</td>
<td>${
    deliveries.length
      ? html`<ol class="trail">${deliveries.map(
          (d) => html`<li><strong>${d.channel}</strong> ${statusBadge(d.status)}
<span class="muted small">${d.toAddress ?? ""}${d.attemptCount > 1 ? ` · ${d.attemptCount} attempts` : ""}${d.sentAt ? ` · sent ${when(d.sentAt, zone)}` : ""}${d.deliveredAt ? ` · delivered ${when(d.deliveredAt, zone)}` : ""}${d.failureReason ? ` · ${d.failureReason}` : ""}</span></li>`,
        )}</ol>`
      : html`<span class="muted small">none yet</span>`
  }</td></tr>`,
)}
</tbody></table></div>`
}`;
    return kit.page(request, reply, { title: "Notifications", active: "/notifications", body });
  });
}
