// The clinic's schedule resources: providers, chairs (operatories, rooms) and services.
import { ok, type Result } from "../core/result.ts";
import type { Provider, Service } from "../core/types.ts";
import { inTransaction } from "../store/db.ts";
import { insertResource, type ResourceTable } from "../store/providers.ts";
import { insertService } from "../store/services.ts";
import { audit, type Caller, type Deps } from "./deps.ts";

const ENTITY: Record<ResourceTable, string> = { providers: "provider", chairs: "chair" };

export async function addResource(deps: Deps, caller: Caller, table: ResourceTable, input: { name: string }): Promise<Result<Provider>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const row = await insertResource(tx, table, { clinicId: caller.clinicId, name: input.name.trim(), at });
    const entity = ENTITY[table];
    await audit(tx, caller, at, { action: `${entity}.created`, entity, entityId: row.id, after: row });
    return ok(row);
  });
}

export async function addService(
  deps: Deps,
  caller: Caller,
  input: { name: string; category: string; durationMinutes: number; priceCents: number },
): Promise<Result<Service>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const row = await insertService(tx, {
      clinicId: caller.clinicId,
      name: input.name.trim(),
      // Categories key the cancellation policies: compare them case-insensitively.
      category: input.category.trim().toLowerCase(),
      durationMinutes: input.durationMinutes,
      priceCents: input.priceCents,
      at,
    });
    await audit(tx, caller, at, { action: "service.created", entity: "service", entityId: row.id, after: row });
    return ok(row);
  });
}
