// The outreach page (GET /outreach): the tasks, each with the patient's number to call — the only page
// that shows a patient's contact. Two queries however many tasks: the tasks, then their patients.
import type { PageRequest } from "../core/page.ts";
import { type Contact, patientContacts } from "../store/dashboard.ts";
import { listOutreach, type OutreachTask } from "./complete-outreach.ts";
import type { Caller, Deps } from "./deps.ts";

export type { Contact };

export interface OutreachBoard {
  tasks: OutreachTask[];
  /** By patient id. */
  contacts: Map<string, Contact>;
}

export async function viewOutreach(deps: Deps, caller: Caller, status: "OPEN" | "DONE", page: PageRequest): Promise<OutreachBoard> {
  const tasks = (await listOutreach(deps, caller, status, page)).items;
  const contacts = await patientContacts(
    deps.db,
    caller.clinicId,
    tasks.map((t) => t.patientId),
  );
  return { tasks, contacts };
}
