// Crash test: 2,000 SMS to the fake Twilio from a worker process that is killed with SIGKILL several times
// (at the worst moment: the provider has the message, we have not recorded it; mid-reconciliation; at
// random), and restarted 10 minutes later each time. At the end: every delivery SENT, and the fake holds
// exactly one message per number: nothing lost, nothing sent twice.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { isValidPhoneNumber } from "libphonenumber-js/max";
import { startFakeTwilio } from "../fakes/twilio.ts";
import { aClinic, testApp } from "../harness/app.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const TOTAL = 2_000;
const BASE = new Date("2026-03-02T14:00:00Z");
const RESTART_MINUTES = 10;
const DEADLINE_MS = 110_000; // ~12 s on an idle 2-core machine; a bound, not an estimate
const TEXT = "Test Clinic: you're unsubscribed and will get no more texts from us. Reply START to resubscribe.";

/** 2,000 distinct valid US numbers on the fictional 555-01XX lines (100 per area code). */
function numbers(): string[] {
  const areas = [
    "212",
    "213",
    "206",
    "303",
    "305",
    "312",
    "404",
    "415",
    "503",
    "602",
    "612",
    "617",
    "646",
    "702",
    "704",
    "713",
    "718",
    "801",
    "808",
    "916",
    "919",
    "971",
  ];
  const out: string[] = [];
  for (const area of areas) {
    for (let line = 100; line <= 199 && out.length < TOTAL; line++) {
      const n = `+1${area}5550${line}`;
      if (isValidPhoneNumber(n)) out.push(n);
    }
  }
  return out;
}

type KillAt =
  | { when: "accepted"; messages: number } // inside the fake, as it stores the message and before it answers
  | { when: "reconciling"; lookups: number } // while the restarted worker asks the fake about stale rows
  | { when: "random"; messages: number; jitterMs: number }; // some time after the fake has this many

const ctx = await testApp(); // its database is the one the worker processes use
const url = ctx.deps.config.database.kind === "server" ? ctx.deps.config.database.url : "";
const db = ctx.deps.db;

test("a send worker killed with SIGKILL during 2,000 sends: 0 lost, 0 duplicates at the provider", { timeout: 150_000 }, async () => {
  const started = Date.now();
  const clinic = await aClinic(ctx);

  let restarts = 0;
  let runStartedAt = Date.now();
  const runNow = () => new Date(BASE.getTime() + restarts * RESTART_MINUTES * 60_000);
  // The fake's clock moves with the worker's: 10 minutes per restart, plus the real time of this run.
  const fake = await startFakeTwilio({ now: () => new Date(runNow().getTime() + (Date.now() - runStartedAt)) });

  const to = numbers();
  assert.equal(new Set(to).size, TOTAL, "2,000 distinct valid numbers");
  await db.query(
    `INSERT INTO deliveries (clinic_id, kind, channel, status, payload, due_at, created_at, updated_at)
     SELECT $1, 'NOTICE', 'SMS', 'QUEUED', jsonb_build_object('to', n, 'text', $2::text, 'subject', NULL), $3, $3, $3
     FROM unnest($4::text[]) AS n`,
    [clinic.id, TEXT, BASE, to],
  );

  // Kill hooks run inside the fake's request handling, synchronously (no await between the fake storing
  // the message and the child's death).
  let child: ChildProcess | null = null;
  let armed: KillAt | null = null;
  let lookupsThisRun = 0;
  const killedAt: string[] = [];
  const killNow = (why: string) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    killedAt.push(`${why} (fake has ${fake.messages.length}, run took ${Date.now() - runStartedAt} ms)`);
    armed = null;
    child.kill("SIGKILL");
  };
  const pushMessage = fake.messages.push.bind(fake.messages);
  fake.messages.push = (...items) => {
    const n = pushMessage(...items);
    if (armed?.when === "accepted" && n >= armed.messages) killNow(`accepted #${n}`);
    return n;
  };
  const pushRequest = fake.requests.push.bind(fake.requests);
  fake.requests.push = (...items) => {
    const n = pushRequest(...items);
    if (items.some((r) => r === "GET /Messages.json") && ++lookupsThisRun >= (armed?.when === "reconciling" ? armed.lookups : Infinity)) {
      killNow(`reconciling, lookup #${lookupsThisRun}`);
    }
    return n;
  };

  const plan: KillAt[] = [
    // Not multiples of the claim batch (50): rows claimed and not yet handed over are left SENDING too.
    { when: "accepted", messages: 230 },
    { when: "reconciling", lookups: 1 }, // the stale row the first kill left with an address
    { when: "random", messages: 620, jitterMs: Math.floor(Math.random() * 15) },
    { when: "accepted", messages: 1_130 },
    { when: "random", messages: 1_510, jitterMs: Math.floor(Math.random() * 15) },
    { when: "accepted", messages: 1_820 },
  ];
  const output: string[] = [];
  const within = () => Date.now() - started < DEADLINE_MS;

  try {
    for (;;) {
      assert.ok(within(), `not done within ${DEADLINE_MS / 1000} s; worker said:\n${output.slice(-20).join("\n")}`);
      runStartedAt = Date.now();
      lookupsThisRun = 0;
      armed = plan.shift() ?? null;
      const proc = spawn(process.execPath, ["--import", "tsx", "test/e2e/send-worker.ts"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          DATABASE_URL: url,
          BACKFILL_PUBLIC_URL: "https://backfill.example.test",
          BACKFILL_WORKER_NOW: runNow().toISOString(),
          TWILIO_ACCOUNT_SID: fake.accountSid,
          TWILIO_AUTH_TOKEN: fake.authToken,
          TWILIO_FROM: "+15005550006",
          TWILIO_API_BASE: fake.url,
          LOG_LEVEL: "error",
        },
      });
      child = proc;
      proc.stdout!.on("data", (b: Buffer) =>
        output.push(
          ...b
            .toString()
            .trim()
            .split("\n")
            .map((l) => `[run ${restarts}] ${l}`),
        ),
      );
      proc.stderr!.on("data", (b: Buffer) => output.push(`[run ${restarts} stderr] ${b.toString().trim()}`));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));

      const kill = armed as KillAt | null;
      if (kill?.when === "random") {
        // Polled: some time after the fake has this many messages, wherever the worker happens to be.
        for (let i = 0; i < 4_000 && fake.messages.length < kill.messages && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, kill.jitterMs));
        killNow(`random, ${kill.jitterMs} ms after #${kill.messages}`);
      }
      const timeout = setTimeout(() => killNow("deadline"), Math.max(1, DEADLINE_MS - (Date.now() - started)));
      const { code, signal } = await exited;
      clearTimeout(timeout);
      if (signal === "SIGKILL") {
        assert.ok(within(), `the worker was stopped at the deadline; it said:\n${output.slice(-20).join("\n")}`);
        restarts++;
        continue;
      }
      assert.equal(code, 0, `the worker exited ${code ?? signal}; it said:\n${output.slice(-20).join("\n")}`);
      killedAt.push(`finished (run took ${Date.now() - runStartedAt} ms)`);
      break;
    }
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await fake.close();
  }

  // 0 lost: every delivery SENT, with the id of a message the fake holds for its number.
  const { rows } = await db.query("SELECT id, status, to_address, provider_message_id, sent_at, failure_reason FROM deliveries WHERE clinic_id = $1", [
    clinic.id,
  ]);
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  assert.deepEqual(byStatus, { SENT: TOTAL }, `statuses: ${JSON.stringify(byStatus)}`);
  // 0 duplicates: one message per number at the provider, each recorded on its own delivery.
  assert.equal(fake.messages.length, TOTAL, "messages the fake accepted");
  assert.equal(new Set(fake.messages.map((m) => m.to)).size, TOTAL, "distinct numbers the fake was asked to text");
  assert.deepEqual(new Set(fake.messages.map((m) => m.to)), new Set(to));
  const bySid = new Map(fake.messages.map((m) => [m.sid, m]));
  assert.equal(new Set(rows.map((r) => r.provider_message_id)).size, TOTAL, "no two deliveries share a message");
  for (const r of rows) assert.equal(bySid.get(r.provider_message_id)?.to, r.to_address, `delivery ${r.id} holds its own number's message`);

  // Found by reconciliation: recorded SENT a restart after the fake took the message.
  const found = rows.filter((r) => r.sent_at.getTime() - bySid.get(r.provider_message_id)!.dateCreated.getTime() > 5 * 60_000).length;
  const requeued = rows.filter((r) => r.failure_reason === "reconciled: not sent").length;
  const kills = killedAt.length - 1;
  assert.ok(kills >= 4, `at least 4 kills (${kills})`);
  assert.ok(found >= 3, `the messages the fake took as the worker was killed were found by reconciliation (${found})`);
  assert.ok(requeued >= 20, `rows claimed but not handed over were re-queued as not sent (${requeued})`);
  console.log(
    `# crash: ${kills} kills [${killedAt.join("; ")}], ${found} found at the provider by reconciliation, ` +
      `${requeued} re-queued as not sent, ${TOTAL} sent once each, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
