// The machine-readable error codes of the public contract (API.md, "Conventions").
export const ERROR_CODES = [
  "unauthorized",
  "forbidden",
  "not_found",
  "validation_failed",
  "conflict",
  "slot_filled",
  "offer_expired",
  "offer_closed",
  "max_notifications_reached",
  "no_reachable_channel",
  "quiet_hours",
  "rate_limited",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
