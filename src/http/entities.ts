// Response schemas (OpenAPI) for the JSON that flows/resource-json.ts produces.
import { Type } from "typebox";
import { PERMISSIONS } from "../core/permissions.ts";
import { STRATEGIES } from "../core/settings.ts";
import { APPOINTMENT_SOURCES, APPOINTMENT_STATUSES, ENTRY_STATUSES, OPENING_SOURCES, OPENING_STATUSES, PRIORITIES } from "../core/types.ts";
import { CalendarDate, Channel, Enum, Id, Instant, Nullable, TimeOfDay, Window } from "./schemas.ts";

const open = { additionalProperties: true };

export const ClinicJson = Type.Object({ id: Id, name: Type.String(), timezone: Type.String() }, open);

export const ApiKeyJson = Type.Object(
  { id: Id, name: Type.String(), permissions: Type.Array(Enum(PERMISSIONS)), createdAt: Instant, revokedAt: Nullable(Instant) },
  open,
);

export const PolicyJson = Type.Object(
  {
    gracePeriodMinutes: Type.Integer({ minimum: 0, maximum: 10080 }),
    feePercent: Type.Integer({ minimum: 0, maximum: 100 }),
    noticeHours: Type.Integer({ minimum: 0, maximum: 720 }),
    fullChargeHours: Type.Integer({ minimum: 0, maximum: 720 }),
  },
  { additionalProperties: false },
);

/** Settings: every field optional so the same schema serves PATCH; bounds keep values sane. */
export const SettingsFields = {
  holdMinutes: Type.Integer({ minimum: 10, maximum: 10080 }),
  maxNotificationsPerEntry: Type.Integer({ minimum: 1, maximum: 100 }),
  quietHours: Type.Object({ start: TimeOfDay, end: TimeOfDay }, { additionalProperties: false }),
  strategy: Enum(STRATEGIES),
  waveSize: Type.Integer({ minimum: 1, maximum: 100 }),
  cutoffMinutes: Type.Integer({ minimum: 0, maximum: 1439 }),
  channelOrder: Type.Array(Channel, { minItems: 1, maxItems: 5 }),
  fallbackDelayMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  alternativesHorizonHours: Type.Integer({ minimum: 1, maximum: 720 }),
  noShowGraceMinutes: Type.Integer({ minimum: 0, maximum: 240 }),
  noShowDiscountPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  noShowDepositCents: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  dailyCapPerPatient: Type.Integer({ minimum: 0, maximum: 100 }),
  weeklyCapPerPatient: Type.Integer({ minimum: 0, maximum: 700 }),
  reminderHoursBefore: Type.Integer({ minimum: 0, maximum: 336 }),
  openingDebounceMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  cancellationPolicies: Type.Record(Type.String({ pattern: "^[a-z0-9_-]{1,50}$" }), PolicyJson),
  staffAlertEmail: Nullable(Type.String({ format: "email", maxLength: 320 })),
  phoneCountry: Type.String({ pattern: "^[A-Z]{2}$" }),
  timezone: Type.String({ minLength: 1, maxLength: 100 }),
};
export const SettingsJson = Type.Object(SettingsFields, open);
// Type.Partial drops the object's options, so additionalProperties goes on the Partial; quietHours may be partial.
export const SettingsPatch = Type.Partial(
  Type.Object({ ...SettingsFields, quietHours: Type.Partial(SettingsFields.quietHours, { additionalProperties: false }) }),
  { additionalProperties: false },
);

export const ResourceJson = Type.Object({ id: Id, name: Type.String(), active: Type.Boolean(), externalId: Nullable(Type.String()), createdAt: Instant }, open);

export const ServiceJson = Type.Object(
  {
    id: Id,
    name: Type.String(),
    category: Type.String(),
    durationMinutes: Type.Integer(),
    priceCents: Type.Integer(),
    active: Type.Boolean(),
    externalId: Nullable(Type.String()),
    createdAt: Instant,
  },
  open,
);

const ConsentJson = Type.Object({ granted: Type.Boolean(), at: Nullable(Instant), source: Nullable(Type.String()) });

export const PatientJson = Type.Object(
  {
    id: Id,
    firstName: Type.String(),
    lastName: Type.String(),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
    timezone: Nullable(Type.String()),
    preferredChannel: Nullable(Channel),
    smsConsent: Type.Boolean(),
    voiceConsent: Type.Boolean(),
    emailConsent: Type.Boolean(),
    consents: Type.Object({ sms: ConsentJson, voice: ConsentJson, email: ConsentJson }),
    noShowCount: Type.Optional(Type.Integer()),
    depositRequiredCents: Type.Integer(),
    prepaymentRequired: Type.Boolean(),
    flags: Type.Array(Type.String()),
    externalId: Nullable(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
  },
  open,
);

export const AppointmentJson = Type.Object(
  {
    id: Id,
    patientId: Id,
    providerId: Id,
    chairId: Nullable(Id),
    serviceId: Id,
    start: Instant,
    end: Instant,
    status: Enum(APPOINTMENT_STATUSES),
    source: Enum(APPOINTMENT_SOURCES),
    fromWaitlistEntryId: Nullable(Id),
    bookedAt: Instant,
    checkedInAt: Nullable(Instant),
    cancelledAt: Nullable(Instant),
    cancelledBy: Nullable(Type.String()),
    cancelReason: Nullable(Type.String()),
    reminderDueAt: Nullable(Instant),
    remindedAt: Nullable(Instant),
    discountPercent: Type.Integer({ minimum: 0, maximum: 100, description: "percent off this visit (a rebooking after a first no-show)" }),
    rebookedFromAppointmentId: Nullable(Id),
    externalId: Nullable(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
  },
  open,
);

export const OpeningJson = Type.Object(
  {
    id: Id,
    providerId: Id,
    chairId: Nullable(Id),
    serviceId: Nullable(Id),
    start: Instant,
    end: Instant,
    status: Enum(OPENING_STATUSES),
    source: Enum(OPENING_SOURCES),
    sourceAppointmentId: Nullable(Id),
    filledAppointmentId: Nullable(Id),
    filledAt: Nullable(Instant),
    closedAt: Nullable(Instant),
    waveCount: Type.Integer(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  open,
);

export const EntryJson = Type.Object(
  {
    id: Id,
    patientId: Id,
    serviceId: Id,
    providerIds: Type.Array(Id),
    chairIds: Type.Array(Id),
    windows: Type.Array(Window),
    earliestDate: Nullable(CalendarDate),
    latestDate: Nullable(CalendarDate),
    priority: Enum(PRIORITIES),
    minNoticeMinutes: Type.Integer(),
    preferredTime: Nullable(TimeOfDay),
    notes: Nullable(Type.String()),
    status: Enum(ENTRY_STATUSES),
    notificationCount: Type.Integer(),
    bookedAppointmentId: Nullable(Id),
    externalId: Nullable(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
  },
  open,
);

export const DeliveryJson = Type.Object(
  {
    id: Id,
    channel: Channel,
    status: Type.String(),
    providerMessageId: Nullable(Type.String()),
    failureReason: Nullable(Type.String()),
    attemptCount: Type.Integer(),
    sentAt: Nullable(Instant),
    deliveredAt: Nullable(Instant),
  },
  open,
);

export const NotificationJson = Type.Object(
  {
    id: Id,
    waitlistEntryId: Id,
    clinicId: Id,
    slotId: Id,
    appointmentSlotStart: Instant,
    appointmentSlotEnd: Instant,
    providerId: Id,
    chairId: Nullable(Id),
    channel: Nullable(Channel),
    sentAt: Nullable(Instant),
    message: Nullable(Type.String()),
    holdExpiresAt: Nullable(Instant),
    holdReleased: Type.Boolean(),
    respondedAt: Nullable(Instant),
    response: Nullable(Type.String()),
    bookedAppointmentId: Nullable(Id),
    status: Type.String(),
    deliveries: Type.Array(DeliveryJson),
  },
  open,
);

export const AlternativeJson = Type.Object(
  { slotId: Id, start: Instant, end: Instant, providerName: Nullable(Type.String()), matchScore: Type.Integer(), matchReasons: Type.Array(Type.String()) },
  open,
);
