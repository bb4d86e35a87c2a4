// The clinic a signed-in staff member acts for: its name and time zone head every dashboard page.
import { type ClinicRow, getClinic } from "../store/clinics.ts";
import type { Deps } from "./deps.ts";

/** Null when the clinic no longer exists (its sessions then end). */
export async function viewClinic(deps: Deps, clinicId: string): Promise<{ name: string; timezone: string } | null> {
  const clinic: ClinicRow | null = await getClinic(deps.db, clinicId);
  return clinic ? { name: clinic.name, timezone: clinic.timezone } : null;
}
