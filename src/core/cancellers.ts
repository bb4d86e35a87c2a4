// The frequent-canceller flag (issue 6): a patient who cancelled 2 or more times in the last 30 days is
// flagged for staff (API.md: patient `flags`). Pure: counting is the store's, the rule is here.

export const FREQUENT_CANCELLER = "frequent_canceller";
/** Cancellations by the patient within the window that set the flag. */
export const FREQUENT_CANCELLER_COUNT = 2;
export const FREQUENT_CANCELLER_WINDOW_DAYS = 30;

/** The flags a patient should carry given their cancellations in the window (others kept, order kept). */
export function flagsFor(flags: readonly string[], cancellationsInWindow: number): string[] {
  const frequent = cancellationsInWindow >= FREQUENT_CANCELLER_COUNT;
  const has = flags.includes(FREQUENT_CANCELLER);
  if (frequent === has) return [...flags];
  return frequent ? [...flags, FREQUENT_CANCELLER] : flags.filter((f) => f !== FREQUENT_CANCELLER);
}

/** The start of the counting window ending at `now`. */
export function windowStart(now: Date): Date {
  return new Date(now.getTime() - FREQUENT_CANCELLER_WINDOW_DAYS * 86_400_000);
}
