// Managing where a clinic's events go (API.md "Events out (webhooks)", clinic:admin): endpoints, their
// signing secret (shown once, at creation and at each rotation), a test event, and the deliveries list
// with a retry. Sending is the delivery worker's; these flows only write rows it reads.
import { randomBytes } from "node:crypto";
import type { Page, PageRequest } from "../core/page.ts";
import { fail, type FieldError, invalid, notFound, ok, type Result } from "../core/result.ts";
import { isWebhookSubscription, type WebhookSubscription } from "../core/webhook-events.ts";
import { inTransaction } from "../store/db.ts";
import * as store from "../store/webhook-endpoints.ts";
import type { WebhookDeliveryItem, WebhookEndpoint } from "../store/webhook-endpoints.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { checkWebhookUrl } from "./webhook-url.ts";

/** An endpoint and a delivery as the flows hand them to the shells (they never import store/). */
export type { WebhookDeliveryItem, WebhookEndpoint };

/** After a rotation the old secret signs beside the new one this long (API.md: 24 h). */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000;

/** Why staff disabled an endpoint (the worker writes its own reasons). */
export const MANUAL_DISABLE_REASON = "manual";

/** A Standard Webhooks signing secret: whsec_ + base64 of 32 random bytes (44 characters). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The subscriptions as given, or a 422 naming the first bad one's index; duplicates dropped. */
function checkEvents(events: string[]): Result<WebhookSubscription[]> {
  const errors: FieldError[] = [];
  events.forEach((e, i) => {
    if (!isWebhookSubscription(e)) errors.push({ path: `/events/${i}`, message: `is not an event type (see API.md) or "*": ${JSON.stringify(e)}` });
  });
  if (events.length === 0) errors.push({ path: "/events", message: 'must name at least one event type, or "*"' });
  return errors.length > 0 ? invalid(errors) : ok([...new Set(events as WebhookSubscription[])]);
}

async function checkUrl(deps: Deps, url: string): Promise<Result<string>> {
  const error = await checkWebhookUrl(url, deps.config.production);
  return error ? invalid([error]) : ok(url);
}

export async function createWebhookEndpoint(
  deps: Deps,
  caller: Caller,
  input: { url: string; events?: string[]; description?: string | null },
): Promise<Result<{ endpoint: WebhookEndpoint; secret: string }>> {
  // Checked before the transaction: the DNS lookup must not hold a connection.
  const url = await checkUrl(deps, input.url);
  const events = checkEvents(input.events ?? ["*"]);
  if (!url.ok || !events.ok) return invalid([...(url.ok ? [] : (url.errors ?? [])), ...(events.ok ? [] : (events.errors ?? []))]);
  const at = deps.clock.now();
  const secret = newWebhookSecret();
  return inTransaction(deps.db, async (tx) => {
    const endpoint = await store.insertWebhookEndpoint(tx, {
      clinicId: caller.clinicId,
      url: url.value,
      events: events.value,
      description: input.description?.trim() || null,
      secret,
      at,
    });
    await audit(tx, caller, at, { action: "webhook_endpoint.created", entity: "webhook_endpoint", entityId: endpoint.id, after: endpoint });
    return ok({ endpoint, secret });
  });
}

export async function listWebhookEndpoints(deps: Deps, caller: Caller): Promise<WebhookEndpoint[]> {
  return store.listWebhookEndpoints(deps.db, caller.clinicId);
}

export async function getWebhookEndpoint(deps: Deps, caller: Caller, id: string): Promise<Result<WebhookEndpoint>> {
  const endpoint = await store.findWebhookEndpoint(deps.db, caller.clinicId, id);
  return endpoint ? ok(endpoint) : notFound("webhook endpoint");
}

export interface WebhookEndpointPatch {
  url?: string;
  events?: string[];
  /** Beyond API.md's PATCH: the dashboard edits the description too. */
  description?: string | null;
  disabled?: boolean;
}

/**
 * Changes some of an endpoint. Disabling (staff: reason "manual") makes its due deliveries undue;
 * re-enabling clears the reason, disabledAt and failingSince, and does not revive them (retry does, one
 * by one). A patch that changes nothing writes nothing.
 */
export async function updateWebhookEndpoint(deps: Deps, caller: Caller, id: string, patch: WebhookEndpointPatch): Promise<Result<WebhookEndpoint>> {
  const url = patch.url === undefined ? null : await checkUrl(deps, patch.url);
  const events = patch.events === undefined ? null : checkEvents(patch.events);
  const errors = [...(url && !url.ok ? (url.errors ?? []) : []), ...(events && !events.ok ? (events.errors ?? []) : [])];
  if (errors.length > 0) return invalid(errors);
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await store.findWebhookEndpoint(tx, caller.clinicId, id, true);
    if (!before) return notFound("webhook endpoint");
    const next: WebhookEndpoint = { ...before };
    if (url?.ok) next.url = url.value;
    if (events?.ok) next.events = events.value;
    if (patch.description !== undefined) next.description = patch.description?.trim() || null;
    if (patch.disabled === true && !before.disabled) {
      Object.assign(next, { disabled: true, disabledReason: MANUAL_DISABLE_REASON, disabledAt: at });
    } else if (patch.disabled === false && before.disabled) {
      Object.assign(next, { disabled: false, disabledReason: null, disabledAt: null, failingSince: null });
    }
    const changed =
      next.url !== before.url ||
      next.events.join(",") !== before.events.join(",") ||
      next.description !== before.description ||
      next.disabled !== before.disabled;
    if (!changed) return ok(before);
    next.updatedAt = at;
    const after = await store.saveWebhookEndpoint(tx, caller.clinicId, next);
    if (after.disabled && !before.disabled) await store.makeEndpointDeliveriesUndue(tx, caller.clinicId, id, at);
    await audit(tx, caller, at, { action: "webhook_endpoint.updated", entity: "webhook_endpoint", entityId: id, before, after });
    return ok(after);
  });
}

export async function deleteWebhookEndpoint(deps: Deps, caller: Caller, id: string): Promise<Result<WebhookEndpoint>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const removed = await store.deleteWebhookEndpoint(tx, caller.clinicId, id);
    if (!removed) return notFound("webhook endpoint");
    await audit(tx, caller, at, { action: "webhook_endpoint.deleted", entity: "webhook_endpoint", entityId: id, before: removed });
    return ok(removed);
  });
}

/** A new signing secret (answered once); the old one keeps signing beside it for 24 h. */
export async function rotateWebhookSecret(deps: Deps, caller: Caller, id: string): Promise<Result<{ secret: string; endpoint: WebhookEndpoint }>> {
  const at = deps.clock.now();
  const secret = newWebhookSecret();
  return inTransaction(deps.db, async (tx) => {
    const endpoint = await store.rotateWebhookSecret(tx, caller.clinicId, id, secret, at, new Date(at.getTime() + PREVIOUS_SECRET_MS));
    if (!endpoint) return notFound("webhook endpoint");
    await audit(tx, caller, at, {
      action: "webhook_endpoint.secret_rotated",
      entity: "webhook_endpoint",
      entityId: id,
      after: { previousSecretExpiresAt: endpoint.previousSecretExpiresAt },
    });
    return ok({ secret, endpoint });
  });
}

const disabledConflict = () => fail("conflict", "the webhook endpoint is disabled: enable it first", { errors: [{ path: "/disabled", message: "is true" }] });

/** A `webhook.test` event to this endpoint only (whatever it subscribes to), due now. */
export async function sendTestWebhookEvent(deps: Deps, caller: Caller, id: string): Promise<Result<WebhookDeliveryItem>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const endpoint = await store.findWebhookEndpoint(tx, caller.clinicId, id, true);
    if (!endpoint) return notFound("webhook endpoint");
    if (endpoint.disabled) return disabledConflict();
    const data = { endpointId: id, message: "A test event from Backfill: this endpoint receives the clinic's events." };
    const delivery = await store.insertTestEvent(tx, caller.clinicId, id, data, at);
    await audit(tx, caller, at, { action: "webhook_endpoint.tested", entity: "webhook_endpoint", entityId: id, after: { deliveryId: delivery.id } });
    return ok(delivery);
  });
}

export async function listWebhookDeliveries(deps: Deps, caller: Caller, endpointId: string, page: PageRequest): Promise<Result<Page<WebhookDeliveryItem>>> {
  const endpoint = await store.findWebhookEndpoint(deps.db, caller.clinicId, endpointId);
  if (!endpoint) return notFound("webhook endpoint");
  return ok(await store.listEndpointDeliveries(deps.db, caller.clinicId, endpointId, page));
}

/** Makes one delivery due now (GAVE_UP → FAILED; a SUCCEEDED one is sent again with the same webhook-id). */
export async function retryWebhookDelivery(deps: Deps, caller: Caller, endpointId: string, deliveryId: string): Promise<Result<WebhookDeliveryItem>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const endpoint = await store.findWebhookEndpoint(tx, caller.clinicId, endpointId, true);
    if (!endpoint) return notFound("webhook endpoint");
    if (endpoint.disabled) return disabledConflict();
    const delivery = await store.retryEndpointDelivery(tx, caller.clinicId, endpointId, deliveryId, at);
    if (!delivery) return notFound("webhook delivery");
    await audit(tx, caller, at, { action: "webhook_endpoint.delivery_retried", entity: "webhook_endpoint", entityId: endpointId, after: { deliveryId } });
    return ok(delivery);
  });
}
