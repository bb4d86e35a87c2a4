// Texts patients sent us, with what we did about each.
import type { Queryable } from "./db.ts";

export interface InboundMessage {
  id: string;
  clinicId: string;
  patientId: string | null;
  from: string;
  body: string;
  action: string;
  receivedAt: Date;
}

/** An `inbound_messages` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface InboundMessageRow {
  id: InboundMessage["id"];
  clinic_id: InboundMessage["clinicId"];
  patient_id: InboundMessage["patientId"];
  from_address: InboundMessage["from"];
  body: InboundMessage["body"];
  action: InboundMessage["action"];
  received_at: InboundMessage["receivedAt"];
}

function parse(r: InboundMessageRow): InboundMessage {
  return { id: r.id, clinicId: r.clinic_id, patientId: r.patient_id, from: r.from_address, body: r.body, action: r.action, receivedAt: r.received_at };
}

/** Null when this provider message was recorded already (a webhook retried): act only once. */
export async function recordInbound(
  q: Queryable,
  m: { clinicId: string; patientId: string | null; from: string; body: string; action: string; providerMessageId: string | null; at: Date },
): Promise<InboundMessage | null> {
  const { rows } = await q.query<InboundMessageRow>(
    `INSERT INTO inbound_messages (clinic_id, patient_id, from_address, body, action, provider_message_id, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING *`,
    [m.clinicId, m.patientId, m.from, m.body, m.action, m.providerMessageId, m.at],
  );
  return rows[0] ? parse(rows[0]) : null;
}

export async function inboundSeen(q: Queryable, providerMessageId: string): Promise<InboundMessage | null> {
  const { rows } = await q.query<InboundMessageRow>("SELECT * FROM inbound_messages WHERE provider_message_id = $1", [providerMessageId]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function listInbound(q: Queryable, clinicId: string, limit = 100): Promise<InboundMessage[]> {
  const { rows } = await q.query<InboundMessageRow>("SELECT * FROM inbound_messages WHERE clinic_id = $1 ORDER BY received_at DESC, id LIMIT $2", [
    clinicId,
    limit,
  ]);
  return rows.map(parse);
}
