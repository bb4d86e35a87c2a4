// The importer's HTTP side: the server's OpenAPI document (for the PUT's body schema) and one sync `PUT` per
// row, retried with backoff on 5xx, 429 and network errors (a sync PUT is idempotent: sending it again after a
// lost answer changes nothing more). A 4xx is the row's refusal; 401/403 stop the whole import.
import { setTimeout as sleep } from "node:timers/promises";
import { type Refusal, refusalsOf } from "./csv-row.ts";

export const KINDS = ["patients", "providers", "chairs", "services", "appointments", "waitlist"] as const;
export type Kind = (typeof KINDS)[number];

export type Outcome = "created" | "updated" | "unchanged";

export type Sent = { outcome: Outcome } | { refused: Refusal[] } | { fatal: string };

export interface Client {
  base: string;
  apiKey: string;
  dryRun: boolean;
  /** Waits before each retry of a 5xx or network failure; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** One request's limit. */
  timeoutMs: number;
}

/** 5 retries over about 15 s: a restarting server or a brief database failover is ridden out, a dead one is not. */
export const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
/** A 429 waits for the limiter's window (Retry-After) and does not use up a retry, up to this many times per row. */
const MAX_RATE_LIMITED = 30;
const MAX_RETRY_AFTER_MS = 60_000;

/** The request body schema of `PUT /api/booking/<kind>/external/{externalId}` in the server's OpenAPI document. */
export async function bodySchemaOf(client: Client, kind: Kind): Promise<{ schema: unknown } | { fatal: string }> {
  const where = `${client.base}/docs/json`;
  let doc: unknown;
  try {
    const res = await fetch(where, { signal: AbortSignal.timeout(client.timeoutMs) });
    if (!res.ok) return { fatal: `${where} answered ${res.status}` };
    doc = await res.json();
  } catch (e) {
    return { fatal: `cannot read ${where}: ${(e as Error).cause ?? (e as Error).message}` };
  }
  const path = `/api/booking/${kind}/external/{externalId}`;
  const op = (doc as { paths?: Record<string, { put?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }> }).paths?.[path]?.put;
  const schema = op?.requestBody?.content?.["application/json"]?.schema;
  return schema ? { schema } : { fatal: `the server at ${client.base} has no PUT ${path}` };
}

/** PUTs one row; retries as documented above. */
export async function putRow(client: Client, kind: Kind, externalId: string, body: unknown, header: string[]): Promise<Sent> {
  const url = `${client.base}/api/booking/${kind}/external/${encodeURIComponent(externalId)}${client.dryRun ? "?dryRun=true" : ""}`;
  let failures = 0;
  let limited = 0;
  for (;;) {
    let wait: number;
    try {
      const res = await fetch(url, {
        method: "PUT",
        headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(client.timeoutMs),
      });
      const text = await res.text();
      if (res.status === 200 || res.status === 201) {
        const said = res.headers.get("backfill-sync");
        const outcome: Outcome = said === "created" || said === "updated" || said === "unchanged" ? said : res.status === 201 ? "created" : "updated";
        return { outcome };
      }
      if (res.status === 401 || res.status === 403) return { fatal: `the server refused the API key (${res.status}): ${detailOf(text)}` };
      if (res.status === 429 && limited < MAX_RATE_LIMITED) {
        limited++;
        wait = retryAfterMs(res.headers.get("retry-after")) ?? 1000;
      } else if (res.status >= 500 || res.status === 429) {
        if (failures >= client.retryDelaysMs.length) return { refused: [{ column: "", reason: "server error" }] };
        wait = retryAfterMs(res.headers.get("retry-after")) ?? client.retryDelaysMs[failures]!;
        failures++;
      } else {
        return { refused: refusalsOf(parsed(text), res.status, header) };
      }
    } catch {
      // Refused connection, reset, timeout: the same as a 5xx.
      if (failures >= client.retryDelaysMs.length) return { refused: [{ column: "", reason: "server error" }] };
      wait = client.retryDelaysMs[failures]!;
      failures++;
    }
    await sleep(wait);
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function detailOf(text: string): string {
  const p = parsed(text) as { detail?: unknown } | null;
  return typeof p?.detail === "string" ? p.detail : "unauthorized";
}

/** Retry-After in seconds (the limiter's form) or as an HTTP date, capped; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}
