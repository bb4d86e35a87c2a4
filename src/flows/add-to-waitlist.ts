// A patient's standing request for a service, and staff's edits to it.
import { invalid, notFound, ok, type Result } from "../core/result.ts";
import type { EntryStatus, Priority, TimeWindow, WaitlistEntry } from "../core/types.ts";
import { checkPreferences, decideEdit, decideRemove } from "../core/waitlist.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { liveOfferOfPatient } from "../store/offers.ts";
import { lockOpening, wakeIdleOpenings } from "../store/openings.ts";
import { getEntry, insertEntry, setEntryStatus, updateEntry, type EntryFields } from "../store/waitlist.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { isFailure, resolveRefs } from "./references.ts";
import { refusingDuplicateExternalId } from "./sync.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

export interface EntryInput {
  patientId: string;
  serviceId: string;
  providerIds?: string[];
  chairIds?: string[];
  windows?: TimeWindow[];
  earliestDate?: string | null;
  latestDate?: string | null;
  priority?: Priority;
  minNoticeMinutes?: number;
  preferredTime?: string | null;
  notes?: string | null;
  /** The clinic's own system's id for the entry (null clears it on PATCH). */
  externalId?: string | null;
}

export async function addToWaitlist(deps: Deps, caller: Caller, input: EntryInput): Promise<Result<WaitlistEntry>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId("waitlist entry", () => inTransaction(deps.db, (tx) => addToWaitlistIn(tx, caller, input, at)));
}

export async function addToWaitlistIn(tx: Tx, caller: Caller, input: EntryInput, at: Date): Promise<Result<WaitlistEntry>> {
  const errors = checkPreferences(input);
  if (errors.length > 0) return invalid(errors);
  const refs = await resolveRefs(tx, caller.clinicId, input);
  if (isFailure(refs)) return refs;
  const entry = await insertEntry(tx, caller.clinicId, { ...entryFields(input), externalId: input.externalId ?? null }, at);
  await wakeIdleOpenings(tx, caller.clinicId, at);
  await audit(tx, caller, at, { action: "waitlist_entry.created", entity: "waitlist_entry", entityId: entry.id, after: entry });
  return ok(entry);
}

export type EntryPatch = Partial<Omit<EntryInput, "patientId">> & { status?: EntryStatus };

export async function editWaitlistEntry(deps: Deps, caller: Caller, id: string, patch: EntryPatch): Promise<Result<WaitlistEntry>> {
  const at = deps.clock.now();
  return refusingDuplicateExternalId("waitlist entry", () =>
    inTransaction(deps.db, async (tx) => {
      const before = await getEntry(tx, caller.clinicId, id, true);
      if (!before) return notFound("waitlist entry");
      return editWaitlistEntryIn(tx, caller, before, patch, at);
    }),
  );
}

/** PATCH semantics on an entry read `FOR UPDATE`: the status rules, the preferences merged and checked. */
export async function editWaitlistEntryIn(tx: Tx, caller: Caller, before: WaitlistEntry, patch: EntryPatch, at: Date): Promise<Result<WaitlistEntry>> {
  const id = before.id;
  const decision = decideEdit(before.status, patch.status);
  if (!decision.ok) return decision;
  const merged: EntryInput = { ...before, ...stripUndefined(patch) };
  const errors = checkPreferences(merged);
  if (errors.length > 0) return invalid(errors);
  const refs = await resolveRefs(tx, caller.clinicId, {
    serviceId: patch.serviceId,
    providerIds: patch.providerIds,
    chairIds: patch.chairIds,
  });
  if (isFailure(refs)) return refs;
  const entry = await updateEntry(
    tx,
    caller.clinicId,
    id,
    {
      ...entryFields(merged),
      status: decision.value.status,
      notificationCount: decision.value.resetCount ? 0 : before.notificationCount,
      externalId: patch.externalId,
    },
    at,
  );
  if (entry.status === "ACTIVE") await wakeIdleOpenings(tx, caller.clinicId, at);
  await audit(tx, caller, at, { action: "waitlist_entry.updated", entity: "waitlist_entry", entityId: id, before, after: entry });
  return ok(entry);
}

export async function removeFromWaitlist(deps: Deps, caller: Caller, id: string): Promise<Result<WaitlistEntry>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    // Lock order as in a claim: the opening of the entry's live offer (it is woken), then the entry.
    const current = await getEntry(tx, caller.clinicId, id);
    if (!current) return notFound("waitlist entry");
    const live = await liveOfferOfPatient(tx, caller.clinicId, current.patientId);
    if (live?.entryId === id) await lockOpening(tx, caller.clinicId, live.openingId);
    const before = (await getEntry(tx, caller.clinicId, id, true))!;
    const decision = decideRemove(before.status);
    if (!decision.ok) return decision;
    const withdrawn = await withdrawLiveOffers(tx, caller.clinicId, { entryId: id }, at, "entry_removed");
    const entry = await setEntryStatus(tx, caller.clinicId, id, decision.value, at);
    await audit(tx, caller, at, {
      action: "waitlist_entry.removed",
      entity: "waitlist_entry",
      entityId: id,
      before,
      after: { ...entry, withdrawnOfferIds: withdrawn },
    });
    return ok(entry);
  });
}

/** An entry's preferences as stored (defaults filled in, weekdays sorted, notes trimmed). */
export function entryFields(input: EntryInput): EntryFields {
  return {
    patientId: input.patientId,
    serviceId: input.serviceId,
    providerIds: input.providerIds ?? [],
    chairIds: input.chairIds ?? [],
    windows: (input.windows ?? []).map((w) => ({ weekdays: [...w.weekdays].sort((a, b) => a - b), start: w.start, end: w.end })),
    earliestDate: input.earliestDate ?? null,
    latestDate: input.latestDate ?? null,
    priority: input.priority ?? "normal",
    minNoticeMinutes: input.minNoticeMinutes ?? 0,
    preferredTime: input.preferredTime ?? null,
    notes: input.notes?.trim() || null,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
