// Bootstrap: a new clinic (tenant) and its first API key, which carries every permission.
import { PERMISSIONS } from "../core/permissions.ts";
import { invalid, ok, type Result } from "../core/result.ts";
import { canonicalZone } from "../core/time.ts";
import type { Clinic } from "../core/types.ts";
import { insertApiKey } from "../store/api-keys.ts";
import { insertClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { audit, type Deps } from "./deps.ts";
import { hashSecret, newSecret } from "./secrets.ts";

export async function createClinic(
  deps: Deps,
  input: { name: string; timezone: string },
  actor = "admin",
): Promise<Result<{ clinic: Clinic; apiKey: string }>> {
  const timezone = canonicalZone(input.timezone);
  if (!timezone) return invalid([{ path: "/timezone", message: "must be an IANA time zone name" }]);
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => ok(await createClinicIn(tx, { name: input.name, timezone }, at, actor)));
}

/** The clinic and its bootstrap key inside the caller's transaction (first-run setup adds its admin login to it). */
export async function createClinicIn(tx: Tx, input: { name: string; timezone: string }, at: Date, actor: string): Promise<{ clinic: Clinic; apiKey: string }> {
  const apiKey = newSecret("bf");
  const { overrides: _, ...clinic } = await insertClinic(tx, { name: input.name, timezone: input.timezone, at });
  const key = await insertApiKey(tx, {
    clinicId: clinic.id,
    name: "bootstrap",
    keyHash: hashSecret(apiKey),
    permissions: [...PERMISSIONS],
    at,
  });
  const caller = { clinicId: clinic.id, actor };
  await audit(tx, caller, at, { action: "clinic.created", entity: "clinic", entityId: clinic.id, after: clinic });
  await audit(tx, caller, at, { action: "api_key.created", entity: "api_key", entityId: key.id, after: key });
  return { clinic, apiKey };
}
