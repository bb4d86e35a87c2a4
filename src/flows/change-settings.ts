import { effectiveSettings, patchSettings, type Settings } from "../core/settings.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import { getClinic, updateClinicSettings } from "../store/clinics.ts";
import { inTransaction } from "../store/db.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { remindersChanged, rescheduleReminders } from "./schedule-reminders.ts";

export async function getSettings(deps: Deps, caller: Caller): Promise<Result<Settings>> {
  const clinic = await getClinic(deps.db, caller.clinicId);
  if (!clinic) return notFound("clinic");
  return ok(effectiveSettings(clinic.timezone, clinic.overrides));
}

export async function changeSettings(deps: Deps, caller: Caller, patch: Partial<Settings>): Promise<Result<Settings>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const clinic = await getClinic(tx, caller.clinicId, true);
    if (!clinic) return notFound("clinic");
    const before = effectiveSettings(clinic.timezone, clinic.overrides);
    const next = patchSettings({ timezone: clinic.timezone, overrides: clinic.overrides }, patch);
    if (!next.ok) return next;
    const saved = await updateClinicSettings(tx, clinic.id, next.value.timezone, next.value.overrides);
    const after = effectiveSettings(saved.timezone, saved.overrides);
    await audit(tx, caller, at, { action: "settings.changed", entity: "clinic", entityId: clinic.id, before, after });
    if (remindersChanged(before, after)) await rescheduleReminders(tx, clinic.id, null, at);
    return ok(after);
  });
}

/** The settings a flow needs inside its transaction. */
export async function settingsIn(q: import("../store/db.ts").Queryable, clinicId: string): Promise<Settings> {
  const clinic = await getClinic(q, clinicId);
  if (!clinic) throw new Error(`clinic ${clinicId} vanished`);
  return effectiveSettings(clinic.timezone, clinic.overrides);
}
