// The patient's side: no API key, the booking link's token is the credential. GET never changes state.
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import type { Result } from "../../core/result.ts";
import type { Deps } from "../../flows/deps.ts";
import { acceptAlternativeByToken, acceptByToken, declineByToken, subscribeToPush, viewOffer, type LinkAccept } from "../../flows/public-offer.ts";
import type { App } from "../app.ts";
import { AlternativeJson } from "../entities.ts";
import { sendProblem, sendResult } from "../problem.ts";
import { Id, Instant, Nullable, Problem } from "../schemas.ts";

const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const publicProblems = { 404: Problem, 409: Problem, 410: Problem, 422: Problem, 429: Problem };
const AcceptJson = Type.Object({ status: Type.Literal("ACCEPTED"), appointmentId: Id });
const ClaimedJson = Type.Object(
  {
    status: Type.Literal("CLAIMED"),
    claimExpiresAt: Instant,
    paymentUrl: Type.String({ description: "the payment page (GET /pay/:token); paying books the slot" }),
  },
  { description: "The patient owes a deposit or prepayment: the slot is held for them for 90 s while they pay" },
);
/** 200 booked, or 202 held for payment (API.md "Deposits"). */
function sendAccept(reply: FastifyReply, result: Result<LinkAccept>) {
  if (!result.ok) return sendProblem(reply, result);
  const v = result.value;
  return v.status === "CLAIMED"
    ? reply.code(202).send({ status: v.status, claimExpiresAt: v.claimExpiresAt.toISOString(), paymentUrl: v.paymentUrl })
    : reply.code(200).send({ status: v.status, appointmentId: v.appointmentId });
}
const WithAlternatives = Type.Object({ alternatives: Type.Optional(Type.Array(AlternativeJson)) }, { additionalProperties: true });

export function publicRoutes(app: App, deps: Deps) {
  const tags = ["patient"];
  const noAuth = { security: [] };
  // Link scanners and browsers must never cache a page whose status changes.
  const noStore = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

  app.get(
    "/api/public/offers/:token",
    {
      schema: {
        operationId: "getPublicOffer",
        tags,
        ...noAuth,
        summary: "Read what a booking link offers",
        description: "Reading it changes nothing (link scanners open links too).",
        params: TokenParams,
        response: {
          200: Type.Object({
            status: Type.String(),
            slot: Type.Object({ start: Instant, end: Instant, providerName: Type.String(), serviceName: Type.String(), clinicName: Type.String() }),
            patientTimezone: Type.String(),
            clinicTimezone: Type.String(),
            holdExpiresAt: Nullable(Instant),
          }),
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const view = await viewOffer(deps, request.params.token);
      reply.headers(noStore);
      return sendResult(reply, view, 200, (v) => ({
        status: v.status,
        slot: { ...v.slot, start: v.slot.start.toISOString(), end: v.slot.end.toISOString() },
        patientTimezone: v.patientTimezone,
        clinicTimezone: v.clinicTimezone,
        holdExpiresAt: v.holdExpiresAt ? v.holdExpiresAt.toISOString() : null,
      }));
    },
  );

  app.post(
    "/api/public/offers/:token/accept",
    {
      schema: {
        tags,
        ...noAuth,
        operationId: "acceptPublicOffer",
        summary: "Accept the offered slot",
        description:
          "Repeating it returns the same answer. 409 `slot_filled` and 410 `offer_expired` carry `alternatives`. 200 booked. 202 when the patient owes a deposit or prepayment: the slot is held for 90 s while they pay at `paymentUrl`. " +
          "While another patient's payment holds it: 409 slot_filled with `claimExpiresAt` (their offer stays PENDING).",
        params: TokenParams,
        response: { 200: AcceptJson, 202: ClaimedJson, ...publicProblems, 409: WithAlternatives, 410: WithAlternatives },
      },
    },
    async (request, reply) => sendAccept(reply, await acceptByToken(deps, request.params.token)),
  );

  app.post(
    "/api/public/offers/:token/decline",
    {
      schema: {
        operationId: "declinePublicOffer",
        summary: "Decline the offered slot",
        tags,
        ...noAuth,
        params: TokenParams,
        response: { 200: Type.Object({ status: Type.String() }), ...publicProblems },
      },
    },
    async (request, reply) => {
      const result = await declineByToken(deps, request.params.token);
      return sendResult(reply, result, 200, (o) => ({ status: o.status }));
    },
  );

  app.get(
    "/api/public/push-key",
    {
      schema: {
        operationId: "getPushKey",
        tags,
        ...noAuth,
        summary: "Read the VAPID public key for web push opt-in",
        description: "`publicKey` is null when web push is off.",
        response: { 200: Type.Object({ publicKey: Nullable(Type.String()) }), 429: Problem },
      },
    },
    async () => ({ publicKey: deps.pushPublicKey ?? null }),
  );

  app.post(
    "/api/public/offers/:token/push-subscription",
    {
      schema: {
        tags,
        ...noAuth,
        operationId: "subscribeToPush",
        summary: "Opt in to web push for future offers",
        description: "The body is a browser `PushSubscription`.",
        params: TokenParams,
        body: Type.Object(
          {
            endpoint: Type.String({ minLength: 10, maxLength: 2000 }),
            keys: Type.Object(
              { p256dh: Type.String({ minLength: 40, maxLength: 200 }), auth: Type.String({ minLength: 10, maxLength: 100 }) },
              { additionalProperties: true },
            ),
            expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ subscribed: Type.Boolean() }), ...publicProblems },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await subscribeToPush(deps, request.params.token, { endpoint: b.endpoint, p256dh: b.keys.p256dh, auth: b.keys.auth });
      return sendResult(reply, result, 201, (v) => v);
    },
  );

  app.post(
    "/api/public/offers/:token/alternatives/:slotId/accept",
    {
      schema: {
        tags,
        ...noAuth,
        operationId: "acceptPublicAlternative",
        summary: "Accept an alternative slot",
        description: "Books one of the alternatives shown when the offered slot was gone; answers as accepting the offer does.",
        params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), slotId: Id }),
        response: { 200: AcceptJson, 202: ClaimedJson, ...publicProblems, 409: WithAlternatives },
      },
    },
    async (request, reply) => sendAccept(reply, await acceptAlternativeByToken(deps, request.params.token, request.params.slotId)),
  );
}
