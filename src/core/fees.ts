// Cancellation fees (API.md "Lifecycle", VECTORS.md "Cancellation fees"). Pure: every instant is an argument.
import type { CancellationPolicy } from "./settings.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export type FeeReason = "grace_period" | "full_charge" | "late_notice" | "enough_notice";

export interface CancellationFee {
  /** Integer cents, 0 ≤ feeCents ≤ priceCents. */
  feeCents: number;
  reason: FeeReason;
  /** True when the waitlist grace period made this cancellation free. */
  gracePeriodActive: boolean;
  /** Whole hours from `now` until `start`, truncated toward zero (negative once the start has passed). */
  hoursToStart: number;
}

export interface CancellationFeeInput {
  priceCents: number;
  policy: CancellationPolicy;
  /** The booking was made by accepting a waitlist offer. */
  fromWaitlist: boolean;
  bookedAt: Date;
  /** When the patient cancels. */
  now: Date;
  /** The appointment's start. */
  start: Date;
}

/** The policy for a service category; categories without their own fall back to `default`. */
export function policyFor(policies: Record<string, CancellationPolicy>, category: string): CancellationPolicy {
  const own = Object.hasOwn(policies, category) ? policies[category] : undefined;
  const policy = own ?? policies.default;
  if (policy === undefined) throw new RangeError(`no cancellation policy for "${category}" and no "default"`);
  return policy;
}

/**
 * The fee for a patient cancelling at `now`:
 * - cancelling at or after the start costs the full price (no grace, no notice);
 * - a waitlist booking cancelled less than `gracePeriodMinutes` after it was made is free;
 * - otherwise with h = whole hours until the start (truncated): full price if h < fullChargeHours,
 *   feePercent of the price (rounded down to a cent) if h < noticeHours, else free.
 * For a fixed booking the fee never decreases as `now` moves later.
 */
export function cancellationFee(input: CancellationFeeInput): CancellationFee {
  const { priceCents, policy, fromWaitlist, bookedAt, now, start } = input;
  if (!Number.isSafeInteger(priceCents) || priceCents < 0) {
    throw new RangeError(`cancellationFee: priceCents must be a non-negative integer, got ${priceCents}`);
  }
  const untilStart = start.getTime() - now.getTime();
  const hoursToStart = Math.trunc(untilStart / HOUR) || 0; // `|| 0` turns -0 into 0
  const result = (feeCents: number, reason: FeeReason): CancellationFee => ({
    feeCents,
    reason,
    gracePeriodActive: reason === "grace_period",
    hoursToStart,
  });

  if (untilStart <= 0) return result(priceCents, "full_charge");
  if (fromWaitlist && now.getTime() - bookedAt.getTime() < policy.gracePeriodMinutes * MINUTE) {
    return result(0, "grace_period");
  }
  if (hoursToStart < policy.fullChargeHours) return result(priceCents, "full_charge");
  if (hoursToStart < policy.noticeHours) {
    const percent = Math.min(100, Math.max(0, policy.feePercent));
    return result(Math.floor((priceCents * percent) / 100), "late_notice");
  }
  return result(0, "enough_notice");
}
