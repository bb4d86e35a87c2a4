// Many flows as ONE transaction: a stand-in pool over a single connection whose BEGIN / COMMIT /
// ROLLBACK become savepoints of an outer transaction. The sample data runs a month of real flows (each
// one `inTransaction` of its own) through it, so other sessions — the background worker with the real
// clock among them — see none of it until all of it commits, and a failure leaves nothing behind.
// Callers must use it sequentially (queries of one flow may overlap; two flows at once may not).
import { lease, type Pool, type Tx } from "./db.ts";

function nestedPool(client: Tx): Pool {
  let depth = 0;
  const query = (text: unknown, ...rest: unknown[]) => {
    if (typeof text === "string") {
      const verb = text.trim().toUpperCase();
      if (verb === "BEGIN") return client.query(`SAVEPOINT nested_${++depth}`);
      if (verb === "COMMIT") return client.query(`RELEASE SAVEPOINT nested_${depth--}`);
      if (verb === "ROLLBACK") {
        const name = `nested_${depth--}`;
        return client.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      }
    }
    return (client.query as (...args: unknown[]) => Promise<unknown>)(text, ...rest);
  };
  // A lost connection is watched for by the outer lease (inOneTransaction), so the inner ones ignore it.
  const shared = { query, release: () => {}, on: () => shared, off: () => shared };
  // Only what the store and flows use of a pool: query, connect (→ a lease of the one connection), end.
  return { query, connect: async () => shared, end: async () => {}, on: () => {} } as unknown as Pool;
}

/** Runs `fn` with a pool whose every transaction is part of one: all of it commits, or none of it. */
export async function inOneTransaction<T>(pool: Pool, fn: (db: Pool) => Promise<T>): Promise<T> {
  const { client, release } = await lease(pool);
  let failure: unknown;
  try {
    await client.query("BEGIN");
    const result = await fn(nestedPool(client));
    await client.query("COMMIT");
    return result;
  } catch (e) {
    failure = e;
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    release(failure);
  }
}
