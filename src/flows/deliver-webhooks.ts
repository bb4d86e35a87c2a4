// Sending due webhook deliveries (API.md "Events out (webhooks)", the Standard Webhooks specification).
// At least once: a delivery is leased (committed) before its POST, and its outcome is written afterwards
// only while that lease is still its own; a worker killed mid-POST leaves the lease to run out and another
// sends the same event again, with the same webhook-id, so the receiver can tell it already has it.
//
// One POST: body `{ type, timestamp, sequence, data }`, headers webhook-id (the event's id: the same on every
// retry and to every endpoint), webhook-timestamp (this attempt, Unix seconds), webhook-signature
// (`v1,<base64>`; during a rotation the new secret's and the previous one's, space-separated). node:http(s),
// not fetch: a 15 s limit on the whole attempt, redirects never followed (a 3xx fails), the connection's
// address checked by publicLookup in production, at most ~4 KB of the answer read, and thrown away.
import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import { type AttemptResult, decideOutcome, type DisableReason } from "../core/webhook-retry.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import {
  disableEndpoint,
  keepEventData,
  lockEndpointHealth,
  recordWebhookAttempt,
  releaseWebhookLease,
  setEndpointFailingSince,
  type TakenWebhookDelivery,
  takeDueWebhookDeliveries,
} from "../store/webhook-deliveries.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";
import { renderEventData } from "./render-event.ts";
import { literalHostRefusal, publicLookup } from "./webhook-url.ts";

/** The most one attempt may take, connection to last byte read (API.md: timeout 15 s). */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** How long a taken delivery is its worker's: well over the timeout (and the few attempts one endpoint gets in a row). */
const LEASE_MS = 60_000;
/** How much of a receiver's answer is read before the connection is dropped (it is not kept). */
const ANSWER_BYTES = 4096;
const BATCH = 50;
/** Sent one after another, in order, per endpoint and batch: 3 × 15 s stays inside the lease. */
const PER_ENDPOINT = 3;
export const USER_AGENT = "Backfill-Webhooks/1";

export interface DeliverOptions {
  /** Tests only: a shorter limit than WEBHOOK_TIMEOUT_MS for a receiver that never answers. */
  timeoutMs?: number;
}

/**
 * Sends the webhook deliveries due at `now`: endpoints side by side, each endpoint's in order of due time and
 * event sequence. Returns how many it took from the queue (each was attempted).
 */
export async function deliverDueWebhooks(deps: Deps, now: Date, options: DeliverOptions = {}): Promise<number> {
  const at = latest(now, deps.clock.now());
  const taken = await inTransaction(deps.db, (tx) =>
    takeDueWebhookDeliveries(tx, { now: at, leaseUntil: new Date(at.getTime() + LEASE_MS), limit: BATCH, perEndpoint: PER_ENDPOINT }),
  );
  const byEndpoint = new Map<string, TakenWebhookDelivery[]>();
  for (const d of taken) byEndpoint.set(d.endpointId, [...(byEndpoint.get(d.endpointId) ?? []), d]);
  await Promise.all(
    [...byEndpoint.values()].map(async (list) => {
      let disabled = false;
      for (const d of list) {
        // The endpoint was disabled by an earlier attempt of this batch: the rest go back unsent and uncounted.
        if (disabled) await releaseWebhookLease(deps.db, d, latest(deps.clock.now(), takenAt(d)));
        else disabled = await deliverOne(deps, d, options.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
      }
    }),
  );
  return taken.length;
}

const latest = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
const takenAt = (d: TakenWebhookDelivery) => new Date(d.lockedUntil.getTime() - LEASE_MS);

/** One attempt and its outcome; true when its endpoint is disabled now (by this attempt or meanwhile). */
async function deliverOne(deps: Deps, d: TakenWebhookDelivery, timeoutMs: number): Promise<boolean> {
  const ids = { deliveryId: d.id, eventId: d.eventId, endpointId: d.endpointId, attempt: d.attempts };
  let data: unknown;
  try {
    data =
      d.event.data ??
      (await inTransaction(deps.db, async (tx) => keepEventData(tx, d.clinicId, d.eventId, await renderEventData(tx, { clinicId: d.clinicId, ...d.event }))));
  } catch (e) {
    deps.log.error({ ...ids, err: { message: e instanceof Error ? e.message : String(e) } }, "webhook event not rendered");
    return recordOutcome(deps, d, { kind: "error", message: "the event could not be rendered" });
  }
  const body = JSON.stringify({ type: d.event.type, timestamp: d.event.createdAt.toISOString(), sequence: d.event.sequence, data });
  const attemptAt = deps.clock.now();
  let signature: string;
  try {
    signature = signatures(d, body, attemptAt);
  } catch {
    // Only a secret written by hand into the table (ours are whsec_ + base64 of 32 bytes) cannot sign: this
    // delivery fails like an unreachable endpoint, and the rest of the batch goes on.
    deps.log.error(ids, "webhook not signed: the endpoint's secret is not a whsec_ base64 key");
    return recordOutcome(deps, d, { kind: "error", message: "the endpoint's secret cannot sign (rotate it)" });
  }
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": d.eventId,
    "webhook-timestamp": String(Math.floor(attemptAt.getTime() / 1000)),
    "webhook-signature": signature,
  };
  const result = await post(d.endpoint.url, headers, body, timeoutMs, deps.config.production);
  const status = result.kind === "response" ? result.status : result.kind;
  deps.log.info({ ...ids, status }, "webhook attempted");
  return recordOutcome(deps, d, result);
}

/** `v1,<sig>` by the current secret, then by the previous one while a rotation's 24 h run (the spec's list). */
export function signatures(d: Pick<TakenWebhookDelivery, "eventId" | "endpoint">, body: string, at: Date): string {
  const { secret, previousSecret, previousSecretExpiresAt } = d.endpoint;
  const all = [new Webhook(secret).sign(d.eventId, at, body)];
  if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt.getTime() > at.getTime()) {
    all.push(new Webhook(previousSecret).sign(d.eventId, at, body));
  }
  return all.join(" ");
}

/** One POST, never redirected, never longer than `timeoutMs`; what it came to, never throwing. */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, production: boolean): Promise<AttemptResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ kind: "error", message: "the endpoint URL is not a URL" });
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") return Promise.resolve({ kind: "error", message: "the endpoint URL is not http(s)" });
  const refused = literalHostRefusal(url, production);
  if (refused) return Promise.resolve({ kind: "error", message: describe(refused) });
  return new Promise((resolve) => {
    let status: number | null = null;
    let retryAfter: string | null = null;
    let settled = false;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const answered = (): AttemptResult => ({ kind: "response", status: status!, retryAfter });
    const send = target.protocol === "https:" ? https.request : http.request;
    const request = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: publicLookup(production),
        agent: false, // one connection per attempt: nothing pooled outlives it
      },
      (response) => {
        status = response.statusCode ?? 0;
        const header = response.headers["retry-after"];
        retryAfter = typeof header === "string" ? header : null;
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read >= ANSWER_BYTES) settle(answered());
        });
        response.on("end", () => settle(answered()));
        response.on("error", () => settle(answered()));
      },
    );
    // The whole attempt; once the status is in, a body still trickling does not turn it into a timeout.
    const timer = setTimeout(() => settle(status === null ? { kind: "timeout" } : answered()), timeoutMs);
    request.on("error", (e) => settle(status === null ? { kind: "error", message: describe(e) } : answered()));
    request.end(body);
  });
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}

/**
 * Writes the attempt's outcome while the lease is still this attempt's, with the endpoint's health: a success
 * clears failing_since, the first failure sets it; 410 or 5 days failing disables the endpoint (audited, staff
 * alerted); the 8th failure gives up (staff alerted). Ids only in alerts and logs, never the payload.
 */
async function recordOutcome(deps: Deps, d: TakenWebhookDelivery, result: AttemptResult): Promise<boolean> {
  // Never before the take: a clock that stands still still orders the writes.
  const at = latest(deps.clock.now(), takenAt(d));
  return inTransaction(deps.db, async (tx) => {
    // Lock order: the endpoint, then its delivery (as the endpoint flows do).
    const endpoint = await lockEndpointHealth(tx, d.clinicId, d.endpointId);
    if (!endpoint) return true; // deleted meanwhile, its deliveries with it: nothing more to send it
    const outcome = decideOutcome({ attempts: d.attempts, result, now: at, failingSince: endpoint.failingSince });
    const { delivery } = outcome;
    // Disabled while this attempt was on the way: nothing more is due for it.
    const nextAttemptAt = delivery.status === "FAILED" && !endpoint.disabled ? delivery.nextAttemptAt : null;
    const kept = await recordWebhookAttempt(tx, d, {
      status: delivery.status,
      lastStatusCode: outcome.lastStatusCode,
      lastError: outcome.lastError,
      nextAttemptAt,
      at,
    });
    if (!kept) {
      // The lease ran out and another worker took the row: its attempt is the one that counts.
      deps.log.warn({ deliveryId: d.id, attempt: d.attempts }, "webhook outcome dropped: lease lost");
      return endpoint.disabled;
    }
    await setEndpointFailingSince(tx, d.clinicId, d.endpointId, outcome.failingSince, at);
    const disabled = outcome.disable !== null && !endpoint.disabled && (await disableEndpoint(tx, d.clinicId, d.endpointId, outcome.disable, at));
    if (disabled) await endpointDisabled(tx, d, outcome.disable!, at);
    else if (delivery.status === "GAVE_UP") await gaveUp(tx, d, at);
    return endpoint.disabled || disabled;
  });
}

async function endpointDisabled(tx: Tx, d: TakenWebhookDelivery, reason: DisableReason, at: Date): Promise<void> {
  await audit(tx, { clinicId: d.clinicId, actor: "system" }, at, {
    action: "webhook_endpoint.disabled",
    entity: "webhook_endpoint",
    entityId: d.endpointId,
    before: { disabled: false },
    after: { disabled: true, reason, deliveryId: d.id, eventId: d.eventId, attempts: d.attempts },
  });
  const why = reason === "gone" ? "it answered 410 Gone" : "it has failed for 5 days without a success";
  await alertStaff(tx, d.clinicId, "webhook_disabled", d.endpointId, `Webhook endpoint ${d.endpointId} was disabled: ${why} (delivery ${d.id}).`, at);
}

function gaveUp(tx: Tx, d: TakenWebhookDelivery, at: Date): Promise<void> {
  const message = `Webhook delivery ${d.id} (event ${d.eventId}, ${d.event.type}) to endpoint ${d.endpointId} gave up after ${d.attempts} attempts.`;
  return alertStaff(tx, d.clinicId, "webhook_gave_up", d.id, message, at);
}

/** A staff alert, and the same by email when the clinic has a staff alert address (as no-shows do). */
async function alertStaff(tx: Tx, clinicId: string, kind: string, subjectId: string, message: string, at: Date): Promise<void> {
  await insertStaffAlert(tx, { clinicId, kind, subjectId, message, at });
  const settings = await settingsIn(tx, clinicId);
  if (!settings.staffAlertEmail) return;
  await insertDelivery(tx, {
    clinicId,
    offerId: null,
    patientId: null,
    kind: "NOTICE",
    channel: "EMAIL",
    dueAt: at,
    payload: { to: settings.staffAlertEmail, subject: "Backfill: webhooks need attention", text: message },
    at,
  });
}
