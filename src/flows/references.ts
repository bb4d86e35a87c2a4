// Checks that the ids a request names are this clinic's. Unknown and another clinic's ids look the
// same (404): existence is never leaked.
import { fail, invalid, ok, type FieldError, type Failure, type Result } from "../core/result.ts";
import type { Patient, Provider, Service } from "../core/types.ts";
import type { Queryable } from "../store/db.ts";
import { idByExternalId, idsByExternalIds, type ExternalKind } from "../store/external-ids.ts";
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

/** The fields that name a record by the clinic's own system's id instead (API.md "External ids"). */
export interface ExternalRefs {
  patientExternalId?: string;
  providerExternalId?: string;
  chairExternalId?: string | null;
  serviceExternalId?: string;
  providerExternalIds?: string[];
  chairExternalIds?: string[];
}

export type RefKey = keyof Refs;
type ExternalRefKey = keyof ExternalRefs;

const SINGLE = {
  patientExternalId: { id: "patientId", kind: "patients", noun: "patient" },
  providerExternalId: { id: "providerId", kind: "providers", noun: "provider" },
  chairExternalId: { id: "chairId", kind: "chairs", noun: "chair" },
  serviceExternalId: { id: "serviceId", kind: "services", noun: "service" },
} as const satisfies Record<string, { id: RefKey; kind: ExternalKind; noun: string }>;

const LISTS = {
  providerExternalIds: { ids: "providerIds", kind: "providers", noun: "provider" },
  chairExternalIds: { ids: "chairIds", kind: "chairs", noun: "chair" },
} as const satisfies Record<string, { ids: RefKey; kind: ExternalKind; noun: string }>;

type InternalOf = { [K in keyof typeof SINGLE]: (typeof SINGLE)[K]["id"] } & { [K in keyof typeof LISTS]: (typeof LISTS)[K]["ids"] };
/** The id fields `T` names, directly or by external id. */
type NamedRefs<T> = (keyof T & RefKey) | { [K in keyof T & ExternalRefKey]: InternalOf[K] }[keyof T & ExternalRefKey];

/**
 * `T` with its external references replaced by ids: the `…ExternalId(s)` fields gone, the `…Id(s)` they
 * name optional as in `Refs`, and those in `R` (required) present.
 */
export type WithInternalRefs<T, R extends RefKey = never> = Omit<T, ExternalRefKey | NamedRefs<T>> &
  Pick<Refs, Exclude<NamedRefs<T>, R>> & { [K in R]-?: Exclude<Refs[K], undefined> };

/**
 * Replaces the external references of a request body (`patientExternalId`, `providerExternalIds`, …) by the
 * ids they name in this clinic, so the flows below see ids only. Both forms of one reference → 422 naming
 * the external one; neither, for a reference in `required` → 422 naming the id field (`/patientId`); an
 * external id the clinic does not have (unknown, or another clinic's) → 404 naming the field
 * (`/patientExternalId`, `/providerExternalIds/2`). Ids given as ids are left to `resolveRefs`.
 */
export async function toInternalRefs<T extends object, R extends RefKey = never>(
  q: Queryable,
  clinicId: string,
  body: T,
  required: readonly R[] = [],
): Promise<Result<WithInternalRefs<T, R>>> {
  const b = body as Record<string, unknown>;
  const out: Record<string, unknown> = { ...b };
  const invalidErrors: FieldError[] = [];
  const missing: FieldError[] = [];
  for (const [field, ref] of Object.entries(SINGLE)) {
    const external = b[field] as string | null | undefined;
    delete out[field];
    if (external === undefined) continue;
    if (b[ref.id] !== undefined) {
      invalidErrors.push({ path: `/${field}`, message: `give ${ref.id} or ${field}, not both` });
      continue;
    }
    if (external === null) {
      out[ref.id] = null;
      continue;
    }
    const id = await idByExternalId(q, ref.kind, clinicId, external);
    if (id) out[ref.id] = id;
    else missing.push({ path: `/${field}`, message: `no such ${ref.noun}` });
  }
  for (const [field, ref] of Object.entries(LISTS)) {
    const externals = b[field] as string[] | undefined;
    delete out[field];
    if (externals === undefined) continue;
    if (b[ref.ids] !== undefined) {
      invalidErrors.push({ path: `/${field}`, message: `give ${ref.ids} or ${field}, not both` });
      continue;
    }
    const ids = await idsByExternalIds(q, ref.kind, clinicId, externals);
    externals.forEach((e, i) => {
      if (!ids.has(e)) missing.push({ path: `/${field}/${i}`, message: `no such ${ref.noun}` });
    });
    out[ref.ids] = externals.map((e) => ids.get(e) ?? "");
  }
  for (const key of required) {
    // Named by an external id (found, unknown or doubled: each answered above) is named.
    if (out[key] === undefined && b[externalFieldOf(key)] === undefined) {
      invalidErrors.push({ path: `/${key}`, message: "is required" });
    }
  }
  if (invalidErrors.length > 0) return invalid(invalidErrors);
  if (missing.length > 0) return fail("not_found", missing.map((e) => `${e.path.slice(1)}: ${e.message}`).join("; "), { errors: missing });
  return ok(out as WithInternalRefs<T, R>);
}

/** The field that names `key`'s record by external id: patientId → patientExternalId, providerIds → providerExternalIds. */
export function externalFieldOf(key: RefKey): string {
  return key.endsWith("Ids") ? `${key.slice(0, -3)}ExternalIds` : `${key.slice(0, -2)}ExternalId`;
}

/** `toInternalRefs` for a request about to run a flow: the look-ups on the pool, in the caller's clinic. */
export function internalRefsOf<T extends object, R extends RefKey = never>(
  deps: { db: Queryable },
  caller: { clinicId: string },
  body: T,
  required: readonly R[] = [],
): Promise<Result<WithInternalRefs<T, R>>> {
  return toInternalRefs(deps.db, caller.clinicId, body, required);
}
