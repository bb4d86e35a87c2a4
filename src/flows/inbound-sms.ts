// Text replies from patients: YES/Y/1 accepts and NO/N/2 declines the sender's live offer.
// (Consent keywords — STOP, START, HELP — arrive with the real channels.)
import { normalisePhone } from "../core/phone.ts";
import { ok, type Result } from "../core/result.ts";
import type { Deps } from "./deps.ts";
import { acceptOffer } from "./claim-opening.ts";
import { declineOffer } from "./respond-to-offer.ts";

export type InboundAction = "accepted" | "declined" | "slot_filled" | "offer_expired" | "no_live_offer" | "not_understood";

const YES = new Set(["YES", "Y", "1", "YEP", "YEAH", "OK"]);
const NO = new Set(["NO", "N", "2", "NOPE"]);

export function readReply(body: string): "yes" | "no" | null {
  const word = body.trim().toUpperCase().replace(/[.!]+$/, "");
  return YES.has(word) ? "yes" : NO.has(word) ? "no" : null;
}

/** `clinicId` null: any clinic (the admin's dev view); a real provider number belongs to one clinic. */
export async function handleInboundSms(deps: Deps, clinicId: string | null, from: string, body: string): Promise<Result<{ action: InboundAction }>> {
  const phone = normalisePhone(from, "US", "/from");
  if (!phone.ok) return phone;
  const { rows } = await deps.db.query(
    `SELECT o.id, o.clinic_id FROM offers o JOIN patients p ON p.clinic_id = o.clinic_id AND p.id = o.patient_id
     WHERE p.phone = $1 AND o.status = 'PENDING' AND ($2::uuid IS NULL OR o.clinic_id = $2)
     ORDER BY o.sent_at DESC LIMIT 1`,
    [phone.value, clinicId],
  );
  const live = rows[0] as { id: string; clinic_id: string } | undefined;
  const reply = readReply(body);
  if (!live) return ok({ action: "no_live_offer" });
  if (!reply) return ok({ action: "not_understood" });
  const caller = { clinicId: live.clinic_id, actor: `patient:sms:${live.id}` };
  const result = reply === "yes" ? await acceptOffer(deps, caller, live.id) : await declineOffer(deps, caller, live.id);
  if (result.ok) return ok({ action: reply === "yes" ? "accepted" : "declined" });
  return ok({ action: result.code === "slot_filled" ? "slot_filled" : "offer_expired" });
}
