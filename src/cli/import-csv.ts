// `backfill import <kind> FILE.csv [--url URL] [--api-key KEY] [--dry-run] [--errors FILE]` (API.md "CSV import"):
// each row goes through the sync PUT of its kind, so importing a file twice changes nothing. The file is
// streamed (csv-parse): at most CONCURRENCY rows are in flight and the parser waits for them (backpressure
// reaches the file), so a 100k-row file is never in memory. Refused rows go to the errors file in file order.
import { once } from "node:events";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify";
import { headerProblems, type Refusal, rowSchemaOf, rowToBody, startLine } from "./csv-row.ts";
import { type Counts, countsLine, Progress, type ProgressOut } from "./progress.ts";
import { bodySchemaOf, type Client, KINDS, type Kind, putRow, RETRY_DELAYS_MS, type Sent } from "./sync-client.ts";

export const IMPORT_USAGE = `backfill import <${KINDS.join("|")}> FILE.csv [--url URL] [--api-key KEY] [--dry-run] [--errors FILE]`;

/** 8 requests in flight: well under the server's 20-connection pool, which its runner and staff share. */
const CONCURRENCY = 8;
/** Rows done but not yet written in order, behind a slow (retrying) one, before reading pauses. */
const REORDER_WINDOW = 1000;

export interface ImportRun {
  kind: Kind;
  file: string;
  errorsFile: string;
  client: Client;
}

export interface Io {
  stdout: ProgressOut;
  stderr: ProgressOut;
}

/** The command line (after `import`) and the environment → what to run, or the usage error. */
export function parseImportArgs(args: string[], env: Record<string, string | undefined>): ImportRun | { usage: string } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") ? (arg.split(/=(.*)/s) as [string, string | undefined]) : [arg, undefined];
    if (flag === "--dry-run" && inline === undefined) dryRun = true;
    else if (flag === "--url" || flag === "--api-key" || flag === "--errors") {
      const value = inline ?? args[++i];
      if (value === undefined || value === "") return { usage: `${flag} needs a value` };
      options[flag] = value;
    } else if (arg.startsWith("-")) return { usage: `unknown option ${arg}` };
    else positional.push(arg);
  }
  const [kind, file, ...extra] = positional;
  if (kind === undefined) return { usage: "which kind of record to import?" };
  if (!(KINDS as readonly string[]).includes(kind)) return { usage: `unknown kind "${kind}"` };
  if (file === undefined) return { usage: "which file to import?" };
  if (extra.length > 0) return { usage: `unexpected argument ${extra[0]}` };
  const apiKey = options["--api-key"] ?? env.BACKFILL_API_KEY;
  if (!apiKey) return { usage: "an API key is needed: --api-key or BACKFILL_API_KEY" };
  const base = (options["--url"] ?? env.BACKFILL_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(base)) return { usage: `--url must be an http(s) address, not "${base}"` };
  return {
    kind: kind as Kind,
    file,
    errorsFile: options["--errors"] ?? `${file.replace(/\.csv$/i, "")}.errors.csv`,
    client: { base, apiKey, dryRun, retryDelaysMs: RETRY_DELAYS_MS, timeoutMs: 30_000 },
  };
}

interface Done {
  line: number;
  externalId: string;
  sent: Sent;
}

/** Runs the command; the exit code: 0 all rows taken, 1 some refused (or the server unreachable), 2 usage. */
export async function runImport(args: string[], env: Record<string, string | undefined>, io: Io, tune: Partial<Client> = {}): Promise<number> {
  const run = parseImportArgs(args, env);
  if ("usage" in run) {
    io.stderr.write(`backfill import: ${run.usage}\n\nUsage: ${IMPORT_USAGE}\n`);
    return 2;
  }
  const client = { ...run.client, ...tune };
  const size = await fs.promises.stat(run.file).then(
    // A named pipe (`… /dev/stdin < file`) streams too; its size is unknown (the bar then follows rows only).
    (s) => (s.isFile() ? s.size : s.isFIFO() ? 0 : null),
    () => null,
  );
  if (size === null) {
    io.stderr.write(`backfill import: no such file ${run.file}\n`);
    return 2;
  }
  const described = await bodySchemaOf(client, run.kind);
  if ("fatal" in described) {
    io.stderr.write(`backfill import: ${described.fatal}\n`);
    return 1;
  }
  const schema = rowSchemaOf(described.schema);

  const input = fs.createReadStream(run.file);
  const parser = parse({ info: true, bom: true, skip_empty_lines: true, relax_column_count: true });
  input.on("error", (e) => parser.destroy(e));
  input.pipe(parser);

  const counts: Counts = { created: 0, updated: 0, unchanged: 0, refused: 0 };
  const progress = new Progress(io.stderr, size);
  let errors: { write(row: unknown[]): void; close(): Promise<void> } | null = null;
  let header: string[] = [];
  let fatal: string | null = null;
  let crlf = 0;
  let bytes = 0;
  let seq = 0;
  let next = 0;
  const finished = new Map<number, Done>();
  const inFlight = new Set<Promise<void>>();

  const refuse = (line: number, externalId: string, refusals: Refusal[]) => {
    counts.refused++;
    for (const r of refusals) errors?.write([line, r.column, r.reason, externalId]);
  };
  // Rows finish out of order; they are counted and written in file order.
  const emit = () => {
    for (let done = finished.get(next); done; done = finished.get(next)) {
      finished.delete(next++);
      if ("outcome" in done.sent) counts[done.sent.outcome]++;
      else if ("refused" in done.sent) refuse(done.line, done.externalId, done.sent.refused);
      else fatal ??= done.sent.fatal;
      progress.update(next, bytes, counts);
    }
  };
  const handle = async (line: number, cells: string[]): Promise<Done> => {
    const row = rowToBody(header, cells, schema);
    if (!row.ok) return { line, externalId: row.externalId, sent: { refused: row.refusals } };
    return { line, externalId: row.externalId, sent: await putRow(client, run.kind, row.externalId, row.body, header) };
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      const at = startLine(info.lines, record, crlf);
      crlf = at.crlf;
      bytes = info.bytes;
      if (errors === null) {
        header = record.map((name) => name.trim());
        const problems = headerProblems(header, schema);
        if (problems.length > 0) {
          io.stderr.write(
            `backfill import: ${run.file} line ${at.line}: ${problems.join("; ")}\n(${run.kind} columns: ${Object.keys(schema.fields).join(", ")})\n`,
          );
          input.destroy();
          return 2;
        }
        errors = await errorsFile(run.errorsFile).catch((e: Error) => {
          io.stderr.write(`backfill import: cannot write ${run.errorsFile}: ${e.message}\n`);
          return null;
        });
        if (errors === null) {
          input.destroy();
          return 2;
        }
        continue;
      }
      if (record.every((cell) => cell.trim() === "")) continue;
      const index = seq++;
      const task: Promise<void> = handle(at.line, record).then((done) => {
        inFlight.delete(task);
        finished.set(index, done);
        emit();
      });
      inFlight.add(task);
      while (inFlight.size >= CONCURRENCY || seq - next >= REORDER_WINDOW) await Promise.race(inFlight);
      if (fatal) break;
    }
  } catch (e) {
    // Unreadable from here on (an unclosed quote, a read error): what was read is imported, the rest is not.
    await Promise.all(inFlight);
    const lines = (e as { lines?: unknown }).lines;
    refuse(typeof lines === "number" ? lines : 0, "", [{ column: "", reason: `the file cannot be read from here on: ${(e as Error).message}` }]);
  }
  await Promise.all(inFlight);
  progress.done();
  if (errors === null) {
    io.stderr.write(`backfill import: ${run.file} has no header row\n`);
    return 2;
  }
  await errors.close();
  io.stdout.write(`${client.dryRun ? "dry run: " : ""}${countsLine(counts)}\n`);
  if (fatal) {
    io.stderr.write(`backfill import: stopped: ${fatal}\n`);
    return 2;
  }
  if (counts.refused > 0) io.stderr.write(`refused rows: ${run.errorsFile}\n`);
  return counts.refused > 0 ? 1 : 0;
}

/** The errors file (line,column,reason,externalId), created (emptied) before the first row is sent. */
async function errorsFile(path: string) {
  const file = fs.createWriteStream(path);
  await once(file, "open");
  const csv = stringify({ header: true, columns: ["line", "column", "reason", "externalId"] });
  const written = pipeline(csv, file);
  return {
    write: (row: unknown[]) => void csv.write(row),
    close: async () => {
      csv.end();
      await written;
    },
  };
}
