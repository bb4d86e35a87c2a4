// The patient's offer page and what it needs (API.md "Patient side"): the page, its form posts (303 back
// to the page, so they work with no script), its live status (SSE), the booked visit's calendar file,
// the alternatives as JSON for the script, and the push service worker. GETs only read.
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { appointmentTitle, icsEvent } from "../../core/calendar.ts";
import type { Failure } from "../../core/result.ts";
import { alternativeJson } from "../../flows/alternatives.ts";
import type { Deps } from "../../flows/deps.ts";
import { acceptAlternativeByToken, acceptByToken, declineByToken, viewOffer } from "../../flows/public-offer.ts";
import { viewOfferPage } from "../../flows/view-offer-page.ts";
import { eventStreams } from "../../web/offer-events.ts";
import { phoneForPeople, when } from "../../web/offer-format.ts";
import { newNonce, offerPageCsp, renderOfferPage } from "../../web/offer-page.ts";
import type { Flash } from "../../web/offer-views.ts";
import { SERVICE_WORKER } from "../../web/service-worker.ts";
import type { App } from "../app.ts";
import { AlternativeJson } from "../entities.ts";
import { sendProblem } from "../problem.ts";
import { Id, Problem } from "../schemas.ts";

// No length limit here: a bad token gets the "not a valid link" page, not a validation error.
const TokenParams = Type.Object({ token: Type.String({ minLength: 1 }) });
const AlternativeParams = Type.Object({ token: Type.String({ minLength: 1 }), slotId: Id });
const FLASHES = new Set<Flash>(["alt_taken", "error", "held"]);
/** Refusals the page itself explains once reloaded (taken, expired, closed, unknown link). */
const EXPLAINED = new Set<Failure["code"]>(["slot_filled", "offer_expired", "offer_closed", "not_found"]);

export function offerPageRoutes(app: App, deps: Deps) {
  const hide = { hide: true };
  const streams = eventStreams(deps);
  app.addHook("preClose", async () => streams.closeAll());

  const noStore = (reply: FastifyReply) =>
    reply.headers({ "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff" });
  const backToPage = (reply: FastifyReply, token: string, flash: Flash | null) =>
    noStore(reply)
      .code(303)
      .header("location", `/o/${encodeURIComponent(token)}${flash ? `?m=${flash}` : ""}`)
      .send();

  app.get("/o/:token", { schema: { ...hide, params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const m = (request.query as { m?: unknown }).m;
    const flash = typeof m === "string" && FLASHES.has(m as Flash) ? (m as Flash) : null;
    const found = await viewOfferPage(deps, token);
    const nonce = newNonce();
    noStore(reply).header("content-security-policy", offerPageCsp(nonce)).type("text/html; charset=utf-8");
    if (!found.ok) return reply.code(404).send(renderOfferPage(null, nonce));
    const input = { page: found.value, token, clinicPhone: deps.config.channels.clinicPhone, pushEnabled: Boolean(deps.pushPublicKey), flash };
    return reply.code(200).send(renderOfferPage(input, nonce));
  });

  // A patient who owes a deposit or prepayment goes on to the payment page (the slot is held for them).
  const toPayment = (reply: FastifyReply, paymentUrl: string) => noStore(reply).code(303).header("location", new URL(paymentUrl).pathname).send();
  /** Refused while another patient's payment holds the time: their offer stays open, so say why nothing happened. */
  const held = (f: Failure) => f.code === "slot_filled" && typeof f.extra?.claimExpiresAt === "string";

  app.post("/o/:token/accept", { schema: { ...hide, params: TokenParams } }, async (request, reply) => {
    const result = await acceptByToken(deps, request.params.token);
    if (result.ok && result.value.status === "CLAIMED") return toPayment(reply, result.value.paymentUrl);
    return backToPage(reply, request.params.token, result.ok ? null : held(result) ? "held" : EXPLAINED.has(result.code) ? null : "error");
  });

  app.post("/o/:token/decline", { schema: { ...hide, params: TokenParams } }, async (request, reply) => {
    const result = await declineByToken(deps, request.params.token);
    return backToPage(reply, request.params.token, result.ok || EXPLAINED.has(result.code) ? null : "error");
  });

  app.post("/o/:token/alternatives/:slotId/accept", { schema: { ...hide, params: AlternativeParams } }, async (request, reply) => {
    const result = await acceptAlternativeByToken(deps, request.params.token, request.params.slotId);
    if (result.ok && result.value.status === "CLAIMED") return toPayment(reply, result.value.paymentUrl);
    const flash = result.ok ? null : held(result) ? "held" : result.code === "slot_filled" || result.code === "not_found" ? "alt_taken" : "error";
    return backToPage(reply, request.params.token, flash);
  });

  app.get("/o/:token/calendar.ics", { schema: { ...hide, params: TokenParams } }, async (request, reply) => {
    const found = await viewOfferPage(deps, request.params.token);
    const booked = found.ok && !found.value.booked?.cancelled ? found.value.booked : null;
    noStore(reply);
    if (!found.ok || !booked) return sendProblem(reply, { ok: false, code: "not_found", detail: "no booked appointment for this link" });
    const { view } = found.value;
    const phone = deps.config.channels.clinicPhone;
    const ics = icsEvent({
      uid: `appointment-${booked.appointmentId}@backfill`,
      start: booked.start,
      end: booked.end,
      summary: appointmentTitle(view.slot.clinicName),
      location: view.slot.clinicName,
      description: `To cancel or change it, call ${view.slot.clinicName}${phone ? ` at ${phoneForPeople(phone)}` : ""}.`,
      stamp: deps.clock.now(),
    });
    return reply.type("text/calendar; charset=utf-8").header("content-disposition", 'attachment; filename="appointment.ics"').send(ics);
  });

  app.get("/o/:token/events", { exposeHeadRoute: false, schema: { ...hide, params: TokenParams } }, async (request, reply) => {
    const found = await viewOffer(deps, request.params.token);
    if (!found.ok) return noStore(reply).code(404).type("text/plain; charset=utf-8").send("not found");
    const { offer, opening } = found.value;
    await streams.serve(request, reply, {
      clinicId: offer.clinicId,
      offerId: offer.id,
      openingId: opening.id,
      current: async () => {
        const now = await viewOffer(deps, request.params.token);
        return now.ok ? { offer: now.value.offer.status, opening: now.value.opening.status } : null;
      },
    });
  });

  app.get(
    "/api/public/offers/:token/alternatives",
    {
      schema: {
        operationId: "listPublicAlternatives",
        tags: ["patient"],
        security: [],
        summary: "Read the offer page's state and its alternatives",
        description: "When the offered slot is gone, the other openings bookable in one tap. Reading changes nothing.",

        params: TokenParams,
        response: {
          200: Type.Object({
            status: Type.String(),
            state: Type.String({ description: "open | scheduled | accepted | declined | expired | taken" }),
            items: Type.Array(Type.Object({ ...AlternativeJson.properties, label: Type.String({ description: "the start in the patient's zone" }) })),
          }),
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const found = await viewOfferPage(deps, request.params.token);
      noStore(reply);
      if (!found.ok) return sendProblem(reply, found);
      const { state, view, alternatives } = found.value;
      const items = alternatives.map((a) => ({ ...alternativeJson(a), label: when(a.start, view.patientTimezone) }));
      return { status: view.status, state, items };
    },
  );

  app.get("/sw.js", { schema: hide }, async (_request, reply) =>
    reply
      .headers({ "cache-control": "no-cache", "x-content-type-options": "nosniff", "content-security-policy": "default-src 'self'" })
      .type("text/javascript; charset=utf-8")
      .send(SERVICE_WORKER),
  );
}
