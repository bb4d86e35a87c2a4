// Manual outreach tasks (staff call the patient) and staff alerts.
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

export interface OutreachTask {
  id: string;
  clinicId: string;
  notificationId: string | null;
  patientId: string;
  deadline: Date;
  priority: "normal" | "high" | "urgent";
  status: "OPEN" | "DONE";
  outcome: "BOOKED" | "DECLINED" | "NO_ANSWER" | null;
  notes: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** An `outreach_tasks` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface OutreachTaskRow {
  id: OutreachTask["id"];
  clinic_id: OutreachTask["clinicId"];
  offer_id: OutreachTask["notificationId"];
  patient_id: OutreachTask["patientId"];
  deadline: OutreachTask["deadline"];
  priority: OutreachTask["priority"];
  status: OutreachTask["status"];
  outcome: OutreachTask["outcome"];
  notes: OutreachTask["notes"];
  created_at: OutreachTask["createdAt"];
  completed_at: OutreachTask["completedAt"];
}

/** Also what render-event.ts reads a webhook event's snapshot with. */
export { parse as parseOutreachTask };

function parse(r: OutreachTaskRow): OutreachTask {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    notificationId: r.offer_id,
    patientId: r.patient_id,
    deadline: r.deadline,
    priority: r.priority,
    status: r.status,
    outcome: r.outcome,
    notes: r.notes,
    createdAt: r.created_at,
    completedAt: r.completed_at,
  };
}

/** One open task per offer: a second failure of the same offer does not make a second task. */
export async function openOutreachTask(
  q: Queryable,
  t: { clinicId: string; offerId: string; patientId: string; deadline: Date; notes: string; at: Date },
): Promise<OutreachTask | null> {
  const { rows } = await q.query<OutreachTaskRow>(
    `INSERT INTO outreach_tasks (clinic_id, offer_id, patient_id, deadline, priority, status, notes, created_at)
     VALUES ($1, $2, $3, $4, 'high', 'OPEN', $5, $6)
     ON CONFLICT (offer_id) WHERE status = 'OPEN' DO NOTHING RETURNING *`,
    [t.clinicId, t.offerId, t.patientId, t.deadline, t.notes, t.at],
  );
  return rows[0] ? parse(rows[0]) : null;
}

export async function getOutreachTask(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<OutreachTask | null> {
  const { rows } = await q.query<OutreachTaskRow>(`SELECT * FROM outreach_tasks WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [
    clinicId,
    id,
  ]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function completeOutreachTask(
  q: Queryable,
  clinicId: string,
  id: string,
  c: { outcome: NonNullable<OutreachTask["outcome"]>; note: string | null; at: Date },
): Promise<OutreachTask | null> {
  const { rows } = await q.query<OutreachTaskRow>(
    `UPDATE outreach_tasks SET status = 'DONE', outcome = $3, completed_at = $5,
       notes = CASE WHEN $4::text IS NULL THEN notes ELSE concat_ws(E'\\n', notes, $4::text) END
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, c.outcome, c.note, c.at],
  );
  return rows[0] ? parse(rows[0]) : null;
}

export async function listOutreachTasks(q: Queryable, clinicId: string, status: "OPEN" | "DONE" | undefined, page: PageRequest): Promise<Page<OutreachTask>> {
  const { rows } = await q.query<OutreachTaskRow>(
    `SELECT * FROM outreach_tasks WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
     ORDER BY created_at, id LIMIT $5`,
    [clinicId, status ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parse), page.limit, (t) => ({ key: t.createdAt.toISOString(), id: t.id }));
}

export async function insertStaffAlert(q: Queryable, a: { clinicId: string; kind: string; subjectId: string | null; message: string; at: Date }) {
  await q.query("INSERT INTO staff_alerts (clinic_id, kind, subject_id, message, created_at) VALUES ($1, $2, $3, $4, $5)", [
    a.clinicId,
    a.kind,
    a.subjectId,
    a.message,
    a.at,
  ]);
}

export async function listStaffAlerts(q: Queryable, clinicId: string, limit = 50) {
  const { rows } = await q.query("SELECT * FROM staff_alerts WHERE clinic_id = $1 ORDER BY created_at DESC, id LIMIT $2", [clinicId, limit]);
  return rows.map((r) => ({
    id: r.id as string,
    kind: r.kind as string,
    subjectId: r.subject_id as string | null,
    message: r.message as string,
    createdAt: r.created_at as Date,
  }));
}

/** The hold of an offer with an open task ended: the task closes as NO_ANSWER. True if there was one. */
export async function closeOutreachOfOffer(q: Queryable, clinicId: string, offerId: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE outreach_tasks SET status = 'DONE', outcome = 'NO_ANSWER', completed_at = $3,
       notes = concat_ws(E'\\n', notes, 'Closed: the hold ended before anyone reached the patient.')
     WHERE clinic_id = $1 AND offer_id = $2 AND status = 'OPEN'`,
    [clinicId, offerId, at],
  );
  return (rowCount ?? 0) > 0;
}
