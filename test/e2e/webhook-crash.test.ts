// Webhook crash test: a worker process is killed with SIGKILL while its POST is at the receiver (the receiver
// has the request, the worker has not heard back), and another worker is started after the lease ran out.
// Nothing is lost: every event arrives, the interrupted one again with the same webhook-id and body, each
// request verified with the standardwebhooks package; every delivery ends SUCCEEDED.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { startWebhookReceiver } from "../fakes/webhook-receiver.ts";
import { aClinic, aPatient, call, testApp } from "../harness/app.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const EVENTS = 10;
const RESTART_MINUTES = 10; // well past the 60 s lease

const ctx = await testApp(); // its database is the one the worker processes use
const url = ctx.deps.config.database.kind === "server" ? ctx.deps.config.database.url : "";
const db = ctx.deps.db;

test("a webhook worker killed with SIGKILL mid-delivery: the next worker sends it again, same webhook-id; no event lost", { timeout: 120_000 }, async () => {
  const base = ctx.clock.now();
  let restarts = 0;
  const runNow = () => new Date(base.getTime() + restarts * RESTART_MINUTES * 60_000);
  const receiver = await startWebhookReceiver({ now: runNow });
  let child: ChildProcess | null = null;
  const output: string[] = [];
  try {
    const clinic = await aClinic(ctx);
    const created = await call(ctx, "POST", "/api/booking/webhook-endpoints", {
      key: clinic.key,
      body: { url: receiver.url, events: ["patient.consent_changed"] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const secret = created.body.secret as string;
    for (let i = 0; i < EVENTS; i++) await aPatient(ctx, clinic, { phone: `+1617555${String(3000 + i)}` });

    // The first request is held and its sender killed right there, before it can hear any answer.
    receiver.answer = (_r, n) => {
      if (n !== 1) return { status: 204 };
      child?.kill("SIGKILL");
      return "hang";
    };
    const run = async () => {
      const proc = spawn(process.execPath, ["--import", "tsx", "test/e2e/webhook-worker.ts"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, DATABASE_URL: url, BACKFILL_WORKER_NOW: runNow().toISOString(), LOG_LEVEL: "error" },
      });
      child = proc;
      proc.stdout!.on("data", (b: Buffer) => output.push(`[run ${restarts}] ${b.toString().trim()}`));
      proc.stderr!.on("data", (b: Buffer) => output.push(`[run ${restarts} stderr] ${b.toString().trim()}`));
      return new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
    };

    const first = await run();
    assert.equal(first.signal, "SIGKILL", `the first worker was killed mid-delivery; it said:\n${output.join("\n")}`);
    assert.equal(receiver.received.length, 1, "killed at its first POST");
    const { rows: leased } = await db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE locked_until IS NOT NULL");
    assert.ok(leased[0].n >= 1, "the killed worker left its leases behind");

    restarts++;
    const second = await run();
    assert.equal(second.code, 0, `the second worker exited ${second.code ?? second.signal}; it said:\n${output.join("\n")}`);

    const { rows: events } = await db.query("SELECT id FROM webhook_events WHERE clinic_id = $1", [clinic.id]);
    assert.equal(events.length, EVENTS);
    const { rows } = await db.query("SELECT event_id, status, attempts FROM webhook_deliveries WHERE clinic_id = $1", [clinic.id]);
    assert.deepEqual(new Set(rows.map((r) => r.status)), new Set(["SUCCEEDED"]));
    // Every event arrived, verified; only the interrupted one twice, with the same id and body.
    const ids = receiver.received.map((r) => r.headers["webhook-id"] as string);
    assert.deepEqual(new Set(ids), new Set(events.map((e) => e.id)), "no event lost");
    assert.equal(receiver.received.length, EVENTS + 1);
    const interrupted = receiver.received[0]!;
    const again = receiver.received.filter((r) => r.headers["webhook-id"] === interrupted.headers["webhook-id"]);
    assert.equal(again.length, 2, "the interrupted event was sent again");
    assert.equal(again[1]!.body, interrupted.body, "with the same body");
    assert.notEqual(again[1]!.headers["webhook-timestamp"], interrupted.headers["webhook-timestamp"], "signed anew at the retry's time");
    for (const r of receiver.received) assert.ok(receiver.verify(r, secret));
  } finally {
    const c = child as ChildProcess | null;
    if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await receiver.close();
  }
});
