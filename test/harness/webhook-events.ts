// The events outbox seen from a test (migration 019): an endpoint row written straight into the table (so a
// clinic's changes start writing webhook_events), the high-water mark of the outbox, and the events and
// deliveries written since.
import type { Queryable } from "../../src/store/db.ts";

export interface OutboxEvent {
  id: string;
  clinicId: string;
  sequence: number;
  type: string;
  entity: string;
  entityId: string | null;
  snapshot: Record<string, any> | null;
  createdAt: Date;
  /** Deliveries written for it, one per endpoint that took it. */
  endpointIds: string[];
}

/** A well-formed signing secret (whsec_ + base64 of 32 bytes): the delivery worker decodes it. */
export const TEST_SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

/** An endpoint of the clinic, as C's POST would leave it (events '*' unless told; enabled unless told). */
export async function anEndpointRow(q: Queryable, clinicId: string, at: Date, o: { events?: string[]; disabled?: boolean } = {}): Promise<string> {
  const { rows } = await q.query(
    `INSERT INTO webhook_endpoints (clinic_id, url, events, secret, disabled, created_at, updated_at)
     VALUES ($1, 'http://127.0.0.1:9/', $2, $3, $4, $5, $5) RETURNING id`,
    [clinicId, o.events ?? ["*"], TEST_SECRET, o.disabled ?? false, at],
  );
  return rows[0].id as string;
}

/** The highest sequence written so far, by any clinic (0 when none). */
export async function outboxMark(q: Queryable): Promise<number> {
  const { rows } = await q.query("SELECT coalesce(max(sequence), 0)::bigint AS n FROM webhook_events");
  return Number(rows[0].n);
}

/** The clinic's events after `mark`, in sequence order, with the endpoints each was queued for. */
export async function eventsAfter(q: Queryable, clinicId: string, mark = 0): Promise<OutboxEvent[]> {
  const { rows } = await q.query(
    `SELECT e.id, e.clinic_id, e.sequence, e.type, e.entity, e.entity_id, e.snapshot, e.created_at,
            coalesce(array_agg(d.endpoint_id::text ORDER BY d.endpoint_id) FILTER (WHERE d.id IS NOT NULL), '{}') AS endpoint_ids
       FROM webhook_events e LEFT JOIN webhook_deliveries d ON d.event_id = e.id
      WHERE e.clinic_id = $1 AND e.sequence > $2
      GROUP BY e.id ORDER BY e.sequence`,
    [clinicId, mark],
  );
  return rows.map((r) => ({
    id: r.id,
    clinicId: r.clinic_id,
    sequence: Number(r.sequence),
    type: r.type,
    entity: r.entity,
    entityId: r.entity_id,
    snapshot: r.snapshot,
    createdAt: r.created_at,
    endpointIds: r.endpoint_ids,
  }));
}

/** Every delivery row of an endpoint, with its event's type. */
export async function deliveriesOf(q: Queryable, endpointId: string): Promise<{ type: string; eventId: string }[]> {
  const { rows } = await q.query(
    `SELECT e.type, e.id AS event_id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 ORDER BY e.sequence`,
    [endpointId],
  );
  return rows.map((r) => ({ type: r.type, eventId: r.event_id }));
}
