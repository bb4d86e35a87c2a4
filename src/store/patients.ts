import type { PatientFields } from "../core/patient.ts";
import type { ConsentChannel, Patient } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** A `patients` row as pg returns it (timestamptz → Date); the CHECK constraints stand behind the unions. */
interface PatientRow {
  id: string;
  clinic_id: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  email: string | null;
  timezone: string | null;
  preferred_channel: Patient["preferredChannel"];
  sms_consent: boolean;
  sms_consent_at: Date | null;
  sms_consent_source: string | null;
  voice_consent: boolean;
  voice_consent_at: Date | null;
  voice_consent_source: string | null;
  email_consent: boolean;
  email_consent_at: Date | null;
  email_consent_source: string | null;
  deposit_required_cents: number;
  prepayment_required: boolean;
  flags: string[];
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Also what render-event.ts reads a webhook event's snapshot with. */
export { parse as parsePatient };

function parse(r: PatientRow): Patient {
  // One column triple per channel (sms_consent, sms_consent_at, sms_consent_source).
  const consent = (granted: boolean, at: Date | null, source: string | null) => ({ granted, at, source });
  return {
    id: r.id,
    clinicId: r.clinic_id,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    email: r.email,
    timezone: r.timezone,
    preferredChannel: r.preferred_channel,
    consent: {
      SMS: consent(r.sms_consent, r.sms_consent_at, r.sms_consent_source),
      EMAIL: consent(r.email_consent, r.email_consent_at, r.email_consent_source),
      VOICE: consent(r.voice_consent, r.voice_consent_at, r.voice_consent_source),
    },
    depositRequiredCents: r.deposit_required_cents,
    prepaymentRequired: r.prepayment_required,
    flags: r.flags,
    externalId: r.external_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function columns(p: PatientFields): unknown[] {
  const c = p.consent;
  return [
    p.firstName,
    p.lastName,
    p.phone,
    p.email,
    p.timezone,
    p.preferredChannel,
    c.SMS.granted,
    c.SMS.at,
    c.SMS.source,
    c.VOICE.granted,
    c.VOICE.at,
    c.VOICE.source,
    c.EMAIL.granted,
    c.EMAIL.at,
    c.EMAIL.source,
  ];
}

/** A duplicate `externalId` raises 23505 on the constraint `patients_external_id`. */
export async function insertPatient(q: Queryable, clinicId: string, p: PatientFields & { externalId?: string | null }, at: Date): Promise<Patient> {
  const { rows } = await q.query<PatientRow>(
    `INSERT INTO patients (first_name, last_name, phone, email, timezone, preferred_channel,
       sms_consent, sms_consent_at, sms_consent_source, voice_consent, voice_consent_at, voice_consent_source,
       email_consent, email_consent_at, email_consent_source, clinic_id, created_at, updated_at, external_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18) RETURNING *`,
    [...columns(p), clinicId, at, p.externalId ?? null],
  );
  return parse(rows[0]!);
}

/** `externalId` undefined keeps the stored one; a duplicate raises 23505 on `patients_external_id`. */
export async function updatePatient(q: Queryable, clinicId: string, id: string, p: PatientFields & { externalId?: string | null }, at: Date): Promise<Patient> {
  const { rows } = await q.query<PatientRow>(
    `UPDATE patients SET first_name = $1, last_name = $2, phone = $3, email = $4, timezone = $5, preferred_channel = $6,
       sms_consent = $7, sms_consent_at = $8, sms_consent_source = $9,
       voice_consent = $10, voice_consent_at = $11, voice_consent_source = $12,
       email_consent = $13, email_consent_at = $14, email_consent_source = $15, updated_at = $18,
       external_id = CASE WHEN $19::boolean THEN $20 ELSE external_id END
     WHERE clinic_id = $16 AND id = $17 RETURNING *`,
    [...columns(p), clinicId, id, at, p.externalId !== undefined, p.externalId ?? null],
  );
  return parse(rows[0]!);
}

export async function getPatient(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Patient | null> {
  const { rows } = await q.query<PatientRow>(`SELECT * FROM patients WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [clinicId, id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function listPatients(q: Queryable, clinicId: string, page: PageRequest, f: { externalId?: string } = {}): Promise<Page<Patient>> {
  const { rows } = await q.query<PatientRow>(
    `SELECT * FROM patients WHERE clinic_id = $1
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       AND ($5::text IS NULL OR external_id = $5)
     ORDER BY created_at, id LIMIT $4`,
    [clinicId, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1, f.externalId ?? null],
  );
  return toPage(rows.map(parse), page.limit, (p) => ({ key: p.createdAt.toISOString(), id: p.id }));
}

export async function recordConsentEvent(
  q: Queryable,
  e: { clinicId: string; patientId: string; channel: ConsentChannel; granted: boolean; source: string; at: Date },
): Promise<void> {
  await q.query(`INSERT INTO consent_events (clinic_id, patient_id, channel, granted, source, at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    e.clinicId,
    e.patientId,
    e.channel,
    e.granted,
    e.source,
    e.at,
  ]);
}

/** No-shows in the six months before `at` (API.md: `noShowCount`). */
export async function noShowCount(q: Queryable, clinicId: string, patientId: string, at: Date): Promise<number> {
  const { rows } = await q.query(
    `SELECT count(*)::int AS n FROM appointments
     WHERE clinic_id = $1 AND patient_id = $2 AND status = 'NO_SHOW'
       AND start_at > $3::timestamptz - interval '6 months' AND start_at <= $3`,
    [clinicId, patientId, at],
  );
  return rows[0].n;
}

/** Every patient record with this phone (in one clinic, or in all when `clinicId` is null). */
export async function patientsByPhone(q: Queryable, phone: string, clinicId: string | null): Promise<Patient[]> {
  const { rows } = await q.query<PatientRow>(
    "SELECT * FROM patients WHERE phone = $1 AND ($2::uuid IS NULL OR clinic_id = $2) ORDER BY created_at, id FOR UPDATE",
    [phone, clinicId],
  );
  return rows.map(parse);
}

/** A consent change the patient made themselves (STOP/START): current state, with when and how. */
export async function setConsent(
  q: Queryable,
  p: { clinicId: string; patientId: string; channel: "SMS" | "VOICE" | "EMAIL"; granted: boolean; source: string; at: Date },
): Promise<void> {
  const col = p.channel.toLowerCase();
  await q.query(
    `UPDATE patients SET ${col}_consent = $3, ${col}_consent_at = $4, ${col}_consent_source = $5, updated_at = $4
     WHERE clinic_id = $1 AND id = $2`,
    [p.clinicId, p.patientId, p.granted, p.at, p.source],
  );
  await recordConsentEvent(q, { clinicId: p.clinicId, patientId: p.patientId, channel: p.channel, granted: p.granted, source: p.source, at: p.at });
}
