// A database-wide gate around due-work sweeps (a session-level advisory lock on a connection of its own).
// Background workers pass it shared, so any number of them, in any number of instances, sweep together as
// before; the test clock's drain passes it exclusively, so it starts only once every round already in
// flight has committed or rolled back, and no round starts until it ends. That is what lets
// POST /api/dev/clock promise "all work due at that time is done, whichever worker did it": a sweep
// claims rows with SKIP LOCKED, and without the gate a drain would skip rows another worker holds.
import { lease, type Pool } from "./db.ts";

const GATE_KEY = 7_242_015_002; // arbitrary, fixed: "backfill due work" (migrate.ts uses …001)

export type GateMode = "shared" | "exclusive";

/** Waits for the gate in `mode`, runs `fn`, then lets go (also when `fn` throws). */
export async function throughDueWorkGate<T>(pool: Pool, mode: GateMode, fn: () => Promise<T>): Promise<T> {
  const { client, release } = await lease(pool);
  let broken: Error | undefined;
  try {
    await client.query(mode === "shared" ? "SELECT pg_advisory_lock_shared($1)" : "SELECT pg_advisory_lock($1)", [GATE_KEY]);
    try {
      return await fn();
    } finally {
      await client.query(mode === "shared" ? "SELECT pg_advisory_unlock_shared($1)" : "SELECT pg_advisory_unlock($1)", [GATE_KEY]).catch((e: unknown) => {
        // A connection that could not let go must not go back to the pool holding the lock: drop it
        // (the lock ends with its session).
        broken = e instanceof Error ? e : new Error(String(e));
      });
    }
  } finally {
    release(broken);
  }
}
