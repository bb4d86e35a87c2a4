// Today (GET /): the openings that are being offered right now, each with its live offers, their hold
// countdowns and who is next in line, and the bookings the waitlist made today. The panel is also
// served alone (GET /today/panel) so the page can refresh it when /events says something changed.
import { DateTime } from "luxon";
import type { NotificationView } from "../../flows/view-notifications.ts";
import { viewToday } from "../../flows/view-today.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { countdown, money, nameOf, span, timeOnly, when } from "./format.ts";
import { NAV, statusBadge } from "./layout.ts";
import { sendHtml, staffOf, type Kit, type Staff } from "./kit.ts";

const LIVE = new Set(["SCHEDULED", "PENDING"]);

async function panel(kit: Kit, staff: Staff): Promise<Html> {
  const { deps } = kit;
  const clinicId = staff.caller.clinicId;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const startOfDay = DateTime.fromJSDate(now, { zone }).startOf("day").toJSDate();
  const canMatch = staff.caller.permissions.includes("booking:manage_waitlist");
  const board = await viewToday(deps, clinicId, now, startOfDay, canMatch);
  const { dir, names } = board;
  const open = board.open.map((c) => c.opening);
  const filled = board.filled.map((b) => b.opening);

  const cards: Html[] = [];
  // A patient who owes a deposit accepted and is paying (`paying`): the slot is held for them (90 s).
  for (const { opening: o, offers, next, paying } of board.open) {
    const live = offers.filter((v) => LIVE.has(v.offer.status));
    const past = offers.filter((v) => !LIVE.has(v.offer.status));
    cards.push(html`<article class="card opening" data-opening="${o.id}">
<div class="row"><strong><a href="/openings/${o.id}">${span(o.start, o.end, zone)}</a></strong>${statusBadge(o.status)}
<span class="muted small">${nameOf(dir.providers, o.providerId)}${o.chairId ? ` · ${nameOf(dir.chairs, o.chairId)}` : ""} · ${o.source.toLowerCase().replace("_", " ")}</span></div>
${paying ? html`<p class="small" data-claim="${paying.id}"><strong>Held for payment:</strong> ${names.get(paying.patientId) ?? "patient"} is paying a ${money(paying.amountCents)} ${paying.kind === "DEPOSIT" ? "deposit" : "prepayment"} ${countdown(paying.expiresAt, now)}</p>` : ""}
${
  live.length
    ? html`<ul class="offers">${live.map((v) => offerLine(v, names, now))}</ul>`
    : html`<p class="muted small">No live offer${o.nextWaveAt ? html` · next wave ${when(o.nextWaveAt, zone)}` : ""}.</p>`
}
${past.length ? html`<p class="muted small">Earlier: ${past.map((v) => html`${names.get(v.offer.patientId) ?? "patient"} ${statusBadge(v.offer.status)} `)}</p>` : ""}
${
  canMatch
    ? html`<p class="small"><strong>Next:</strong> ${
        next.length
          ? next.map(
              (m, i) =>
                html`${i > 0 ? ", " : ""}${names.get(m.candidate.patientId) ?? "patient"} <span class="muted">(${m.candidate.reasons.slice(0, 2).join(", ") || "fits"})</span>`,
            )
          : html`<span class="muted">nobody else on the waitlist fits</span>`
      }</p>`
    : ""
}
</article>`);
  }

  const booked: Html[] = [];
  for (const { opening: o, appointment: appt } of board.filled) {
    booked.push(html`<li class="booking" data-opening="${o.id}"><strong>${appt ? names.get(appt.patientId) : "Booked"}</strong>
${span(o.start, o.end, zone)} · ${nameOf(dir.providers, o.providerId)}${appt ? html` · ${nameOf(dir.services, appt.serviceId)}` : ""}
${statusBadge("BOOKED")} <span class="muted small">${appt?.source === "WAITLIST" ? "from the waitlist" : "by staff"}${o.filledAt ? ` at ${timeOnly(o.filledAt, zone)}` : ""}</span></li>`);
  }

  return html`<h2>Openings being offered <span class="muted small">(${open.length})</span></h2>
${cards.length ? html`<div class="grid">${cards}</div>` : html`<p class="muted">No open openings. Cancel an appointment or create a slot to start.</p>`}
<h2>Booked from openings today <span class="muted small">(${filled.length})</span></h2>
${booked.length ? html`<ul class="bookings">${booked}</ul>` : html`<p class="muted">No bookings yet today.</p>`}`;
}

function offerLine(v: NotificationView, names: Map<string, string>, now: Date): Html {
  const o = v.offer;
  const trail = v.deliveries.map((d) => `${d.channel} ${d.status.toLowerCase()}`).join(" → ");
  return html`<li class="offer" data-offer="${o.id}">${names.get(o.patientId) ?? "patient"} ${statusBadge(o.status)}
<span class="muted small">${o.channel ?? ""}${trail ? ` · ${trail}` : ""}</span> ${o.status === "PENDING" ? countdown(o.holdExpiresAt, now) : ""}</li>`;
}

export function todayRoutes(app: App, kit: Kit) {
  app.get("/", { schema: { hide: true }, preHandler: kit.guard() }, async (request, reply) => {
    const staff = staffOf(request);
    if (!staff.caller.permissions.includes("booking:manage_schedule")) {
      // A viewer's home is the first page their role may see.
      const home = NAV.find((n) => n.needs !== "dev" && n.needs !== "any" && staff.caller.permissions.includes(n.needs));
      return reply.redirect(home?.href ?? "/dev/inbox", 303);
    }
    const body = html`<p class="muted small"><span class="live-dot" title="live updates"></span>Updates live as offers go out, are accepted or expire.</p>
<div id="today-panel" data-live="/today/panel">${await panel(kit, staff)}</div>`;
    return kit.page(request, reply, { title: "Today", active: "/", body });
  });

  app.get("/today/panel", { schema: { hide: true }, preHandler: kit.guard("booking:manage_schedule", { fragment: true }) }, async (request, reply) =>
    sendHtml(reply, 200, (await panel(kit, staffOf(request))).value),
  );
}
