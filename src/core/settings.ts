// A clinic's settings: defaults here, a clinic stores only what it changed.
import { isCountryCode } from "./phone.ts";
import { invalid, ok, type FieldError, type Result } from "./result.ts";
import { canonicalZone, isTimeZone, minutesOfDay } from "./time.ts";
import { CHANNELS, type Channel } from "./types.ts";

export const STRATEGIES = ["sequential", "broadcast", "adaptive"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface CancellationPolicy {
  gracePeriodMinutes: number;
  feePercent: number;
  noticeHours: number;
  fullChargeHours: number;
}

export interface Settings {
  holdMinutes: number;
  maxNotificationsPerEntry: number;
  quietHours: { start: string; end: string };
  strategy: Strategy;
  waveSize: number;
  cutoffMinutes: number;
  channelOrder: Channel[];
  fallbackDelayMinutes: number;
  alternativesHorizonHours: number;
  noShowGraceMinutes: number;
  /** First no-show: the apologetic message offers this discount on rebooking. */
  noShowDiscountPercent: number;
  /** Second no-show: the deposit future bookings require. */
  noShowDepositCents: number;
  dailyCapPerPatient: number;
  weeklyCapPerPatient: number;
  reminderHoursBefore: number;
  /** Minutes between an opening appearing and its first wave (a cancel-then-rebook grace). */
  openingDebounceMinutes: number;
  cancellationPolicies: Record<string, CancellationPolicy>;
  staffAlertEmail: string | null;
  /** Country used to read phone numbers written without a +country prefix (ISO 3166 alpha-2). */
  phoneCountry: string;
  timezone: string;
}

/** What a clinic stores: any subset, policies merged per category. */
export type SettingsOverrides = Partial<Omit<Settings, "timezone">>;

// Seed defaults (API.md, "Lifecycle"): injectables 15/50/24/24, laser 10/50/24/24, facial 15/50/12/12, default = facial.
const FACIAL: CancellationPolicy = { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 12, fullChargeHours: 12 };
export const DEFAULT_CANCELLATION_POLICIES: Record<string, CancellationPolicy> = {
  injectables: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
  laser: { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
  facial: FACIAL,
  default: FACIAL,
};

export function defaultSettings(timezone: string): Settings {
  return {
    holdMinutes: 120,
    maxNotificationsPerEntry: 3,
    quietHours: { start: "21:00", end: "08:00" },
    strategy: "sequential",
    waveSize: 1,
    cutoffMinutes: 30,
    channelOrder: ["SMS", "EMAIL", "VOICE"],
    fallbackDelayMinutes: 2,
    alternativesHorizonHours: 48,
    noShowGraceMinutes: 5,
    noShowDiscountPercent: 20, // the seed's default (seed 002 §4)
    noShowDepositCents: 5000,
    dailyCapPerPatient: 1,
    weeklyCapPerPatient: 3,
    reminderHoursBefore: 24,
    openingDebounceMinutes: 0,
    cancellationPolicies: DEFAULT_CANCELLATION_POLICIES,
    staffAlertEmail: null,
    phoneCountry: "US",
    timezone,
  };
}

export function effectiveSettings(timezone: string, overrides: SettingsOverrides): Settings {
  const base = defaultSettings(timezone);
  return {
    ...base,
    ...overrides,
    quietHours: { ...base.quietHours, ...overrides.quietHours },
    cancellationPolicies: { ...base.cancellationPolicies, ...overrides.cancellationPolicies },
    timezone,
  };
}

/**
 * Applies a patch to a clinic's stored overrides, checking the rules a schema cannot express.
 * Returns the new overrides and the (possibly new) time zone.
 */
export function patchSettings(
  current: { timezone: string; overrides: SettingsOverrides },
  patch: Partial<Settings>,
): Result<{ timezone: string; overrides: SettingsOverrides }> {
  const { timezone: newZone, ...rest } = patch;
  const timezone = newZone === undefined ? current.timezone : (canonicalZone(newZone) ?? newZone);
  const overrides: SettingsOverrides = {
    ...current.overrides,
    ...rest,
    ...(rest.quietHours ? { quietHours: { ...current.overrides.quietHours, ...rest.quietHours } as Settings["quietHours"] } : {}),
    ...(rest.cancellationPolicies ? { cancellationPolicies: { ...current.overrides.cancellationPolicies, ...rest.cancellationPolicies } } : {}),
  };
  const merged = effectiveSettings(timezone, overrides);
  const errors = checkSettings(merged);
  return errors.length > 0 ? invalid(errors) : ok({ timezone, overrides });
}

export function checkSettings(s: Settings): FieldError[] {
  const errors: FieldError[] = [];
  if (!isTimeZone(s.timezone)) errors.push({ path: "/timezone", message: "must be an IANA time zone name" });
  for (const key of ["start", "end"] as const) {
    if (minutesOfDay(s.quietHours[key]) === null) errors.push({ path: `/quietHours/${key}`, message: "must be HH:MM" });
  }
  if (s.quietHours.start === s.quietHours.end) {
    errors.push({ path: "/quietHours", message: "start and end must differ" });
  }
  if (new Set(s.channelOrder).size !== s.channelOrder.length) {
    errors.push({ path: "/channelOrder", message: "must not repeat a channel" });
  }
  for (const [i, c] of s.channelOrder.entries()) {
    if (!CHANNELS.includes(c)) errors.push({ path: `/channelOrder/${i}`, message: `must be one of ${CHANNELS.join(", ")}` });
  }
  if (s.weeklyCapPerPatient < s.dailyCapPerPatient) {
    errors.push({ path: "/weeklyCapPerPatient", message: "must be at least dailyCapPerPatient" });
  }
  if (s.cutoffMinutes >= 24 * 60) errors.push({ path: "/cutoffMinutes", message: "must be under a day" });
  for (const [category, p] of Object.entries(s.cancellationPolicies)) {
    if (p.fullChargeHours > p.noticeHours) {
      errors.push({ path: `/cancellationPolicies/${category}/fullChargeHours`, message: "must not exceed noticeHours" });
    }
  }
  if (!isCountryCode(s.phoneCountry)) errors.push({ path: "/phoneCountry", message: "must be an ISO 3166 country code" });
  return errors;
}
