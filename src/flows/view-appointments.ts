// The Appointments page (GET /appointments): active appointments of a period, soonest first, with what
// staff should know before cancelling one (names, flags, deposits) and the directory to show them.
// Five queries however many appointments (the appointments; the directory's three lists; names and
// standing together).
import type { Appointment } from "../core/types.ts";
import { directory, patientNames, patientStanding, upcomingAppointments, type Directory, type Standing } from "../store/dashboard.ts";
import type { Deps } from "./deps.ts";

export interface AppointmentsPage {
  appointments: Appointment[];
  dir: Directory;
  names: Map<string, string>;
  standing: Map<string, Standing>;
}

export async function viewAppointments(deps: Deps, clinicId: string, from: Date, to: Date): Promise<AppointmentsPage> {
  const q = deps.db;
  const [appointments, dir] = await Promise.all([upcomingAppointments(q, clinicId, from, to), directory(q, clinicId)]);
  const ids = appointments.map((a) => a.patientId);
  const [names, standing] = await Promise.all([patientNames(q, clinicId, ids), patientStanding(q, clinicId, ids)]);
  return { appointments, dir, names, standing };
}
