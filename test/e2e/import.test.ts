// `backfill import` end to end: the real app listening on 127.0.0.1, the CLI as a child process on CSV files
// made here (and, for retries, runImport in-process behind a proxy that fails on purpose).
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "csv-parse/sync";
import { runImport } from "../../src/cli/import-csv.ts";
import { ADMIN_TOKEN, startLiveApp } from "./live-app.ts";

const live = await startLiveApp();
const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backfill-import-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let clinics = 0;
async function aClinic(): Promise<string> {
  const made = await live.api("POST", "/api/admin/clinics", { key: ADMIN_TOKEN, body: { name: `Import ${++clinics}`, timezone: "America/New_York" } });
  assert.equal(made.status, 201);
  return made.body.apiKey as string;
}

function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Ran> } {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (/^(DATABASE_URL|BACKFILL_|NODE_TEST|NODE_OPTIONS)/.test(k)) delete base[k];
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => (stdout += c));
  child.stderr!.on("data", (c) => (stderr += c));
  const done = once(child, "exit").then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

const cli = (args: string[], env: Record<string, string> = {}) => start(args, env).done;
const importing = (kind: string, file: string, key: string, ...more: string[]) => cli(["import", kind, file, "--url", live.base, "--api-key", key, ...more]);
const lastLine = (text: string) => text.trim().split("\n").at(-1);
const errorsOf = (file: string) => parse(fs.readFileSync(file), { columns: true }) as { line: string; column: string; reason: string; externalId: string }[];

async function patientsOf(key: string): Promise<Record<string, unknown>[]> {
  const res = await live.api("GET", "/api/booking/patients?limit=200", { key });
  assert.equal(res.status, 200);
  return res.body.items;
}

const PATIENTS = `externalId,firstName,lastName,phone,smsConsent
P-1,Ada,Lovelace,+1 617 555 0101,yes
P-2,Alan,"Turing, Jr.",+16175550102,no
`;

test("patients are created; the same file again changes nothing; an edited row is updated", async () => {
  const key = await aClinic();
  const file = csvFile("patients.csv", PATIENTS);
  const first = await importing("patients", file, key);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(lastLine(first.stdout), "created 2, updated 0, unchanged 0, refused 0");
  const made = await patientsOf(key);
  const turing = made.find((p) => p.externalId === "P-2");
  assert.equal(turing?.lastName, "Turing, Jr.");
  assert.equal(made.find((p) => p.externalId === "P-1")?.phone, "+16175550101");
  assert.deepEqual(errorsOf(path.join(dir, "patients.errors.csv")), []);

  const again = await importing("patients", file, key);
  assert.equal(lastLine(again.stdout), "created 0, updated 0, unchanged 2, refused 0");

  const edited = csvFile("patients.csv", PATIENTS.replace("Ada,Lovelace", "Ada,King"));
  const third = await importing("patients", edited, key);
  assert.equal(third.code, 0);
  assert.equal(lastLine(third.stdout), "created 0, updated 1, unchanged 1, refused 0");
  assert.equal((await patientsOf(key)).find((p) => p.externalId === "P-1")?.lastName, "King");
});

test("refused rows: the errors file names the line, the column and the reason; exit 1", async () => {
  const key = await aClinic();
  const file = csvFile(
    "bad.csv",
    `externalId,firstName,lastName,phone,smsConsent
B-1,Good,Row,+16175550111,true
B-2,Bad,Phone,not a phone,true

B-3,Bad,Consent,,perhaps
B-4,"Multi
line",Name,+16175550112,false
B-5,,Missing,,
`,
  );
  const errors = path.join(dir, "bad-rows.csv");
  const ran = await importing("patients", file, key, "--errors", errors);
  assert.equal(ran.code, 1);
  assert.equal(lastLine(ran.stdout), "created 2, updated 0, unchanged 0, refused 3");
  const rows = errorsOf(errors);
  assert.deepEqual(
    rows.map((r) => [r.line, r.column, r.externalId]),
    [
      ["3", "phone", "B-2"],
      ["3", "smsConsent", "B-2"], // consent to texts needs a phone
      ["5", "smsConsent", "B-3"],
      ["8", "firstName", "B-5"],
    ],
  );
  assert.match(rows[2]!.reason, /true or false/);
  assert.ok(rows.every((r) => r.reason.length > 0));
  // No patient data in what the command prints (ids and counts only).
  assert.doesNotMatch(ran.stdout + ran.stderr, /not a phone|Phone|Consent/);

  // A waitlist row naming a service the clinic does not know: the server's 404, under the file's column.
  const service = await live.api("PUT", "/api/booking/services/external/S-1", {
    key,
    body: { name: "Cleaning", category: "hygiene", durationMinutes: 30, priceCents: 9000 },
  });
  assert.equal(service.status, 201);
  const entries = csvFile(
    "waitlist.csv",
    `externalId,patientExternalId,serviceExternalId,windows,notes
W-1,B-1,S-1,"Mon-Fri 08:00-12:00;Sat 09:00-13:00","Prefers mornings,
and the left chair"
W-2,B-1,S-404,,
W-3,B-1,S-1,Mon 25:00-26:00,
W-4,B-1,S-1,Someday 08:00-09:00,
`,
  );
  const wl = await importing("waitlist", entries, key);
  assert.equal(wl.code, 1, wl.stderr);
  assert.equal(lastLine(wl.stdout), "created 1, updated 0, unchanged 0, refused 3");
  assert.deepEqual(
    errorsOf(path.join(dir, "waitlist.errors.csv")).map((r) => [r.line, r.column, r.externalId]),
    [
      ["4", "serviceExternalId", "W-2"],
      ["5", "windows", "W-3"],
      ["5", "windows", "W-3"],
      ["6", "windows", "W-4"],
    ],
  );
  const listed = await live.api("GET", "/api/booking/waitlist?externalId=W-1", { key });
  const entry = listed.body.items[0];
  assert.equal(entry.notes, "Prefers mornings,\nand the left chair");
  assert.deepEqual(entry.windows, [
    { weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" },
    { weekdays: [6], start: "09:00", end: "13:00" },
  ]);
});

test("--dry-run answers the same and writes nothing", async () => {
  const key = await aClinic();
  const file = csvFile("dry.csv", `${PATIENTS}P-3,Bad,Phone,12,\n`);
  const ran = await importing("patients", file, key, "--dry-run");
  assert.equal(ran.code, 1);
  assert.equal(lastLine(ran.stdout), "dry run: created 2, updated 0, unchanged 0, refused 1");
  assert.deepEqual(await patientsOf(key), []);
  assert.deepEqual(
    errorsOf(path.join(dir, "dry.errors.csv")).map((r) => [r.line, r.column]),
    [["4", "phone"]],
  );
});

test("usage errors exit 2 before anything is sent", async () => {
  const key = await aClinic();
  const file = csvFile("usage.csv", PATIENTS);
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["import", "dentists", file, "--url", live.base, "--api-key", key], {}, /unknown kind "dentists"/],
    [["import", "patients", path.join(dir, "nope.csv"), "--url", live.base, "--api-key", key], {}, /no such file/],
    [["import", "patients", file, "--url", live.base], {}, /API key is needed/],
    [["import", "patients", file, "--bogus"], { BACKFILL_API_KEY: key }, /unknown option --bogus/],
    [
      ["import", "patients", csvFile("header.csv", "externalId,firstName,shoeSize\nX,Y,42\n"), "--url", live.base, "--api-key", key],
      {},
      /unknown column "shoeSize".*missing column "lastName"/,
    ],
    [["import", "patients", file, "--url", live.base, "--api-key", "bf_wrong"], {}, /refused the API key \(401\)/],
  ];
  for (const [args, env, message] of cases) {
    const ran = await cli(args, env);
    assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
    assert.match(ran.stderr, message);
  }
  assert.deepEqual(await patientsOf(key), []);
  // URL and key from the environment.
  const ran = await cli(["import", "providers", csvFile("providers.csv", "externalId,name\nDR-1,Dr. Who\n")], {
    BACKFILL_URL: live.base,
    BACKFILL_API_KEY: key,
  });
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(lastLine(ran.stdout), "created 1, updated 0, unchanged 0, refused 0");
  const help = await cli(["help"]);
  assert.match(help.stdout, /import <kind> FILE\.csv/);
});

// 20,000 rows through a named pipe: the first ones are in the database while the rest is not yet written,
// so the file is read as it goes, not first into memory.
test("a 20,000-row file streams: rows are sent before the file has been read", async () => {
  const key = await aClinic();
  const fifo = path.join(dir, "stream.csv");
  execFileSync("mkfifo", [fifo]);
  const run = start(["import", "patients", fifo, "--url", live.base, "--api-key", key, "--errors", path.join(dir, "stream.errors.csv")]);
  const pipe = fs.createWriteStream(fifo);
  const row = (i: number) => `S-${i},First${i},Last${i},,${["no", "0", "false"][i % 3]}\n`;
  pipe.write("externalId,firstName,lastName,phone,smsConsent\n");
  for (let i = 0; i < 200; i++) pipe.write(row(i));
  // Wait (bounded) until the server has some of them; the pipe is still open, the other 19,800 unwritten.
  for (let tries = 0; ; tries++) {
    const res = await live.api("GET", "/api/booking/patients?externalId=S-0", { key });
    if (res.body.items?.length === 1) break;
    if (tries >= 600) {
      run.child.kill();
      const ran = await run.done;
      assert.fail(`no row arrived while the file was still being written: ${JSON.stringify(res.body)} ${ran.stdout} ${ran.stderr}`);
    }
    assert.equal(run.child.exitCode, null);
    await sleep(50);
  }
  for (let i = 200; i < 20_000; i++) {
    if (!pipe.write(row(i))) await once(pipe, "drain");
  }
  pipe.end();
  const ran = await run.done;
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(lastLine(ran.stdout), "created 20000, updated 0, unchanged 0, refused 0");
  // Not a terminal: progress lines every 1,000 rows.
  assert.match(ran.stderr, /^1000 rows: created 1000, /m);
});

// Retries, in-process (short delays) behind a proxy: S-FLAKY fails twice with 503 and once with a reset
// connection, then goes through; S-DOWN always answers 503 and is refused as "server error".
test("5xx and network errors are retried, then the row is refused as a server error", async () => {
  const key = await aClinic();
  const seen = new Map<string, number>();
  const proxy = http.createServer((req, res) => {
    const id = decodeURIComponent(req.url?.match(/external\/([^?]+)/)?.[1] ?? "");
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (id === "S-DOWN" || (id === "S-FLAKY" && n <= 2)) {
      res.writeHead(503, { "content-type": "application/problem+json" }).end('{"title":"unavailable"}');
      return;
    }
    if (id === "S-FLAKY" && n === 3) {
      req.socket.destroy();
      return;
    }
    const target = new URL(req.url!, live.base);
    const forward = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  after(() => proxy.close());
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const file = csvFile(
    "services.csv",
    "externalId,name,category,durationMinutes,priceCents\nS-FLAKY,Exam,exam,20,5000\nS-DOWN,Clean,hygiene,30,9000\nS-OK,X-ray,imaging,10,3000\n",
  );
  const out: string[] = [];
  const err: string[] = [];
  const code = await runImport(
    ["services", file, "--url", base, "--api-key", key],
    {},
    { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    { retryDelaysMs: [1, 1, 1, 1] },
  );
  assert.equal(code, 1, err.join(""));
  assert.equal(out.join("").trim(), "created 2, updated 0, unchanged 0, refused 1");
  assert.equal(seen.get("S-FLAKY"), 4);
  assert.equal(seen.get("S-DOWN"), 5); // the first try and 4 retries
  assert.deepEqual(errorsOf(path.join(dir, "services.errors.csv")), [{ line: "3", column: "", reason: "server error", externalId: "S-DOWN" }]);
  const listed = await live.api("GET", "/api/booking/services", { key });
  assert.deepEqual(listed.body.items.map((s: { externalId: string }) => s.externalId).sort(), ["S-FLAKY", "S-OK"]);
});

// Appointments come through their own sync PUT (API.md): booked, then cancelled by the same file with a
// status, and an overlapping row refused with the server's 409. Skipped only while that route is not built.
const docs = await live.api("GET", "/docs/json");
const appointmentSync = docs.body?.paths?.["/api/booking/appointments/external/{externalId}"]?.put !== undefined;
test("appointments: booked, then cancelled by the file's status; an overlap is refused", {
  skip: !appointmentSync && "no appointment sync route yet",
}, async () => {
  const key = await aClinic();
  const put = (kind: string, id: string, body: unknown) => live.api("PUT", `/api/booking/${kind}/external/${id}`, { key, body });
  assert.equal((await put("providers", "DR-1", { name: "Dr. One" })).status, 201);
  assert.equal((await put("services", "EXAM", { name: "Exam", category: "exam", durationMinutes: 30, priceCents: 5000 })).status, 201);
  for (const id of ["A-P1", "A-P2"]) assert.equal((await put("patients", id, { firstName: "Pat", lastName: id })).status, 201);
  const header = "externalId,patientExternalId,providerExternalId,serviceExternalId,start,status";
  const booked = csvFile("appointments.csv", `${header}\nAPT-1,A-P1,DR-1,EXAM,2026-03-10T14:30:00Z,\n`);
  const first = await importing("appointments", booked, key);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(lastLine(first.stdout), "created 1, updated 0, unchanged 0, refused 0");
  // Rows of one file go 8 at a time, so two overlapping new rows in one file race (either may win): the
  // overlap comes in a second file, beside the first row again.
  const both = csvFile("appointments.csv", `${header}\nAPT-1,A-P1,DR-1,EXAM,2026-03-10T14:30:00Z,\nAPT-2,A-P2,DR-1,EXAM,2026-03-10T14:45:00Z,\n`);
  const again = await importing("appointments", both, key);
  assert.equal(again.code, 1);
  assert.equal(lastLine(again.stdout), "created 0, updated 0, unchanged 1, refused 1");
  const [overlap] = errorsOf(path.join(dir, "appointments.errors.csv"));
  assert.equal(overlap?.line, "3");
  assert.equal(overlap?.externalId, "APT-2");

  const cancelled = csvFile("appointments.csv", `${header}\nAPT-1,A-P1,DR-1,EXAM,2026-03-10T14:30:00Z,CANCELLED\n`);
  const second = await importing("appointments", cancelled, key);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(lastLine(second.stdout), "created 0, updated 1, unchanged 0, refused 0");
  const listed = await live.api("GET", "/api/booking/appointments?externalId=APT-1", { key });
  assert.equal(listed.body.items[0]?.status, "CANCELLED");
  const openings = await live.api("GET", "/api/booking/openings?status=OPEN", { key });
  assert.equal(openings.body.items.length, 1);
});
