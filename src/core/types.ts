// Glossary (DESIGN.md): the nouns of Backfill, as the core sees them. Rows are parsed into these
// once, in src/store; the HTTP layer turns them into the public JSON of API.md.
//
// Clinic       a tenant: time zone, settings, providers, chairs (operatories/rooms), services.
// Appointment  a booked interval for a patient with a provider (and maybe a chair) for a service.
// Opening      (API: slot) a free interval that can be offered; OPEN until FILLED, EXPIRED or CLOSED.
// Waitlist entry  a patient's standing request: service, providers/chairs, windows, dates, priority, notice.
// Candidate    an entry that fits an opening, with a score and readable reasons.
// Offer        (API: notification) one opening offered to one entry, with a hold.
// Wave         the offers sent together for one opening.
// Delivery     one attempt to reach a patient about an offer on one channel.
// PaymentHold        the atomic act of turning an offer into an appointment; one claim per opening wins.

import type { WithdrawReason } from "./offer.ts";

export type Id = string;

export const CHANNELS = ["SMS", "EMAIL", "VOICE", "PUSH", "MANUAL"] as const;
export type Channel = (typeof CHANNELS)[number];
/** Channels a patient consents to individually (MANUAL is staff calling by hand). */
export type ConsentChannel = "SMS" | "EMAIL" | "VOICE";

export interface Clinic {
  id: Id;
  name: string;
  timezone: string;
  createdAt: Date;
}

export interface Provider {
  id: Id;
  clinicId: Id;
  name: string;
  active: boolean;
  /** The clinic's own system's id for it (API.md "External ids"; unique per clinic and kind). */
  externalId: string | null;
  createdAt: Date;
}

export type Chair = Provider;

export interface Service {
  id: Id;
  clinicId: Id;
  name: string;
  category: string;
  durationMinutes: number;
  priceCents: number;
  active: boolean;
  externalId: string | null;
  createdAt: Date;
}

export interface Consent {
  granted: boolean;
  at: Date | null;
  source: string | null;
}

export interface Patient {
  id: Id;
  clinicId: Id;
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  timezone: string | null;
  preferredChannel: Channel | null;
  consent: Record<ConsentChannel, Consent>;
  depositRequiredCents: number;
  prepaymentRequired: boolean;
  flags: string[];
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const APPOINTMENT_STATUSES = ["BOOKED", "CONFIRMED", "CHECKED_IN", "COMPLETED", "CANCELLED", "NO_SHOW"] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const APPOINTMENT_SOURCES = ["STAFF", "WAITLIST", "ONLINE"] as const;
export type AppointmentSource = (typeof APPOINTMENT_SOURCES)[number];
export type CancelledBy = "patient" | "staff";

export interface Appointment {
  id: Id;
  clinicId: Id;
  patientId: Id;
  providerId: Id;
  chairId: Id | null;
  serviceId: Id;
  start: Date;
  end: Date;
  status: AppointmentStatus;
  source: AppointmentSource;
  fromWaitlistEntryId: Id | null;
  bookedAt: Date;
  checkedInAt: Date | null;
  cancelledAt: Date | null;
  cancelledBy: CancelledBy | null;
  cancelReason: string | null;
  /** When the reminder is due (null: none will be sent); see src/core/reminders.ts reminderDue. */
  reminderDueAt: Date | null;
  /** When the reminder was queued for sending (at most once). */
  remindedAt: Date | null;
  /** Percent off this visit (a rebooking after a first no-show: settings noShowDiscountPercent). */
  discountPercent: number;
  /** The appointment this one replaced (reschedule) or followed (rebooking after a no-show). */
  rebookedFromAppointmentId: Id | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const OPENING_STATUSES = ["OPEN", "FILLED", "EXPIRED", "CLOSED"] as const;
export type OpeningStatus = (typeof OPENING_STATUSES)[number];
export const OPENING_SOURCES = ["CANCELLATION", "NO_SHOW", "NEW_SLOT", "RESCHEDULE"] as const;
export type OpeningSource = (typeof OPENING_SOURCES)[number];

export interface Opening {
  id: Id;
  clinicId: Id;
  providerId: Id;
  chairId: Id | null;
  serviceId: Id | null;
  start: Date;
  end: Date;
  status: OpeningStatus;
  source: OpeningSource;
  sourceAppointmentId: Id | null;
  filledAppointmentId: Id | null;
  filledAt: Date | null;
  closedAt: Date | null;
  nextWaveAt: Date | null;
  waveCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ENTRY_STATUSES = ["ACTIVE", "NOTIFIED", "BOOKED", "REMOVED", "EXPIRED", "UNREACHABLE", "EXHAUSTED"] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
export const PRIORITIES = ["normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A weekday/time window in the clinic's zone. Weekdays are ISO: 1 = Monday … 7 = Sunday. */
export interface TimeWindow {
  weekdays: number[];
  start: string;
  end: string;
}

export interface WaitlistEntry {
  id: Id;
  clinicId: Id;
  patientId: Id;
  serviceId: Id;
  providerIds: Id[];
  chairIds: Id[];
  windows: TimeWindow[];
  earliestDate: string | null;
  latestDate: string | null;
  priority: Priority;
  minNoticeMinutes: number;
  preferredTime: string | null;
  notes: string | null;
  status: EntryStatus;
  notificationCount: number;
  passedOverCount: number;
  bookedAppointmentId: Id | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const OFFER_STATUSES = ["SCHEDULED", "PENDING", "ACCEPTED", "DECLINED", "EXPIRED", "WITHDRAWN"] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export type OfferResponseValue = "ACCEPTED" | "DECLINED" | "NO_RESPONSE" | "EXPIRED";

export interface Offer {
  id: Id;
  clinicId: Id;
  openingId: Id;
  entryId: Id;
  patientId: Id;
  status: OfferStatus;
  channel: Channel | null;
  wave: number;
  rank: number | null;
  score: number | null;
  holdMinutes: number;
  message: string | null;
  scheduledFor: Date | null;
  sentAt: Date | null;
  holdExpiresAt: Date | null;
  holdReleased: boolean;
  respondedAt: Date | null;
  response: OfferResponseValue | null;
  bookedAppointmentId: Id | null;
  withdrawReason: WithdrawReason | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DELIVERY_STATUSES = ["QUEUED", "SENDING", "SENT", "DELIVERED", "FAILED", "UNDELIVERED", "BOUNCED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type DeliveryKind = "OFFER" | "CONFIRMATION" | "NOTICE" | "REMINDER";

export interface Delivery {
  id: Id;
  clinicId: Id;
  offerId: Id | null;
  patientId: Id | null;
  kind: DeliveryKind;
  channel: Channel;
  status: DeliveryStatus;
  toAddress: string | null;
  payload: Record<string, unknown>;
  providerMessageId: string | null;
  /** sha256 of the booking link's token this message carried (offers only). */
  tokenHash: string | null;
  /** sha256 of the exact text of the last attempt, recorded before the provider call (reconciliation). */
  bodyHash: string | null;
  failureReason: string | null;
  attemptCount: number;
  dueAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
