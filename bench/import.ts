// Import bench: BENCH_ROWS (10,000) patients imported with `backfill import patients FILE.csv` — the CLI as its
// own process, over real HTTP to the app listening on 127.0.0.1 (a throwaway embedded PostgreSQL, fsync off,
// the app's 20-connection pool, the rate limit lifted) — then the same file again (every row unchanged).
// Compared in the same run with the raw limit: the same rows inserted straight through the store's
// INSERT (src/store/patients.ts insertPatient), 8 at a time like the importer, and as one INSERT … unnest.
// The database's own triggers (the webhook events outbox) run on every path.
//
//   BENCH_ROWS (10000)
//
// Prints figures; never asserts a timing.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { outboxChannels } from "../src/channels/outbox.ts";
import { systemClock } from "../src/clock.ts";
import { parseConfig } from "../src/config.ts";
import type { PatientFields } from "../src/core/patient.ts";
import type { Deps } from "../src/flows/deps.ts";
import { buildApp } from "../src/http/app.ts";
import { devGateway } from "../src/payments/dev-gateway.ts";
import { createPool } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { insertPatient } from "../src/store/patients.ts";
import { benchDatabase, bytes, envInt, ratio, seconds, silentLog, table } from "./lib.ts";

const ROWS = envInt("BENCH_ROWS", 10_000);
const IN_FLIGHT = 8; // src/cli/import-csv.ts CONCURRENCY
const ADMIN_TOKEN = "bench-import-admin-token-0123456789";
const ROOT = path.resolve(import.meta.dirname, "..");
const log = (line = "") => console.log(line);

const { server, url } = await benchDatabase("bench_import");
const pool = createPool(url);
await migrate(pool);
const config = parseConfig({ DATABASE_URL: url, BACKFILL_ADMIN_TOKEN: ADMIN_TOKEN, BACKFILL_RATE_LIMIT: "1000000", HOST: "127.0.0.1", PORT: "0" });
const deps: Deps = { db: pool, clock: systemClock, config, log: silentLog, channels: outboxChannels(pool), payments: devGateway(pool) };
const app = await buildApp(deps);
await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-import-"));

async function aClinic(name: string): Promise<{ id: string; apiKey: string }> {
  const res = await fetch(`${base}/api/admin/clinics`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, timezone: "America/New_York" }),
  });
  const body = (await res.json()) as { clinic: { id: string }; apiKey: string };
  return { id: body.clinic.id, apiKey: body.apiKey };
}

/** Row i of the file (and of the raw inserts): a US mobile-looking number, an email, SMS and email consent. */
const person = (i: number) => ({
  externalId: `PMS-${i}`,
  firstName: `First${i}`,
  lastName: `Last${i}`,
  phone: `+1617${200 + (i % 800)}${String(i % 10_000).padStart(4, "0")}`,
  email: `patient${i}@example.test`,
});

const file = path.join(dir, "patients.csv");
const lines = ["externalId,firstName,lastName,phone,email,smsConsent,emailConsent"];
for (let i = 0; i < ROWS; i++) {
  const p = person(i);
  lines.push(`${p.externalId},${p.firstName},${p.lastName},${p.phone},${p.email},yes,yes`);
}
fs.writeFileSync(file, `${lines.join("\n")}\n`);

interface Ran {
  code: number | null;
  summary: string;
  wallMs: number;
  peakRssKb: number;
}

/** The CLI as a child process; its wall time and peak RSS (VmHWM, polled). */
async function importFile(apiKey: string, ...more: string[]): Promise<Ran> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "import", "patients", file, "--url", base, "--api-key", apiKey, ...more], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // exited, or no /proc
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(poll);
  return { code, summary: out.trim().split("\n").at(-1) ?? "", wallMs: performance.now() - started, peakRssKb: peak };
}

const fields = (i: number): PatientFields & { externalId: string } => {
  const p = person(i);
  const at = new Date();
  const consent = { granted: true, at, source: "bench" };
  return { ...p, timezone: null, preferredChannel: null, consent: { SMS: consent, VOICE: { granted: false, at: null, source: null }, EMAIL: consent } };
};

async function rawInserts(clinicId: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let i = next++; i < ROWS; i = next++) await insertPatient(pool, clinicId, fields(i), new Date());
    }),
  );
  return performance.now() - started;
}

async function oneStatement(clinicId: string): Promise<number> {
  const started = performance.now();
  const all = Array.from({ length: ROWS }, (_, i) => person(i));
  await pool.query(
    `INSERT INTO patients (clinic_id, external_id, first_name, last_name, phone, email, sms_consent, sms_consent_at, sms_consent_source,
       email_consent, email_consent_at, email_consent_source, created_at, updated_at)
     SELECT $1, x, f, l, p, e, true, now(), 'bench', true, now(), 'bench', now(), now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(x, f, l, p, e)`,
    [clinicId, all.map((p) => p.externalId), all.map((p) => p.firstName), all.map((p) => p.lastName), all.map((p) => p.phone), all.map((p) => p.email)],
  );
  return performance.now() - started;
}

try {
  log(`# import bench: ${ROWS} patients (${bytes(fs.statSync(file).size)} CSV), ${os.cpus().length} CPUs, node ${process.version}`);
  const cli = await aClinic("Import via CLI");
  const startup = await importFile(cli.apiKey, "--help-does-not-exist"); // usage error: the process' start-up alone
  const created = await importFile(cli.apiKey);
  const unchanged = await importFile(cli.apiKey);
  const dry = await importFile((await aClinic("Dry run")).apiKey, "--dry-run");
  const rawMs = await rawInserts((await aClinic("Raw inserts")).id);
  const bulkMs = await oneStatement((await aClinic("One statement")).id);

  const rate = (wallMs: number) => `${Math.round(ROWS / (wallMs / 1000))}`;
  const net = (r: Ran) => r.wallMs - startup.wallMs;
  log();
  log(
    table(
      ["path", "wall", "rows/s", "rows/s less start-up", "× raw inserts", "peak RSS", "result"],
      [
        [
          "CLI import, new rows",
          seconds(created.wallMs),
          rate(created.wallMs),
          rate(net(created)),
          ratio(net(created), rawMs),
          bytes(created.peakRssKb * 1024),
          created.summary,
        ],
        [
          "CLI import, same file again",
          seconds(unchanged.wallMs),
          rate(unchanged.wallMs),
          rate(net(unchanged)),
          ratio(net(unchanged), rawMs),
          bytes(unchanged.peakRssKb * 1024),
          unchanged.summary,
        ],
        [
          "CLI import --dry-run, new rows",
          seconds(dry.wallMs),
          rate(dry.wallMs),
          rate(net(dry)),
          ratio(net(dry), rawMs),
          bytes(dry.peakRssKb * 1024),
          dry.summary,
        ],
        ["store insertPatient, 8 in flight", seconds(rawMs), rate(rawMs), "", "1.00×", "", ""],
        ["one INSERT … unnest", seconds(bulkMs), rate(bulkMs), "", ratio(bulkMs, rawMs), "", ""],
      ],
    ),
  );
  log();
  log(`CLI start-up (a usage error, exit ${startup.code}): ${seconds(startup.wallMs)}; peak RSS then ${bytes(startup.peakRssKb * 1024)}`);
} finally {
  await app.close();
  await pool.end();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
