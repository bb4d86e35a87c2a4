// The patient's reschedule / rebook link: minted when the message carrying it is handed to a channel (like
// an offer's booking link), so the token itself is never stored — only its sha256, bound to one appointment.
import { linkExpiry, type LinkPurpose } from "../core/reschedule.ts";
import type { Appointment } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import type { Queryable, Tx } from "../store/db.ts";
import { findLinkByHash, insertLink, type AppointmentLink } from "../store/reschedule.ts";
import type { Deps } from "./deps.ts";
import { hashSecret, newSecret } from "./secrets.ts";

export const TOKEN_PATTERN = /^r_[A-Za-z0-9_-]{43}$/;

/** A fresh link for `a`: `${publicUrl}/r/<token>`, valid until the start (reschedule) or for 14 days (rebook). */
export async function issueMoveLink(deps: Deps, tx: Tx, a: Appointment, purpose: LinkPurpose, now: Date): Promise<string> {
  const token = newSecret("r");
  await insertLink(tx, {
    clinicId: a.clinicId,
    appointmentId: a.id,
    purpose,
    tokenHash: hashSecret(token),
    expiresAt: linkExpiry(purpose, a.start, now),
    at: now,
  });
  return `${deps.config.publicUrl}/r/${token}`;
}

/** The link a token names, with its appointment; null for anything else (malformed, unknown). */
export async function resolveMoveLink(q: Queryable, token: string, forUpdate = false): Promise<{ link: AppointmentLink; appointment: Appointment } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const link = await findLinkByHash(q, hashSecret(token));
  if (!link) return null;
  const appointment = await getAppointment(q, link.clinicId, link.appointmentId, forUpdate);
  return appointment ? { link, appointment } : null;
}

/**
 * A queued text may ask for a link (payload.link = { appointmentId, purpose }): the text's "{link}" is
 * replaced at send time. Null when the appointment is gone.
 */
export async function fillLink(
  deps: Deps,
  tx: Tx,
  clinicId: string,
  payload: Record<string, unknown>,
  text: string,
  now: Date,
): Promise<{ text: string; links: string[] } | null> {
  const wanted = payload.link as { appointmentId?: unknown; purpose?: unknown } | undefined;
  if (!wanted || typeof wanted !== "object") return { text, links: [] };
  const purpose: LinkPurpose = wanted.purpose === "REBOOK" ? "REBOOK" : "RESCHEDULE";
  const appointment = await getAppointment(tx, clinicId, String(wanted.appointmentId));
  if (!appointment) return null;
  const link = await issueMoveLink(deps, tx, appointment, purpose, now);
  return { text: text.replaceAll("{link}", link), links: [link] };
}
