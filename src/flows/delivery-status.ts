// A provider's status callback (or the dev outbox's stand-in): statuses only move forward.
import { notFound, ok, type Result } from "../core/result.ts";
import type { Delivery, DeliveryStatus } from "../core/types.ts";
import { inTransaction } from "../store/db.ts";
import { advanceDeliveryStatus, getDelivery } from "../store/deliveries.ts";
import { audit, type Deps } from "./deps.ts";
import { failAndFallBack } from "./fall-back.ts";

export async function recordDeliveryStatus(
  deps: Deps,
  clinicId: string,
  deliveryId: string,
  status: DeliveryStatus,
  reason: string | null,
): Promise<Result<{ delivery: Delivery; changed: boolean }>> {
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await getDelivery(tx, clinicId, deliveryId, true);
    if (!before) return notFound("delivery");
    const after = await advanceDeliveryStatus(tx, clinicId, deliveryId, status, now, reason);
    if (!after) return ok({ delivery: before, changed: false }); // duplicate or out of order: no effect
    if (after.status === "FAILED" || after.status === "UNDELIVERED" || after.status === "BOUNCED") {
      await failAndFallBack(tx, after, reason ?? after.status.toLowerCase(), now);
    }
    await audit(tx, { clinicId, actor: "provider" }, now, {
      action: "delivery.status",
      entity: "delivery",
      entityId: deliveryId,
      before: { status: before.status },
      after: { status: after.status, reason },
    });
    return ok({ delivery: after, changed: true });
  });
}
