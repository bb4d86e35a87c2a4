// Sync by external id for patients, providers, chairs, services and waitlist entries (API.md "Connecting
// the clinic's own systems"): `PUT …/external/:externalId` with the full representation, as `POST` takes it.
//
// - No record of the kind has the external id in this clinic: it is created, as `POST` would (201).
// - One has it: the body is normalised as the native flows store it (names trimmed, the phone in E.164,
//   the email lower-cased, the category lower-cased, weekdays sorted, notes trimmed) and compared with the
//   stored record. Equal: `unchanged`, and nothing is written — no UPDATE (so no trigger, no event), no
//   audit row. Different: the native edit runs (`<entity>.updated` audited with before/after, consent
//   changes recorded as `editPatient` records them, with source "sync"; waitlist PATCH rules).
// - A PUT is the full representation: an optional field left out takes the value `POST` would give it
//   (phone, email, timezone, preferredChannel, preferredTime, dates, notes → null; consents → false;
//   providerIds, chairIds, windows → []; priority → "normal"; minNoticeMinutes → 0).
import { applyPatientInput, type PatientFields, type PatientInput } from "../core/patient.ts";
import { invalid, ok, type Failure, type Result } from "../core/result.ts";
import type { Patient, Provider, Service, TimeWindow, WaitlistEntry } from "../core/types.ts";
import type { EntryFields } from "../store/waitlist.ts";
import { getEntry } from "../store/waitlist.ts";
import { idByExternalId } from "../store/external-ids.ts";
import { getPatient } from "../store/patients.ts";
import { getResource, updateResource, type ResourceTable } from "../store/providers.ts";
import { getService, updateService } from "../store/services.ts";
import { addResourceIn, addServiceIn, RESOURCE_ENTITY, serviceFields, type ResourceInput, type ServiceInput } from "./add-resource.ts";
import { addToWaitlistIn, editWaitlistEntryIn, entryFields, type EntryInput } from "./add-to-waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { toInternalRefs, type ExternalRefs } from "./references.ts";
import { registerPatientIn, writePatientEdit, type PatientBody } from "./register-patient.ts";
import { inSyncTransaction, type Synced } from "./sync.ts";

/** What consents given or withdrawn by a sync are recorded as coming from (consent_events.source). */
export const SYNC_SOURCE = "sync";

const created = <T>(value: T): Result<Synced<T>> => ok({ outcome: "created", value });
const updated = <T>(value: T): Result<Synced<T>> => ok({ outcome: "updated", value });
const unchanged = <T>(value: T): Result<Synced<T>> => ok({ outcome: "unchanged", value });

/** A body `externalId` must be the path's (or absent). */
function externalIdMismatch(externalId: string, body: { externalId?: string | null }): Failure | null {
  if (body.externalId === undefined || body.externalId === externalId) return null;
  return invalid([{ path: "/externalId", message: "must equal the externalId in the path (or be left out)" }]);
}

// Patients ----------------------------------------------------------------------------------------------

/** The full representation: what `POST` gives a field the body leaves out. */
function fullPatientInput(b: PatientBody): PatientInput {
  return {
    firstName: b.firstName,
    lastName: b.lastName,
    phone: b.phone ?? null,
    email: b.email ?? null,
    timezone: b.timezone ?? null,
    smsConsent: b.smsConsent ?? false,
    voiceConsent: b.voiceConsent ?? false,
    emailConsent: b.emailConsent ?? false,
    preferredChannel: b.preferredChannel ?? null,
  };
}

function samePatient(p: Patient, f: PatientFields): boolean {
  return (
    p.firstName === f.firstName &&
    p.lastName === f.lastName &&
    p.phone === f.phone &&
    p.email === f.email &&
    p.timezone === f.timezone &&
    p.preferredChannel === f.preferredChannel &&
    (["SMS", "VOICE", "EMAIL"] as const).every((c) => p.consent[c].granted === f.consent[c].granted)
  );
}

export async function syncPatient(deps: Deps, caller: Caller, externalId: string, body: PatientBody, dryRun: boolean): Promise<Result<Synced<Patient>>> {
  const mismatch = externalIdMismatch(externalId, body);
  if (mismatch) return mismatch;
  const input = fullPatientInput(body);
  const at = deps.clock.now();
  return inSyncTransaction(deps, dryRun, async (tx) => {
    const id = await idByExternalId(tx, "patients", caller.clinicId, externalId, true);
    const current = id ? await getPatient(tx, caller.clinicId, id, true) : null;
    if (!current) {
      const made = await registerPatientIn(tx, caller, { ...input, externalId }, at, SYNC_SOURCE);
      return made.ok ? created(made.value) : made;
    }
    const settings = await settingsIn(tx, caller.clinicId);
    const applied = applyPatientInput(current, input, { phoneCountry: settings.phoneCountry, at, source: SYNC_SOURCE });
    if (!applied.ok) return applied;
    if (applied.value.changes.length === 0 && samePatient(current, applied.value.fields)) return unchanged(current);
    return updated(await writePatientEdit(tx, caller, current, applied.value, at));
  });
}

// Providers and chairs ----------------------------------------------------------------------------------

export async function syncResource(
  deps: Deps,
  caller: Caller,
  table: ResourceTable,
  externalId: string,
  body: ResourceInput,
  dryRun: boolean,
): Promise<Result<Synced<Provider>>> {
  const mismatch = externalIdMismatch(externalId, body);
  if (mismatch) return mismatch;
  const at = deps.clock.now();
  return inSyncTransaction(deps, dryRun, async (tx) => {
    const id = await idByExternalId(tx, table, caller.clinicId, externalId, true);
    const before = id ? await getResource(tx, table, caller.clinicId, id) : null;
    if (!before) return created(await addResourceIn(tx, caller, table, { name: body.name, externalId }, at));
    const name = body.name.trim();
    if (before.name === name) return unchanged(before);
    const after = await updateResource(tx, table, caller.clinicId, before.id, { name });
    const entity = RESOURCE_ENTITY[table];
    await audit(tx, caller, at, { action: `${entity}.updated`, entity, entityId: before.id, before, after });
    return updated(after);
  });
}

// Services ----------------------------------------------------------------------------------------------

export async function syncService(deps: Deps, caller: Caller, externalId: string, body: ServiceInput, dryRun: boolean): Promise<Result<Synced<Service>>> {
  const mismatch = externalIdMismatch(externalId, body);
  if (mismatch) return mismatch;
  const at = deps.clock.now();
  return inSyncTransaction(deps, dryRun, async (tx) => {
    const id = await idByExternalId(tx, "services", caller.clinicId, externalId, true);
    const before = id ? await getService(tx, caller.clinicId, id) : null;
    if (!before) return created(await addServiceIn(tx, caller, { ...body, externalId }, at));
    const fields = serviceFields(body);
    const same =
      before.name === fields.name &&
      before.category === fields.category &&
      before.durationMinutes === fields.durationMinutes &&
      before.priceCents === fields.priceCents;
    if (same) return unchanged(before);
    const after = await updateService(tx, caller.clinicId, before.id, fields);
    await audit(tx, caller, at, { action: "service.updated", entity: "service", entityId: before.id, before, after });
    return updated(after);
  });
}

// Waitlist entries --------------------------------------------------------------------------------------

/** A waitlist entry as `POST` takes it, references by id or by external id. */
export type EntrySyncBody = Omit<EntryInput, "patientId" | "serviceId"> & ExternalRefs & { patientId?: string; serviceId?: string };

const sameWindows = (a: TimeWindow[], b: TimeWindow[]) =>
  a.length === b.length &&
  a.every(
    (w, i) =>
      w.start === b[i]!.start && w.end === b[i]!.end && w.weekdays.length === b[i]!.weekdays.length && w.weekdays.every((d, j) => d === b[i]!.weekdays[j]),
  );
const sameIds = (a: string[], b: string[]) => a.length === b.length && a.every((id, i) => id === b[i]);

function sameEntry(a: EntryFields, b: EntryFields): boolean {
  return (
    a.patientId === b.patientId &&
    a.serviceId === b.serviceId &&
    sameIds(a.providerIds, b.providerIds) &&
    sameIds(a.chairIds, b.chairIds) &&
    sameWindows(a.windows, b.windows) &&
    a.earliestDate === b.earliestDate &&
    a.latestDate === b.latestDate &&
    a.priority === b.priority &&
    a.minNoticeMinutes === b.minNoticeMinutes &&
    a.preferredTime === b.preferredTime &&
    a.notes === b.notes
  );
}

export async function syncWaitlistEntry(
  deps: Deps,
  caller: Caller,
  externalId: string,
  body: EntrySyncBody,
  dryRun: boolean,
): Promise<Result<Synced<WaitlistEntry>>> {
  const mismatch = externalIdMismatch(externalId, body);
  if (mismatch) return mismatch;
  const at = deps.clock.now();
  return inSyncTransaction(deps, dryRun, async (tx) => {
    const refs = await toInternalRefs(tx, caller.clinicId, body, ["patientId", "serviceId"]);
    if (!refs.ok) return refs;
    const input: EntryInput = { ...refs.value, externalId };
    const id = await idByExternalId(tx, "waitlist_entries", caller.clinicId, externalId, true);
    const before = id ? await getEntry(tx, caller.clinicId, id, true) : null;
    if (!before) {
      const made = await addToWaitlistIn(tx, caller, input, at);
      return made.ok ? created(made.value) : made;
    }
    if (before.patientId !== input.patientId) {
      const path = body.patientExternalId === undefined ? "/patientId" : "/patientExternalId";
      return invalid([{ path, message: "an entry's patient cannot change (sync a new entry instead)" }]);
    }
    const fields = entryFields(input);
    if (sameEntry(entryFields(before), fields)) return unchanged(before);
    const { patientId: _samePatient, ...patch } = fields;
    const edited = await editWaitlistEntryIn(tx, caller, before, patch, at);
    return edited.ok ? updated(edited.value) : edited;
  });
}
