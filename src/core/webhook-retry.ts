// Webhook delivery outcomes (API.md "Events out (webhooks)"): what one attempt's answer means for the
// delivery (done, retried when, given up) and for its endpoint (healthy, failing since, disabled).
//
// The schedule after attempt n fails: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then GAVE_UP (8 attempts).
// `Retry-After` (seconds or an HTTP date) can only push the next attempt later, never sooner: the next
// attempt is the later of the schedule's and the receiver's, the receiver's capped at the longest step
// (10 h), so a receiver cannot park a delivery for a week, nor make us hammer it faster than the schedule.
// It changes when, not how many: the attempts stay 8.

/** The wait after the 1st, 2nd, … 7th failed attempt; after the 8th there is none. */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** The most a Retry-After may delay an attempt: the schedule's longest step. */
export const MAX_RETRY_AFTER_MS = Math.max(...RETRY_DELAYS_MS);
/** An endpoint failing this long without one success is disabled. */
export const FAILING_DISABLE_MS = 5 * 24 * 3_600_000;

/** Why an endpoint was disabled by the deliverer (staff can disable one too, with no reason). */
export type DisableReason = "gone" | "failing for 5 days";

/** What one POST came to. */
export type AttemptResult = { kind: "response"; status: number; retryAfter?: string | null } | { kind: "timeout" } | { kind: "error"; message: string };

export type DeliveryOutcome = { status: "SUCCEEDED" } | { status: "FAILED"; nextAttemptAt: Date | null } | { status: "GAVE_UP" };

export interface Outcome {
  delivery: DeliveryOutcome;
  /** The endpoint's failing_since after this attempt (null: healthy). */
  failingSince: Date | null;
  /** Set when this attempt disables the endpoint. */
  disable: DisableReason | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

/**
 * A Retry-After header as a delay in ms from `now`: delta-seconds ("120") or an HTTP date (RFC 9110
 * §10.2.3). Null when absent or unreadable; a date in the past is 0.
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its weekday and GMT; a bare number with a sign or a fraction is not one.
  if (!/[a-z]/i.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/**
 * When the attempt after failed attempt number `attempts` (1-based) is due, or null when that was the last.
 * The later of the schedule and the receiver's Retry-After (capped at MAX_RETRY_AFTER_MS).
 */
export function nextAttemptAt(attempts: number, now: Date, retryAfter: number | null = null): Date | null {
  if (attempts < 1 || attempts >= MAX_ATTEMPTS) return null;
  const scheduled = RETRY_DELAYS_MS[attempts - 1]!;
  const asked = retryAfter === null ? 0 : Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  return new Date(now.getTime() + Math.max(scheduled, asked));
}

const isSuccess = (status: number) => status >= 200 && status <= 299;

/** The words kept as last_error: the status or the failure's kind, never the receiver's body. */
function errorOf(result: AttemptResult): string | null {
  if (result.kind === "timeout") return "timeout";
  if (result.kind === "error") return result.message.slice(0, 500);
  if (isSuccess(result.status)) return null;
  if (result.status >= 300 && result.status <= 399) return `HTTP ${result.status} (redirects are not followed)`;
  return `HTTP ${result.status}`;
}

/**
 * Attempt number `attempts` (this one counted) answered `result` at `now`, to an endpoint failing since
 * `failingSince` (null: its last attempt succeeded). 2xx → SUCCEEDED and the endpoint is healthy again;
 * 410 → GAVE_UP and the endpoint disabled ("gone"); anything else (another status, a 3xx, a timeout, a
 * network error) → FAILED with the next attempt, or GAVE_UP after the 8th; a failure 5 days or more after
 * the endpoint's first unanswered failure disables it ("failing for 5 days"), the delivery FAILED with
 * nothing more due.
 */
export function decideOutcome(input: { attempts: number; result: AttemptResult; now: Date; failingSince: Date | null }): Outcome {
  const { attempts, result, now } = input;
  const lastStatusCode = result.kind === "response" ? result.status : null;
  const lastError = errorOf(result);
  if (result.kind === "response" && isSuccess(result.status)) {
    return { delivery: { status: "SUCCEEDED" }, failingSince: null, disable: null, lastStatusCode, lastError };
  }
  const failingSince = input.failingSince ?? now;
  if (result.kind === "response" && result.status === 410) {
    return { delivery: { status: "GAVE_UP" }, failingSince, disable: "gone", lastStatusCode, lastError };
  }
  if (now.getTime() - failingSince.getTime() >= FAILING_DISABLE_MS) {
    return { delivery: { status: "FAILED", nextAttemptAt: null }, failingSince, disable: "failing for 5 days", lastStatusCode, lastError };
  }
  const wait = result.kind === "response" ? retryAfterMs(result.retryAfter, now) : null;
  const next = nextAttemptAt(attempts, now, wait);
  const delivery: DeliveryOutcome = next ? { status: "FAILED", nextAttemptAt: next } : { status: "GAVE_UP" };
  return { delivery, failingSince, disable: null, lastStatusCode, lastError };
}
