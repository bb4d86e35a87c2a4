// GET /o/:token/events, the offer page's live status (SSE), on a listening server with live events on.
import assert from "node:assert/strict";
import http from "node:http";
import { after, test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { startLiveEvents, type LiveEvents } from "../../src/store/live-events.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

let live: LiveEvents | null = null;
after(() => live?.stop()); // before the database goes (after-hooks run in order)
const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());

let phones = 600;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function tokenFor(clinic: { key: string }, phone: string): Promise<string> {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key });
  const link: string = res.body.items.filter((m: any) => m.links.length > 0).at(-1).links[0];
  return link.split("/o/")[1]!;
}

/** Two patients offered one opening at once (broadcast), and their tokens. */
async function aBroadcast() {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { strategy: "broadcast", waveSize: 2 } });
  const phones = [nextPhone(), nextPhone()];
  for (const phone of phones) {
    const p = await aPatient(ctx, clinic, { phone });
    await anEntry(ctx, clinic, { patientId: p.id, serviceId: service.id });
  }
  const opening = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  return { clinic, opening, tokens: [await tokenFor(clinic, phones[0]!), await tokenFor(clinic, phones[1]!)] as const };
}

async function snapshot(clinicId: string) {
  const rows = async (sql: string) => (await ctx.deps.db.query(sql, [clinicId])).rows;
  return {
    offers: await rows("SELECT * FROM offers WHERE clinic_id = $1 ORDER BY id"),
    openings: await rows("SELECT * FROM openings WHERE clinic_id = $1 ORDER BY id"),
    appointments: await rows("SELECT * FROM appointments WHERE clinic_id = $1 ORDER BY id"),
    audit: await rows("SELECT * FROM audit_log WHERE clinic_id = $1 ORDER BY id"),
  };
}

/** Reads a live status stream: each "status" event's data, and a way to wait (bounded) for one. */
function openStream(base: string, path: string) {
  const seen: any[] = [];
  const waiters: { match: (d: any) => boolean; resolve: () => void }[] = [];
  let raw = "";
  const ready = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(`${base}${path}`, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        let end;
        while ((end = raw.indexOf("\n\n")) >= 0) {
          const block = raw.slice(0, end);
          raw = raw.slice(end + 2);
          const data = /^event: status\ndata: (.*)$/m.exec(block)?.[1];
          if (!data) continue;
          seen.push(JSON.parse(data));
          for (const w of [...waiters]) if (w.match(seen.at(-1))) waiters.splice(waiters.indexOf(w), 1), w.resolve();
        }
      });
      resolve(res);
    });
    req.on("error", reject);
    streams.push(req);
  });
  const until = (match: (d: any) => boolean) =>
    seen.some(match)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no such event; saw ${JSON.stringify(seen)}`)), 5_000);
          waiters.push({ match, resolve: () => (clearTimeout(t), resolve()) });
        });
  return { ready, seen, until };
}
const streams: http.ClientRequest[] = [];

test("without live events the stream answers 204 (EventSource then stops); an unknown link 404", async () => {
  const { tokens } = await aBroadcast();
  assert.equal((await call(ctx, "GET", `/o/${tokens[0]}/events`)).status, 204);
  assert.equal((await call(ctx, "GET", `/o/o_${"C".repeat(43)}/events`)).status, 404);
});

test("the statuses now, then each committed change of this offer and its opening; a rolled-back change is never announced", async () => {
  live = await startLiveEvents(ctx.deps.db, ctx.deps.log);
  ctx.deps.live = live;
  const base = await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  const { clinic, opening, tokens } = await aBroadcast();
  const other = await aBroadcast(); // another clinic's changes never reach this stream

  const stream = openStream(base, `/o/${tokens[1]}/events`);
  const res = await stream.ready;
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
  assert.equal(res.headers["cache-control"], "no-store");
  await stream.until((d) => d.offer === "PENDING" && d.opening === "OPEN");
  const before = await snapshot(clinic.id);

  // NOTIFY goes out at commit, in commit order: a change that rolls back is never announced.
  const client = await ctx.deps.db.connect();
  await client.query("BEGIN");
  await client.query("UPDATE openings SET status = 'CLOSED' WHERE id = $1", [opening.id]);
  await client.query("ROLLBACK");
  client.release();
  assert.deepEqual(await snapshot(clinic.id), before, "streaming changed nothing");

  assert.equal((await call(ctx, "POST", `/api/public/offers/${other.tokens[0]}/accept`)).status, 200);
  assert.equal((await call(ctx, "POST", `/api/public/offers/${tokens[0]}/accept`)).status, 200);
  await stream.until((d) => d.opening === "FILLED");
  await stream.until((d) => d.offer === "WITHDRAWN");
  // Only this offer's and this opening's changes (not the other clinic's, not the rolled-back CLOSED).
  assert.deepEqual(stream.seen[0], { offer: "PENDING", opening: "OPEN" });
  assert.deepEqual(
    stream.seen
      .slice(1)
      .map((e) => JSON.stringify(e))
      .sort(),
    ['{"offer":"WITHDRAWN"}', '{"opening":"FILLED"}'],
  );

  // The server closing ends the stream (an open stream would keep close() waiting).
  const ended = new Promise<void>((resolve) => res.on("close", () => resolve()));
  await ctx.app.close();
  await ended;
});
