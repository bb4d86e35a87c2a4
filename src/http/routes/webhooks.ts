// Twilio's webhooks. Each verifies X-Twilio-Signature with TWILIO_AUTH_TOKEN against the public URL
// from configuration (never the Host header); a bad or missing signature → 403 and no effect.
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { verifyTwilioSignature } from "../../channels/twilio-signature.ts";
import { parseSmsStatus } from "../../channels/twilio-sms.ts";
import { isAnsweringMachine, parseVoiceStatus } from "../../channels/twilio-voice.ts";
import { recordDeliveryStatus } from "../../flows/delivery-status.ts";
import { findCallbackDelivery } from "../../flows/find-callback-delivery.ts";
import type { Deps } from "../../flows/deps.ts";
import { handleInboundSms } from "../../flows/inbound-sms.ts";
import { voiceTwiml } from "../../flows/voice-call.ts";
import type { App } from "../app.ts";
import { sendProblem } from "../problem.ts";
import { Problem } from "../schemas.ts";

type Params = Record<string, string>;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function formParams(body: unknown): Params {
  const out: Params = {};
  if (body && typeof body === "object") for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? String(v[0]) : String(v ?? "");
  return out;
}

/** True when signed by Twilio; otherwise the 403 has been sent. */
function signed(deps: Deps, request: FastifyRequest, reply: FastifyReply, params: Params): boolean {
  const token = deps.config.channels.twilioAuthToken;
  const signature = request.headers["x-twilio-signature"];
  const url = `${deps.config.publicUrl}${request.url}`;
  if (token && verifyTwilioSignature(token, url, params, typeof signature === "string" ? signature : undefined)) return true;
  deps.log.warn({ path: request.url.split("?")[0] }, "webhook with a bad or missing Twilio signature");
  sendProblem(reply, { ok: false, code: "forbidden", detail: "bad or missing X-Twilio-Signature" });
  return false;
}

export function webhookRoutes(app: App, deps: Deps) {
  const schema = { tags: ["webhooks"], security: [], hide: false, consumes: ["application/x-www-form-urlencoded"] };
  // What Twilio is answered; a bad or missing X-Twilio-Signature is a 403 with no effect.
  const refused = { 403: Problem };
  const TwiML = { description: "TwiML", content: { "text/xml": { schema: Type.String() } } };
  const twiml = (reply: FastifyReply, xml: string) => reply.code(200).type("text/xml").send(xml);

  for (const [path, parse] of [
    [
      "/webhooks/twilio/sms-status",
      (p: Params) => {
        const s = parseSmsStatus(p);
        return { sid: s.messageSid, status: s.status, reason: s.errorCode };
      },
    ],
    [
      "/webhooks/twilio/voice-status",
      (p: Params) => {
        const s = parseVoiceStatus(p);
        return { sid: s.callSid, status: s.status, reason: s.errorCode ?? (s.status === "UNDELIVERED" ? (p.CallStatus ?? null) : null) };
      },
    ],
  ] as const) {
    const operationId = path.endsWith("sms-status") ? "receiveTwilioSmsStatus" : "receiveTwilioVoiceStatus";
    const summary = `Twilio ${path.endsWith("sms-status") ? "SMS" : "call"} status callback (signed)`;
    const response = { 204: { description: "Recorded (an unknown SID or a stale status changes nothing)", type: "null" }, ...refused };
    app.post(path, { config: { rateLimit: false }, schema: { ...schema, operationId, summary, response } }, async (request, reply) => {
      const params = formParams(request.body);
      if (!signed(deps, request, reply, params)) return reply;
      const { sid, status, reason } = parse(params);
      if (sid && status) {
        const deliveryId = (request.query as Params).delivery;
        const delivery = await findCallbackDelivery(deps, sid, typeof deliveryId === "string" ? deliveryId : null);
        // An unknown sid (another app on the same account) or a stale status changes nothing.
        if (delivery) await recordDeliveryStatus(deps, delivery.clinicId, delivery.id, status, reason);
      }
      return reply.code(204).send();
    });
  }

  app.post(
    "/webhooks/twilio/inbound-sms",
    {
      config: { rateLimit: false },
      schema: { ...schema, operationId: "receiveTwilioInboundSms", summary: "A patient's text (signed)", response: { 200: TwiML, ...refused } },
    },
    async (request, reply) => {
      const params = formParams(request.body);
      if (!signed(deps, request, reply, params)) return reply;
      const result = await handleInboundSms(deps, {
        clinicId: null,
        from: params.From ?? "",
        body: params.Body ?? "",
        providerMessageId: params.MessageSid ?? params.SmsSid ?? null,
      });
      if (!result.ok) deps.log.warn({ code: result.code }, "inbound text not understood as a phone number");
      // Replies go out as their own messages (queued, tracked), so the webhook answers with no TwiML.
      return twiml(reply, EMPTY_TWIML);
    },
  );

  app.post(
    "/webhooks/twilio/voice/:deliveryId",
    {
      config: { rateLimit: false },
      schema: {
        ...schema,
        operationId: "answerTwilioOfferCall",
        summary: "TwiML for an offer call: press 1 to book, 2 to decline (signed)",
        response: { 200: TwiML, ...refused },

        params: Type.Object({ deliveryId: Type.String({ format: "uuid" }) }),
        querystring: Type.Object({ step: Type.Optional(Type.Union([Type.Literal("answer"), Type.Literal("gather")])) }),
      },
    },
    async (request, reply) => {
      const params = formParams(request.body);
      if (!signed(deps, request, reply, params)) return reply;
      const xml = await voiceTwiml(deps, request.params.deliveryId, {
        answeredBy: params.AnsweredBy ?? null,
        digits: params.Digits ?? null,
        step: request.query.step ?? "answer",
        machine: isAnsweringMachine(params.AnsweredBy),
      });
      return twiml(reply, xml);
    },
  );
}
