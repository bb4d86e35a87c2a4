// Webhook endpoints (API.md "Events out (webhooks)", clinic:admin): where the clinic's events are POSTed,
// their signing secret (shown in the create and rotate answers only), a test event, and the deliveries.
import { Type } from "typebox";
import { WEBHOOK_DELIVERY_STATUSES } from "../../core/webhook-events.ts";
import type { Deps } from "../../flows/deps.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhookEvent,
  updateWebhookEndpoint,
  type WebhookDeliveryItem,
  type WebhookEndpoint,
} from "../../flows/webhook-endpoints.ts";
import { MAX_WEBHOOK_URL_LENGTH } from "../../flows/webhook-url.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { sendProblem, sendResult } from "../problem.ts";
import { Enum, Id, IdParams, Instant, ListOf, ListQuery, Nullable, problems, Text } from "../schemas.ts";

function iso(d: Date): string;
function iso(d: Date | null): string | null;
function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

const endpointJson = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  description: e.description,
  disabled: e.disabled,
  disabledReason: e.disabledReason,
  disabledAt: iso(e.disabledAt),
  failingSince: iso(e.failingSince),
  previousSecretExpiresAt: iso(e.previousSecretExpiresAt),
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

const deliveryJson = (d: WebhookDeliveryItem) => ({
  id: d.id,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  nextAttemptAt: iso(d.nextAttemptAt),
  createdAt: iso(d.createdAt),
});

const EndpointJson = Type.Object(
  {
    id: Id,
    url: Type.String(),
    events: Type.Array(Type.String()),
    description: Nullable(Type.String()),
    disabled: Type.Boolean(),
    disabledReason: Nullable(Type.String({ description: '"manual" (staff), "gone" (it answered 410) or "failing" (5 days without a success)' })),
    disabledAt: Nullable(Instant),
    failingSince: Nullable(Instant),
    previousSecretExpiresAt: Nullable(Instant),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { additionalProperties: true },
);

const Secret = Type.String({ pattern: "^whsec_[A-Za-z0-9+/]{43}=$", description: "whsec_ + base64 of 32 random bytes; shown only here" });

const DeliveryJson = Type.Object(
  {
    id: Id,
    type: Type.String(),
    status: Enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: Type.Integer({ minimum: 0 }),
    lastStatusCode: Nullable(Type.Integer()),
    nextAttemptAt: Nullable(Instant),
    createdAt: Instant,
  },
  { additionalProperties: true },
);

const Url = Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH, description: "http(s); in production https to a public address only" });
// Each entry is checked by the flow, so a bad one is reported as /events/<index> with the reason.
const Events = Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 32, description: 'event types (API.md), or ["*"] for all' });
const Description = Nullable(Text(500));

const DeliveryParams = Type.Object({ id: Id, deliveryId: Id });

export function webhookEndpointRoutes(app: App, deps: Deps) {
  const admin = requireKey(deps, "clinic:admin");
  const tags = ["events"];
  const base = "/api/booking/webhook-endpoints";

  app.post(
    base,
    {
      onRequest: admin,
      schema: {
        operationId: "createWebhookEndpoint",
        summary: "Add a webhook endpoint",
        description: 'Events are signed per the Standard Webhooks specification with `secret`, which this answer shows once. `events` defaults to `["*"]`.',
        tags,
        body: Type.Object({ url: Url, events: Type.Optional(Events), description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 201: Type.Object({ ...EndpointJson.properties, secret: Secret }, { additionalProperties: true }), ...problems() },
      },
    },
    async (request, reply) => {
      const result = await createWebhookEndpoint(deps, callerOf(request), request.body);
      return sendResult(reply, result, 201, (v) => ({ ...endpointJson(v.endpoint), secret: v.secret }));
    },
  );

  app.get(
    base,
    {
      onRequest: admin,
      schema: {
        operationId: "listWebhookEndpoints",
        summary: "List the clinic's webhook endpoints (never their secrets)",
        tags,
        response: { 200: Type.Object({ items: Type.Array(EndpointJson) }), ...problems() },
      },
    },
    async (request) => ({ items: (await listWebhookEndpoints(deps, callerOf(request))).map(endpointJson) }),
  );

  app.get(
    `${base}/:id`,
    {
      onRequest: admin,
      schema: {
        operationId: "getWebhookEndpoint",
        summary: "Read a webhook endpoint",
        tags,
        params: IdParams,
        response: { 200: EndpointJson, ...problems(404) },
      },
    },
    async (request, reply) => sendResult(reply, await getWebhookEndpoint(deps, callerOf(request), request.params.id), 200, endpointJson),
  );

  app.patch(
    `${base}/:id`,
    {
      onRequest: admin,
      schema: {
        operationId: "updateWebhookEndpoint",
        summary: "Change a webhook endpoint's URL, events, description, or disable / enable it",
        description:
          "Disabling makes its pending deliveries undue; enabling clears `disabledReason`, `disabledAt` and `failingSince` and does not revive them (retry them one by one).",
        tags,
        params: IdParams,
        body: Type.Object(
          { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), disabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: EndpointJson, ...problems(404) },
      },
    },
    async (request, reply) => sendResult(reply, await updateWebhookEndpoint(deps, callerOf(request), request.params.id, request.body), 200, endpointJson),
  );

  app.delete(
    `${base}/:id`,
    {
      onRequest: admin,
      schema: {
        operationId: "deleteWebhookEndpoint",
        summary: "Remove a webhook endpoint and its deliveries",
        tags,
        params: IdParams,
        response: { 204: { description: "Removed", type: "null" }, ...problems(404) },
      },
    },
    async (request, reply) => {
      const result = await deleteWebhookEndpoint(deps, callerOf(request), request.params.id);
      return result.ok ? reply.code(204).send(null) : sendProblem(reply, result);
    },
  );

  app.post(
    `${base}/:id/rotate-secret`,
    {
      onRequest: admin,
      schema: {
        operationId: "rotateWebhookSecret",
        summary: "Replace a webhook endpoint's signing secret",
        description: "The new secret is shown once; the old one keeps signing beside it for 24 hours.",
        tags,
        params: IdParams,
        response: { 200: Type.Object({ secret: Secret, previousSecretExpiresAt: Instant }), ...problems(404) },
      },
    },
    async (request, reply) =>
      sendResult(reply, await rotateWebhookSecret(deps, callerOf(request), request.params.id), 200, (v) => ({
        secret: v.secret,
        previousSecretExpiresAt: iso(v.endpoint.previousSecretExpiresAt),
      })),
  );

  app.post(
    `${base}/:id/test`,
    {
      onRequest: admin,
      schema: {
        operationId: "sendTestWebhookEvent",
        summary: "Send a webhook.test event to this endpoint",
        description: "Queued at once, to this endpoint only, whatever it subscribes to; follow it in the deliveries. A disabled endpoint → 409.",
        tags,
        params: IdParams,
        response: { 202: Type.Object({ deliveryId: Id }), ...problems(404, 409) },
      },
    },
    async (request, reply) => sendResult(reply, await sendTestWebhookEvent(deps, callerOf(request), request.params.id), 202, (d) => ({ deliveryId: d.id })),
  );

  app.get(
    `${base}/:id/deliveries`,
    {
      onRequest: admin,
      schema: {
        operationId: "listWebhookDeliveries",
        summary: "List a webhook endpoint's deliveries, newest first",
        tags,
        params: IdParams,
        querystring: Type.Object(ListQuery, { additionalProperties: false }),
        response: { 200: ListOf(DeliveryJson), ...problems(404) },
      },
    },
    async (request, reply) => {
      const result = await listWebhookDeliveries(deps, callerOf(request), request.params.id, pageRequest(request.query));
      return sendResult(reply, result, 200, (page) => listOf(page, deliveryJson));
    },
  );

  app.post(
    `${base}/:id/deliveries/:deliveryId/retry`,
    {
      onRequest: admin,
      schema: {
        operationId: "retryWebhookDelivery",
        summary: "Send a delivery again now",
        description:
          "Due at once with the same `webhook-id`; `GAVE_UP` becomes `FAILED`, any other status (`SUCCEEDED` too) is kept, and so are the attempts. A disabled endpoint → 409.",
        tags,
        params: DeliveryParams,
        response: { 202: DeliveryJson, ...problems(404, 409) },
      },
    },
    async (request, reply) =>
      sendResult(reply, await retryWebhookDelivery(deps, callerOf(request), request.params.id, request.params.deliveryId), 202, deliveryJson),
  );
}
