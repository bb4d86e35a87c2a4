// Live events for open pages: one LISTEN backfill_events connection per process (migration 006 writes
// the notifications at commit), fanned out in-process to any number of subscribers (an SSE stream per
// open offer page or dashboard). Subscribers only learn that something changed; they read the rows
// themselves if they need more, so nothing here can change state.
// It sits in store/ because it is a database connection (the only one outside the pool); flows name the
// LiveEvents port through deps.ts and pages receive it there, so no shell imports this file.
import pg from "pg";
import type { Pool } from "./db.ts";

export const LIVE_CHANNEL = "backfill_events";

export interface LiveEvent {
  clinicId: string;
  kind: "offer" | "opening";
  /** The offer's or the opening's id. */
  id: string;
  /** The opening concerned (for an opening, its own id). */
  openingId: string;
  status: string;
}

/** Where a lost connection is reported (ids and reasons only). */
interface Log {
  warn(obj: object, msg?: string): void;
}

export interface LiveEvents {
  /** Calls `onEvent` for every committed change `filter` accepts; returns the unsubscribe. */
  subscribe(filter: (e: LiveEvent) => boolean, onEvent: (e: LiveEvent) => void): () => void;
  stop(): Promise<void>;
}

/** The notification's payload as a LiveEvent, or null when it is not one (never trusted blindly). */
export function parseLiveEvent(payload: string | undefined): LiveEvent | null {
  if (!payload) return null;
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const strings = ["clinicId", "id", "openingId", "status"].every((k) => typeof o[k] === "string");
  if (!strings || (o.kind !== "offer" && o.kind !== "opening")) return null;
  return { clinicId: o.clinicId as string, kind: o.kind, id: o.id as string, openingId: o.openingId as string, status: o.status as string };
}

// A lost connection is retried after 0.5 s, doubling up to 15 s: a database restart should not be
// hammered, and an open page's status may lag by at most that much after one.
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

/**
 * LISTENs on a dedicated connection of its own (not one of the pool's: holding a pool client forever
 * would shrink the pool, and the pool's end() would wait for it), reconnecting if it drops.
 */
export async function startLiveEvents(pool: Pool, log: Log): Promise<LiveEvents> {
  const subscribers = new Set<{ filter: (e: LiveEvent) => boolean; onEvent: (e: LiveEvent) => void }>();
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = RETRY_MIN_MS;
  let retry: NodeJS.Timeout | null = null;

  const fanOut = (message: pg.Notification) => {
    if (message.channel !== LIVE_CHANNEL) return;
    const event = parseLiveEvent(message.payload);
    if (!event) return;
    for (const s of [...subscribers]) {
      try {
        if (s.filter(event)) s.onEvent(event);
      } catch (e) {
        log.warn({ err: { message: e instanceof Error ? e.message : String(e) } }, "live event subscriber failed");
      }
    }
  };

  const lost = (c: pg.Client, why: string) => {
    if (client !== c) return; // already replaced
    client = null;
    c.removeAllListeners("notification");
    c.end().catch(() => {});
    if (stopped) return;
    log.warn({ reason: why, retryMs }, "live events connection lost; reconnecting");
    retry = setTimeout(() => void connect().catch(() => {}), retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async (): Promise<void> => {
    retry = null;
    const c = new pg.Client({ connectionString: pool.options.connectionString });
    c.on("error", (e) => lost(c, e.message));
    c.on("end", () => lost(c, "connection ended"));
    client = c;
    try {
      await c.connect();
      c.on("notification", fanOut);
      await c.query(`LISTEN ${LIVE_CHANNEL}`);
      retryMs = RETRY_MIN_MS;
      if (stopped) await c.end().catch(() => {});
    } catch (e) {
      lost(c, e instanceof Error ? e.message : String(e));
      throw e;
    }
  };

  try {
    await connect();
  } catch (e) {
    stopped = true;
    if (retry) clearTimeout(retry);
    throw e;
  }

  return {
    subscribe(filter, onEvent) {
      const s = { filter, onEvent };
      subscribers.add(s);
      return () => void subscribers.delete(s);
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      subscribers.clear();
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners("notification");
        await c.end().catch(() => {});
      }
    },
  };
}
