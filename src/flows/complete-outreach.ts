// Staff worked an outreach task: they booked the patient, the patient declined, or nobody answered.
import { notFound, ok, type Result } from "../core/result.ts";
import { inTransaction } from "../store/db.ts";
import { getOffer } from "../store/offers.ts";
import { wakeOpening } from "../store/openings.ts";
import { listInbound } from "../store/inbound.ts";
import { completeOutreachTask, getOutreachTask, listOutreachTasks, listStaffAlerts, type OutreachTask } from "../store/outreach.ts";
import type { Page, PageRequest } from "../store/page.ts";
import { setEntryStatus } from "../store/waitlist.ts";
import { acceptOffer } from "./claim-opening.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { declineOffer } from "./respond-to-offer.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

/** An outreach task as the flows hand it to the shells (they never import store/, not even for a type). */
export type { OutreachTask };

export type Outcome = "BOOKED" | "DECLINED" | "NO_ANSWER";

export async function completeOutreach(deps: Deps, caller: Caller, taskId: string, input: { outcome: Outcome; note?: string }): Promise<Result<OutreachTask>> {
  const task = await getOutreachTask(deps.db, caller.clinicId, taskId);
  if (!task) return notFound("outreach task");
  if (task.status === "DONE") return ok(task); // completing twice changes nothing
  // Booking and declining go through the same flows as the patient's own answer.
  if (task.notificationId && input.outcome !== "NO_ANSWER") {
    const offer = await getOffer(deps.db, caller.clinicId, task.notificationId);
    if (offer && (offer.status === "PENDING" || offer.status === "SCHEDULED")) {
      const answered = input.outcome === "BOOKED" ? await acceptOffer(deps, caller, offer.id, "at_desk") : await declineOffer(deps, caller, offer.id);
      if (!answered.ok) return answered;
    }
  }
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const current = await getOutreachTask(tx, caller.clinicId, taskId, true);
    if (!current) return notFound("outreach task");
    if (current.status === "DONE") return ok(current);
    if (input.outcome === "NO_ANSWER" && current.notificationId) {
      const offer = await getOffer(tx, caller.clinicId, current.notificationId);
      if (offer) {
        const withdrawn = await withdrawLiveOffers(tx, caller.clinicId, { entryId: offer.entryId }, now, "unreachable");
        if (withdrawn.length > 0) await setEntryStatus(tx, caller.clinicId, offer.entryId, "UNREACHABLE", now);
        await wakeOpening(tx, caller.clinicId, offer.openingId, now);
      }
    }
    const done = (await completeOutreachTask(tx, caller.clinicId, taskId, { outcome: input.outcome, note: input.note ?? null, at: now }))!;
    await audit(tx, caller, now, { action: "outreach_task.completed", entity: "outreach_task", entityId: taskId, before: current, after: done });
    return ok(done);
  });
}

export function listOutreach(deps: Deps, caller: Caller, status: "OPEN" | "DONE" | undefined, page: PageRequest): Promise<Page<OutreachTask>> {
  return listOutreachTasks(deps.db, caller.clinicId, status, page);
}

/**
 * What needs a person besides the tasks: recent staff alerts (a patient unreachable, a no-show…) and
 * patients' texts we could not act on ("what time is it?"), newest first.
 */
export async function staffNotices(deps: Deps, caller: Caller) {
  const [alerts, inbound] = await Promise.all([listStaffAlerts(deps.db, caller.clinicId, 20), listInbound(deps.db, caller.clinicId, 50)]);
  return { alerts, unclearTexts: inbound.filter((m) => m.action === "not_understood").slice(0, 20) };
}
