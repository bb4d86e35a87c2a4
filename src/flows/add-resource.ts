// The clinic's schedule resources: providers, chairs (operatories, rooms) and services.
import { ok, type Result } from "../core/result.ts";
import type { Provider, Service } from "../core/types.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertResource, type ResourceTable } from "../store/providers.ts";
import { insertService } from "../store/services.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { refusingDuplicateExternalId } from "./sync.ts";

export const RESOURCE_ENTITY: Record<ResourceTable, "provider" | "chair"> = { providers: "provider", chairs: "chair" };

export interface ResourceInput {
  name: string;
  externalId?: string | null;
}

export interface ServiceInput {
  name: string;
  category: string;
  durationMinutes: number;
  priceCents: number;
  externalId?: string | null;
}

export async function addResource(deps: Deps, caller: Caller, table: ResourceTable, input: ResourceInput): Promise<Result<Provider>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId(RESOURCE_ENTITY[table], () => inTransaction(deps.db, async (tx) => ok(await addResourceIn(tx, caller, table, input, at))));
}

export async function addResourceIn(tx: Tx, caller: Caller, table: ResourceTable, input: ResourceInput, at: Date): Promise<Provider> {
  const row = await insertResource(tx, table, { clinicId: caller.clinicId, name: input.name.trim(), externalId: input.externalId ?? null, at });
  const entity = RESOURCE_ENTITY[table];
  await audit(tx, caller, at, { action: `${entity}.created`, entity, entityId: row.id, after: row });
  return row;
}

export async function addService(deps: Deps, caller: Caller, input: ServiceInput): Promise<Result<Service>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId("service", () => inTransaction(deps.db, async (tx) => ok(await addServiceIn(tx, caller, input, at))));
}

/** A service's fields as stored: trimmed name, category lower-cased. */
export function serviceFields(input: ServiceInput): Omit<ServiceInput, "externalId"> {
  return {
    name: input.name.trim(),
    // Categories key the cancellation policies: compare them case-insensitively.
    category: input.category.trim().toLowerCase(),
    durationMinutes: input.durationMinutes,
    priceCents: input.priceCents,
  };
}

export async function addServiceIn(tx: Tx, caller: Caller, input: ServiceInput, at: Date): Promise<Service> {
  const row = await insertService(tx, { clinicId: caller.clinicId, ...serviceFields(input), externalId: input.externalId ?? null, at });
  await audit(tx, caller, at, { action: "service.created", entity: "service", entityId: row.id, after: row });
  return row;
}
