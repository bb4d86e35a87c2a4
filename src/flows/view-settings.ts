// What the Settings page shows beside the settings themselves (flows/change-settings.ts): the categories
// of the clinic's services (one cancellation policy row each) and the clinic's staff logins. Reads only.
import { serviceCategories } from "../store/dashboard.ts";
import { listStaffUsers, type StaffUser } from "../store/staff.ts";
import type { Deps } from "./deps.ts";

export type { StaffUser };

export function viewServiceCategories(deps: Deps, clinicId: string): Promise<string[]> {
  return serviceCategories(deps.db, clinicId);
}

/** Oldest first. */
export function viewStaffUsers(deps: Deps, clinicId: string): Promise<StaffUser[]> {
  return listStaffUsers(deps.db, clinicId);
}
