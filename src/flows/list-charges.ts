// A patient's charges (cancellation fees; deposits and prepayments later), oldest first.
import { notFound, ok, type Result } from "../core/result.ts";
import { listChargesOfPatient, type Charge } from "../store/charges.ts";
import { getPatient } from "../store/patients.ts";
import type { Caller, Deps } from "./deps.ts";

/** A charge as the flows hand it to the shells (they never import store/, not even for a type). */
export type { Charge };

export async function listChargesOf(deps: Deps, caller: Caller, patientId: string): Promise<Result<Charge[]>> {
  const patient = await getPatient(deps.db, caller.clinicId, patientId);
  if (!patient) return notFound("patient");
  return ok(await listChargesOfPatient(deps.db, caller.clinicId, patientId));
}
