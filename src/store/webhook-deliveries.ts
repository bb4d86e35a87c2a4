// The webhook queue (migration 019): one row per event per endpoint, due at next_attempt_at. A worker takes
// due rows with FOR UPDATE SKIP LOCKED and writes a lease (locked_until, attempts + 1) that it commits before
// it POSTs; the outcome is written afterwards, guarded by that lease, so a worker whose lease ran out (and
// whose row another worker has taken since) cannot overwrite the newer attempt. A worker killed mid-POST
// leaves its lease to run out and the row is due again: at least once, never lost.
import type { Queryable } from "./db.ts";

export type WebhookDeliveryStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "GAVE_UP";

/** A delivery as taken: the row with its lease, its event and where (and with what keys) it goes. */
export interface TakenWebhookDelivery {
  id: string;
  clinicId: string;
  endpointId: string;
  eventId: string;
  /** This attempt's number (1 for the first). */
  attempts: number;
  /** The lease this attempt holds; the outcome is written only while it is still this. */
  lockedUntil: Date;
  nextAttemptAt: Date;
  event: {
    type: string;
    entity: string;
    entityId: string | null;
    sequence: number;
    snapshot: unknown;
    /** Rendered at the first attempt and kept (null until then). */
    data: unknown;
    createdAt: Date;
  };
  endpoint: {
    url: string;
    secret: string;
    previousSecret: string | null;
    previousSecretExpiresAt: Date | null;
  };
}

interface TakenRow {
  id: string;
  clinic_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  locked_until: Date;
  next_attempt_at: Date;
  type: string;
  entity: string;
  entity_id: string | null;
  sequence: number;
  snapshot: unknown;
  data: unknown;
  event_created_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

function parseTaken(r: TakenRow): TakenWebhookDelivery {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    attempts: r.attempts,
    lockedUntil: r.locked_until,
    nextAttemptAt: r.next_attempt_at,
    event: {
      type: r.type,
      entity: r.entity,
      entityId: r.entity_id,
      sequence: r.sequence,
      snapshot: r.snapshot,
      data: r.data,
      createdAt: r.event_created_at,
    },
    endpoint: {
      url: r.url,
      secret: r.secret,
      previousSecret: r.previous_secret,
      previousSecretExpiresAt: r.previous_secret_expires_at,
    },
  };
}

/**
 * Takes up to `limit` deliveries due at `now` (next_attempt_at ≤ now, endpoint enabled, no live lease), at
 * most `perEndpoint` of one endpoint, oldest due first and then by the event's sequence; leases each until
 * `leaseUntil` and counts the attempt. Returned in that order. Commit before POSTing.
 */
export async function takeDueWebhookDeliveries(
  q: Queryable,
  opts: { now: Date; leaseUntil: Date; limit: number; perEndpoint: number },
): Promise<TakenWebhookDelivery[]> {
  const { rows } = await q.query<TakenRow>(
    `WITH due AS (
       SELECT d.id, d.endpoint_id, d.next_attempt_at, ev.sequence
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.clinic_id = d.clinic_id AND e.id = d.endpoint_id
         JOIN webhook_events ev ON ev.clinic_id = d.clinic_id AND ev.id = d.event_id
        WHERE d.next_attempt_at <= $1 AND NOT e.disabled AND (d.locked_until IS NULL OR d.locked_until <= $1)
        ORDER BY d.next_attempt_at, ev.sequence, d.id
        LIMIT $3
        FOR UPDATE OF d SKIP LOCKED
     ), firsts AS (
       SELECT id FROM (
         SELECT id, row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, sequence, id) AS n FROM due
       ) ranked WHERE n <= $4
     )
     UPDATE webhook_deliveries d
        SET locked_until = $2, attempts = d.attempts + 1, updated_at = $1
       FROM webhook_endpoints e, webhook_events ev
      WHERE d.id IN (SELECT id FROM firsts)
        AND e.clinic_id = d.clinic_id AND e.id = d.endpoint_id
        AND ev.clinic_id = d.clinic_id AND ev.id = d.event_id
     RETURNING d.id, d.clinic_id, d.endpoint_id, d.event_id, d.attempts, d.locked_until, d.next_attempt_at,
               ev.type, ev.entity, ev.entity_id, ev.sequence, ev.snapshot, ev.data, ev.created_at AS event_created_at,
               e.url, e.secret, e.previous_secret, e.previous_secret_expires_at`,
    [opts.now, opts.leaseUntil, opts.limit, opts.perEndpoint],
  );
  return rows
    .map(parseTaken)
    .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.event.sequence - b.event.sequence || (a.id < b.id ? -1 : 1));
}

/** Keeps the event's rendered `data` unless it already has one; returns the one kept (every retry sends it). */
export async function keepEventData(q: Queryable, clinicId: string, eventId: string, data: unknown): Promise<unknown> {
  const { rows } = await q.query<{ data: unknown }>(
    "UPDATE webhook_events SET data = COALESCE(data, $3::jsonb) WHERE clinic_id = $1 AND id = $2 RETURNING data",
    [clinicId, eventId, JSON.stringify(data)],
  );
  return rows[0]?.data ?? data;
}

/**
 * Writes what attempt `attempts` came to, if the delivery still holds that attempt's lease (false: it ran
 * out and another worker took the row since, or the row is gone). Clears the lease.
 */
export async function recordWebhookAttempt(
  q: Queryable,
  d: { clinicId: string; id: string; attempts: number; lockedUntil: Date },
  outcome: { status: WebhookDeliveryStatus; lastStatusCode: number | null; lastError: string | null; nextAttemptAt: Date | null; at: Date },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE webhook_deliveries
        SET status = $5, last_status_code = $6, last_error = $7, next_attempt_at = $8, locked_until = NULL,
            succeeded_at = CASE WHEN $5 = 'SUCCEEDED' THEN $9 ELSE succeeded_at END, updated_at = $9
      WHERE clinic_id = $1 AND id = $2 AND attempts = $3 AND locked_until = $4`,
    [d.clinicId, d.id, d.attempts, d.lockedUntil, outcome.status, outcome.lastStatusCode, outcome.lastError, outcome.nextAttemptAt, outcome.at],
  );
  return rowCount === 1;
}

/** The endpoint's health, locked for this outcome (NO KEY UPDATE: new deliveries' foreign keys still pass). */
export async function lockEndpointHealth(q: Queryable, clinicId: string, endpointId: string): Promise<{ disabled: boolean; failingSince: Date | null } | null> {
  const { rows } = await q.query<{ disabled: boolean; failing_since: Date | null }>(
    "SELECT disabled, failing_since FROM webhook_endpoints WHERE clinic_id = $1 AND id = $2 FOR NO KEY UPDATE",
    [clinicId, endpointId],
  );
  return rows[0] ? { disabled: rows[0].disabled, failingSince: rows[0].failing_since } : null;
}

export async function setEndpointFailingSince(q: Queryable, clinicId: string, endpointId: string, failingSince: Date | null, at: Date): Promise<void> {
  await q.query(
    `UPDATE webhook_endpoints SET failing_since = $3, updated_at = $4
      WHERE clinic_id = $1 AND id = $2 AND failing_since IS DISTINCT FROM $3`,
    [clinicId, endpointId, failingSince, at],
  );
}

/**
 * Disables an enabled endpoint with its reason; its deliveries stop being due (next_attempt_at NULL, their
 * status kept). False when it was disabled already.
 */
export async function disableEndpoint(q: Queryable, clinicId: string, endpointId: string, reason: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE webhook_endpoints SET disabled = true, disabled_reason = $3, disabled_at = $4, updated_at = $4
      WHERE clinic_id = $1 AND id = $2 AND NOT disabled`,
    [clinicId, endpointId, reason, at],
  );
  if (rowCount !== 1) return false;
  await q.query(
    `UPDATE webhook_deliveries SET next_attempt_at = NULL, updated_at = $3
      WHERE clinic_id = $1 AND endpoint_id = $2 AND next_attempt_at IS NOT NULL`,
    [clinicId, endpointId, at],
  );
  return true;
}

/**
 * Gives a taken delivery back unattempted (its endpoint was disabled by an earlier attempt of the same batch):
 * the attempt is not counted and the lease is cleared, if it is still this one.
 */
export async function releaseWebhookLease(q: Queryable, d: { clinicId: string; id: string; attempts: number; lockedUntil: Date }, at: Date): Promise<void> {
  await q.query(
    `UPDATE webhook_deliveries SET attempts = attempts - 1, locked_until = NULL, updated_at = $5
      WHERE clinic_id = $1 AND id = $2 AND attempts = $3 AND locked_until = $4`,
    [d.clinicId, d.id, d.attempts, d.lockedUntil, at],
  );
}
