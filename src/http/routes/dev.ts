// Development and test mode (never registered with NODE_ENV=production): the dev outbox, stand-ins
// for provider callbacks and inbound texts, and the test clock.
import { Type } from "typebox";
import { ManualClock } from "../../clock.ts";
import type { Deps } from "../../flows/deps.ts";
import { recordDeliveryStatus } from "../../flows/delivery-status.ts";
import { handleInboundSms } from "../../flows/inbound-sms.ts";
import { findOutboxMessage, viewOutbox } from "../../flows/view-outbox.ts";
import { drainDue } from "../../jobs/runner.ts";
import type { App } from "../app.ts";
import { requireKeyOrAdmin } from "../auth.ts";
import { sendProblem, sendResult } from "../problem.ts";
import { Id, IdParams, Instant, Nullable, problems } from "../schemas.ts";

// Open to more fields: the answer's schema documents the item, it must not drop what the outbox adds.
const OutboxItem = Type.Object(
  {
    id: Id,
    deliveryId: Id,
    channel: Type.String({ description: "SMS | EMAIL | VOICE | PUSH" }),
    to: Type.String(),
    subject: Nullable(Type.String()),
    body: Type.String(),
    links: Type.Array(Type.String()),
    sentAt: Instant,
  },
  { additionalProperties: true },
);

export function devRoutes(app: App, deps: Deps) {
  if (deps.config.production) return;
  const guard = requireKeyOrAdmin(deps);
  const tags = ["development"];

  app.get(
    "/api/dev/outbox",
    {
      onRequest: guard,
      schema: {
        operationId: "listDevOutbox",
        summary: "List the messages the dev outbox received, oldest first",
        description: "`to` is the E.164 phone for SMS and VOICE, the address for EMAIL.",
        tags,
        querystring: Type.Object({ to: Type.Optional(Type.String({ maxLength: 320 })) }),
        response: { 200: Type.Object({ items: Type.Array(OutboxItem) }), ...problems() },
      },
    },
    async (request) => {
      const items = await viewOutbox(deps, request.caller?.clinicId ?? null, request.query.to);
      return {
        items: items.map((m) => ({
          id: m.id,
          deliveryId: m.deliveryId,
          channel: m.channel,
          to: m.to,
          subject: m.subject,
          body: m.body,
          links: m.links,
          sentAt: m.sentAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/dev/outbox/:id/status",
    {
      onRequest: guard,
      schema: {
        operationId: "setDevOutboxStatus",
        summary: "Act as the provider's status callback for an outbox message",
        tags,
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Union([Type.Literal("DELIVERED"), Type.Literal("FAILED"), Type.Literal("UNDELIVERED"), Type.Literal("BOUNCED")]),
            errorCode: Type.Optional(Type.String({ maxLength: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ deliveryId: Id, status: Type.String(), changed: Type.Boolean() }), ...problems(404) },
      },
    },
    async (request, reply) => {
      const message = await findOutboxMessage(deps, request.caller?.clinicId ?? null, request.params.id);
      if (!message) return sendProblem(reply, { ok: false, code: "not_found", detail: "outbox message not found" });
      const result = await recordDeliveryStatus(deps, message.clinicId, message.deliveryId, request.body.status, request.body.errorCode ?? null);
      return sendResult(reply, result, 200, (v) => ({ deliveryId: v.delivery.id, status: v.delivery.status, changed: v.changed }));
    },
  );

  app.post(
    "/api/dev/inbound-sms",
    {
      onRequest: guard,
      schema: {
        operationId: "receiveDevInboundSms",
        summary: "Act as an inbound text from a patient",
        tags,
        body: Type.Object({ from: Type.String({ minLength: 1, maxLength: 40 }), body: Type.String({ maxLength: 1600 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ action: Type.String(), reply: Nullable(Type.String()) }, { additionalProperties: true }), ...problems() },
      },
    },
    async (request, reply) => {
      const result = await handleInboundSms(deps, {
        clinicId: request.caller?.clinicId ?? null,
        from: request.body.from,
        body: request.body.body,
        providerMessageId: null,
      });
      return sendResult(reply, result, 200, (v) => v);
    },
  );

  const clock = deps.clock;
  if (!deps.config.testClock || !(clock instanceof ManualClock)) return;
  const oneAtATime = serially();
  const Now = Type.Object({ now: Instant });
  // What the move's drain did, by kind of work (runner.ts Drained); open, as kinds are added.
  const n = Type.Integer();
  const Moved = Type.Object({
    now: Instant,
    drained: Type.Object({ waves: n, sent: n, expired: n, noShows: n, reminders: n }, { additionalProperties: true }),
  });
  app.get(
    "/api/dev/clock",
    { onRequest: guard, schema: { operationId: "getDevClock", summary: "Read the server's test clock", tags, response: { 200: Now, ...problems() } } },
    async () => ({ now: clock.now().toISOString() }),
  );
  app.post(
    "/api/dev/clock",
    {
      onRequest: guard,
      schema: {
        operationId: "setDevClock",
        summary: "Set the server's test clock and run all due work",
        description:
          "Only with BACKFILL_TEST_CLOCK=1. Answers when every piece of work due at the new time is done (dispatch, holds, waves, fallbacks, no-shows, reminders, fees).",
        tags,
        body: Type.Union([
          Type.Object({ now: Instant }, { additionalProperties: false }),
          Type.Object({ advanceMinutes: Type.Integer({ minimum: 0, maximum: 525_600 }) }, { additionalProperties: false }),
        ]),
        response: { 200: Moved, ...problems() },
      },
    },
    async (request, reply) =>
      // One move at a time: a second request reads the clock only after the first has drained, so two
      // moves never interleave (set A, set B, drain A at B's time) and each answers after its own drain.
      oneAtATime(async () => {
        const body = request.body as { now?: string; advanceMinutes?: number };
        const target = body.now ? new Date(body.now) : new Date(clock.now().getTime() + (body.advanceMinutes ?? 0) * 60_000);
        if (target.getTime() < clock.now().getTime()) {
          return sendProblem(reply, {
            ok: false,
            code: "validation_failed",
            detail: "the clock only moves forward",
            errors: [{ path: "/now", message: "must not be in the past of the server's clock" }],
          });
        }
        clock.set(target);
        // drainDue, not runDue: it also waits for any other worker's round on this database (runner.ts).
        const drained = await drainDue(deps, target);
        return { now: target.toISOString(), drained };
      }),
  );
}

/** Runs the functions it is given one after another, in the order they were given. */
function serially() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}
