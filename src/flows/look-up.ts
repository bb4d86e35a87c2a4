// Read-only questions the HTTP layer asks. Every one is scoped to the caller's clinic.
import { notFound, ok, type Result } from "../core/result.ts";
import type { Appointment, AppointmentStatus, EntryStatus, Opening, OpeningStatus, Patient, Provider, Service, WaitlistEntry } from "../core/types.ts";
import { getAppointment, listAppointments } from "../store/appointments.ts";
import { listOpenings } from "../store/openings.ts";
import type { Page, PageRequest } from "../store/page.ts";
import { getPatient, listPatients, noShowCount } from "../store/patients.ts";
import { listResources, type ResourceTable } from "../store/providers.ts";
import { listServices } from "../store/services.ts";
import { getEntry, listEntries } from "../store/waitlist.ts";
import type { Caller, Deps } from "./deps.ts";

/** `?externalId=`: the record the clinic's own system knows by that id (API.md "External ids"). */
export interface ExternalIdFilter {
  externalId?: string;
}

export function listResourcesOf(deps: Deps, caller: Caller, table: ResourceTable, page: PageRequest, filter: ExternalIdFilter = {}): Promise<Page<Provider>> {
  return listResources(deps.db, table, caller.clinicId, page, filter);
}

export function listServicesOf(deps: Deps, caller: Caller, page: PageRequest, filter: ExternalIdFilter = {}): Promise<Page<Service>> {
  return listServices(deps.db, caller.clinicId, page, filter);
}

export interface PatientView extends Patient {
  noShowCount: number;
}

export async function findPatient(deps: Deps, caller: Caller, id: string): Promise<Result<PatientView>> {
  const patient = await getPatient(deps.db, caller.clinicId, id);
  if (!patient) return notFound("patient");
  return ok({ ...patient, noShowCount: await noShowCount(deps.db, caller.clinicId, id, deps.clock.now()) });
}

export function listPatientsOf(deps: Deps, caller: Caller, page: PageRequest, filter: ExternalIdFilter = {}): Promise<Page<Patient>> {
  return listPatients(deps.db, caller.clinicId, page, filter);
}

export async function findAppointment(deps: Deps, caller: Caller, id: string): Promise<Result<Appointment>> {
  const a = await getAppointment(deps.db, caller.clinicId, id);
  return a ? ok(a) : notFound("appointment");
}

export function listAppointmentsOf(
  deps: Deps,
  caller: Caller,
  filter: { from?: Date; to?: Date; status?: AppointmentStatus; patientId?: string; externalId?: string },
  page: PageRequest,
): Promise<Page<Appointment>> {
  return listAppointments(deps.db, caller.clinicId, filter, page);
}

export function listOpeningsOf(
  deps: Deps,
  caller: Caller,
  filter: { status?: OpeningStatus; from?: Date; to?: Date },
  page: PageRequest,
): Promise<Page<Opening>> {
  return listOpenings(deps.db, caller.clinicId, filter, page);
}

export async function findEntry(deps: Deps, caller: Caller, id: string): Promise<Result<WaitlistEntry>> {
  const e = await getEntry(deps.db, caller.clinicId, id);
  return e ? ok(e) : notFound("waitlist entry");
}

export function listEntriesOf(
  deps: Deps,
  caller: Caller,
  filter: { status?: EntryStatus; patientId?: string; serviceId?: string; externalId?: string },
  page: PageRequest,
): Promise<Page<WaitlistEntry>> {
  return listEntries(deps.db, caller.clinicId, filter, page);
}
