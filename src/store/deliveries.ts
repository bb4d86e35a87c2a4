// Deliveries: one attempt to reach a patient on one channel. QUEUED rows with a due time are the
// send queue; SENDING is committed before the provider is called (at most once).
import type { Channel, Delivery, DeliveryKind, DeliveryStatus } from "../core/types.ts";
import type { Queryable } from "./db.ts";

/** A `deliveries` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface DeliveryRow {
  id: Delivery["id"];
  clinic_id: Delivery["clinicId"];
  offer_id: Delivery["offerId"];
  patient_id: Delivery["patientId"];
  kind: Delivery["kind"];
  channel: Delivery["channel"];
  status: Delivery["status"];
  to_address: Delivery["toAddress"];
  payload: Delivery["payload"];
  provider_message_id: Delivery["providerMessageId"];
  token_hash: Delivery["tokenHash"];
  body_hash: Delivery["bodyHash"];
  failure_reason: Delivery["failureReason"];
  attempt_count: Delivery["attemptCount"];
  due_at: Delivery["dueAt"];
  sent_at: Delivery["sentAt"];
  delivered_at: Delivery["deliveredAt"];
  created_at: Delivery["createdAt"];
  updated_at: Delivery["updatedAt"];
}

export function parseDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    offerId: r.offer_id,
    patientId: r.patient_id,
    kind: r.kind,
    channel: r.channel,
    status: r.status,
    toAddress: r.to_address,
    payload: r.payload,
    providerMessageId: r.provider_message_id,
    tokenHash: r.token_hash,
    bodyHash: r.body_hash,
    failureReason: r.failure_reason,
    attemptCount: r.attempt_count,
    dueAt: r.due_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertDelivery(
  q: Queryable,
  d: {
    clinicId: string;
    offerId: string | null;
    patientId: string | null;
    kind: DeliveryKind;
    channel: Channel;
    dueAt: Date;
    payload?: object;
    at: Date;
    /** A notice carrying a link to its offer's page made now (a reply to a text): the link's token hash. */
    tokenHash?: string | null;
  },
): Promise<Delivery> {
  const { rows } = await q.query<DeliveryRow>(
    `INSERT INTO deliveries (clinic_id, offer_id, patient_id, kind, channel, status, payload, due_at, created_at, updated_at, token_hash)
     VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, $7, $8, $8, $9) RETURNING *`,
    [d.clinicId, d.offerId, d.patientId, d.kind, d.channel, JSON.stringify(d.payload ?? {}), d.dueAt, d.at, d.tokenHash ?? null],
  );
  return parseDelivery(rows[0]!);
}

/**
 * Claims up to `limit` due deliveries for this runner: they become SENDING in the caller's
 * transaction, which commits before any provider is called. SKIP LOCKED lets runners share the queue.
 */
export async function claimDueDeliveries(q: Queryable, now: Date, limit: number): Promise<Delivery[]> {
  const { rows } = await q.query<DeliveryRow>(
    `UPDATE deliveries SET status = 'SENDING', attempt_count = attempt_count + 1, updated_at = $1
     WHERE id IN (
       SELECT id FROM deliveries WHERE status = 'QUEUED' AND due_at <= $1
       ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [now, limit],
  );
  return rows.map(parseDelivery);
}

export async function getDelivery(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>(`SELECT * FROM deliveries WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [clinicId, id]);
  return rows[0] ? parseDelivery(rows[0]) : null;
}

export async function findDeliveryByTokenHash(q: Queryable, tokenHash: string): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>("SELECT * FROM deliveries WHERE token_hash = $1", [tokenHash]);
  return rows[0] ? parseDelivery(rows[0]) : null;
}

export async function deliveriesOfOffers(q: Queryable, clinicId: string, offerIds: string[]): Promise<Delivery[]> {
  if (offerIds.length === 0) return [];
  const { rows } = await q.query<DeliveryRow>("SELECT * FROM deliveries WHERE clinic_id = $1 AND offer_id = ANY($2::uuid[]) ORDER BY created_at, due_at, id", [
    clinicId,
    offerIds,
  ]);
  return rows.map(parseDelivery);
}

/** Back to the queue (quiet hours began, a transient error): not sent, due again at `dueAt`. */
export async function requeueDelivery(q: Queryable, id: string, dueAt: Date, at: Date, reason: string | null): Promise<void> {
  await q.query(
    `UPDATE deliveries SET status = 'QUEUED', due_at = $2, failure_reason = $4, token_hash = NULL, body_hash = NULL, updated_at = $3
     WHERE id = $1 AND status = 'SENDING'`,
    [id, dueAt, at, reason],
  );
}

/**
 * Just before the provider call: the address, the link's token hash and the text's hash are kept on the
 * SENDING row, so a message that went out before a crash is recognised (and its link works) afterwards.
 */
export async function recordSendAttempt(
  q: Queryable,
  id: string,
  a: { toAddress: string; tokenHash: string | null; bodyHash: string; at: Date },
): Promise<void> {
  await q.query(
    `UPDATE deliveries SET to_address = $2, token_hash = COALESCE($3, token_hash), body_hash = $4, updated_at = $5
     WHERE id = $1 AND status = 'SENDING'`,
    [id, a.toAddress, a.tokenHash, a.bodyHash, a.at],
  );
}

/**
 * Locks a claimed row if it is still this claim's (SENDING, same attempt): another runner may have taken it
 * back meanwhile (a drain that outlasts the stale limit has its claims reconciled, re-queued, re-claimed).
 */
export async function lockOwnPaymentHold(q: Queryable, id: string, attemptCount: number): Promise<boolean> {
  const { rowCount } = await q.query("SELECT 1 FROM deliveries WHERE id = $1 AND status = 'SENDING' AND attempt_count = $2 FOR UPDATE", [id, attemptCount]);
  return rowCount === 1;
}

/**
 * The provider took the message. Usually the row is SENDING; a status callback may have beaten us
 * here (matched by the delivery id in its URL) and moved it to SENT or DELIVERED already — then the
 * provider's id and the send time are still recorded, and the status is left where it is.
 */
export async function markDeliverySent(q: Queryable, id: string, s: { providerMessageId: string | null; at: Date }): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE deliveries SET status = CASE WHEN status = 'SENDING' THEN 'SENT' ELSE status END,
       provider_message_id = COALESCE(provider_message_id, $2), sent_at = COALESCE(sent_at, $3), updated_at = $3
     WHERE id = $1 AND (status = 'SENDING' OR (status IN ('SENT', 'DELIVERED') AND provider_message_id IS NULL))`,
    [id, s.providerMessageId, s.at],
  );
  return rowCount === 1;
}

/** SENDING rows untouched since `before`: a runner died between claiming and recording them. */
export async function lockStaleSending(q: Queryable, before: Date, limit: number): Promise<Delivery[]> {
  const { rows } = await q.query<DeliveryRow>(
    `SELECT * FROM deliveries WHERE status = 'SENDING' AND updated_at <= $1
     ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [before, limit],
  );
  return rows.map(parseDelivery);
}

export async function markDeliveryFailed(q: Queryable, id: string, reason: string, at: Date, to: string | null = null): Promise<void> {
  await q.query(
    `UPDATE deliveries SET status = 'FAILED', failure_reason = $2, to_address = COALESCE($4, to_address), updated_at = $3
     WHERE id = $1 AND status IN ('QUEUED', 'SENDING')`,
    [id, reason, at, to],
  );
}

// Invariant: delivery status only moves forward. A callback may only raise the rank; duplicates and
// late (out-of-order) callbacks change nothing. DELIVERED after SENT is forward; FAILED after
// DELIVERED is not (the message did arrive).
export const STATUS_RANK: Record<DeliveryStatus, number> = {
  QUEUED: 0,
  SENDING: 1,
  SENT: 2,
  DELIVERED: 3,
  FAILED: 3,
  UNDELIVERED: 3,
  BOUNCED: 3,
};

/** Applies a provider status if it moves the delivery forward; returns the updated row or null. */
export async function advanceDeliveryStatus(
  q: Queryable,
  clinicId: string,
  id: string,
  status: DeliveryStatus,
  at: Date,
  reason: string | null,
): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>(
    `UPDATE deliveries SET status = $3, updated_at = $4,
       delivered_at = CASE WHEN $3 = 'DELIVERED' THEN $4 ELSE delivered_at END,
       failure_reason = COALESCE($5, failure_reason)
     WHERE clinic_id = $1 AND id = $2
       AND (CASE status WHEN 'QUEUED' THEN 0 WHEN 'SENDING' THEN 1 WHEN 'SENT' THEN 2 ELSE 3 END) < $6
     RETURNING *`,
    [clinicId, id, status, at, reason, STATUS_RANK[status]],
  );
  return rows[0] ? parseDelivery(rows[0]) : null;
}

/** Claims one delivery if it is still queued and due (the same guard as the sweep). */
export async function claimDelivery(q: Queryable, id: string, now: Date): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>(
    `UPDATE deliveries SET status = 'SENDING', attempt_count = attempt_count + 1, updated_at = $2
     WHERE id = (SELECT id FROM deliveries WHERE id = $1 AND status = 'QUEUED' AND due_at <= $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [id, now],
  );
  return rows[0] ? parseDelivery(rows[0]) : null;
}

/** For provider callbacks (authenticated by signature): the delivery a provider id belongs to. */
export async function findDeliveryByProviderId(q: Queryable, providerMessageId: string): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>("SELECT * FROM deliveries WHERE provider_message_id = $1", [providerMessageId]);
  return rows[0] ? parseDelivery(rows[0]) : null;
}

/** For the voice webhook (authenticated by signature): the call's delivery, whichever clinic it is. */
export async function findDeliveryById(q: Queryable, id: string): Promise<Delivery | null> {
  const { rows } = await q.query<DeliveryRow>("SELECT * FROM deliveries WHERE id = $1", [id]);
  return rows[0] ? parseDelivery(rows[0]) : null;
}
