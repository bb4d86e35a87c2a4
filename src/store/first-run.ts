// First run: is there a clinic yet, the lock that lets only one setup create the first one, and the
// admin token's hash when a setup link has to be made again.
import type { Queryable, Tx } from "./db.ts";

const SETUP_LOCK = 7_242_015_003; // arbitrary, fixed: "backfill first-run setup" (migrate.ts uses …001)

export async function anyClinicExists(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ found: boolean }>("SELECT EXISTS (SELECT 1 FROM clinics) AS found");
  return rows[0]?.found === true;
}

/** Serialises setups until the transaction ends: the second one then sees the first one's clinic. */
export async function lockFirstRun(tx: Tx): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [SETUP_LOCK]);
}

/** Stores (or replaces) an instance secret's hash. */
export async function replaceInstanceSecret(q: Queryable, name: string, valueHash: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO instance_secrets (name, value_hash, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET value_hash = EXCLUDED.value_hash, created_at = EXCLUDED.created_at`,
    [name, valueHash, at],
  );
}
