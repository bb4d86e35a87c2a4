// The payments' due work, for run-due.ts: claims whose 90 s ran out, cancellation fees due at their
// slot's start, and held deposits whose appointment has an outcome. Each sweep claims its rows with
// SKIP LOCKED (src/flows/lapse-payment-holds.ts, charge-fees.ts, settle-deposits.ts), so any number of
// instances can run it.
import { chargeDueFees } from "./charge-fees.ts";
import type { Deps } from "./deps.ts";
import { lapseDuePaymentHolds } from "./lapse-payment-holds.ts";
import { settleDueDeposits } from "./settle-deposits.ts";

export async function sweepPayments(deps: Deps, now: Date): Promise<number> {
  return (await lapseDuePaymentHolds(deps, now)) + (await chargeDueFees(deps, now)) + (await settleDueDeposits(deps, now));
}
