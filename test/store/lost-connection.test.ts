// A connection lost while a transaction waits on something else (a payment gateway, a provider call) must
// fail that transaction, never the process: pg reports such a loss as an "error" event on the client, and a
// client checked out of the pool has no listener of its own (an uncaught exception would stop the service).
import assert from "node:assert/strict";
import { test } from "node:test";
import { inTransaction, lease, type Pool } from "../../src/store/db.ts";
import { testDatabase } from "../harness/db.ts";

const { pool } = await testDatabase();

/** Terminates the backend `pid` from another connection and waits until it is gone. */
async function terminate(db: Pool, pid: number): Promise<void> {
  await db.query("SELECT pg_terminate_backend($1)", [pid]);
  for (;;) {
    const { rowCount } = await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]);
    if (rowCount === 0) return;
  }
}

test("a transaction whose connection is terminated while idle in it rejects; the process carries on", async () => {
  const before = (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()")).rows[0]!.n;
  await assert.rejects(
    inTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await terminate(pool, rows[0]!.pid); // the transaction is idle while "the gateway" answers
      await tx.query("SELECT 1");
    }),
  );
  // The broken connection was dropped, not handed out again: the pool still works.
  assert.equal((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one, 1);
  const after = (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()")).rows[0]!.n;
  assert.ok(after <= before + 1, `no leaked connections (${before} → ${after})`);
});

test("a leased session client that loses its connection is dropped on release, not reused (however pg reported the loss)", async () => {
  const { client, release } = await lease(pool);
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  await terminate(pool, rows[0]!.pid);
  const failure = await client.query("SELECT 1").then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(failure, "a query on the lost connection fails");
  release(failure);
  const fresh = await pool.connect();
  try {
    const again = await fresh.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    assert.notEqual(again.rows[0]!.pid, rows[0]!.pid);
  } finally {
    fresh.release();
  }
});
