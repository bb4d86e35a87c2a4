// The offer lifecycle as a decider: decide(command, state) → events | refusal, evolve(state, event).
//
//   SCHEDULED ──send──▶ PENDING ──accept──▶ ACCEPTED
//       │                  ├──decline──▶ DECLINED
//       │                  ├──expire───▶ EXPIRED   (the hold ran out)
//       └──────────────────┴──withdraw─▶ WITHDRAWN (why: one of WITHDRAW_REASONS, carried on the event)
//
// A SCHEDULED offer (waiting for quiet hours to end) can also be accepted or declined by staff on
// the patient's behalf (they reached them by phone). `now` is always part of the command.
import { fail, ok, type Result } from "./result.ts";
import type { OfferStatus } from "./types.ts";

export type OfferResponse = "ACCEPTED" | "DECLINED" | "NO_RESPONSE" | "EXPIRED";

/**
 * Why a live offer was withdrawn: the one list, written to offers.withdraw_reason and shown to staff.
 * The words are the ones already stored in landed databases.
 */
export const WITHDRAW_REASONS = [
  "filled", // the opening was booked by someone else (a claim, staff, the host system)
  "closed", // the opening was closed: by staff, a closure, or a booking of another provider on its chair
  "expired", // the opening got too close to its start to offer (its cut-off passed)
  "entry_removed", // the waitlist entry was removed
  "booked_elsewhere", // the patient was booked for this service another way (this or another entry of theirs)
  "unreachable", // every channel failed and nobody could call the patient in time
  "cap", // at send time the patient had reached the daily or weekly offer-message cap
  "too_late", // at send time no useful hold was left before the opening's cut-off
] as const;
export type WithdrawReason = (typeof WITHDRAW_REASONS)[number];

export function isWithdrawReason(x: unknown): x is WithdrawReason {
  return (WITHDRAW_REASONS as readonly unknown[]).includes(x);
}

export interface OfferState {
  status: OfferStatus;
  sentAt: Date | null;
  holdExpiresAt: Date | null;
  respondedAt: Date | null;
  response: OfferResponse | null;
  holdReleased: boolean;
  /** Set when (and only when) the offer was withdrawn. */
  withdrawReason: WithdrawReason | null;
}

export type OfferCommand =
  | { type: "send"; now: Date; holdExpiresAt: Date }
  | { type: "accept"; now: Date }
  | { type: "decline"; now: Date }
  | { type: "expire"; now: Date }
  | { type: "withdraw"; now: Date; reason: WithdrawReason };

export type OfferEvent =
  | { type: "sent"; at: Date; holdExpiresAt: Date }
  | { type: "accepted"; at: Date }
  | { type: "declined"; at: Date }
  | { type: "expired"; at: Date }
  | { type: "withdrawn"; at: Date; reason: WithdrawReason };

export const LIVE: readonly OfferStatus[] = ["SCHEDULED", "PENDING"];

export function isLive(status: OfferStatus): boolean {
  return LIVE.includes(status);
}

export function holdRunning(state: OfferState, now: Date): boolean {
  return state.status === "PENDING" && state.holdExpiresAt !== null && now.getTime() < state.holdExpiresAt.getTime();
}

/** Why an offer that is no longer live cannot be answered. */
function closedRefusal(state: OfferState, withdrawnBecause?: "filled" | "other") {
  switch (state.status) {
    case "EXPIRED":
      return fail("offer_expired", "the hold on this offer has run out");
    case "WITHDRAWN":
      return withdrawnBecause === "filled" ? fail("slot_filled", "this opening has been filled") : fail("offer_closed", "this offer was withdrawn");
    case "ACCEPTED":
    case "DECLINED":
      return fail("offer_closed", `this offer was already ${state.status.toLowerCase()}`);
    case "SCHEDULED":
    case "PENDING":
      return fail("offer_closed", "this offer is still open");
    default:
      return assertNever(state.status);
  }
}

/**
 * `withdrawnBecause` tells a WITHDRAWN offer whose opening was filled (→ slot_filled) from one
 * closed for another reason (→ offer_closed); the shell knows which from the opening.
 */
export function decide(command: OfferCommand, state: OfferState, withdrawnBecause?: "filled" | "other"): Result<OfferEvent[]> {
  const now = command.now;
  switch (command.type) {
    case "send":
      if (state.status !== "SCHEDULED") return fail("offer_closed", `an offer that is ${state.status} is not sent again`);
      if (command.holdExpiresAt.getTime() <= now.getTime()) return fail("offer_expired", "the hold would already be over");
      return ok([{ type: "sent", at: now, holdExpiresAt: command.holdExpiresAt }]);
    case "accept":
    case "decline": {
      if (state.status === "PENDING" && !holdRunning(state, now)) {
        return fail("offer_expired", "the hold on this offer has run out");
      }
      if (!isLive(state.status)) return closedRefusal(state, withdrawnBecause);
      return ok([{ type: command.type === "accept" ? "accepted" : "declined", at: now }]);
    }
    case "expire":
      if (state.status !== "PENDING") return closedRefusal(state, withdrawnBecause);
      if (holdRunning(state, now)) return fail("conflict", "the hold is still running");
      return ok([{ type: "expired", at: now }]);
    case "withdraw":
      if (!isLive(state.status)) return closedRefusal(state, withdrawnBecause);
      return ok([{ type: "withdrawn", at: now, reason: command.reason }]);
    default:
      return assertNever(command);
  }
}

export function evolve(state: OfferState, event: OfferEvent): OfferState {
  switch (event.type) {
    case "sent":
      return { ...state, status: "PENDING", sentAt: event.at, holdExpiresAt: event.holdExpiresAt };
    case "accepted":
      return { ...state, status: "ACCEPTED", respondedAt: event.at, response: "ACCEPTED", holdReleased: true };
    case "declined":
      return { ...state, status: "DECLINED", respondedAt: event.at, response: "DECLINED", holdReleased: true };
    case "expired":
      return { ...state, status: "EXPIRED", response: "NO_RESPONSE", holdReleased: true };
    case "withdrawn":
      return { ...state, status: "WITHDRAWN", holdReleased: true, withdrawReason: event.reason };
    default:
      return assertNever(event);
  }
}

export function evolveAll(state: OfferState, events: OfferEvent[]): OfferState {
  return events.reduce(evolve, state);
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}
