// Connections and transactions. Every store function takes the Queryable it runs on, so a flow
// composes several writes into one transaction.
import pg from "pg";

export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;
export type Tx = pg.PoolClient;
export type Pool = pg.Pool;

// Instants come back as Date; `date` columns stay "YYYY-MM-DD" strings; bigint counts as numbers.
pg.types.setTypeParser(1082, (v: string) => v);
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

export function createPool(url: string, max = 20): Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return pool;
}

/**
 * A client taken from the pool for a while (a transaction, a session lock). pg emits a connection lost
 * while no query is in flight (terminated, the server restarted) as an "error" event on the client, and a
 * checked-out client has no listener: the process would die of an uncaught exception. Here the loss is
 * kept instead, and `release(lastError)` drops the connection when it was lost, whether pg said so by that
 * event or as the answer to the query in flight (the server's FATAL "terminating connection", SQLSTATE
 * class 57P or 08, reads like any other query error and leaves the client looking usable).
 */
export async function lease(pool: Pool): Promise<{ client: Tx; release: (lastError?: unknown) => void }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (e: Error) => {
    lost = e;
  };
  client.on("error", onError);
  return {
    client,
    release: (lastError?: unknown) => {
      client.off("error", onError);
      client.release(lost ?? (connectionLost(lastError) ? (lastError as Error) : undefined));
    },
  };
}

/** Whether an error means the server ended the session (admin/crash shutdown, connection exception). */
export function connectionLost(e: unknown): boolean {
  const code = pgCode(e) ?? "";
  return e instanceof Error && (code.startsWith("57P") || code.startsWith("08"));
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock detected

/**
 * Runs `fn` in one transaction: all of it commits or none of it does. A result `{ ok: false }` (an
 * expected failure) rolls back too, so a refused action never leaves a half-written change.
 * Serialization failures and deadlocks are retried (up to 5 times): the function re-runs from scratch.
 * With `rollback` the transaction is rolled back whatever the result (a dry run: nothing is written).
 */
export async function inTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const { client, release } = await lease(pool);
    let failure: unknown;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      const refused = typeof result === "object" && result !== null && (result as { ok?: unknown }).ok === false;
      await client.query(refused || options.rollback ? "ROLLBACK" : "COMMIT");
      return result;
    } catch (e) {
      failure = e;
      await client.query("ROLLBACK").catch(() => {});
      if (attempt < 5 && RETRYABLE.has(pgCode(e) ?? "")) continue;
      throw e;
    } finally {
      release(failure);
    }
  }
}

/** Postgres SQLSTATE of an error, if it is one. */
export function pgCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/** Name of the constraint a Postgres error names, if any. */
export function pgConstraint(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "constraint" in e && typeof e.constraint === "string" ? e.constraint : undefined;
}

/**
 * Runs one statement under a savepoint so that an expected constraint violation (`codes`) can be
 * answered as data without aborting the surrounding transaction. Returns null on such a violation.
 */
export async function attempt<T>(tx: Tx, codes: string[], fn: () => Promise<T>): Promise<T | null> {
  await tx.query("SAVEPOINT attempt");
  try {
    const value = await fn();
    await tx.query("RELEASE SAVEPOINT attempt");
    return value;
  } catch (e) {
    if (!codes.includes(pgCode(e) ?? "")) throw e;
    await tx.query("ROLLBACK TO SAVEPOINT attempt");
    return null;
  }
}
