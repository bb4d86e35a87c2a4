// The event types a webhook endpoint can subscribe to (API.md "Events out (webhooks)"); the same list is
// migration 019's CHECK on webhook_events.type. "*" subscribes to all of them, those added later included.

export const WEBHOOK_EVENT_TYPES = [
  "appointment.created",
  "appointment.updated",
  "appointment.cancelled",
  "appointment.no_show",
  "opening.created",
  "opening.filled",
  "opening.closed",
  "offer.sent",
  "offer.accepted",
  "offer.declined",
  "offer.expired",
  "waitlist_entry.created",
  "waitlist_entry.updated",
  "patient.consent_changed",
  "outreach_task.created",
  "webhook.test",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What an endpoint's `events` may hold: a type, or "*" for every type. */
export type WebhookSubscription = WebhookEventType | "*";

export function isWebhookSubscription(value: string): value is WebhookSubscription {
  return value === "*" || (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** The delivery statuses of API.md (migration 019's CHECK on webhook_deliveries.status). */
export const WEBHOOK_DELIVERY_STATUSES = ["PENDING", "SUCCEEDED", "FAILED", "GAVE_UP"] as const;

export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
