// The patient's reschedule / rebook link (API.md "Lifecycle", Reminders and no-shows): the page, its form
// post (303 back to the page, so it works with no script), the visit's calendar file, and the JSON twins
// under /api/public. The token is the credential; GETs only read.
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { appointmentTitle, icsEvent } from "../../core/calendar.ts";
import { alternativeJson } from "../../flows/alternatives.ts";
import type { Deps } from "../../flows/deps.ts";
import { moveByToken, viewMovePage } from "../../flows/reschedule-appointment.ts";
import { phoneForPeople } from "../../web/offer-format.ts";
import { newNonce, offerPageCsp } from "../../web/offer-page.ts";
import { renderMovePage, type MoveFlash } from "../../web/reschedule-page.ts";
import type { App } from "../app.ts";
import { AlternativeJson } from "../entities.ts";
import { sendProblem, sendResult } from "../problem.ts";
import { Id, Instant, Nullable, Problem } from "../schemas.ts";

// No length limit on the page: a bad token gets the "not a valid link" page, not a validation error.
const PageParams = Type.Object({ token: Type.String({ minLength: 1 }) });
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const OpeningParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), openingId: Id });
const FLASHES = new Set<MoveFlash>(["taken", "error"]);
const WithAlternatives = Type.Object({ alternatives: Type.Optional(Type.Array(AlternativeJson)) }, { additionalProperties: true });
const VisitJson = Type.Object({ id: Id, start: Instant, end: Instant, status: Type.String(), discountPercent: Type.Integer() });

export function rescheduleRoutes(app: App, deps: Deps) {
  const hide = { hide: true };
  const noStore = (reply: FastifyReply) =>
    reply.headers({ "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff" });

  app.get("/r/:token", { schema: { ...hide, params: PageParams } }, async (request, reply) => {
    const { token } = request.params;
    const m = (request.query as { m?: unknown }).m;
    const flash = typeof m === "string" && FLASHES.has(m as MoveFlash) ? (m as MoveFlash) : null;
    const found = await viewMovePage(deps, token);
    const nonce = newNonce();
    noStore(reply).header("content-security-policy", offerPageCsp(nonce)).type("text/html; charset=utf-8");
    if (!found.ok) return reply.code(404).send(renderMovePage(null, nonce));
    return reply.code(200).send(renderMovePage({ page: found.value, token, clinicPhone: deps.config.channels.clinicPhone, flash }, nonce));
  });

  app.post(
    "/r/:token/openings/:openingId",
    { schema: { ...hide, params: Type.Object({ token: Type.String({ minLength: 1 }), openingId: Type.String({ minLength: 1 }) }) } },
    async (request, reply) => {
      const { token, openingId } = request.params;
      const result = /^[0-9a-f-]{36}$/i.test(openingId) ? await moveByToken(deps, token, openingId) : null;
      // A taken (or no longer bookable) time reloads the page with what is still free; the page itself explains
      // a moved, expired or unknown link.
      const code = result === null ? "not_found" : result.ok ? null : result.code;
      const flash =
        code === null || code === "offer_expired" || code === "conflict" ? null : code === "slot_filled" || code === "not_found" ? "taken" : "error";
      return noStore(reply)
        .code(303)
        .header("location", `/r/${encodeURIComponent(token)}${flash ? `?m=${flash}` : ""}`)
        .send();
    },
  );

  app.get("/r/:token/calendar.ics", { schema: { ...hide, params: PageParams } }, async (request, reply) => {
    const found = await viewMovePage(deps, request.params.token);
    noStore(reply);
    const page = found.ok ? found.value : null;
    const visit = page?.state === "moved" ? page.movedTo : page?.state === "reschedule" ? page.appointment : null;
    if (!page || !visit || visit.status === "CANCELLED")
      return sendProblem(reply, { ok: false, code: "not_found", detail: "no upcoming appointment for this link" });
    const phone = deps.config.channels.clinicPhone;
    const ics = icsEvent({
      uid: `appointment-${visit.id}@backfill`,
      start: visit.start,
      end: visit.end,
      summary: appointmentTitle(page.clinicName),
      location: page.clinicName,
      description: `To change it, call ${page.clinicName}${phone ? ` at ${phoneForPeople(phone)}` : ""}.`,
      stamp: deps.clock.now(),
    });
    return reply.type("text/calendar; charset=utf-8").header("content-disposition", 'attachment; filename="appointment.ics"').send(ics);
  });

  const tags = ["patient"];
  app.get(
    "/api/public/reschedule/:token",
    {
      schema: {
        tags,
        security: [],
        operationId: "getRescheduleLink",
        summary: "Read what a reschedule or rebook link shows",
        description: "The appointment and up to 5 other times. Reading it changes nothing.",
        params: TokenParams,
        response: {
          200: Type.Object({
            state: Type.String({ description: "reschedule | rebook | moved | expired | closed" }),
            purpose: Type.String({ description: "RESCHEDULE (until the start) | REBOOK (after a no-show, 14 days)" }),
            expiresAt: Instant,
            clinicName: Type.String(),
            patientTimezone: Type.String(),
            clinicTimezone: Type.String(),
            appointment: VisitJson,
            movedTo: Nullable(VisitJson),
            discountPercent: Type.Integer({ description: "percent off a rebooking after a no-show" }),
            openings: Type.Array(AlternativeJson),
          }),
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const found = await viewMovePage(deps, request.params.token);
      noStore(reply);
      const visit = (a: { id: string; start: Date; end: Date; status: string; discountPercent: number }) => ({
        id: a.id,
        start: a.start.toISOString(),
        end: a.end.toISOString(),
        status: a.status,
        discountPercent: a.discountPercent,
      });
      return sendResult(reply, found, 200, (p) => ({
        state: p.state,
        purpose: p.purpose,
        expiresAt: p.expiresAt.toISOString(),
        clinicName: p.clinicName,
        patientTimezone: p.patientTimezone,
        clinicTimezone: p.clinicTimezone,
        appointment: visit(p.appointment),
        movedTo: p.movedTo ? visit(p.movedTo) : null,
        discountPercent: p.discountPercent,
        openings: p.choices.map(alternativeJson),
      }));
    },
  );

  app.post(
    "/api/public/reschedule/:token/openings/:openingId",
    {
      schema: {
        tags,
        security: [],
        operationId: "moveToOpening",
        summary: "Move to (or rebook into) another opening",
        description:
          "Reschedule: the old time becomes a RESCHEDULE opening, free of charge; rebook: a new visit with the no-show discount. Repeating it returns the same answer.",

        params: OpeningParams,
        response: {
          200: Type.Object({ status: Type.Literal("BOOKED"), appointmentId: Id, start: Instant, end: Instant, discountPercent: Type.Integer() }),
          404: Problem,
          409: WithAlternatives,
          410: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const result = await moveByToken(deps, request.params.token, request.params.openingId);
      noStore(reply);
      return sendResult(reply, result, 200, (a) => ({
        status: "BOOKED" as const,
        appointmentId: a.id,
        start: a.start.toISOString(),
        end: a.end.toISOString(),
        discountPercent: a.discountPercent,
      }));
    },
  );
}
