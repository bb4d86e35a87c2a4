// What every flow receives: a plain object built once in main.ts (or by a test).
import type { Clock } from "../clock.ts";
import type { Channels } from "../channels/channel.ts";
import type { Config } from "../config.ts";
import type { PaymentGateway } from "../payments/gateway.ts";
import { recordAudit } from "../store/audit.ts";
import type { Pool, Queryable } from "../store/db.ts";
import type { LiveEvents } from "../store/live-events.ts";

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Deps {
  db: Pool;
  clock: Clock;
  config: Config;
  log: Logger;
  /** Where each channel's messages go: real providers when configured, else the dev outbox. */
  channels: Channels;
  /** Where money moves: the dev gateway (a ledger table) unless a real one is wired in. */
  payments: PaymentGateway;
  /** The VAPID public key browsers subscribe with (absent: web push is off). */
  pushPublicKey?: string | null;
  /** Committed status changes of offers and openings, for live pages (absent: pages are not live). */
  live?: LiveEvents;
}

/** Who asks: the clinic they act for and how they are named in the audit log (ids, never names). */
export interface Caller {
  clinicId: string;
  actor: string;
}

/** Writes one audit row for a change made by `caller` at `at`, in the transaction `q`. */
export function audit(
  q: Queryable,
  caller: Caller,
  at: Date,
  change: { action: string; entity: string; entityId: string | null; before?: unknown; after?: unknown },
): Promise<void> {
  return recordAudit(q, {
    clinicId: caller.clinicId,
    actor: caller.actor,
    at,
    before: change.before ?? null,
    after: change.after ?? null,
    action: change.action,
    entity: change.entity,
    entityId: change.entityId,
  });
}
