// Analytics (GET /analytics): the conversion figures of the API as charts — conversion by channel,
// fill rate, time to fill, fairness — with the numbers beside them. Dates are the clinic's; default: 30 days.
import { DateTime } from "luxon";
import { analyticsPage } from "../../flows/conversion.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { columns, hbars, stacked } from "./charts.ts";
import { minutesText, money, percent } from "./format.ts";
import { errorSummary } from "./layout.ts";
import { staffOf, type Kit } from "./kit.ts";
import type { Fairness } from "../../core/analytics.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function analyticsRoutes(app: App, kit: Kit) {
  app.get("/analytics", { schema: { hide: true }, preHandler: kit.guard("booking:view_analytics") }, async (request, reply) => {
    const staff = staffOf(request);
    const zone = staff.timezone;
    const q = request.query as { from?: string; to?: string };
    const today = DateTime.fromJSDate(kit.deps.clock.now(), { zone }).startOf("day");
    const fromDay = typeof q.from === "string" && DATE.test(q.from) ? DateTime.fromISO(q.from, { zone }) : today.minus({ days: 29 });
    const toDay = typeof q.to === "string" && DATE.test(q.to) ? DateTime.fromISO(q.to, { zone }) : today;
    const from = fromDay.isValid ? fromDay.toJSDate() : today.minus({ days: 29 }).toJSDate();
    const to = (toDay.isValid ? toDay : today).plus({ days: 1 }).toJSDate(); // the whole last day
    const result = await analyticsPage(kit.deps, staff.caller, { from, to });
    const form = html`<form method="get" action="/analytics" class="card row">
<div><label for="from">From</label><input type="date" id="from" name="from" value="${fromDay.toISODate() ?? ""}"></div>
<div><label for="to">To</label><input type="date" id="to" name="to" value="${toDay.toISODate() ?? ""}"></div>
<div><label>&nbsp;</label><button type="submit">Show</button></div></form>`;
    if (!result.ok) {
      const body = html`${form}${errorSummary(result.detail, [{ path: "/to", message: "must be after From" }], { "/to": "To" })}`;
      return kit.page(request, reply, { title: "Analytics", active: "/analytics", body, status: 422 });
    }
    const a = result.value;
    const outcomes = a.outcomes;
    const stat = (label: string, value: string, note = "") =>
      html`<div class="stat"><span class="muted small">${label}</span><b>${value}</b><span class="muted small">${note}</span></div>`;
    const body = html`${form}
<div class="stats">
${stat("Revenue recovered", money(a.revenueRecoveredCents), "waitlist bookings kept")}
${stat("Fill rate", percent(a.fillRate), `${a.filled} of ${a.openings} openings`)}
${stat("Conversion", percent(a.conversionRate), `${a.accepted} of ${a.offers} offers accepted`)}
${stat("Median time to fill", minutesText(a.medianTimeToFillMinutes))}
${stat("Median response", minutesText(a.medianResponseMinutes))}
</div>
<h2>Conversion by channel</h2>
${hbars(
  "Offer conversion rate by channel",
  a.byChannel.map((c) => ({ label: c.channel, value: c.conversionRate, text: `${percent(c.conversionRate)} · ${c.accepted} booked` })),
  1,
)}
<h2>Fill rate</h2>
${stacked(`Openings by outcome: ${percent(a.fillRate)} filled`, [
  { label: "Filled", value: outcomes.FILLED ?? 0, color: "#0b6b3a" },
  { label: "Open", value: outcomes.OPEN ?? 0, color: "#1d4ed8" },
  { label: "Expired", value: outcomes.EXPIRED ?? 0, color: "#b45309" },
  { label: "Closed", value: outcomes.CLOSED ?? 0, color: "#8a949c" },
])}
<h2>Time to fill</h2>
${columns(
  "Filled openings by time from opening to booking",
  a.timeToFill.map((b) => ({ label: b.label, value: b.count, text: String(b.count) })),
)}
<div class="table-wrap"><table><thead><tr><th>Channel</th><th>Sent</th><th>Delivered</th><th>Offers reached</th><th>Booked</th><th>Conversion</th></tr></thead><tbody>
${a.byChannel.map(
  (c) =>
    html`<tr data-channel="${c.channel}"><td>${c.channel}</td><td>${c.sent}</td><td>${c.delivered}</td><td>${c.offersReached}</td><td>${c.accepted}</td><td>${percent(c.conversionRate)}</td></tr>`,
)}
</tbody></table></div>
<p class="muted small">Each channel counts its own messages; a booking counts for the channel whose reply, keypress or link the patient used. Conversion = booked ÷ offers the channel reached.</p>
${fairnessSection(a.fairness)}`;
    return kit.page(request, reply, { title: "Analytics", active: "/analytics", body });
  });
}

/** Fairness: how evenly offers went round the waiting patients, and who waited longest while passed over. */
function fairnessSection(f: Fairness) {
  const o = f.offersPerPatient;
  const stat = (label: string, value: string, note = "") =>
    html`<div class="stat"><span class="muted small">${label}</span><b>${value}</b><span class="muted small">${note}</span></div>`;
  const longest =
    f.longestPassedOverMinutes === null || !f.longestPassedOverEntryId
      ? stat("Longest wait while passed over", "—", "nobody was passed over")
      : html`<div class="stat" data-fairness="longest"><span class="muted small">Longest wait while passed over</span><b>${minutesText(f.longestPassedOverMinutes)}</b><span class="muted small"><a href="/waitlist/${f.longestPassedOverEntryId}">that waitlist entry</a></span></div>`;
  return html`<h2>Fairness</h2>
<div class="stats" data-fairness="offers">
${stat("Waitlisted patients", String(f.patients), "in the period")}
${stat("Offers per patient", o ? `${o.median}` : "—", o ? `median · min ${o.min} · 90th pct ${o.p90} · max ${o.max}` : "nobody waiting")}
${longest}
</div>
<p class="muted small">Offers per patient counts the offers sent to each patient who was on the waitlist in the period (0 for those never offered). Passed over: another patient was offered a time for the same service, with a provider this entry accepts, while it waited.</p>`;
}
