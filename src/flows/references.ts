// Checks that the ids a request names are this clinic's. Unknown and another clinic's ids look the
// same (404): existence is never leaked.
import { fail, type FieldError, type Failure } from "../core/result.ts";
import type { Patient, Provider, Service } from "../core/types.ts";
import type { Queryable } from "../store/db.ts";
import { getPatient } from "../store/patients.ts";
import { getResource, missingResourceIds } from "../store/providers.ts";
import { getService } from "../store/services.ts";

export interface Refs {
  patientId?: string;
  providerId?: string;
  chairId?: string | null;
  serviceId?: string;
  providerIds?: string[];
  chairIds?: string[];
}

export interface Resolved {
  patient?: Patient;
  provider?: Provider;
  chair?: Provider;
  service?: Service;
}

export async function resolveRefs(q: Queryable, clinicId: string, refs: Refs): Promise<Resolved | Failure> {
  const errors: FieldError[] = [];
  const out: Resolved = {};
  if (refs.patientId !== undefined) {
    const p = await getPatient(q, clinicId, refs.patientId);
    if (p) out.patient = p;
    else errors.push({ path: "/patientId", message: "no such patient" });
  }
  if (refs.providerId !== undefined) {
    const p = await getResource(q, "providers", clinicId, refs.providerId);
    if (p) out.provider = p;
    else errors.push({ path: "/providerId", message: "no such provider" });
  }
  if (refs.chairId) {
    const c = await getResource(q, "chairs", clinicId, refs.chairId);
    if (c) out.chair = c;
    else errors.push({ path: "/chairId", message: "no such chair" });
  }
  if (refs.serviceId !== undefined) {
    const s = await getService(q, clinicId, refs.serviceId);
    if (s) out.service = s;
    else errors.push({ path: "/serviceId", message: "no such service" });
  }
  for (const [key, table] of [
    ["providerIds", "providers"],
    ["chairIds", "chairs"],
  ] as const) {
    const ids = refs[key] ?? [];
    const missing = new Set(await missingResourceIds(q, table, clinicId, ids));
    ids.forEach((id, i) => {
      if (missing.has(id)) errors.push({ path: `/${key}/${i}`, message: `no such ${table.slice(0, -1)}` });
    });
  }
  if (errors.length > 0) {
    return fail("not_found", errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join("; "), { errors });
  }
  return out;
}

export function isFailure(x: unknown): x is Failure {
  return typeof x === "object" && x !== null && (x as Failure).ok === false;
}
