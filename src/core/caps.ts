// Per-patient and per-entry message caps (FCC health-care exemption: 1 a day, 3 a week by default).
export interface CapUsage {
  /** Offers this entry has had (the entry's notificationCount). */
  entryNotifications: number;
  /** Offers made to this patient in the 24 h / 7 days before now (rolling windows: no calendar or DST edge). */
  patientOffersLastDay: number;
  patientOffersLastWeek: number;
}

export interface CapLimits {
  maxNotificationsPerEntry: number;
  dailyCapPerPatient: number;
  weeklyCapPerPatient: number;
}

export type CapReason = "max_notifications_reached" | "daily_cap" | "weekly_cap";

/** The first cap that stops another offer, or null when one may be made. */
export function capReached(usage: CapUsage, limits: CapLimits): CapReason | null {
  if (usage.entryNotifications >= limits.maxNotificationsPerEntry) return "max_notifications_reached";
  if (usage.patientOffersLastDay >= limits.dailyCapPerPatient) return "daily_cap";
  if (usage.patientOffersLastWeek >= limits.weeklyCapPerPatient) return "weekly_cap";
  return null;
}
