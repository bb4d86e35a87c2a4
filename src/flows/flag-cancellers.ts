// The frequent-canceller flag (core/cancellers.ts): set in the cancelling transaction, cleared by a
// sweep once the patient's cancellations in the last 30 days drop below the threshold.
import { flagsFor, FREQUENT_CANCELLER_COUNT, windowStart } from "../core/cancellers.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { lockStaleCancellerFlags, patientCancellationsSince, setPatientFlags } from "../store/housekeeping.ts";
import { getPatient } from "../store/patients.ts";
import { audit, type Caller, type Deps } from "./deps.ts";

/** After a patient's cancellation (in its transaction): flags them when it makes 2 in 30 days. */
export async function flagIfFrequentCanceller(tx: Tx, caller: Caller, patientId: string, now: Date): Promise<void> {
  const patient = await getPatient(tx, caller.clinicId, patientId, true);
  if (!patient) return;
  const count = await patientCancellationsSince(tx, caller.clinicId, patientId, windowStart(now));
  const flags = flagsFor(patient.flags, count);
  if (flags.length === patient.flags.length) return;
  await setPatientFlags(tx, caller.clinicId, patientId, flags, now);
  await audit(tx, caller, now, {
    action: "patient.flagged",
    entity: "patient",
    entityId: patientId,
    before: { flags: patient.flags },
    after: { flags, cancellationsIn30Days: count },
  });
}

/** Clears the flag of every patient no longer a frequent canceller at `now`; returns how many. */
export async function clearStaleCancellerFlags(deps: Deps, now: Date, batch = 100): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await inTransaction(deps.db, async (tx) => {
      const rows = await lockStaleCancellerFlags(tx, windowStart(now), FREQUENT_CANCELLER_COUNT, batch);
      let cleared = 0;
      for (const r of rows) {
        // Counted again now that the row is locked: the finding query's snapshot may predate a cancellation
        // that committed since (one that leaves the flags as they were does not touch the patient's row).
        const count = await patientCancellationsSince(tx, r.clinicId, r.id, windowStart(now));
        const flags = flagsFor(r.flags, count);
        if (flags.length === r.flags.length) continue;
        cleared++;
        await setPatientFlags(tx, r.clinicId, r.id, flags, now);
        await audit(tx, { clinicId: r.clinicId, actor: "system" }, now, {
          action: "patient.unflagged",
          entity: "patient",
          entityId: r.id,
          before: { flags: r.flags },
          after: { flags, cancellationsIn30Days: count },
        });
      }
      return { found: rows.length, cleared };
    });
    total += done.cleared;
    if (done.found < batch) return total;
  }
}
