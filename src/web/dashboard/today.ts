// Today (GET /): the openings that are being offered right now, each with its live offers, their hold
// countdowns and who is next in line, and the bookings the waitlist made today. The panel is also
// served alone (GET /today/panel) so the page can refresh it when /events says something changed.
import { DateTime } from "luxon";
import { settingsIn } from "../../flows/change-settings.ts";
import { matchOpening } from "../../flows/match-opening.ts";
import { notificationViews, type NotificationView } from "../../flows/view-notifications.ts";
import type { App } from "../../http/app.ts";
import { getAppointment } from "../../store/appointments.ts";
import { boardOpenings, directory, openClaimsOf, patientNames } from "../../store/dashboard.ts";
import { offersOfOpening } from "../../store/offers.ts";
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
  const [openings, dir, settings] = await Promise.all([
    boardOpenings(deps.db, clinicId, now, startOfDay),
    directory(deps.db, clinicId),
    settingsIn(deps.db, clinicId),
  ]);
  const open = openings.filter((o) => o.status === "OPEN");
  const filled = openings.filter((o) => o.status === "FILLED");
  const canMatch = staff.caller.permissions.includes("booking:manage_waitlist");

  const claims = await openClaimsOf(
    deps.db,
    clinicId,
    open.map((o) => o.id),
  );
  const cards: Html[] = [];
  for (const o of open) {
    const offers = await notificationViews(deps.db, clinicId, await offersOfOpening(deps.db, clinicId, o.id));
    const next = canMatch ? (await matchOpening(deps.db, o, settings, now)).slice(0, 3) : [];
    // A patient who owes a deposit accepted and is paying: the slot is held for them (90 s).
    const claim = claims.get(o.id);
    const paying = claim && claim.expiresAt > now ? claim : null;
    const names = await patientNames(deps.db, clinicId, [
      ...offers.map((v) => v.offer.patientId),
      ...next.map((m) => m.candidate.patientId),
      ...(paying ? [paying.patientId] : []),
    ]);
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
  for (const o of filled) {
    const appt = o.filledAppointmentId ? await getAppointment(deps.db, clinicId, o.filledAppointmentId) : null;
    const names = await patientNames(deps.db, clinicId, appt ? [appt.patientId] : []);
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
