// Registering and editing patients; every consent change is recorded with when and how.
import { applyPatientInput, type ConsentChange, type PatientInput } from "../core/patient.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import type { Patient } from "../core/types.ts";
import { inTransaction, type Queryable } from "../store/db.ts";
import { getPatient, insertPatient, recordConsentEvent, updatePatient } from "../store/patients.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { rescheduleReminders } from "./schedule-reminders.ts";

export async function registerPatient(deps: Deps, caller: Caller, input: PatientInput): Promise<Result<Patient>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const settings = await settingsIn(tx, caller.clinicId);
    const applied = applyPatientInput(null, input, { phoneCountry: settings.phoneCountry, at, source: caller.actor });
    if (!applied.ok) return applied;
    const patient = await insertPatient(tx, caller.clinicId, applied.value.fields, at);
    await recordConsentChanges(tx, caller, patient.id, applied.value.changes, at);
    await audit(tx, caller, at, { action: "patient.created", entity: "patient", entityId: patient.id, after: patient });
    return ok(patient);
  });
}

export async function editPatient(deps: Deps, caller: Caller, id: string, input: PatientInput): Promise<Result<Patient>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const current = await getPatient(tx, caller.clinicId, id, true);
    if (!current) return notFound("patient");
    const settings = await settingsIn(tx, caller.clinicId);
    const applied = applyPatientInput(current, input, { phoneCountry: settings.phoneCountry, at, source: caller.actor });
    if (!applied.ok) return applied;
    const patient = await updatePatient(tx, caller.clinicId, id, applied.value.fields, at);
    await recordConsentChanges(tx, caller, id, applied.value.changes, at);
    // Reminders keep out of the patient's quiet hours in their own zone.
    if (patient.timezone !== current.timezone) await rescheduleReminders(tx, caller.clinicId, id, at);
    await audit(tx, caller, at, { action: "patient.updated", entity: "patient", entityId: id, before: current, after: patient });
    return ok(patient);
  });
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
