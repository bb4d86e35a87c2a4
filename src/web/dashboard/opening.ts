// One opening (GET /openings/:id): its offers with their delivery trails, the waitlist entries that fit
// it with the reasons, and the staff actions: notify one entry now, notify the best matches, or book an
// entry straight in (POST /openings/:id/notify, /notify-matches, /book → the same flows as the API).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Result } from "../../core/result.ts";
import { CHANNELS, type Channel } from "../../core/types.ts";
import { bookFromWaitlist } from "../../flows/book-from-waitlist.ts";
import { notifyEntry, notifyMatches } from "../../flows/notify.ts";
import { openingWithOffers } from "../../flows/view-notifications.ts";
import { viewOpening } from "../../flows/view-opening.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { activitySection } from "./activity.ts";
import { countdown, nameOf, span, when } from "./format.ts";
import { csrfField, errorSummary, statusBadge } from "./layout.ts";
import { formOf, isId, one, seeOther, staffOf, statusOf, type FormErrors, type Kit } from "./kit.ts";

async function render(kit: Kit, request: FastifyRequest, reply: FastifyReply, id: string, failed?: { errors: FormErrors; status: number }) {
  const staff = staffOf(request);
  const { deps } = kit;
  const zone = staff.timezone;
  const now = deps.clock.now();
  const canWaitlist = staff.caller.permissions.includes("booking:manage_waitlist");
  const found = await viewOpening(deps, staff.caller, id, canWaitlist, now);
  if (!found.ok) return kit.notFound(request, reply);
  const { opening: o, offers, matches, dir, names } = found.value;
  const activity = await activitySection(kit, staff, "opening", o.id);
  const body = html`<p><a href="/openings">← Openings</a></p>
<div class="card"><p><strong>${span(o.start, o.end, zone)}</strong> ${statusBadge(o.status)}</p>
<p class="muted">${nameOf(dir.providers, o.providerId)}${o.chairId ? ` · ${nameOf(dir.chairs, o.chairId)}` : ""} · ${o.source.toLowerCase().replace("_", " ")}
${o.serviceId ? ` · freed by a ${nameOf(dir.services, o.serviceId)}` : ""} · ${o.waveCount} wave(s)${o.nextWaveAt ? ` · next wave ${when(o.nextWaveAt, zone)}` : ""}</p></div>
${failed ? errorSummary(failed.errors.detail, failed.errors.errors, { "/slotId": "Opening", "/slotIds/0": "Opening" }) : ""}
<h2>Offers <span class="muted small">(${offers.length})</span></h2>
${
  offers.length
    ? html`<div class="table-wrap"><table class="cards"><thead><tr><th>Patient</th><th>Status</th><th>Hold</th><th>Deliveries</th></tr></thead><tbody>
${offers.map(
  ({
    offer: f,
    deliveries,
  }) => html`<tr data-offer="${f.id}"><td>${names.get(f.patientId) ?? "—"}<div class="muted small">wave ${f.wave}${f.rank ? `, rank ${f.rank}` : ""}</div></td>
<td>${statusBadge(f.status)}${f.withdrawReason ? html`<div class="muted small">${f.withdrawReason}</div>` : ""}</td>
<td>${f.status === "PENDING" ? countdown(f.holdExpiresAt, now) : f.holdExpiresAt ? html`<span class="small">until ${when(f.holdExpiresAt, zone)}</span>` : ""}</td>
<td><ul class="trail">${deliveries.map((d) => html`<li>${d.channel} ${statusBadge(d.status)}${d.sentAt ? ` ${when(d.sentAt, zone)}` : ""}${d.failureReason ? html` <span class="muted">(${d.failureReason})</span>` : ""}</li>`)}</ul></td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="muted">No offers yet.</p>`
}
${
  canWaitlist && o.status === "OPEN"
    ? html`<h2>Matches <span class="muted small">(${matches.length}, best first)</span></h2>
${
  matches.length
    ? html`<form method="post" action="/openings/${o.id}/notify-matches">${csrfField(staff.csrf)}<button type="submit" class="primary">Notify best matches now</button>
<span class="muted small">sends the next wave as the clinic's strategy says</span></form>
<div class="table-wrap"><table class="cards"><thead><tr><th>#</th><th>Patient</th><th>Score</th><th>Why</th><th></th></tr></thead><tbody>
${matches.map(
  (
    m,
  ) => html`<tr data-entry="${m.candidate.entryId}"><td>${m.candidate.rank}</td><td><a href="/waitlist/${m.candidate.entryId}">${names.get(m.candidate.patientId) ?? "—"}</a></td>
<td>${m.candidate.score}</td><td class="small">${m.candidate.reasons.join(", ") || "fits"}</td>
<td><form method="post" action="/openings/${o.id}/notify" class="inline">${csrfField(staff.csrf)}<input type="hidden" name="entryId" value="${m.candidate.entryId}">
<select name="channel" aria-label="Channel"><option value="">default channel</option>${CHANNELS.filter((c) => c !== "MANUAL").map((c) => html`<option>${c}</option>`)}</select>
<button type="submit">Notify now</button></form>
<form method="post" action="/openings/${o.id}/book" class="inline">${csrfField(staff.csrf)}<input type="hidden" name="entryId" value="${m.candidate.entryId}"><button type="submit">Book</button></form></td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="muted">No waitlist entry fits this opening right now.</p>`
}`
    : ""
}
${activity}`;
  return kit.page(request, reply, { title: "Opening", active: "/openings", body, status: failed?.status });
}

export function openingDetailRoutes(app: App, kit: Kit) {
  type P = { Params: { id: string } };
  app.get<P>("/openings/:id", { schema: { hide: true }, preHandler: kit.guard("booking:manage_schedule") }, (request, reply) =>
    isId(request.params.id) ? render(kit, request, reply, request.params.id) : kit.notFound(request, reply),
  );

  const guard = kit.guard("booking:manage_waitlist");
  const act =
    <T>(action: (request: FastifyRequest, id: string, entryId: string) => Promise<Result<T>>, notice: (v: T) => string, needsEntry = true) =>
    async (request: FastifyRequest<P>, reply: FastifyReply) => {
      const id = request.params.id;
      const entryId = one(formOf(request), "entryId");
      if (!isId(id) || (needsEntry && !isId(entryId))) return kit.notFound(request, reply);
      const result = await action(request, id, entryId);
      if (result.ok) return seeOther(reply, `/openings/${id}`, notice(result.value));
      // The opening itself unknown (or another clinic's): 404; anything else is shown on the page.
      if (result.code === "not_found" && (await openingWithOffers(kit.deps, staffOf(request).caller, id)).ok === false) {
        return kit.notFound(request, reply);
      }
      return render(kit, request, reply, id, { errors: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
    };

  app.post<P>(
    "/openings/:id/notify",
    { schema: { hide: true }, preHandler: guard },
    act(
      async (request, id, entryId) => {
        const channel = one(formOf(request), "channel");
        const chosen = (CHANNELS as readonly string[]).includes(channel) ? (channel as Channel) : undefined;
        return notifyEntry(kit.deps, staffOf(request).caller, entryId, { slotId: id, channel: chosen });
      },
      () => "notified",
    ),
  );

  app.post<P>(
    "/openings/:id/notify-matches",
    { schema: { hide: true }, preHandler: guard },
    act(
      (request, id) => notifyMatches(kit.deps, staffOf(request).caller, [id]),
      (v) => (v.offers.length > 0 ? "notified_matches" : "nothing_sent"),
      false,
    ),
  );

  app.post<P>(
    "/openings/:id/book",
    { schema: { hide: true }, preHandler: guard },
    act(
      (request, id, entryId) => bookFromWaitlist(kit.deps, staffOf(request).caller, entryId, id),
      () => "booked",
    ),
  );
}
