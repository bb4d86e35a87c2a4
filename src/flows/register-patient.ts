// Registering and editing patients; every consent change is recorded with when and how.
import { applyPatientInput, type ConsentChange, type PatientFields, type PatientInput } from "../core/patient.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import type { Patient } from "../core/types.ts";
import { inTransaction, type Queryable, type Tx } from "../store/db.ts";
import { getPatient, insertPatient, recordConsentEvent, updatePatient } from "../store/patients.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { rescheduleReminders } from "./schedule-reminders.ts";
import { refusingDuplicateExternalId } from "./sync.ts";

/** A patient as the API takes it: the fields, and the clinic's own system's id (null clears it on PATCH). */
export type PatientBody = PatientInput & { externalId?: string | null };

export async function registerPatient(deps: Deps, caller: Caller, input: PatientBody): Promise<Result<Patient>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId("patient", () => inTransaction(deps.db, (tx) => registerPatientIn(tx, caller, input, at, caller.actor)));
}

/** Registers in `tx`; `source` is what the consents given are recorded as coming from. */
export async function registerPatientIn(tx: Tx, caller: Caller, input: PatientBody, at: Date, source: string): Promise<Result<Patient>> {
  const settings = await settingsIn(tx, caller.clinicId);
  const applied = applyPatientInput(null, input, { phoneCountry: settings.phoneCountry, at, source });
  if (!applied.ok) return applied;
  const patient = await insertPatient(tx, caller.clinicId, { ...applied.value.fields, externalId: input.externalId ?? null }, at);
  await recordConsentChanges(tx, caller, patient.id, applied.value.changes, at);
  await audit(tx, caller, at, { action: "patient.created", entity: "patient", entityId: patient.id, after: patient });
  return ok(patient);
}

export async function editPatient(deps: Deps, caller: Caller, id: string, input: PatientBody): Promise<Result<Patient>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId("patient", () =>
    inTransaction(deps.db, async (tx) => {
      const current = await getPatient(tx, caller.clinicId, id, true);
      if (!current) return notFound("patient");
      const settings = await settingsIn(tx, caller.clinicId);
      const applied = applyPatientInput(current, input, { phoneCountry: settings.phoneCountry, at, source: caller.actor });
      if (!applied.ok) return applied;
      return ok(await writePatientEdit(tx, caller, current, { ...applied.value, externalId: input.externalId }, at));
    }),
  );
}

/**
 * Writes an edit `applyPatientInput` worked out: the row, each consent change (consent_events and the
 * audit log), the reminders when the patient's zone moved, and the `patient.updated` audit row.
 * `externalId` undefined keeps the stored one.
 */
export async function writePatientEdit(
  tx: Tx,
  caller: Caller,
  current: Patient,
  edit: { fields: PatientFields; changes: ConsentChange[]; externalId?: string | null },
  at: Date,
): Promise<Patient> {
  const id = current.id;
  const patient = await updatePatient(tx, caller.clinicId, id, { ...edit.fields, externalId: edit.externalId }, at);
  await recordConsentChanges(tx, caller, id, edit.changes, at);
  // Reminders keep out of the patient's quiet hours in their own zone.
  if (patient.timezone !== current.timezone) await rescheduleReminders(tx, caller.clinicId, id, at);
  await audit(tx, caller, at, { action: "patient.updated", entity: "patient", entityId: id, before: current, after: patient });
  return patient;
}

async function recordConsentChanges(q: Queryable, caller: Caller, patientId: string, changes: ConsentChange[], at: Date) {
  for (const c of changes) {
    await recordConsentEvent(q, { clinicId: caller.clinicId, patientId, ...c, at });
    await audit(q, caller, at, {
      action: c.granted ? "consent.granted" : "consent.revoked",
      entity: "patient",
      entityId: patientId,
      after: c,
    });
  }
}
