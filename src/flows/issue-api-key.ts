// API keys for machines: shown once, stored hashed, revocable.
import type { Permission } from "../core/permissions.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import { insertApiKey, listApiKeys, revokeApiKey, type ApiKey } from "../store/api-keys.ts";
import { inTransaction } from "../store/db.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { hashSecret, newSecret } from "./secrets.ts";

/** An API key as the flows hand it to the shells (they never import store/, not even for a type). */
export type { ApiKey };

export async function issueApiKey(
  deps: Deps,
  caller: Caller,
  input: { name: string; permissions: Permission[] },
): Promise<Result<{ key: ApiKey; apiKey: string }>> {
  const at = deps.clock.now();
  const apiKey = newSecret("bf");
  return inTransaction(deps.db, async (tx) => {
    const key = await insertApiKey(tx, {
      clinicId: caller.clinicId,
      name: input.name,
      keyHash: hashSecret(apiKey),
      permissions: [...new Set(input.permissions)],
      at,
    });
    await audit(tx, caller, at, { action: "api_key.created", entity: "api_key", entityId: key.id, after: key });
    return ok({ key, apiKey });
  });
}

export async function revokeKey(deps: Deps, caller: Caller, id: string): Promise<Result<ApiKey>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const key = await revokeApiKey(tx, caller.clinicId, id, at);
    if (!key) return notFound("api key");
    await audit(tx, caller, at, { action: "api_key.revoked", entity: "api_key", entityId: key.id, after: key });
    return ok(key);
  });
}

export async function listKeys(deps: Deps, caller: Caller): Promise<ApiKey[]> {
  return listApiKeys(deps.db, caller.clinicId);
}
