// A note to a patient that is not an offer (the no-show ladder's step, a waived fee): by SMS or email, the
// first of the clinic's channel order that reaches them, at the first minute their quiet hours allow.
// Consent is checked again when it is sent (prepare-delivery.ts), so a STOP in between still holds.
import { channelPlan } from "../core/channels.ts";
import { nextAllowedSend, patientZone } from "../core/quiet-hours.ts";
import type { Settings } from "../core/settings.ts";
import type { Patient } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { reachFor } from "./reach.ts";

export interface PatientNote {
  subject: string;
  text: string;
  /** Extra payload read at send time (e.g. `link`: the rebook link minted then). */
  extra?: Record<string, unknown>;
}

/** Queues `note` for `patient` in `tx`; false when no SMS or email reaches them (nothing queued). */
export async function queuePatientNote(tx: Tx, patient: Patient, clinicZone: string, settings: Settings, note: PatientNote, now: Date): Promise<boolean> {
  const channel = channelPlan(settings.channelOrder, await reachFor(tx, patient)).find((c) => c === "SMS" || c === "EMAIL");
  const to = channel === "SMS" ? patient.phone : channel === "EMAIL" ? patient.email : null;
  if (!channel || !to) return false;
  await insertDelivery(tx, {
    clinicId: patient.clinicId,
    offerId: null,
    patientId: patient.id,
    kind: "NOTICE",
    channel,
    dueAt: nextAllowedSend(now, patientZone(patient.timezone, clinicZone), settings.quietHours),
    payload: { to, subject: note.subject, text: note.text, ...note.extra },
    at: now,
  });
  return true;
}
