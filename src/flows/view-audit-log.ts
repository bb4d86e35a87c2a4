// The audit log as staff and the API read it: newest first, who did it as { type, id }, and
// before/after without the patient's name or contact details (they are redacted when read, since some
// writers store a whole patient row).
import { type ActorType, type AuditEntityType, parseActor, redactChange } from "../core/audit.ts";
import { invalid, ok, type Result } from "../core/result.ts";
import type { Page, PageRequest } from "../core/page.ts";
import { type AuditFilter, type AuditLogRow, listAuditLog, patientsOfActors } from "../store/audit-log.ts";
import type { Queryable } from "../store/db.ts";
import type { Caller, Deps } from "./deps.ts";

export interface AuditItem {
  id: string;
  at: Date;
  /** `via`: how a patient acted (sms, voice, link, payment, reschedule_link), when the row says. */
  actor: { type: ActorType; id: string | null; via?: string };
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

async function present(q: Queryable, clinicId: string, rows: AuditLogRow[]): Promise<AuditItem[]> {
  const actors = rows.map((r) => parseActor(r.actor));
  const patients = await patientsOfActors(
    q,
    clinicId,
    actors.flatMap((a) => (a.lookup ? [a.lookup] : [])),
  );
  return rows.map((r, i) => {
    const a = actors[i]!;
    const id = a.lookup ? (patients.get(`${a.lookup.table}:${a.lookup.id}`) ?? null) : a.id;
    const shown = redactChange(r.before, r.after);
    return {
      id: r.id,
      at: r.at,
      actor: a.via ? { type: a.type, id, via: a.via } : { type: a.type, id },
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      before: shown.before,
      after: shown.after,
    };
  });
}

/** GET /api/booking/audit-log: the schema checked each filter's form; the range is checked here. */
export async function viewAuditLog(deps: Deps, caller: Caller, filter: AuditFilter, page: PageRequest): Promise<Result<Page<AuditItem>>> {
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    return invalid([{ path: "querystring/to", message: "must be after from" }]);
  }
  const rows = await listAuditLog(deps.db, caller.clinicId, filter, page);
  return ok({ items: await present(deps.db, caller.clinicId, rows.items), next: rows.next });
}

/** A record's Activity on the dashboard: its latest rows (50: a record's whole life fits, as a rule). */
export async function activityOf(deps: Deps, caller: Caller, entityType: AuditEntityType, entityId: string, limit = 50): Promise<AuditItem[]> {
  const rows = await listAuditLog(deps.db, caller.clinicId, { entityType, entityId }, { limit, after: null });
  return present(deps.db, caller.clinicId, rows.items);
}
