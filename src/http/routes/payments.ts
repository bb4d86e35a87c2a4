// The payment step of a claim (API.md "Deposits"; the payment link is the credential, like the
// booking link): the page GET /pay/:token and its form POST (303 back to the page, so it works with
// no script), and the JSON pair for clients: GET /api/public/payment-holds/:token (reading changes nothing)
// and POST /api/public/payment-holds/:token/pay.
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import type { Deps } from "../../flows/deps.ts";
import { payForHold } from "../../flows/pay-for-hold.ts";
import { viewPaymentHold } from "../../flows/view-payment-hold.ts";
import { newNonce, offerPageCsp } from "../../web/offer-page.ts";
import { renderPayPage, type PayFlash } from "../../web/pay-page.ts";
import type { App } from "../app.ts";
import { AlternativeJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Id, Instant, Problem } from "../schemas.ts";

const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const PageParams = Type.Object({ token: Type.String({ minLength: 1 }) });
const FLASHES = new Set<PayFlash>(["declined", "error"]);
const Refusal = Type.Object(
  { alternatives: Type.Optional(Type.Array(AlternativeJson)), claimExpiresAt: Type.Optional(Instant) },
  { additionalProperties: true },
);

export function paymentRoutes(app: App, deps: Deps) {
  const tags = ["patient"];
  const noAuth = { security: [] };
  const noStore = (reply: FastifyReply) =>
    reply.headers({ "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff" });

  app.get("/pay/:token", { schema: { hide: true, params: PageParams } }, async (request, reply) => {
    const m = (request.query as { m?: unknown }).m;
    const flash = typeof m === "string" && FLASHES.has(m as PayFlash) ? (m as PayFlash) : null;
    const found = await viewPaymentHold(deps, request.params.token);
    const nonce = newNonce();
    noStore(reply).header("content-security-policy", offerPageCsp(nonce)).type("text/html; charset=utf-8");
    if (!found.ok) return reply.code(404).send(renderPayPage(null, nonce));
    return reply.code(200).send(renderPayPage({ page: found.value, token: request.params.token, flash }, nonce));
  });

  app.post("/pay/:token", { schema: { hide: true, params: PageParams } }, async (request, reply) => {
    const { token } = request.params;
    const result = await payForHold(deps, token);
    // Paid, lapsed, taken, unknown: the page explains each once reloaded. A decline says so and keeps the button.
    const flash = result.ok
      ? null
      : result.extra?.paymentDeclined
        ? "declined"
        : ["offer_expired", "offer_closed", "slot_filled", "not_found", "conflict"].includes(result.code)
          ? null
          : "error";
    return noStore(reply)
      .code(303)
      .header("location", `/pay/${encodeURIComponent(token)}${flash ? `?m=${flash}` : ""}`)
      .send();
  });

  app.get(
    "/api/public/payment-holds/:token",
    {
      schema: {
        tags,
        ...noAuth,
        operationId: "getPaymentHold",
        summary: "Read a payment hold: what is owed and until when",
        description: "The slot held for 90 s while the patient pays a deposit or prepayment. Reading it changes nothing.",
        params: TokenParams,
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal("OPEN"), Type.Literal("PAID"), Type.Literal("LAPSED"), Type.Literal("CANCELLED")]),
            kind: Type.Union([Type.Literal("DEPOSIT"), Type.Literal("PREPAYMENT")]),
            amountCents: Type.Integer(),
            claimExpiresAt: Instant,
            appointmentId: Type.Union([Id, Type.Null()]),
            slot: Type.Object({ start: Instant, end: Instant, providerName: Type.String(), serviceName: Type.String(), clinicName: Type.String() }),
          }),
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const found = await viewPaymentHold(deps, request.params.token);
      noStore(reply);
      return sendResult(reply, found, 200, (v) => ({
        // An OPEN claim past its end is LAPSED for the patient, whether or not the sweep has run.
        status: v.state === "lapsed" ? ("LAPSED" as const) : v.claim.status,
        kind: v.claim.kind,
        amountCents: v.claim.amountCents,
        claimExpiresAt: v.claim.expiresAt.toISOString(),
        appointmentId: v.claim.appointmentId,
        slot: { ...v.slot, start: v.slot.start.toISOString(), end: v.slot.end.toISOString() },
      }));
    },
  );

  app.post(
    "/api/public/payment-holds/:token/pay",
    {
      schema: {
        tags,
        ...noAuth,
        operationId: "payPaymentHold",
        summary: "Pay a deposit or prepayment and book the held slot",
        description:
          "Repeating it returns the same answer. 200 booked. 410 offer_expired: the 90 s ran out. 409 conflict with `paymentDeclined: true`: the gateway declined; the claim stays held " +
          "until `claimExpiresAt` so the patient can try again (API.md has no payment code; conflict is the closest). 409 slot_filled " +
          "(with alternatives) when the time went meanwhile: a payment already taken is refunded.",
        params: TokenParams,
        response: {
          200: Type.Object({ status: Type.Literal("ACCEPTED"), appointmentId: Id }),
          404: Problem,
          409: Refusal,
          410: Refusal,
          429: Problem,
        },
      },
    },
    async (request, reply) => {
      const result = await payForHold(deps, request.params.token);
      noStore(reply);
      return sendResult(reply, result, 200, (v) => ({ status: "ACCEPTED" as const, appointmentId: v.appointmentId }));
    },
  );
}
