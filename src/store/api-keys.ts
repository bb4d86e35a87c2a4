import type { Permission } from "../core/permissions.ts";
import type { Queryable } from "./db.ts";

export interface ApiKey {
  id: string;
  clinicId: string;
  name: string;
  permissions: Permission[];
  createdAt: Date;
  revokedAt: Date | null;
}

/** An `api_keys` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface ApiKeyRow {
  id: ApiKey["id"];
  clinic_id: ApiKey["clinicId"];
  name: ApiKey["name"];
  permissions: ApiKey["permissions"];
  created_at: ApiKey["createdAt"];
  revoked_at: ApiKey["revokedAt"];
}

function parse(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    name: r.name,
    permissions: r.permissions,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

export async function insertApiKey(q: Queryable, k: { clinicId: string; name: string; keyHash: string; permissions: Permission[]; at: Date }): Promise<ApiKey> {
  const { rows } = await q.query<ApiKeyRow>(
    `INSERT INTO api_keys (clinic_id, name, key_hash, permissions, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [k.clinicId, k.name, k.keyHash, k.permissions, k.at],
  );
  return parse(rows[0]!);
}

export async function findActiveApiKeyByHash(q: Queryable, keyHash: string): Promise<ApiKey | null> {
  const { rows } = await q.query<ApiKeyRow>("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [keyHash]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function listApiKeys(q: Queryable, clinicId: string): Promise<ApiKey[]> {
  const { rows } = await q.query<ApiKeyRow>("SELECT * FROM api_keys WHERE clinic_id = $1 ORDER BY created_at, id", [clinicId]);
  return rows.map(parse);
}

export async function revokeApiKey(q: Queryable, clinicId: string, id: string, at: Date): Promise<ApiKey | null> {
  const { rows } = await q.query<ApiKeyRow>("UPDATE api_keys SET revoked_at = $3 WHERE clinic_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING *", [
    clinicId,
    id,
    at,
  ]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function getInstanceSecret(q: Queryable, name: string): Promise<string | null> {
  const { rows } = await q.query("SELECT value_hash FROM instance_secrets WHERE name = $1", [name]);
  return rows[0]?.value_hash ?? null;
}

/** Stores the secret's hash unless one exists; true when this call stored it. */
export async function putInstanceSecretOnce(q: Queryable, name: string, valueHash: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query("INSERT INTO instance_secrets (name, value_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [
    name,
    valueHash,
    at,
  ]);
  return rowCount === 1;
}
