// Small helpers shared by the bench scripts: figures, tables, deterministic ids. Benches print; they
// never assert timings (README: "they print figures, they never fail the build").
import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "../src/flows/deps.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "../src/store/embedded-postgres.ts";

/** The test clock's start: a Monday, 09:00 in New York. */
export const T0 = new Date("2026-03-02T14:00:00Z");

export const silentLog: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

/** md5(text)::uuid, as PostgreSQL computes it: the loader's ids are recomputable on both sides. */
export function md5Uuid(text: string): string {
  const h = createHash("md5").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!);
  return {
    n: s.length,
    mean: s.length === 0 ? NaN : s.reduce((a, b) => a + b, 0) / s.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: s.length === 0 ? NaN : s[s.length - 1]!,
  };
}

export function median(xs: number[]): number {
  return summarize(xs).p50;
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–";
}

/** A plain text table: the first `left` columns left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

/** A throwaway embedded PostgreSQL (fsync off) with a fresh database `name`; the URL points at it. */
export async function benchDatabase(name: string): Promise<{ server: EmbeddedServer; url: string }> {
  const server = await startEmbeddedPostgres({ dataDir: null, durable: false });
  const admin = new pg.Client(server.url);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { server, url: server.url.replace(/\/postgres$/, `/${name}`) };
}
