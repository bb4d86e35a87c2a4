// The Waitlist page (GET /waitlist): entries by filter and free-text search, the patients to add an
// entry for, the flags staff should see, and the directory. Five queries however many entries.
import type { EntryStatus } from "../core/types.ts";
import { directory, patientChoices, patientStanding, searchEntries, type Directory, type EntryRow, type Named, type Standing } from "../store/dashboard.ts";
import type { Deps } from "./deps.ts";

export type { EntryRow };

export interface WaitlistPage {
  rows: EntryRow[];
  dir: Directory;
  /** Patients to pick from in the add form. */
  patients: Named[];
  standing: Map<string, Standing>;
}

export async function viewWaitlist(
  deps: Deps,
  clinicId: string,
  filter: { status?: EntryStatus | "open"; serviceId?: string; search?: string },
): Promise<WaitlistPage> {
  const q = deps.db;
  const [rows, dir, patients] = await Promise.all([searchEntries(q, clinicId, filter), directory(q, clinicId), patientChoices(q, clinicId)]);
  const standing = await patientStanding(
    q,
    clinicId,
    rows.map((r) => r.entry.patientId),
  );
  return { rows, dir, patients, standing };
}
