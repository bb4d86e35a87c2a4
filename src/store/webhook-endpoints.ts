// Webhook endpoints (migration 019) and what staff do with their deliveries: list, retry, send a test.
// The signing secret is written here and never read back into a WebhookEndpoint: only the delivery worker
// reads it (its own query), so no read, log or audit row can carry it.
import type { WebhookDeliveryStatus, WebhookSubscription } from "../core/webhook-events.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookSubscription[];
  description: string | null;
  disabled: boolean;
  /** Why it was disabled: "manual" (staff), or the delivery worker's reason (410 Gone, 5 days failing). */
  disabledReason: string | null;
  disabledAt: Date | null;
  /** The first failed attempt since the last success (null: not failing). */
  failingSince: Date | null;
  /** Until when the secret before the last rotation still signs beside the new one. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A `webhook_endpoints` row as pg returns it, without the secrets (never selected here). */
interface EndpointRow {
  id: string;
  url: string;
  events: WebhookSubscription[];
  description: string | null;
  disabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS =
  "id, url, events, description, disabled, disabled_reason, disabled_at, failing_since, previous_secret_expires_at, created_at, updated_at";

function parseEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    description: r.description,
    disabled: r.disabled,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    failingSince: r.failing_since,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertWebhookEndpoint(
  q: Queryable,
  e: { clinicId: string; url: string; events: WebhookSubscription[]; description: string | null; secret: string; at: Date },
): Promise<WebhookEndpoint> {
  const { rows } = await q.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (clinic_id, url, events, description, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${ENDPOINT_COLUMNS}`,
    [e.clinicId, e.url, e.events, e.description, e.secret, e.at],
  );
  return parseEndpoint(rows[0]!);
}

export async function listWebhookEndpoints(q: Queryable, clinicId: string): Promise<WebhookEndpoint[]> {
  const { rows } = await q.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE clinic_id = $1 ORDER BY created_at, id`, [clinicId]);
  return rows.map(parseEndpoint);
}

/** One of the clinic's endpoints; `lock` takes its row lock (a change in progress waits for the other). */
export async function findWebhookEndpoint(q: Queryable, clinicId: string, id: string, lock = false): Promise<WebhookEndpoint | null> {
  const { rows } = await q.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE clinic_id = $1 AND id = $2${lock ? " FOR UPDATE" : ""}`,
    [clinicId, id],
  );
  return rows[0] ? parseEndpoint(rows[0]) : null;
}

/** Writes the endpoint's editable columns as `e` has them (the flow decided them). */
export async function saveWebhookEndpoint(q: Queryable, clinicId: string, e: WebhookEndpoint): Promise<WebhookEndpoint> {
  const { rows } = await q.query<EndpointRow>(
    `UPDATE webhook_endpoints
        SET url = $3, events = $4, description = $5, disabled = $6, disabled_reason = $7, disabled_at = $8,
            failing_since = $9, updated_at = $10
      WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
    [clinicId, e.id, e.url, e.events, e.description, e.disabled, e.disabledReason, e.disabledAt, e.failingSince, e.updatedAt],
  );
  return parseEndpoint(rows[0]!);
}

/** Deliveries still due to a disabled endpoint are no longer due (re-enabling does not revive them). */
export async function makeEndpointDeliveriesUndue(q: Queryable, clinicId: string, endpointId: string, at: Date): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE webhook_deliveries SET next_attempt_at = NULL, updated_at = $3
      WHERE clinic_id = $1 AND endpoint_id = $2 AND next_attempt_at IS NOT NULL`,
    [clinicId, endpointId, at],
  );
  return rowCount ?? 0;
}

/** Deletes the endpoint (its deliveries go with it: ON DELETE CASCADE); the removed endpoint, or null. */
export async function deleteWebhookEndpoint(q: Queryable, clinicId: string, id: string): Promise<WebhookEndpoint | null> {
  const { rows } = await q.query<EndpointRow>(`DELETE FROM webhook_endpoints WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`, [clinicId, id]);
  return rows[0] ? parseEndpoint(rows[0]) : null;
}

/** The new secret signs from now on; the old one beside it until `previousExpiresAt`. */
export async function rotateWebhookSecret(
  q: Queryable,
  clinicId: string,
  id: string,
  secret: string,
  at: Date,
  previousExpiresAt: Date,
): Promise<WebhookEndpoint | null> {
  const { rows } = await q.query<EndpointRow>(
    `UPDATE webhook_endpoints
        SET previous_secret = secret, previous_secret_expires_at = $5, secret = $3, updated_at = $4
      WHERE clinic_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
    [clinicId, id, secret, at, previousExpiresAt],
  );
  return rows[0] ? parseEndpoint(rows[0]) : null;
}

export interface WebhookDeliveryItem {
  id: string;
  /** The event's type. */
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

interface DeliveryRow {
  id: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

const parseDelivery = (r: DeliveryRow): WebhookDeliveryItem => ({
  id: r.id,
  type: r.type,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
});

/** Writes a `webhook.test` event (its data as given) and one delivery of it to that endpoint, due at `at`. */
export async function insertTestEvent(q: Queryable, clinicId: string, endpointId: string, data: unknown, at: Date): Promise<WebhookDeliveryItem> {
  const { rows } = await q.query<DeliveryRow>(
    `WITH ev AS (
       INSERT INTO webhook_events (clinic_id, type, entity, entity_id, data, created_at)
       VALUES ($1, 'webhook.test', 'webhook', $2, $3, $4) RETURNING id, type)
     INSERT INTO webhook_deliveries (clinic_id, endpoint_id, event_id, next_attempt_at, created_at, updated_at)
     SELECT $1, $2, ev.id, $4, $4, $4 FROM ev
     RETURNING id, 'webhook.test' AS type, status, attempts, last_status_code, next_attempt_at, created_at`,
    [clinicId, endpointId, JSON.stringify(data), at],
  );
  // As backfill_emit_event does: the worker wakes at commit.
  await q.query("SELECT pg_notify('backfill_work', 'webhook_deliveries')");
  return parseDelivery(rows[0]!);
}

/** The endpoint's deliveries, newest first, paged by (created_at, id). */
export async function listEndpointDeliveries(q: Queryable, clinicId: string, endpointId: string, page: PageRequest): Promise<Page<WebhookDeliveryItem>> {
  const { rows } = await q.query<DeliveryRow>(
    `SELECT d.id, e.type, d.status, d.attempts, d.last_status_code, d.next_attempt_at, d.created_at
       FROM webhook_deliveries d JOIN webhook_events e ON e.clinic_id = d.clinic_id AND e.id = d.event_id
      WHERE d.clinic_id = $1 AND d.endpoint_id = $2
        AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4::uuid))
      ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
    [clinicId, endpointId, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parseDelivery), page.limit, (d) => ({ key: d.createdAt.toISOString(), id: d.id }));
}

/**
 * Makes a delivery due at `at` again: a GAVE_UP one becomes FAILED, any other keeps its status (a
 * SUCCEEDED one is sent again, with the same event id); attempts are kept. Null when it is not the endpoint's.
 */
export async function retryEndpointDelivery(
  q: Queryable,
  clinicId: string,
  endpointId: string,
  deliveryId: string,
  at: Date,
): Promise<WebhookDeliveryItem | null> {
  const { rows } = await q.query<DeliveryRow>(
    `UPDATE webhook_deliveries d
        SET next_attempt_at = $4, status = CASE WHEN d.status = 'GAVE_UP' THEN 'FAILED' ELSE d.status END, updated_at = $4
       FROM webhook_events e
      WHERE d.clinic_id = $1 AND d.endpoint_id = $2 AND d.id = $3 AND e.clinic_id = d.clinic_id AND e.id = d.event_id
      RETURNING d.id, e.type, d.status, d.attempts, d.last_status_code, d.next_attempt_at, d.created_at`,
    [clinicId, endpointId, deliveryId, at],
  );
  if (!rows[0]) return null;
  await q.query("SELECT pg_notify('backfill_work', 'webhook_deliveries')");
  return parseDelivery(rows[0]);
}
