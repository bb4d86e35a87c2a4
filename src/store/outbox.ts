// The dev outbox: where messages go when their channel is not configured.
import type { Queryable } from "./db.ts";

export interface OutboxMessage {
  id: string;
  clinicId: string;
  deliveryId: string;
  channel: string;
  to: string;
  subject: string | null;
  body: string;
  links: string[];
  sentAt: Date;
}

/** A `dev_outbox` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface OutboxMessageRow {
  id: OutboxMessage["id"];
  clinic_id: OutboxMessage["clinicId"];
  delivery_id: OutboxMessage["deliveryId"];
  channel: OutboxMessage["channel"];
  to_address: OutboxMessage["to"];
  subject: OutboxMessage["subject"];
  body: OutboxMessage["body"];
  links: OutboxMessage["links"];
  sent_at: OutboxMessage["sentAt"];
}

function parse(r: OutboxMessageRow): OutboxMessage {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    deliveryId: r.delivery_id,
    channel: r.channel,
    to: r.to_address,
    subject: r.subject,
    body: r.body,
    links: r.links,
    sentAt: r.sent_at,
  };
}

export async function insertOutbox(q: Queryable, m: Omit<OutboxMessage, "id">): Promise<OutboxMessage> {
  const { rows } = await q.query<OutboxMessageRow>(
    `INSERT INTO dev_outbox (clinic_id, delivery_id, channel, to_address, subject, body, links, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [m.clinicId, m.deliveryId, m.channel, m.to, m.subject, m.body, m.links, m.sentAt],
  );
  return parse(rows[0]!);
}

/**
 * The newest 1000, oldest first (a busy outbox must not hide its latest messages behind its first
 * thousand). `clinicId` null lists every clinic's (the admin token's view).
 */
export async function listOutbox(q: Queryable, clinicId: string | null, to?: string): Promise<OutboxMessage[]> {
  const { rows } = await q.query<OutboxMessageRow>(
    `SELECT * FROM (SELECT * FROM dev_outbox WHERE ($1::uuid IS NULL OR clinic_id = $1) AND ($2::text IS NULL OR to_address = $2)
       ORDER BY sent_at DESC, seq DESC LIMIT 1000) newest
     ORDER BY sent_at, seq`,
    [clinicId, to ?? null],
  );
  return rows.map(parse);
}

export async function getOutbox(q: Queryable, clinicId: string | null, id: string): Promise<OutboxMessage | null> {
  const { rows } = await q.query<OutboxMessageRow>("SELECT * FROM dev_outbox WHERE ($1::uuid IS NULL OR clinic_id = $1) AND id = $2", [clinicId, id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function findOutboxByDelivery(q: Queryable, deliveryId: string): Promise<OutboxMessage | null> {
  const { rows } = await q.query<OutboxMessageRow>("SELECT * FROM dev_outbox WHERE delivery_id = $1 ORDER BY seq LIMIT 1", [deliveryId]);
  return rows[0] ? parse(rows[0]) : null;
}
