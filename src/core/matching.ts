// Does a waitlist entry fit an opening? Every rule of the core loop's matching, as data.
import { DateTime } from "luxon";
import { capReached, type CapUsage } from "./caps.ts";
import { channelPlan, type Reach } from "./channels.ts";
import type { Settings } from "./settings.ts";
import { minutesBetween, minutesOfDay } from "./time.ts";
import type { Opening, TimeWindow, WaitlistEntry } from "./types.ts";

export interface MatchInput {
  entry: WaitlistEntry;
  service: { durationMinutes: number; active: boolean };
  reach: Reach;
  usage: CapUsage;
  /** The patient holds a live offer (for any opening): one at a time. */
  patientHasLiveOffer: boolean;
  /** The patient has an active appointment overlapping the opening. */
  patientBusy: boolean;
  /** This entry was already offered this opening (one offer per opening and entry, ever). */
  alreadyOffered: boolean;
}

export interface MatchContext {
  now: Date;
  /** The clinic's zone: windows, dates and preferred times are in it. */
  zone: string;
  settings: Pick<Settings, "channelOrder" | "maxNotificationsPerEntry" | "dailyCapPerPatient" | "weeklyCapPerPatient">;
}

export type MisfitReason =
  | "other_clinic"
  | "entry_not_active"
  | "already_offered"
  | "service_inactive"
  | "too_short"
  | "provider_not_accepted"
  | "chair_not_accepted"
  | "outside_windows"
  | "before_earliest_date"
  | "after_latest_date"
  | "too_little_notice"
  | "no_reachable_channel"
  | "max_notifications_reached"
  | "daily_cap"
  | "weekly_cap"
  | "patient_has_live_offer"
  | "patient_busy";

/** Null when the entry fits the opening, else the first rule it breaks. */
export function misfit(opening: Opening, m: MatchInput, ctx: MatchContext): MisfitReason | null {
  const e = m.entry;
  if (e.clinicId !== opening.clinicId) return "other_clinic";
  if (e.status !== "ACTIVE") return "entry_not_active";
  if (m.alreadyOffered) return "already_offered";
  if (!m.service.active) return "service_inactive";
  if (minutesBetween(opening.start, opening.end) < m.service.durationMinutes) return "too_short";
  if (e.providerIds.length > 0 && !e.providerIds.includes(opening.providerId)) return "provider_not_accepted";
  if (e.chairIds.length > 0 && opening.chairId !== null && !e.chairIds.includes(opening.chairId)) return "chair_not_accepted";
  if (e.windows.length > 0 && !insideAnyWindow(opening.start, m.service.durationMinutes, e.windows, ctx.zone)) {
    return "outside_windows";
  }
  const date = DateTime.fromJSDate(opening.start, { zone: ctx.zone }).toISODate()!;
  if (e.earliestDate && date < e.earliestDate) return "before_earliest_date";
  if (e.latestDate && date > e.latestDate) return "after_latest_date";
  if (minutesBetween(ctx.now, opening.start) < e.minNoticeMinutes) return "too_little_notice";
  if (channelPlan(ctx.settings.channelOrder, m.reach).length === 0) return "no_reachable_channel";
  const cap = capReached(m.usage, ctx.settings);
  if (cap) return cap;
  if (m.patientHasLiveOffer) return "patient_has_live_offer";
  if (m.patientBusy) return "patient_busy";
  return null;
}

/**
 * True when [start, start + duration) lies inside one window on the opening's local weekday.
 * An appointment that would run past local midnight is inside no window.
 */
export function insideAnyWindow(start: Date, durationMinutes: number, windows: TimeWindow[], zone: string): boolean {
  const local = DateTime.fromJSDate(start, { zone });
  const from = local.hour * 60 + local.minute;
  const to = from + durationMinutes;
  return windows.some((w) => {
    const ws = minutesOfDay(w.start);
    const we = minutesOfDay(w.end);
    return ws !== null && we !== null && w.weekdays.includes(local.weekday) && from >= ws && to <= we;
  });
}

/** The window that contains the opening's start, for a readable reason. */
export function windowAt(start: Date, windows: TimeWindow[], zone: string): TimeWindow | null {
  const local = DateTime.fromJSDate(start, { zone });
  const at = local.hour * 60 + local.minute;
  return (
    windows.find((w) => {
      const ws = minutesOfDay(w.start);
      const we = minutesOfDay(w.end);
      return ws !== null && we !== null && w.weekdays.includes(local.weekday) && at >= ws && at < we;
    }) ?? null
  );
}
