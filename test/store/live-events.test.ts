// Live events (migration 006 + src/store/live-events.ts): committed status changes of offers and openings reach
// in-process subscribers; rolled-back ones and malformed notifications never do.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseLiveEvent, startLiveEvents, type LiveEvent } from "../../src/store/live-events.ts";
import { anOpening, aProvider, aClinic, testApp } from "../harness/app.ts";

const quiet = { info() {}, warn() {}, error() {} };
let stop: (() => Promise<void>) | null = null;
after(() => stop?.()); // before the database goes
const ctx = await testApp();
const live = await startLiveEvents(ctx.deps.db, quiet);
stop = () => live.stop();

/** The next event `filter` accepts (bounded: a missing event fails the test instead of hanging it). */
function next(filter: (e: LiveEvent) => boolean): Promise<LiveEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error("no event"))), 5_000);
    const off = live.subscribe(filter, (e) => (clearTimeout(timer), off(), resolve(e)));
  });
}

test("an opening's new row and each status change are announced once committed, in commit order", async () => {
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const created = next((e) => e.clinicId === clinic.id);
  const opening = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-04T14:00:00Z", end: "2026-03-04T15:00:00Z" });
  assert.deepEqual(await created, { clinicId: clinic.id, kind: "opening", id: opening.id, openingId: opening.id, status: "OPEN" });

  const seen: string[] = [];
  const off = live.subscribe(
    (e) => e.id === opening.id,
    (e) => seen.push(e.status),
  );
  const expired = next((e) => e.id === opening.id && e.status === "EXPIRED");
  const db = ctx.deps.db;
  const tx = await db.connect();
  await tx.query("BEGIN");
  await tx.query("UPDATE openings SET status = 'CLOSED' WHERE id = $1", [opening.id]);
  await tx.query("ROLLBACK");
  await tx.query("UPDATE openings SET updated_at = now() WHERE id = $1", [opening.id]); // not a status change
  await tx.query("UPDATE openings SET status = 'EXPIRED' WHERE id = $1", [opening.id]);
  tx.release();
  await expired;
  off();
  assert.deepEqual(seen, ["EXPIRED"], "the rolled-back CLOSED and the non-status update said nothing");
});

test("a malformed notification on the channel is ignored; the next good one still arrives", async () => {
  const got = next(() => true);
  await ctx.deps.db.query("SELECT pg_notify('backfill_events', 'not json'), pg_notify('backfill_events', '{\"kind\":\"x\"}')");
  await ctx.deps.db.query(
    `SELECT pg_notify('backfill_events', json_build_object('clinicId', 'c', 'kind', 'offer', 'id', 'o', 'openingId', 'p', 'status', 'PENDING')::text)`,
  );
  assert.deepEqual(await got, { clinicId: "c", kind: "offer", id: "o", openingId: "p", status: "PENDING" });
  assert.equal(parseLiveEvent(undefined), null);
  assert.equal(parseLiveEvent('{"clinicId":1,"kind":"offer","id":"o","openingId":"p","status":"X"}'), null);
});

test("a subscriber that throws does not stop the others", async () => {
  const off = live.subscribe(
    () => true,
    () => {
      throw new Error("boom");
    },
  );
  const got = next((e) => e.id === "o2");
  await ctx.deps.db.query(
    `SELECT pg_notify('backfill_events', json_build_object('clinicId', 'c', 'kind', 'opening', 'id', 'o2', 'openingId', 'o2', 'status', 'OPEN')::text)`,
  );
  assert.equal((await got).id, "o2");
  off();
});
