// Who is calling: an API key (one clinic, some permissions) or the instance's admin token.
import type { Permission } from "../core/permissions.ts";
import { findActiveApiKeyByHash, getInstanceSecret, putInstanceSecretOnce } from "../store/api-keys.ts";
import type { Caller, Deps } from "./deps.ts";
import { hashSecret, newSecret, sameHash } from "./secrets.ts";

export interface KeyCaller extends Caller {
  keyId: string;
  permissions: Permission[];
}

export async function authenticateApiKey(deps: Deps, presented: string): Promise<KeyCaller | null> {
  const key = await findActiveApiKeyByHash(deps.db, hashSecret(presented));
  if (!key) return null;
  return { clinicId: key.clinicId, actor: `api_key:${key.id}`, keyId: key.id, permissions: key.permissions };
}

export const ADMIN_TOKEN = "admin_token";

export async function isAdminToken(deps: Deps, presented: string): Promise<boolean> {
  const stored = deps.config.adminToken ? hashSecret(deps.config.adminToken) : await getInstanceSecret(deps.db, ADMIN_TOKEN);
  return stored !== null && sameHash(stored, hashSecret(presented));
}

/**
 * At first start without BACKFILL_ADMIN_TOKEN, makes an admin token and keeps only its hash.
 * Returns the token the one time it is made (to print once), else null.
 */
export async function ensureAdminToken(deps: Deps): Promise<string | null> {
  if (deps.config.adminToken) return null;
  if (await getInstanceSecret(deps.db, ADMIN_TOKEN)) return null;
  const token = newSecret("bfadmin");
  const stored = await putInstanceSecretOnce(deps.db, ADMIN_TOKEN, hashSecret(token), deps.clock.now());
  return stored ? token : null;
}
