// What every dashboard page shows beside its own rows: the clinic's providers, chairs and services,
// and patients' names for ids (a page asks for all of its names in one query, never one per row).
// Reads only: no transaction, nothing changes.
import { directory, patientNames, type Directory, type Named, type Standing } from "../store/dashboard.ts";
import type { Deps } from "./deps.ts";

export type { Directory, Named, Standing };

export function viewDirectory(deps: Deps, clinicId: string): Promise<Directory> {
  return directory(deps.db, clinicId);
}

/** "First Last" by patient id, for these patients of the clinic. */
export function viewPatientNames(deps: Deps, clinicId: string, patientIds: string[]): Promise<Map<string, string>> {
  return patientNames(deps.db, clinicId, patientIds);
}
