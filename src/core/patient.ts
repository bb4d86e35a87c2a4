// Patient records: contact data in canonical form, and consent that follows the contact it was given for.
import { normalisePhone } from "./phone.ts";
import { invalid, ok, type FieldError, type Result } from "./result.ts";
import { canonicalZone, isTimeZone } from "./time.ts";
import type { Channel, Consent, ConsentChannel, Patient } from "./types.ts";

export interface PatientInput {
  firstName?: string;
  lastName?: string;
  phone?: string | null;
  email?: string | null;
  timezone?: string | null;
  smsConsent?: boolean;
  voiceConsent?: boolean;
  emailConsent?: boolean;
  preferredChannel?: Channel | null;
}

export interface PatientFields {
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  timezone: string | null;
  preferredChannel: Channel | null;
  consent: Record<ConsentChannel, Consent>;
}

export interface ConsentChange {
  channel: ConsentChannel;
  granted: boolean;
  source: string;
}

const NO_CONSENT: Consent = { granted: false, at: null, source: null };
const CONSENT_FIELDS = { SMS: "smsConsent", VOICE: "voiceConsent", EMAIL: "emailConsent" } as const;

/**
 * The patient's fields after applying `input` to `current` (null when registering), with the consent
 * changes to record. Consent belongs to a phone number or address: changing the number without
 * restating consent revokes SMS and voice consent; changing the address revokes email consent.
 */
export function applyPatientInput(
  current: Patient | null,
  input: PatientInput,
  ctx: { phoneCountry: string; at: Date; source: string },
): Result<{ fields: PatientFields; changes: ConsentChange[] }> {
  const errors: FieldError[] = [];
  let phone = current?.phone ?? null;
  if (input.phone !== undefined) {
    if (input.phone === null || input.phone.trim() === "") phone = null;
    else {
      const parsed = normalisePhone(input.phone, ctx.phoneCountry);
      if (parsed.ok) phone = parsed.value;
      else errors.push(...(parsed.errors ?? []));
    }
  }
  const email = input.email === undefined ? (current?.email ?? null) : input.email?.trim().toLowerCase() || null;
  const timezone = input.timezone === undefined ? (current?.timezone ?? null) : input.timezone && (canonicalZone(input.timezone) ?? input.timezone);
  if (timezone !== null && !isTimeZone(timezone)) errors.push({ path: "/timezone", message: "must be an IANA time zone name" });

  const contactChanged: Record<ConsentChannel, boolean> = {
    SMS: current !== null && phone !== current.phone,
    VOICE: current !== null && phone !== current.phone,
    EMAIL: current !== null && email !== current.email,
  };
  const has: Record<ConsentChannel, boolean> = { SMS: phone !== null, VOICE: phone !== null, EMAIL: email !== null };
  const consent = { ...(current?.consent ?? { SMS: NO_CONSENT, VOICE: NO_CONSENT, EMAIL: NO_CONSENT }) };
  const changes: ConsentChange[] = [];
  for (const channel of ["SMS", "VOICE", "EMAIL"] as const) {
    const asked = input[CONSENT_FIELDS[channel]];
    const was = consent[channel].granted;
    let now = asked ?? was;
    let source = ctx.source;
    if (asked === undefined && contactChanged[channel] && was) {
      now = false;
      source = `${channel === "EMAIL" ? "email" : "phone"}_${has[channel] ? "changed" : "removed"}`;
    }
    if (now && !has[channel]) {
      if (asked) errors.push({ path: `/${CONSENT_FIELDS[channel]}`, message: `needs ${channel === "EMAIL" ? "an email" : "a phone"}` });
      now = false;
      source = channel === "EMAIL" ? "email_removed" : "phone_removed";
    }
    if (now !== was || (now && contactChanged[channel])) {
      consent[channel] = { granted: now, at: ctx.at, source };
      changes.push({ channel, granted: now, source });
    }
  }

  const preferredChannel = input.preferredChannel === undefined ? (current?.preferredChannel ?? null) : input.preferredChannel;
  if (preferredChannel === "SMS" || preferredChannel === "VOICE") {
    if (phone === null) errors.push({ path: "/preferredChannel", message: "needs a phone" });
  } else if (preferredChannel === "EMAIL" && email === null) {
    errors.push({ path: "/preferredChannel", message: "needs an email" });
  }

  const firstName = (input.firstName ?? current?.firstName ?? "").trim();
  const lastName = (input.lastName ?? current?.lastName ?? "").trim();
  if (!firstName) errors.push({ path: "/firstName", message: "must not be blank" });
  if (!lastName) errors.push({ path: "/lastName", message: "must not be blank" });

  if (errors.length > 0) return invalid(errors);
  return ok({ fields: { firstName, lastName, phone, email, timezone, preferredChannel, consent }, changes });
}
