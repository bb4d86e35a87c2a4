// Core values → the public JSON of API.md (camelCase, ISO instants): what the HTTP API answers and what webhooks carry as `data`.
import type { Settings } from "../core/settings.ts";
import type { Appointment, Clinic, Consent, Opening, Patient, Provider, Service, WaitlistEntry } from "../core/types.ts";
import type { NotificationView } from "./view-notifications.ts";
import type { ApiKey } from "./issue-api-key.ts";
import type { OutreachTask } from "./complete-outreach.ts";

function iso(d: Date): string;
function iso(d: Date | null): string | null;
function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export const clinicJson = (c: Clinic) => ({ id: c.id, name: c.name, timezone: c.timezone });

export const apiKeyJson = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  permissions: k.permissions,
  createdAt: iso(k.createdAt),
  revokedAt: iso(k.revokedAt),
});

export const settingsJson = (s: Settings) => s;

export const resourceJson = (p: Provider) => ({ id: p.id, name: p.name, active: p.active, externalId: p.externalId, createdAt: iso(p.createdAt) });

export const serviceJson = (s: Service) => ({
  id: s.id,
  name: s.name,
  category: s.category,
  durationMinutes: s.durationMinutes,
  priceCents: s.priceCents,
  active: s.active,
  externalId: s.externalId,
  createdAt: iso(s.createdAt),
});

const consentJson = (c: Consent) => ({ granted: c.granted, at: iso(c.at), source: c.source });

export const patientJson = (p: Patient & { noShowCount?: number }) => ({
  id: p.id,
  firstName: p.firstName,
  lastName: p.lastName,
  phone: p.phone,
  email: p.email,
  timezone: p.timezone,
  preferredChannel: p.preferredChannel,
  smsConsent: p.consent.SMS.granted,
  voiceConsent: p.consent.VOICE.granted,
  emailConsent: p.consent.EMAIL.granted,
  consents: { sms: consentJson(p.consent.SMS), voice: consentJson(p.consent.VOICE), email: consentJson(p.consent.EMAIL) },
  ...(p.noShowCount === undefined ? {} : { noShowCount: p.noShowCount }),
  depositRequiredCents: p.depositRequiredCents,
  prepaymentRequired: p.prepaymentRequired,
  flags: p.flags,
  externalId: p.externalId,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

export const appointmentJson = (a: Appointment) => ({
  id: a.id,
  patientId: a.patientId,
  providerId: a.providerId,
  chairId: a.chairId,
  serviceId: a.serviceId,
  start: iso(a.start),
  end: iso(a.end),
  status: a.status,
  source: a.source,
  fromWaitlistEntryId: a.fromWaitlistEntryId,
  bookedAt: iso(a.bookedAt),
  checkedInAt: iso(a.checkedInAt),
  cancelledAt: iso(a.cancelledAt),
  cancelledBy: a.cancelledBy,
  cancelReason: a.cancelReason,
  reminderDueAt: iso(a.reminderDueAt),
  remindedAt: iso(a.remindedAt),
  discountPercent: a.discountPercent,
  rebookedFromAppointmentId: a.rebookedFromAppointmentId,
  externalId: a.externalId,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

export const openingJson = (o: Opening) => ({
  id: o.id,
  providerId: o.providerId,
  chairId: o.chairId,
  serviceId: o.serviceId,
  start: iso(o.start),
  end: iso(o.end),
  status: o.status,
  source: o.source,
  sourceAppointmentId: o.sourceAppointmentId,
  filledAppointmentId: o.filledAppointmentId,
  filledAt: iso(o.filledAt),
  closedAt: iso(o.closedAt),
  waveCount: o.waveCount,
  createdAt: iso(o.createdAt),
  updatedAt: iso(o.updatedAt),
});

export const entryJson = (e: WaitlistEntry) => ({
  id: e.id,
  patientId: e.patientId,
  serviceId: e.serviceId,
  providerIds: e.providerIds,
  chairIds: e.chairIds,
  windows: e.windows,
  earliestDate: e.earliestDate,
  latestDate: e.latestDate,
  priority: e.priority,
  minNoticeMinutes: e.minNoticeMinutes,
  preferredTime: e.preferredTime,
  notes: e.notes,
  status: e.status,
  notificationCount: e.notificationCount,
  bookedAppointmentId: e.bookedAppointmentId,
  externalId: e.externalId,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

export const notificationJson = (v: NotificationView) => ({
  id: v.offer.id,
  waitlistEntryId: v.offer.entryId,
  clinicId: v.offer.clinicId,
  slotId: v.offer.openingId,
  appointmentSlotStart: iso(v.opening.start),
  appointmentSlotEnd: iso(v.opening.end),
  providerId: v.opening.providerId,
  chairId: v.opening.chairId,
  channel: v.offer.channel,
  sentAt: iso(v.offer.sentAt),
  message: v.offer.message,
  holdExpiresAt: iso(v.offer.holdExpiresAt),
  holdReleased: v.offer.holdReleased,
  respondedAt: iso(v.offer.respondedAt),
  response: v.offer.response,
  bookedAppointmentId: v.offer.bookedAppointmentId,
  status: v.offer.status,
  scheduledFor: iso(v.offer.scheduledFor),
  wave: v.offer.wave,
  rank: v.offer.rank,
  score: v.offer.score,
  createdAt: iso(v.offer.createdAt),
  deliveries: v.deliveries.map((d) => ({
    id: d.id,
    channel: d.channel,
    status: d.status,
    providerMessageId: d.providerMessageId,
    failureReason: d.failureReason,
    attemptCount: d.attemptCount,
    sentAt: iso(d.sentAt),
    deliveredAt: iso(d.deliveredAt),
  })),
});

export const taskJson = (t: OutreachTask) => ({
  id: t.id,
  notificationId: t.notificationId,
  patientId: t.patientId,
  deadline: iso(t.deadline),
  priority: t.priority,
  status: t.status,
  outcome: t.outcome,
  notes: t.notes,
  createdAt: iso(t.createdAt),
  completedAt: iso(t.completedAt),
});
